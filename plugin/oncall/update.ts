// `kubectl odoo update NAME -m MODS | --all-modules [-i MODS]`: a module update done the way people do
// it by hand, but safely. Under the instance lock: stop the instance, back it up (database and files of
// the stopped instance, so the backup is exactly the state the update starts from), run a Job from the
// instance's image with its environment and volumes (`odoo -u MODS -d DB --stop-after-init`) with its
// log streamed, then start the instance and wait until /web/health answers. When the update fails the
// instance stays stopped: the error gives the last lines of the log and the restore command that goes
// back to the backup; a half-updated database is never started without someone deciding so.
import type { V1Job } from '../../lib/kube/models.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { JOB_POD_LABEL, JobCancelledError, JobFailedError, runJob } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { CancelledError, FailureError } from '../../lib/errors.js';
import { LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_OPERATION, LABEL_COMPONENT, backupTargetOf, pauseHookEnv } from '../backups/jobSpecs.js';
import type { BackupDeps } from '../backups/deps.js';
import { scaleAndWait } from '../backups/deps.js';
import { ensureBackupsPvc, freshBackupTime, planBackup, runBackupJob } from '../backups/backup.js';
import { acquireInstanceLock } from '../backups/lock.js';
import { formatBackupTimestamp, jobName } from '../backups/naming.js';
import { odooConfPath } from '../odooconf/run.js';
import { HEALTH_PATH } from '../instances/manifests.js';
import { waitForWebHealth } from '../instances/webHealth.js';
import { buildMaintenancePod } from './maintenance.js';
import { odooArgv } from './odooRun.js';

export { parseModules } from './modules.js';

export interface UpdateRequest {
  /** -m MODS, or 'all' (--all-modules). Undefined: only -i. */
  update?: string[] | 'all';
  install: string[];
  backup: boolean;
}

/** odoo's argv: -d DB, -u MODS|all, -i MODS, --stop-after-init. */
export function odooUpdateArgs(database: string, r: UpdateRequest): string[] {
  return [
    '-d',
    database,
    ...(r.update ? ['-u', r.update === 'all' ? 'all' : r.update.join(',')] : []),
    ...(r.install.length ? ['-i', r.install.join(',')] : []),
    '--stop-after-init',
  ];
}

export const UPDATE_OPERATION = 'update';

/**
 * The update Job (pure): the Odoo container as the Deployment defines it (image, env with its Secret
 * references, volumes, security context, placement), running odoo once, not selected by the Deployment.
 */
export function buildUpdateJob(inst: InstanceObjects, r: UpdateRequest, id: string, deadlineSeconds: number) {
  const database = inst.facts.database!;
  const pod = buildMaintenancePod(inst);
  const name = jobName(UPDATE_OPERATION, inst.name, id);
  const labels: Record<string, string> = { [LABEL_MANAGED_BY]: 'kubectl-odoo', [LABEL_COMPONENT]: UPDATE_OPERATION, [LABEL_OPERATION]: UPDATE_OPERATION, [LABEL_INSTANCE]: inst.name.slice(0, 63) };
  const spec = { ...pod.spec, terminationGracePeriodSeconds: 30 };
  const c = pod.spec.containers[0];
  const pause = pauseHookEnv();
  spec.containers = [{ ...c, command: odooArgv(odooConfPath(inst), odooUpdateArgs(database, r)), ...(pause.length ? { env: [...(c.env ?? []), ...pause] } : {}) }];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: inst.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadlineSeconds,
      ttlSecondsAfterFinished: 86_400,
      template: { metadata: { labels: { ...labels, [JOB_POD_LABEL]: name } }, spec },
    },
  } satisfies V1Job;
}

export interface UpdatePlan {
  inst: InstanceObjects;
  request: UpdateRequest;
  replicas: number;
  job: ReturnType<typeof buildUpdateJob>;
  /** The steps, as --dry-run shows them. */
  steps: string[];
}

export function planUpdate(deps: BackupDeps, inst: InstanceObjects, r: UpdateRequest): UpdatePlan {
  if (!inst.facts.database) throw new FailureError(`instance ${inst.name} names no database (ODOO_DATABASE_NAME): cannot tell odoo which one to update`);
  // The checks a backup makes (a data volume, a database name, host and user), before anything changes.
  backupTargetOf(inst);
  const replicas = inst.deployment.spec?.replicas ?? 1;
  const job = buildUpdateJob(inst, r, formatBackupTimestamp(deps.clock.now()), deps.settings.deadlineSeconds);
  const what = [r.update ? `update ${r.update === 'all' ? 'all installed modules' : r.update.join(', ')}` : '', r.install.length ? `install ${r.install.join(', ')}` : ''].filter(Boolean).join(' and ');
  const steps = [
    `take the lock of ${inst.name}`,
    replicas > 0 ? `stop ${inst.name} (${replicas} ${replicas === 1 ? 'replica' : 'replicas'})` : `${inst.name} is stopped: it stays so`,
    r.backup ? 'back up its database and files (the instance stopped)' : 'no backup (--no-backup)',
    `run Job ${job.metadata.name}: odoo ${odooUpdateArgs(inst.facts.database, r).join(' ')} (${what})`,
    replicas > 0 ? `start ${inst.name} again and wait until ${HEALTH_PATH} answers` : `leave ${inst.name} stopped, as it was`,
    `on failure: leave ${inst.name} stopped and print the restore command back to the backup`,
  ];
  return { inst, request: r, replicas, job, steps };
}

export interface UpdateOutcome {
  instance: string;
  job: string;
  backup?: string;
  started: boolean;
}

/** The restore command that goes back to the backup taken before the update. */
export function restoreCommand(inst: InstanceObjects, backup: string): string {
  return `kubectl odoo restore ${inst.name} -n ${inst.namespace} --from ${backup} --yes`;
}

function failureHint(inst: InstanceObjects, backup: string | undefined, job: string): string {
  const back = backup
    ? `to go back to the state before the update (it starts the instance again):\n  ${restoreCommand(inst, backup)}`
    : `no backup was taken (--no-backup); "kubectl odoo backups ${inst.name}" lists earlier ones`;
  return `${inst.name} is left stopped: its database may be half updated. The whole log: kubectl logs job/${job} -n ${inst.namespace}\n${back}`;
}

export async function executeUpdate(deps: BackupDeps, plan: UpdatePlan, onLogLine: (line: string) => void): Promise<UpdateOutcome> {
  const { inst, replicas, job } = plan;
  const target = backupTargetOf(inst);
  const ref = { namespace: inst.namespace, name: inst.name, podSelector: inst.facts.podSelector };
  if (plan.request.backup) await ensureBackupsPvc(deps, inst.namespace);
  const lock = await acquireInstanceLock(deps.kube, { namespace: inst.namespace, instance: inst.name, operation: UPDATE_OPERATION, holder: deps.holder, clock: deps.clock, replicas, phase: 'stopping' });
  let backup: string | undefined;
  try {
    if (replicas > 0) {
      deps.progress(`stopping ${inst.name}`);
      await scaleAndWait(deps, ref, 0);
    }
    if (plan.request.backup) {
      const b = planBackup(deps, target, 'stop', false, undefined, await freshBackupTime(deps, target));
      await lock.update({ phase: 'backup', job: b.job.metadata.name });
      deps.progress(`backing up ${inst.name} before the update`);
      try {
        await runBackupJob(deps, target, b.job);
      } catch (e) {
        // Nothing was changed: the instance runs again as it was.
        if (replicas > 0 && !deps.signal?.aborted) {
          deps.progress(`the backup failed: starting ${inst.name} again, not updated`);
          await scaleAndWait(deps, ref, replicas).catch((err) => deps.progress(`warning: ${inst.name} did not become ready again: ${(err as Error).message}`));
        }
        throw e;
      }
      backup = b.path;
      deps.progress(`backup ${backup} complete`);
    }
    // From here the database may change: an interruption must not lead to the instance being started
    // again by recover, so the lock no longer gives back replicas.
    await lock.update({ phase: 'update', job: job.metadata.name, replicas: 0 });
    deps.progress(`running Job ${job.metadata.name}`);
    try {
      await runJob(deps.kube, job, {
        namespace: inst.namespace,
        clock: deps.clock,
        signal: deps.signal,
        timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
        what: `module update of ${inst.name}`,
        onLine: onLogLine,
        onStatus: (s) => deps.progress(`  ${s}`),
      });
    } catch (e) {
      const hint = failureHint(inst, backup, job.metadata.name);
      if (e instanceof JobFailedError) {
        const tail = e.result.log.trimEnd().split('\n').slice(-15);
        throw new UpdateFailedError(e.message, tail, hint);
      }
      if (e instanceof JobCancelledError || e instanceof CancelledError) throw new CancelledError(`${e.message}\n${hint}`);
      throw new FailureError((e as Error).message, { hint });
    }
    let started = false;
    if (replicas > 0) {
      await lock.update({ phase: 'starting', job: null });
      deps.progress(`starting ${inst.name}`);
      await scaleAndWait(deps, ref, replicas);
      await waitForWebHealth(deps, inst, { interrupted: 'the update itself succeeded', timedOut: `${inst.name} was updated and started` });
      started = true;
    }
    return { instance: inst.name, job: job.metadata.name, backup, started };
  } finally {
    await lock.release();
  }
}

/** The update Job failed: the last lines of its log, and what to do (the restore command). */
export class UpdateFailedError extends FailureError {
  constructor(
    message: string,
    readonly lastLines: string[],
    hint: string,
  ) {
    super(message, { hint });
  }
}

export const PENDING_SQL =
  "select name, state, latest_version from ir_module_module where state in ('to upgrade', 'to install', 'to remove') order by name";
