// `kubectl odoo restore NAME --from BACKUP [--to NEW-NAME]`.
//
// Order of events, each step only when the previous one succeeded:
//   lock the instance -> stop it -> safety backup of its current state -> restore Job (database into a
//   scratch database and files into a staging folder on the same volume, then both swapped in) ->
//   start it -> wait until ready -> remove the replaced files and database (a Job beside the running
//   instance, so a large filestore's removal costs no downtime) -> unlock.
// The restore Job leaves the instance's database and files untouched unless both parts were restored,
// and undoes its own swap if the swap itself fails or the Job is stopped; the instance is started again
// in every case, and an interruption (Ctrl-C) ends with a message that says what state it left.
//
// planRestore reads (and changes nothing), so the command can show the plan and ask before
// executeRestore changes anything.
import { resolveInstance, type InstanceObjects } from '../instances/resolve.js';
import { JobCancelledError, JobFailedError, runJob } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { CancelledError, ConflictError, FailureError, NotFoundError, UsageError } from '../../lib/errors.js';
import { isNotFound } from '../../lib/kube/errors.js';
import type { BackupDeps } from './deps.js';
import { scaleAndWait } from './deps.js';
import { ensureBackupsPvc, freshBackupTime, planBackup, runBackupJob } from './backup.js';
import { backupTargetOf, buildRemoveReplacedJob, buildRestoreJob, buildRestorePreflightJob, type BackupTarget, type BuiltJob } from './jobSpecs.js';
import type { Read, V1Deployment } from '../../lib/kube/models.js';
import { acquireInstanceLock } from './lock.js';
import { findBackupSet, findPlatformArchive } from './list.js';
import { parsePlatformArchivePath, type ArchiveLayout, type PlatformArchiveRef } from './platformArchives.js';
import { runVerify } from './verify.js';
import { type BackupSetInfo } from './listing.js';
import { formatBytes } from '../../lib/bytes.js';
import { formatBackupTimestamp, parseBackupRef, sideDatabaseName, validateBackupInstanceName, type BackupRef } from './naming.js';
import { makeProgressReporter } from './progress.js';
import { copyObjects, copySpecOf, copyTargetOf, type CopyOptions, type CopyPlan, type InstanceObject } from './restoreCopy.js';
import { instanceNameProblem } from '../instances/names.js';
import type { InstanceSpec } from '../instances/manifests.js';

export interface RestoreOptions {
  namespace: string;
  /** The instance the backup comes from (and the target unless `to`). */
  name: string;
  from: string;
  /** Restore into this other instance instead; a new one (a copy) when it does not exist. */
  to?: string;
  /** For a new instance (--to NEW): the config its shape falls back to, and its host name if any. */
  copy?: CopyOptions;
  /** Replace the files only, leave the database as it is (required for a platform archive). */
  filesOnly?: boolean;
}

export interface RestoreOutcome {
  instance: string;
  restored: string;
  safetyBackup?: string;
  job?: BuiltJob;
}

export interface RestorePlan {
  namespace: string;
  inst: InstanceObjects;
  target: BackupTarget;
  set: BackupSetInfo;
  /** The set came from "latest". */
  latest: boolean;
  /** Another instance's backup restored into `target` (--to). */
  copyFrom?: string;
  job: BuiltJob;
  replaced: { oldDatabase: string; opId: string };
  /** The files only: the database stays as it is. */
  filesOnly?: boolean;
}

/** A restore into an instance --to names that does not exist yet: it is created as a copy. */
export interface RestoreCopyPlan extends CopyPlan {
  kind: 'copy';
  latest: boolean;
  copyFrom: string;
  set: BackupSetInfo;
  /** The objects create will make (stopped), for --dry-run. */
  objects: InstanceObject[];
}

/**
 * Checks the arguments before anything is read or changed: a backup reference, or the path of a
 * platform archive (active/CUSTOMER/NAME.tar.gz), which holds no database and needs --files-only.
 */
export function validateRestoreArgs(opts: Pick<RestoreOptions, 'name' | 'from' | 'to' | 'filesOnly'>): { ref?: ReturnType<typeof parseBackupRef>; archive?: PlatformArchiveRef } {
  if (opts.to !== undefined) validateBackupInstanceName(opts.to, '--to');
  if (opts.to === opts.name) throw new UsageError('--to names the same instance; leave it out to restore in place');
  const archive = parsePlatformArchivePath(opts.from);
  if (archive) {
    if (!opts.filesOnly) {
      throw new UsageError(`${archive.path} is a platform archive: it holds the data volume and no database; restore its files with --files-only (the database stays as it is)`);
    }
    if (opts.to !== undefined) throw new UsageError('--to makes a copy with a database of its own; a platform archive holds no database');
    return { archive };
  }
  if (opts.filesOnly && opts.to !== undefined) throw new UsageError('--files-only restores into an existing instance; it cannot make a copy (--to)');
  return { ref: parseBackupRef(opts.from) };
}

/** Resolves the target and the backup set and builds the restore Job; changes nothing. */
export async function planRestore(deps: BackupDeps, opts: RestoreOptions): Promise<RestorePlan | RestoreCopyPlan> {
  const { ref, archive } = validateRestoreArgs(opts);
  const targetName = opts.to ?? opts.name;
  let inst;
  try {
    inst = await resolveInstance(deps.kube, opts.namespace, targetName);
  } catch (e) {
    if (opts.to && ref && (e instanceof NotFoundError || isNotFound(e))) return planCopy(deps, opts as RestoreOptions & { to: string }, ref);
    throw e;
  }
  if (opts.copy?.domain !== undefined || opts.copy?.subdomain !== undefined) {
    throw new UsageError(`--domain/--subdomain are for a new instance (--to NEW); instance ${targetName} exists and keeps its ingress`);
  }
  const target = backupTargetOf(inst);
  await ensureBackupsPvc(deps, opts.namespace);
  const set = archive ? await platformArchiveFor(deps, opts.namespace, archive, target) : await findBackupSet(deps, opts.namespace, ref!, opts.name);
  const filesOnly = !!opts.filesOnly;
  const id = formatBackupTimestamp(deps.clock.now());
  const replaced = { oldDatabase: filesOnly ? '-' : sideDatabaseName(target.database, 'old', id), opId: id };
  const job = buildRestoreJob(
    { ...target, nodeName: undefined },
    {
      setPath: set.path,
      sourceDatabase: set.manifest?.database ?? target.database,
      scratchDatabase: filesOnly ? '-' : sideDatabaseName(target.database, 'restore', id),
      ...replaced,
      filesOnly,
    },
    deps.settings,
  );
  return { namespace: opts.namespace, inst, target, set, latest: ref?.timestamp === 'latest', copyFrom: opts.to ? opts.name : undefined, job, replaced, filesOnly };
}

/**
 * A platform archive to restore into `target`: it must be the target's as "backups" lists it (its
 * customer's, or matched by the target's id or database when the target has no customer id, and not
 * named after another instance), hold the layout of the target's image, and pass the checks "backup
 * verify" makes (gzip and tar intact, no entry or link leaving the volume, an Odoo data volume's
 * layout) before anything changes.
 */
async function platformArchiveFor(deps: BackupDeps, namespace: string, archive: PlatformArchiveRef, target: BackupTarget): Promise<BackupSetInfo> {
  const set = await findPlatformArchive(deps, namespace, archive.path);
  const owners = set.instances ?? (set.instance ? [set.instance] : []);
  if (!owners.includes(target.name)) {
    const whose = owners.length ? `it is ${owners.join(' or ')}'s (customer ${archive.customerId})` : `it belongs to customer ${archive.customerId}`;
    throw new UsageError(`${archive.path} is not an archive of instance ${target.name} (customer ${target.customerId}): ${whose}; nothing was changed`, {
      hint: `see "kubectl odoo backups ${target.name}" for its archives`,
    });
  }
  deps.progress(`checking ${archive.path}`);
  const report = await runVerify(deps, { namespace, backup: archive.path, restoreTest: false });
  const failed = report.checks.filter((c) => !c.ok && c.check !== 'database');
  if (failed.length) {
    throw new FailureError(`${archive.path} cannot be restored: ${failed.map((c) => `${c.check}: ${c.detail}`).join('; ')}; nothing was changed`);
  }
  const problem = report.layout && layoutMismatch(report.layout, target.dataMountPath);
  if (problem) throw new UsageError(`${archive.path} cannot be restored into ${target.name}: ${problem}; nothing was changed`);
  return set;
}

const LAYOUT_MOUNTS: Record<ArchiveLayout, { mount: string; what: string }> = {
  bitnami: { mount: '/bitnami/odoo', what: "a bitnami image's volume (conf/, data/filestore/)" },
  official: { mount: '/var/lib/odoo', what: "the official image's volume (filestore/ at the top)" },
};

/**
 * Why an archive of `layout` does not fit an instance whose volume is mounted at `mount`: Odoo would
 * not find its filestore where the image's data_dir points. Undefined when it fits or the mount is
 * neither image's.
 */
export function layoutMismatch(layout: ArchiveLayout, mount: string): string | undefined {
  const want = Object.entries(LAYOUT_MOUNTS).find(([, m]) => m.mount === mount.replace(/\/+$/, ''));
  if (!want || want[0] === layout) return undefined;
  return `it holds ${LAYOUT_MOUNTS[layout].what}, but the instance's image keeps its data at ${mount}, where Odoo would not find that filestore`;
}

/** The plan that makes `spec` a new instance filled from `set`, a backup of `source` (reads nothing). */
export function copyPlanFor(deps: BackupDeps, p: { namespace: string; source: InstanceObjects; set: BackupSetInfo; spec: InstanceSpec }): CopyPlan & { set: BackupSetInfo; objects: InstanceObject[] } {
  const { spec, set } = p;
  const target = copyTargetOf(spec);
  const opId = formatBackupTimestamp(deps.clock.now());
  const job = buildRestoreJob(
    target,
    {
      setPath: set.path,
      sourceDatabase: set.manifest!.database,
      scratchDatabase: sideDatabaseName(spec.database, 'restore', opId),
      oldDatabase: sideDatabaseName(spec.database, 'old', opId),
      opId,
      newInstance: true,
    },
    { ...deps.settings, image: deps.settings.image || backupTargetOf(p.source).image || undefined },
  );
  return { namespace: p.namespace, spec, target, set, job, opId, source: p.source.name, objects: copyObjects(spec) };
}

/** --to names no instance: plan a new one shaped like the source, filled from the set (reads only). */
async function planCopy(deps: BackupDeps, opts: RestoreOptions & { to: string }, ref: BackupRef): Promise<RestoreCopyPlan> {
  const problem = instanceNameProblem(opts.to);
  if (problem) throw new UsageError(`--to: invalid name "${opts.to}" for a new instance: ${problem} (e.g. acme-test)`);
  if (!opts.copy) throw new NotFoundError(`instance ${opts.to} (--to) does not exist in namespace ${opts.namespace}`);
  const source = await resolveInstance(deps.kube, opts.namespace, opts.name);
  backupTargetOf(source); // a source that cannot be backed up cannot be copied either: said before anything is read
  await ensureBackupsPvc(deps, opts.namespace);
  const set = await findBackupSet(deps, opts.namespace, ref, opts.name);
  const spec = copySpecOf(source, { name: opts.to, namespace: opts.namespace, dataBytes: set.manifest!.dataBytes, ...opts.copy });
  return { kind: 'copy', ...copyPlanFor(deps, { namespace: opts.namespace, source, set, spec }), latest: ref.timestamp === 'latest', copyFrom: source.name };
}

export function isCopyPlan(plan: RestorePlan | RestoreCopyPlan): plan is RestoreCopyPlan {
  return (plan as RestoreCopyPlan).kind === 'copy';
}

/** "taken 2025-01-15T10:30:00Z" for the set a plan restores. */
export function describeSetTime(set: Pick<BackupSetInfo, 'time'>): string {
  return `taken ${set.time.toISOString().replace('.000Z', 'Z')}`;
}

/** The question the command asks before a restore (the answer to type is the target's name). */
export function restoreQuestion(plan: { namespace: string; target: Pick<BackupTarget, 'name'>; set: Pick<BackupSetInfo, 'path' | 'time'> & { kind?: BackupSetInfo['kind'] }; copyFrom?: string; kind?: 'copy'; spec?: Pick<InstanceSpec, 'database' | 'host'>; filesOnly?: boolean }): string {
  const t = plan.target.name;
  if (plan.kind === 'copy' && plan.spec) {
    return (
      `This creates instance ${t} in namespace ${plan.namespace}, a copy of ${plan.copyFrom}'s backup ${plan.set.path} (${describeSetTime(plan.set)}), ` +
      `with its own database ${plan.spec.database} and ${plan.spec.host ? `host name ${plan.spec.host}` : 'no ingress'}; ${plan.copyFrom} is not changed.`
    );
  }
  const stopped = `${t} is stopped meanwhile; a safety backup of its current state is taken first.`;
  if (plan.filesOnly) {
    const what = plan.set.kind === 'platform' ? `platform archive ${plan.set.path}` : `the files of backup ${plan.set.path}`;
    return `This replaces the files of instance ${t} in namespace ${plan.namespace} with ${what} (${describeSetTime(plan.set)}); its database is left as it is. ${stopped}`;
  }
  const what = plan.copyFrom ? `a copy of ${plan.copyFrom}'s backup ${plan.set.path}` : `backup ${plan.set.path}`;
  return `This replaces the database and files of instance ${t} in namespace ${plan.namespace} with ${what} (${describeSetTime(plan.set)}). ${stopped}`;
}

/** Where the restore Job's last STATE line left the instance (scripts.ts, RESTORE_SCRIPT). */
export type RestoreJobState = 'untouched' | 'rolled-back' | 'committed' | 'incomplete' | 'unknown';

/** The STATE line of a restore Job's log; 'unknown' when it ended without one (killed). */
export function restoreJobState(log: string): { state: RestoreJobState; journal?: string } {
  let found: { state: RestoreJobState; journal?: string } = { state: 'unknown' };
  for (const line of log.split('\n')) {
    const m = /^STATE (untouched|rolled-back|committed|incomplete)(?: (\S+))?$/.exec(line.trim());
    if (m) found = { state: m[1] as RestoreJobState, ...(m[2] ? { journal: m[2] } : {}) };
  }
  if (found.state === 'unknown' && /^(COMMITTED|REPLACED )/m.test(log)) return { state: 'committed' };
  return found;
}

/** Where a restore was when it stopped; what the interruption message is built from. */
export interface RestoreProgress {
  stage: 'preflight' | 'stopping' | 'safety-backup' | 'restoring' | 'starting' | 'removing-replaced';
  /** The restore Job's last PHASE (check, files+database, swap). */
  jobPhase?: string;
  /** Where the restore Job left the instance (only for stage 'restoring'). */
  jobState?: { state: RestoreJobState; journal?: string };
  safetyBackup?: string;
}

export interface InterruptionFacts extends RestoreProgress {
  instance: string;
  set: string;
  /** What happened to the instance after the interruption. */
  start: 'started' | 'stopped-as-before' | 'not-started' | 'left-stopped';
}

/** One message that says exactly what state an interrupted restore left (pure). */
export function describeInterruption(f: InterruptionFacts): string {
  const i = f.instance;
  const safety = f.safetyBackup ? ` (safety backup: ${f.safetyBackup})` : '';
  const recover = `kubectl odoo recover ${i}`;
  const started =
    f.start === 'started'
      ? ' and was started again'
      : f.start === 'stopped-as-before'
        ? ' and stays stopped, as it was'
        : f.start === 'left-stopped'
          ? ` and stays stopped and locked until "${recover}" resolves it`
          : ` and was NOT started again: start it with "kubectl odoo start ${i}"`;
  const head = `interrupted: restore of ${i}`;
  switch (f.stage) {
    case 'preflight':
    case 'stopping':
      return `${head} stopped before anything was restored; ${i} keeps its database and files${started}`;
    case 'safety-backup':
      return `${head} stopped during the safety backup, before anything was restored; ${i} keeps its database and files${started} (the unfinished safety backup is a failed set, which "kubectl odoo backups prune" removes)`;
    case 'restoring': {
      const js = f.jobState ?? { state: 'unknown' };
      if (js.state === 'untouched') return `${head} stopped during ${f.jobPhase ?? 'the restore'}, before the swap; ${i} keeps its database and files${started}${safety}`;
      if (js.state === 'rolled-back') return `${head} stopped during the swap, which was undone; ${i} has its previous database and files${started}${safety}`;
      if (js.state === 'committed') {
        return `${head} stopped after ${f.set} was swapped in: ${i} has the restored database and files${started}; "${recover}" removes what the restore replaced${safety}`;
      }
      if (js.state === 'incomplete') {
        return `${head} stopped with its swap incomplete (journal state ${js.journal ?? 'unknown'}); ${i} stays stopped and locked: "${recover}" finishes the swap${safety}`;
      }
      return `${head} stopped during ${f.jobPhase ?? 'the restore'} and its Job ended without saying where ${i} stands; ${i} stays stopped and locked: "${recover}" reads the restore's journal and finishes or undoes the swap${safety}`;
    }
    case 'starting':
      return `${head} from ${f.set} is complete, but it was interrupted while ${i} was starting (see "kubectl odoo status ${i}"); "${recover}" removes what the restore replaced${safety}`;
    case 'removing-replaced':
      return `${head} from ${f.set} is complete and ${i} runs, but removing what it replaced was cut short; "${recover}" removes it${safety}`;
  }
}

/** Deployment annotation: a restore's replaced files and database, until they are removed. */
export const LEFTOVERS_ANNOTATION = 'kubectl-odoo.io/restore-leftovers';

export interface RestoreLeftovers {
  op: string;
  files: string;
  database: string;
}

export function leftoversPatch(l: RestoreLeftovers | null): unknown {
  return { metadata: { annotations: { [LEFTOVERS_ANNOTATION]: l ? JSON.stringify(l) : null } } };
}

export function readLeftovers(deployment: Read<V1Deployment> | undefined): RestoreLeftovers | undefined {
  try {
    const raw = deployment?.metadata?.annotations?.[LEFTOVERS_ANNOTATION];
    const l: unknown = raw ? JSON.parse(raw) : undefined;
    // As the plugin wrote it: an object with its op.
    return typeof l === 'object' && l !== null && typeof (l as { op?: unknown }).op === 'string' ? (l as RestoreLeftovers) : undefined;
  } catch {
    return undefined;
  }
}

/** How long the plugin waits, after a Ctrl-C, for the restore Job's pod to finish or undo its swap. */
const DRAIN_MS = 120_000;

export async function executeRestore(deps: BackupDeps, plan: RestorePlan): Promise<RestoreOutcome> {
  const { target, set, job, replaced } = plan;
  const ref = { namespace: target.namespace, name: target.name, podSelector: plan.inst.facts.podSelector };
  const progress: RestoreProgress = { stage: 'preflight' };
  const interrupted = (e: unknown) => e instanceof CancelledError || !!deps.signal?.aborted;
  const lock = await acquireInstanceLock(deps.kube, { namespace: plan.namespace, instance: target.name, operation: 'restore', holder: deps.holder, clock: deps.clock, replicas: target.replicas, phase: 'preflight' });
  // An instance whose state is not known stays locked: only recover may touch it then.
  let keepLock = false;
  const leftovers: RestoreLeftovers = { op: replaced.opId.toLowerCase(), files: `.odoo-restore-${replaced.opId.toLowerCase()}`, database: replaced.oldDatabase };
  const setLeftovers = (l: RestoreLeftovers | null) =>
    deps.kube.patch(RESOURCES.deployments, target.name, leftoversPatch(l), { namespace: target.namespace }).catch((err) => deps.progress(`warning: could not update Deployment ${target.name}: ${(err as Error).message}`));
  try {
    try {
      await preflightRestore(deps, plan);
      if (target.replicas > 0) {
        progress.stage = 'stopping';
        await lock.update({ phase: 'stopping' });
        deps.progress(`stopping ${target.name}`);
        await scaleAndWait(deps, ref, 0);
      }
      progress.stage = 'safety-backup';
      deps.progress(`safety backup of ${target.name}`);
      const safety = planBackup(deps, target, 'stop', false, { restoring: set.path }, await freshBackupTime(deps, target));
      await lock.update({ phase: 'safety-backup', job: safety.job.metadata.name });
      try {
        await runBackupJob(deps, target, safety.job);
      } catch (e) {
        if (interrupted(e)) throw e;
        throw new FailureError(`the safety backup of ${target.name} failed, so nothing was restored: ${(e as Error).message}`, { hint: (e as { hint?: string }).hint });
      }
      progress.safetyBackup = safety.path;
      deps.progress(`safety backup: ${safety.path} (proven: re-read from the backups volume)`);
      progress.stage = 'restoring';
      deps.progress(`restoring ${set.path} into ${target.name}`);
      await lock.update({ phase: 'restoring', job: job.metadata.name });
      await setLeftovers(leftovers);
      const report = makeProgressReporter(deps.progress, () => deps.clock.now().getTime());
      try {
        const result = await runJob(deps.kube, job, {
          namespace: plan.namespace,
          clock: deps.clock,
          signal: deps.signal,
          timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
          what: `restore of ${target.name}`,
          drainOnCancelMs: DRAIN_MS,
          onLine: (line) => {
            const phase = /^PHASE (\S+)$/.exec(line);
            if (phase) {
              progress.jobPhase = phase[1];
              void lock.update({ phase: phase[1] });
            }
            report(line);
          },
          onStatus: (s) => deps.progress(`  ${s}`),
        });
        progress.jobState = restoreJobState(result.log);
      } catch (e) {
        progress.jobState = restoreJobState(e instanceof JobFailedError ? e.result.log : e instanceof JobCancelledError ? e.log : '');
        if (interrupted(e)) throw e;
        const st = progress.jobState.state;
        if (st === 'untouched' || st === 'rolled-back') {
          await setLeftovers(null);
          throw new FailureError(`${(e as Error).message}; ${target.name} keeps its previous database and files (safety backup: ${safety.path})`, { hint: (e as { hint?: string }).hint });
        }
        if (st !== 'committed') {
          keepLock = true;
          throw new FailureError(
            `${(e as Error).message}; where ${target.name} stands is not certain (restore state ${st}${progress.jobState.journal ? `, journal ${progress.jobState.journal}` : ''}), so it stays stopped and locked: run "kubectl odoo recover ${target.name}" (safety backup: ${safety.path})`,
          );
        }
        // The Job failed after its swap committed: the restored state is the instance's; carry on.
      }
    } catch (e) {
      if (interrupted(e)) throw await interruptedError(deps, plan, progress, () => (keepLock = true));
      if (keepLock) throw e;
      // Nothing was restored: the instance runs again, on its previous database and files.
      await restartAfterFailure(deps, ref, target);
      throw e;
    }
    progress.stage = 'starting';
    await lock.update({ phase: 'starting', job: null });
    deps.progress(`starting ${target.name}`);
    await scaleAndWait(deps, ref, Math.max(1, target.replicas));
    progress.stage = 'removing-replaced';
    await lock.update({ phase: 'cleanup' });
    if (await removeReplaced(deps, target, replaced)) await setLeftovers(null);
    if (deps.signal?.aborted) throw await interruptedError(deps, plan, progress, () => (keepLock = true));
    return { instance: target.name, restored: set.path, safetyBackup: progress.safetyBackup };
  } catch (e) {
    if (interrupted(e) && !(e instanceof CancelledError && e.message.startsWith('interrupted: restore of'))) throw await interruptedError(deps, plan, progress, () => (keepLock = true));
    throw e;
  } finally {
    if (!keepLock) await lock.release();
  }
}

async function restartAfterFailure(deps: BackupDeps, ref: { namespace: string; name: string; podSelector: Record<string, string> }, target: BackupTarget): Promise<void> {
  if (target.replicas === 0) return;
  deps.progress(`starting ${target.name}`);
  await scaleAndWait(deps, ref, target.replicas).catch((err) => deps.progress(`warning: ${target.name} did not become ready again: ${(err as Error).message}`));
}

/**
 * Before anything changes: the set is there, the instance's volume has room to stage it, and no
 * interrupted restore waits on the volume. Refuses with the numbers.
 */
async function preflightRestore(deps: BackupDeps, plan: RestorePlan): Promise<void> {
  const { target } = plan;
  deps.progress(`checking the room on ${target.name}'s volume`);
  const result = await runJob(deps.kube, buildRestorePreflightJob(target, { setPath: plan.set.path, opId: plan.replaced.opId }, deps.settings), {
    namespace: plan.namespace,
    clock: deps.clock,
    signal: deps.signal,
    timeoutMs: 600_000,
    what: `the restore check of ${target.name}`,
    keep: 'none',
    onStatus: (s) => deps.progress(`  ${s}`),
  });
  const num = (re: RegExp) => {
    const m = re.exec(result.log);
    return m && m[1] !== '' ? Number(m[1]) : undefined;
  };
  const free = num(/^SPACE data free=(\d*) /m);
  const need = num(/^SET dataBytes=(\d*)$/m) ?? plan.set.manifest?.dataBytes;
  if (free !== undefined && need !== undefined && free < need) {
    throw new FailureError(
      `not enough space on ${target.name}'s volume to stage the restore: ${formatBytes(need)} needed, ${formatBytes(free)} free; nothing was changed`,
      { hint: `grow it first: kubectl odoo resize ${target.name} --storage <size>` },
    );
  }
  const pending = [...result.log.matchAll(/^RESTORE (\S+) (\S+)$/gm)].filter((m) => m[2] !== 'committed');
  if (pending.length) {
    throw new ConflictError(`an interrupted restore (.odoo-restore-${pending[0][1]}, state ${pending[0][2]}) is still on ${target.name}'s volume; nothing was changed`, {
      hint: `resolve it first: kubectl odoo recover ${target.name}`,
    });
  }
}

/**
 * After Ctrl-C: runJob deleted the Job and read its pod's log until the pod was gone (its trap finished
 * or undid the swap and said so in a STATE line). The instance is started again when its state is
 * known, and the message says which state that is.
 */
async function interruptedError(deps: BackupDeps, plan: RestorePlan, progress: RestoreProgress, keepLock: () => void): Promise<CancelledError> {
  const { target } = plan;
  const facts: InterruptionFacts = { ...progress, instance: target.name, set: plan.set.path, start: 'not-started' };
  const known = progress.stage !== 'restoring' || ['untouched', 'rolled-back', 'committed'].includes(progress.jobState?.state ?? 'unknown');
  if (!known) {
    keepLock();
    facts.start = 'left-stopped';
  } else if (progress.stage === 'preflight' || progress.stage === 'stopping' || progress.stage === 'safety-backup' || progress.stage === 'restoring') {
    if (progress.stage === 'restoring' && progress.jobState?.state !== 'committed') {
      await deps.kube.patch(RESOURCES.deployments, target.name, leftoversPatch(null), { namespace: target.namespace }).catch(() => undefined);
    }
    // Not restored: back to how it was (a stopped instance stays stopped). Restored: it must run.
    const replicas = progress.jobState?.state === 'committed' ? Math.max(1, target.replicas) : target.replicas;
    if (replicas === 0) facts.start = 'stopped-as-before';
    else {
      try {
        await deps.kube.patch(RESOURCES.deployments, target.name, { spec: { replicas } }, { namespace: target.namespace });
        facts.start = 'started';
      } catch {
        facts.start = 'not-started';
      }
    }
  } else facts.start = 'started';
  return new CancelledError(describeInterruption(facts));
}

/**
 * Removes the files and database a restore replaced, beside the running instance (on its pod's node,
 * where a ReadWriteOnce volume is attached). The restore is complete before this: a failure only warns.
 * True when they are gone.
 */
async function removeReplaced(deps: BackupDeps, target: BackupTarget, replaced: { oldDatabase: string; opId: string }): Promise<boolean> {
  try {
    const running = backupTargetOf(await resolveInstance(deps.kube, target.namespace, target.name));
    deps.progress(`removing the replaced files and database of ${target.name}`);
    await runJob(deps.kube, buildRemoveReplacedJob({ ...target, nodeName: running.nodeName }, replaced, deps.settings), {
      namespace: target.namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
      what: `removal of what the restore of ${target.name} replaced`,
      onStatus: (s) => deps.progress(`  ${s}`),
    });
    return true;
  } catch (e) {
    if (deps.signal?.aborted) return false;
    deps.progress(`warning: could not remove what the restore replaced (.odoo-restore-${replaced.opId.toLowerCase()} and database ${replaced.oldDatabase}): ${(e as Error).message}; "kubectl odoo recover ${target.name}" removes them`);
    return false;
  }
}
