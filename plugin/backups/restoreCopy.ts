// `kubectl odoo restore NAME --from BACKUP --to NEW`, when NEW does not exist: a copy of NAME's backup
// as a new instance. It is created with the instances' own create (same customer, image, resources and
// storage class as NAME; a volume that holds the backup's data; no ingress unless --domain/--subdomain,
// so the copy never takes NAME's host name) and a database of its own, named after NEW. It is created
// stopped, filled by the restore Job (the database under NEW's name, the filestore folder renamed to
// it, an odoo.conf on the volume pointed at it), then started. When any step fails, what this run
// created (the objects and the database) is removed again; NAME is only read.
import { helperImage } from '../core/helperPod.js';
import type { PluginConfig } from '../core/config.js';
import { CancelledError, ConflictError, FailureError, UsageError } from '../../lib/errors.js';
import { runJob } from '../../lib/kube/jobs.js';
import { createInstance, removeCreatedInstance, type CreateInstanceResult } from '../instances/create.js';
import { buildCreateSpec, type CreateFlags } from '../instances/createOptions.js';
import { deriveInstanceFacts } from '../instances/facts.js';
import { buildInstanceManifests, pvcNameFor, type InstanceSpec } from '../instances/manifests.js';
import { databaseNameFor } from '../instances/names.js';
import { compareQuantities, parseQuantity } from '../instances/quantity.js';
import type { InstanceObjects } from '../instances/resolve.js';
import type { BackupDeps } from './deps.js';
import { scaleAndWait } from './deps.js';
import { backupTargetOf, buildDropDatabaseJob, buildJob, databaseEnv, type BackupTarget, type BuiltJob, type JobSettings } from './jobSpecs.js';
import type { V1Deployment, V1Ingress, V1PersistentVolumeClaim, V1Service } from '../../lib/kube/models.js';
import { acquireInstanceLock } from './lock.js';
import { isValidDatabaseName, jobName } from './naming.js';
import { makeProgressReporter } from './progress.js';

export interface CopyOptions {
  config: PluginConfig;
  domain?: string;
  subdomain?: string;
}

// Database settings create writes itself; secrets never become literals.
const DATABASE_ENV = new Set(['ODOO_DATABASE_HOST', 'ODOO_DATABASE_PORT_NUMBER', 'ODOO_DATABASE_PORT', 'ODOO_DATABASE_NAME', 'ODOO_DATABASE_USER', 'ODOO_DATABASE_PASSWORD', 'HOST', 'PORT', 'USER', 'PASSWORD']);

const GI = 2 ** 30;

/** The copy's volume size: the source's request, or more when the backup's data needs more (whole Gi). */
export function copyStorageSize(sourceRequest: string | undefined, dataBytes: number): string {
  const needed = `${Math.max(1, Math.ceil(dataBytes / GI))}Gi`;
  if (sourceRequest && parseQuantity(sourceRequest) && compareQuantities(sourceRequest, needed) >= 0) return sourceRequest;
  return needed;
}

/**
 * The new instance's spec from the source instance (pure). Throws a FailureError when the source's
 * shape cannot be copied (database settings not as create writes them), a UsageError for bad flags.
 */
export function copySpecOf(source: InstanceObjects, p: { name: string; namespace: string; dataBytes: number } & CopyOptions): InstanceSpec {
  const f = source.facts;
  const cannot = (why: string) =>
    new FailureError(`cannot make instance ${p.name} as a copy of ${source.name}: ${why}`, { hint: `create ${p.name} first (kubectl odoo create ${p.name} ...), then restore into it with --to ${p.name}` });
  if (!f.customerId) throw cannot('the source carries no customer id label');
  const user = f.db.user?.secret;
  const password = f.db.password?.secret;
  if (!user || !password || user.name !== password.name || user.key !== 'username' || password.key !== 'password') {
    throw cannot('its database user and password are not the keys "username" and "password" of one Secret');
  }
  const host = f.db.host?.value;
  if (!host) throw cannot('its database host is not a plain value in its env');
  const port = f.db.port?.value || '5432';
  const container = (source.deployment?.spec?.template?.spec?.containers ?? []).find((c) => c.name === f.container);
  // An env var has a name (the API server requires one).
  const env = (container?.env ?? [])
    .filter((e): e is typeof e & { name: string } => e.name !== undefined)
    .filter((e) => e.value !== undefined && !e.valueFrom && !DATABASE_ENV.has(e.name) && !/PASSWORD|PASSWD|SECRET|TOKEN/i.test(e.name))
    .map((e) => `${e.name}=${e.value}`);
  const hostGiven = p.domain !== undefined || p.subdomain !== undefined;
  const flags: CreateFlags = {
    name: p.name,
    customer: f.customerId,
    image: f.image,
    storage: copyStorageSize(source.pvc?.spec?.resources?.requests?.storage, p.dataBytes),
    cpu: f.cpu,
    memory: f.memory,
    storageClass: String(source.pvc?.spec?.storageClassName ?? p.config.storageClass),
    domain: p.domain,
    subdomain: p.subdomain,
    // A copy answers on no host name unless one is given: never the source's.
    ingress: hostGiven ? (String(p.config.ingress) === 'none' ? 'ingress' : String(p.config.ingress)) : 'none',
    dbSecret: user.name,
    env,
    // The size is the source's (or what its backup needs), not a typed one: maxStorage is for typos.
    force: true,
  };
  const spec = buildCreateSpec(flags, p.config, p.namespace);
  const database = databaseNameFor(p.name);
  if (!isValidDatabaseName(database)) throw new UsageError(`--to ${p.name}: "${database}" is not a usable database name`);
  if (database === f.database) {
    throw new UsageError(`--to ${p.name}: its database would be ${database}, the database of ${source.name}; a copy never shares its source's database, choose another name`);
  }
  return { ...spec, database, dbHost: host, dbPort: port, replicas: 0 };
}

/** What the restore Job needs to know about the copy, from the objects create will make. */
export function copyTargetOf(spec: InstanceSpec): BackupTarget {
  const m = buildInstanceManifests(spec);
  const inst: InstanceObjects = { namespace: spec.namespace, name: spec.name, deployment: m.deployment, pvcName: pvcNameFor(spec.instanceId), pvc: m.pvc, pods: [], facts: deriveInstanceFacts(m.deployment) };
  return { ...backupTargetOf(inst), replicas: 0 };
}

/** An object an instance is made of, as create writes it. */
export type InstanceObject = V1PersistentVolumeClaim | V1Service | V1Ingress | V1Deployment;

/** The objects a copy creates, in order (for --dry-run). */
export function copyObjects(spec: InstanceSpec): InstanceObject[] {
  const m = buildInstanceManifests(spec);
  return [m.pvc, m.service, ...(m.ingress ? [m.ingress] : []), m.deployment];
}

export interface CopyPlan {
  namespace: string;
  spec: InstanceSpec;
  target: BackupTarget;
  set: { path: string };
  job: BuiltJob;
  opId: string;
  source: string;
}

export interface CopyOutcome {
  instance: string;
  restored: string;
  copyOf: string;
  database: string;
}

// Asks the copy's database server whether its database exists: the count, as `EXISTS <n>`. The name
// reaches the SQL as a psql variable, quoted by psql.
export const DATABASE_EXISTS_SCRIPT = [
  'set -eu',
  'n=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "${MAINTENANCE_DB:-postgres}" -v target="$PGDATABASE" -f - <<\'SQL\'',
  "select count(*) from pg_database where datname = :'target';",
  'SQL',
  ') || { printf \'%s\\n\' "ERROR cannot read the list of databases on the server"; exit 1; }',
  'printf \'EXISTS %s\\n\' "$n"',
  '',
].join('\n');

/** The short Job that looks for the copy's database on its server; it mounts no volume. */
export function buildCopyDatabaseCheckJob(t: BackupTarget, opId: string, s: JobSettings): BuiltJob {
  return buildJob({
    name: jobName('check', t.name, opId),
    namespace: t.namespace,
    operation: 'restore',
    instance: t.name,
    image: helperImage(s.image, t.image),
    script: DATABASE_EXISTS_SCRIPT,
    env: databaseEnv(t.db, t.database),
    volumes: [],
    deadlineSeconds: 300,
  });
}

/** Pure: what the check Job printed, judged. Throws when the database exists or nothing could tell. */
export function judgeCopyDatabaseCheck(log: string, spec: Pick<InstanceSpec, 'name' | 'database' | 'dbHost' | 'dbPort'>, source: string, from = 'latest'): void {
  const line = log.split('\n').find((l) => /^EXISTS \d+$/.test(l.trim()));
  const where = `database ${spec.database} on ${spec.dbHost}:${spec.dbPort}`;
  if (!line) throw new FailureError(`could not tell whether ${where} exists; nothing was created`);
  if (line.trim() === 'EXISTS 0') return;
  throw new ConflictError(`${where} already exists, and a new instance never takes over an existing database; nothing was created`, {
    hint: `choose another --to name (the copy's database is named after it), or, if ${spec.database} is a leftover nobody uses, drop it on that server and run "kubectl odoo restore ${source} --from ${from} --to ${spec.name}" again`,
  });
}

/** Before anything is created: the copy's database must not exist yet on its server. */
export async function checkCopyDatabaseFree(deps: BackupDeps, plan: CopyPlan): Promise<void> {
  const { spec } = plan;
  deps.progress(`checking that database ${spec.database} does not exist yet`);
  let log: string;
  try {
    const r = await runJob(deps.kube, buildCopyDatabaseCheckJob(plan.target, plan.opId, deps.settings), {
      namespace: plan.namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: 360_000,
      what: `the check for database ${spec.database}`,
      keep: 'none',
      onStatus: (s) => deps.progress(`  ${s}`),
    });
    log = r.log;
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    throw new FailureError(`could not tell whether database ${spec.database} exists on ${spec.dbHost}:${spec.dbPort}, so nothing was created: ${(e as Error).message}`, { cause: e });
  }
  judgeCopyDatabaseCheck(log, spec, plan.source, plan.set.path.split('/').pop());
}

/** What a copy run has made so far: what undoCopy removes again. */
export interface CopyProgress {
  created?: CreateInstanceResult;
  databaseCreated: boolean;
}

/** Creates the copy stopped and restores the set into it, noting in `made` what exists. */
export async function createAndFillCopy(deps: BackupDeps, plan: Pick<CopyPlan, 'namespace' | 'spec' | 'set' | 'job'>, made: CopyProgress): Promise<void> {
  const { spec, set } = plan;
  deps.progress(`creating instance ${spec.name} (stopped; database ${spec.database}, ${spec.storage} on ${spec.storageClass})`);
  made.created = await createInstance(deps.kube, { spec, signal: deps.signal, progress: (l) => deps.progress(`  ${l}`) });
  deps.progress(`restoring ${set.path} into ${spec.name}`);
  const report = makeProgressReporter(deps.progress, () => deps.clock.now().getTime());
  await runJob(deps.kube, plan.job, {
    namespace: plan.namespace,
    clock: deps.clock,
    signal: deps.signal,
    timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
    what: `restore of ${set.path} into ${spec.name}`,
    // A failed Job is not kept: its pod would hold the volume that is removed with the copy (the
    // Job's ERROR line is in the message).
    keep: 'none',
    onLine: (line) => {
      // From COMMITTED on the database is the copy's; before, the Job drops it itself when it fails.
      if (/^(COMMITTED|REPLACED |DONE )/.test(line)) made.databaseCreated = true;
      report(line);
    },
    onStatus: (s) => deps.progress(`  ${s}`),
  });
  made.databaseCreated = true;
}

/** Starts the filled copy and waits until it is ready. */
export function startCopy(deps: BackupDeps, spec: InstanceSpec): Promise<void> {
  deps.progress(`starting ${spec.name}`);
  return scaleAndWait(deps, { namespace: spec.namespace, name: spec.name, podSelector: copyPodSelector(spec) }, 1);
}

/**
 * Creates the copy stopped, restores the set into it, starts it and waits until it is ready. On any
 * failure (or Ctrl-C) the objects and the database this run created are removed again.
 */
export async function executeCopy(deps: BackupDeps, plan: CopyPlan): Promise<CopyOutcome> {
  const { spec, target, set } = plan;
  const lock = await acquireInstanceLock(deps.kube, { namespace: plan.namespace, instance: target.name, operation: 'restore', holder: deps.holder, clock: deps.clock });
  const made: CopyProgress = { databaseCreated: false };
  try {
    await createAndFillCopy(deps, plan, made);
    await startCopy(deps, spec);
    return { instance: spec.name, restored: set.path, copyOf: plan.source, database: spec.database };
  } catch (e) {
    const interrupted = e instanceof CancelledError || !!deps.signal?.aborted;
    const left = await undoCopy(deps, plan, made);
    const what = left.length ? `could not remove ${left.join(', ')}; remove them by hand` : `what it created was removed (${spec.name}'s objects${made.databaseCreated ? ` and database ${spec.database}` : ''}); ${plan.source} was not changed`;
    if (interrupted) throw new CancelledError(`interrupted: the copy ${spec.name} of ${set.path} was not finished; ${what}`);
    throw new FailureError(`making instance ${spec.name} from ${set.path} failed: ${(e as Error).message}; ${what}`, { hint: (e as { hint?: string }).hint, cause: e });
  } finally {
    await lock.release();
  }
}

function copyPodSelector(spec: InstanceSpec): Record<string, string> {
  return buildInstanceManifests(spec).deployment.spec.selector.matchLabels;
}

/** Removes the copy's database (when this run made it) and objects; returns what is left. Runs whatever the signal says. */
export async function undoCopy(deps: BackupDeps, plan: Pick<CopyPlan, 'namespace' | 'spec' | 'target' | 'opId'>, made: CopyProgress): Promise<string[]> {
  const left: string[] = [];
  const { spec, target } = plan;
  const { created, databaseCreated } = made;
  // Without the (possibly aborted) signal: the removal must run to its end after a Ctrl-C.
  deps = { ...deps, signal: undefined };
  if (created && created.created.some((c) => c.startsWith('Deployment/'))) {
    // Stopped first, so nothing holds the database while it is dropped.
    await scaleAndWait(deps, { namespace: spec.namespace, name: spec.name, podSelector: copyPodSelector(spec) }, 0).catch(() => {});
  }
  if (databaseCreated) {
    deps.progress(`dropping database ${spec.database}`);
    try {
      await runJob(deps.kube, buildDropDatabaseJob(target, plan.opId, deps.settings), {
        namespace: plan.namespace,
        clock: deps.clock,
        timeoutMs: 600_000,
        what: `removal of database ${spec.database}`,
        keep: 'none',
        onStatus: (s) => deps.progress(`  ${s}`),
      });
    } catch {
      left.push(`database ${spec.database}`);
    }
  }
  if (created) left.push(...(await removeCreatedInstance(deps.kube, spec, created, (l) => deps.progress(`  ${l}`))));
  return left;
}
