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
import { JOB_POD_LABEL, runJob } from '../core/kube/jobs.js';
import { RESOURCES } from '../core/kube/resources.js';
import { CancelledError, FailureError, NotFoundError, UsageError } from '../core/errors.js';
import { isNotFound } from '../core/kube/errors.js';
import type { BackupDeps } from './deps.js';
import { scaleAndWait } from './deps.js';
import { ensureBackupsPvc, planBackup, runBackupJob } from './backup.js';
import { backupTargetOf, buildRemoveReplacedJob, buildRestoreJob, type BackupTarget } from './jobSpecs.js';
import { acquireInstanceLock } from './lock.js';
import { findBackupSet } from './list.js';
import type { BackupSetInfo } from './listing.js';
import { formatBackupTimestamp, parseBackupRef, sideDatabaseName, validateBackupInstanceName } from './naming.js';
import { makeProgressReporter } from './progress.js';
import { copyObjects, copySpecOf, copyTargetOf, type CopyOptions, type CopyPlan } from './restoreCopy.js';
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
}

export interface RestoreOutcome {
  instance: string;
  restored: string;
  safetyBackup?: string;
  job?: any;
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
  job: any;
  replaced: { oldDatabase: string; opId: string };
}

/** A restore into an instance --to names that does not exist yet: it is created as a copy. */
export interface RestoreCopyPlan extends CopyPlan {
  kind: 'copy';
  latest: boolean;
  copyFrom: string;
  set: BackupSetInfo;
  /** The objects create will make (stopped), for --dry-run. */
  objects: any[];
}

/** Checks the arguments before anything is read or changed. */
export function validateRestoreArgs(opts: Pick<RestoreOptions, 'name' | 'from' | 'to'>) {
  const ref = parseBackupRef(opts.from);
  if (opts.to !== undefined) validateBackupInstanceName(opts.to, '--to');
  if (opts.to === opts.name) throw new UsageError('--to names the same instance; leave it out to restore in place');
  return ref;
}

/** Resolves the target and the backup set and builds the restore Job; changes nothing. */
export async function planRestore(deps: BackupDeps, opts: RestoreOptions): Promise<RestorePlan | RestoreCopyPlan> {
  const ref = validateRestoreArgs(opts);
  const targetName = opts.to ?? opts.name;
  let inst;
  try {
    inst = await resolveInstance(deps.kube, opts.namespace, targetName);
  } catch (e) {
    if (opts.to && (e instanceof NotFoundError || isNotFound(e))) return planCopy(deps, opts as RestoreOptions & { to: string }, ref);
    throw e;
  }
  if (opts.copy?.domain !== undefined || opts.copy?.subdomain !== undefined) {
    throw new UsageError(`--domain/--subdomain are for a new instance (--to NEW); instance ${targetName} exists and keeps its ingress`);
  }
  const target = backupTargetOf(inst);
  await ensureBackupsPvc(deps, opts.namespace);
  const set = await findBackupSet(deps, opts.namespace, ref, opts.name);
  const id = formatBackupTimestamp(deps.clock.now());
  const replaced = { oldDatabase: sideDatabaseName(target.database, 'old', id), opId: id };
  const job = buildRestoreJob(
    { ...target, nodeName: undefined },
    {
      setPath: set.path,
      sourceDatabase: set.manifest!.database,
      scratchDatabase: sideDatabaseName(target.database, 'restore', id),
      ...replaced,
    },
    deps.settings,
  );
  return { namespace: opts.namespace, inst, target, set, latest: ref.timestamp === 'latest', copyFrom: opts.to ? opts.name : undefined, job, replaced };
}

/** --to names no instance: plan a new one shaped like the source, filled from the set (reads only). */
async function planCopy(deps: BackupDeps, opts: RestoreOptions & { to: string }, ref: ReturnType<typeof validateRestoreArgs>): Promise<RestoreCopyPlan> {
  const problem = instanceNameProblem(opts.to);
  if (problem) throw new UsageError(`--to: invalid name "${opts.to}" for a new instance: ${problem} (e.g. acme-test)`);
  if (!opts.copy) throw new NotFoundError(`instance ${opts.to} (--to) does not exist in namespace ${opts.namespace}`);
  const source = await resolveInstance(deps.kube, opts.namespace, opts.name);
  const sourceTarget = backupTargetOf(source);
  await ensureBackupsPvc(deps, opts.namespace);
  const set = await findBackupSet(deps, opts.namespace, ref, opts.name);
  const spec = copySpecOf(source, { name: opts.to, namespace: opts.namespace, dataBytes: set.manifest!.dataBytes, ...opts.copy });
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
    { ...deps.settings, image: deps.settings.image || sourceTarget.image || undefined },
  );
  return { kind: 'copy', namespace: opts.namespace, spec, target, set, job, opId, source: source.name, latest: ref.timestamp === 'latest', copyFrom: source.name, objects: copyObjects(spec) };
}

export function isCopyPlan(plan: RestorePlan | RestoreCopyPlan): plan is RestoreCopyPlan {
  return (plan as RestoreCopyPlan).kind === 'copy';
}

/** "taken 2025-01-15T10:30:00Z" for the set a plan restores. */
export function describeSetTime(set: Pick<BackupSetInfo, 'time'>): string {
  return `taken ${set.time.toISOString().replace('.000Z', 'Z')}`;
}

/** The question the command asks before a restore (the answer to type is the target's name). */
export function restoreQuestion(plan: { namespace: string; target: Pick<BackupTarget, 'name'>; set: Pick<BackupSetInfo, 'path' | 'time'>; copyFrom?: string; kind?: 'copy'; spec?: Pick<InstanceSpec, 'database' | 'host'> }): string {
  const t = plan.target.name;
  if (plan.kind === 'copy' && plan.spec) {
    return (
      `This creates instance ${t} in namespace ${plan.namespace}, a copy of ${plan.copyFrom}'s backup ${plan.set.path} (${describeSetTime(plan.set)}), ` +
      `with its own database ${plan.spec.database} and ${plan.spec.host ? `host name ${plan.spec.host}` : 'no ingress'}; ${plan.copyFrom} is not changed.`
    );
  }
  const what = plan.copyFrom ? `a copy of ${plan.copyFrom}'s backup ${plan.set.path}` : `backup ${plan.set.path}`;
  return (
    `This replaces the database and files of instance ${t} in namespace ${plan.namespace} with ${what} (${describeSetTime(plan.set)}). ` +
    `${t} is stopped meanwhile; a safety backup of its current state is taken first.`
  );
}

/** Where a restore was when it stopped; what the interruption message is built from. */
export interface RestoreProgress {
  stage: 'stopping' | 'safety-backup' | 'restoring' | 'starting' | 'removing-replaced';
  /** The restore Job's last PHASE (check, files+database, swap). */
  jobPhase?: string;
  /** The restore Job had swapped the restored database and files in. */
  committed: boolean;
  safetyBackup?: string;
}

export interface InterruptionFacts extends RestoreProgress {
  instance: string;
  set: string;
  /** What happened to the instance after the interruption. */
  start: 'started' | 'stopped-as-before' | 'not-started' | 'starting';
  /** The restore Job's pod that had not gone yet (then the instance is not started). */
  podStillThere?: string;
  leftovers: string;
}

/** One message that says what state an interrupted restore left (pure). */
export function describeInterruption(f: InterruptionFacts): string {
  const i = f.instance;
  const safety = f.safetyBackup ? ` (safety backup: ${f.safetyBackup})` : '';
  const started =
    f.start === 'started'
      ? ' and was started again'
      : f.start === 'stopped-as-before'
        ? ' and stays stopped, as it was'
        : f.start === 'starting'
          ? ''
          : f.podStillThere
            ? ` and was NOT started again: the restore Job's pod ${f.podStillThere} had not stopped yet; start ${i} once it is gone (kubectl odoo start ${i})`
            : ` and was NOT started again: start it with "kubectl odoo start ${i}"`;
  const head = `interrupted: restore of ${i}`;
  const leftovers = `what the restore replaced is still there (${f.leftovers}): delete it by hand`;
  switch (f.stage) {
    case 'stopping':
      return `${head} stopped while ${i} was being stopped, before anything was restored; ${i} keeps its database and files${started}`;
    case 'safety-backup':
      return `${head} stopped during the safety backup, before anything was restored; ${i} keeps its database and files${started} (the unfinished safety backup is a partial set, which "kubectl odoo backups prune" removes)`;
    case 'restoring':
      if (f.committed) return `${head} stopped after ${f.set} was swapped in: ${i} has the restored database and files${started}; ${leftovers}${safety}`;
      if (f.jobPhase === 'swap') {
        return `${head} stopped during the swap: the restore Job puts the previous database and files back unless the swap had just completed, so ${i} most likely keeps its previous database and files${started}; check it before use${safety}`;
      }
      return `${head} stopped during ${f.jobPhase ?? 'the restore'}; ${i} keeps its previous database and files${started}${safety}`;
    case 'starting':
      return `${head} from ${f.set} is complete, but it was interrupted while ${i} was starting (see "kubectl odoo status ${i}"); ${leftovers}${safety}`;
    case 'removing-replaced':
      return `${head} from ${f.set} is complete and ${i} runs, but removing what it replaced was cut short: ${f.leftovers} may still be there; delete it by hand${safety}`;
  }
}

function leftoversOf(replaced: { oldDatabase: string; opId: string }): string {
  return `.odoo-restore-${replaced.opId.toLowerCase()} on the volume and database ${replaced.oldDatabase}`;
}

export async function executeRestore(deps: BackupDeps, plan: RestorePlan): Promise<RestoreOutcome> {
  const { target, set, job, replaced } = plan;
  const ref = { namespace: target.namespace, name: target.name, podSelector: plan.inst.facts.podSelector };
  const progress: RestoreProgress = { stage: 'stopping', committed: false };
  const interrupted = (e: unknown) => e instanceof CancelledError || !!deps.signal?.aborted;
  const lock = await acquireInstanceLock(deps.kube, { namespace: plan.namespace, instance: target.name, operation: 'restore', holder: deps.holder, clock: deps.clock });
  try {
    try {
      if (target.replicas > 0) {
        deps.progress(`stopping ${target.name}`);
        await scaleAndWait(deps, ref, 0);
      }
      progress.stage = 'safety-backup';
      deps.progress(`safety backup of ${target.name}`);
      const safety = planBackup(deps, target, 'stop', false, { restoring: set.path });
      try {
        await runBackupJob(deps, target, safety.job);
      } catch (e) {
        if (interrupted(e)) throw e;
        throw new FailureError(`the safety backup of ${target.name} failed, so nothing was restored: ${(e as Error).message}`, { hint: (e as { hint?: string }).hint });
      }
      progress.safetyBackup = safety.path;
      deps.progress(`safety backup: ${safety.path}`);
      progress.stage = 'restoring';
      deps.progress(`restoring ${set.path} into ${target.name}`);
      const report = makeProgressReporter(deps.progress, () => deps.clock.now().getTime());
      try {
        await runJob(deps.kube, job, {
          namespace: plan.namespace,
          clock: deps.clock,
          signal: deps.signal,
          timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
          what: `restore of ${target.name}`,
          onLine: (line) => {
            const phase = /^PHASE (\S+)$/.exec(line);
            if (phase) progress.jobPhase = phase[1];
            if (/^(COMMITTED|REPLACED |DONE )/.test(line)) progress.committed = true;
            report(line);
          },
          onStatus: (s) => deps.progress(`  ${s}`),
        });
      } catch (e) {
        if (interrupted(e)) throw e;
        throw new FailureError(`${(e as Error).message}; ${target.name} keeps its previous database and files (safety backup: ${safety.path})`, {
          hint: (e as { hint?: string }).hint,
        });
      }
    } catch (e) {
      if (interrupted(e)) throw await interruptedError(deps, plan, progress);
      // Nothing was restored: the instance runs again, on its previous database and files.
      deps.progress(`starting ${target.name}`);
      await scaleAndWait(deps, ref, Math.max(1, target.replicas)).catch((err) =>
        deps.progress(`warning: ${target.name} did not become ready again: ${(err as Error).message}`),
      );
      throw e;
    }
    progress.stage = 'starting';
    deps.progress(`starting ${target.name}`);
    await scaleAndWait(deps, ref, Math.max(1, target.replicas));
    progress.stage = 'removing-replaced';
    await removeReplaced(deps, target, replaced);
    if (deps.signal?.aborted) throw await interruptedError(deps, plan, progress);
    return { instance: target.name, restored: set.path, safetyBackup: progress.safetyBackup };
  } catch (e) {
    if (interrupted(e) && !(e instanceof CancelledError && e.message.startsWith('interrupted: restore of'))) throw await interruptedError(deps, plan, progress);
    throw e;
  } finally {
    await lock.release();
  }
}

/**
 * After Ctrl-C: the Jobs were deleted by runJob; wait until the restore Job's pod is gone (its trap puts
 * the previous database and files back), start the instance again, and say what state it is in.
 */
async function interruptedError(deps: BackupDeps, plan: RestorePlan, progress: RestoreProgress): Promise<CancelledError> {
  const { target } = plan;
  const facts: InterruptionFacts = { ...progress, instance: target.name, set: plan.set.path, start: 'starting', leftovers: leftoversOf(plan.replaced) };
  if (progress.stage === 'stopping' || progress.stage === 'safety-backup' || progress.stage === 'restoring') {
    if (progress.stage === 'restoring') facts.podStillThere = await jobPodGone(deps, plan.namespace, plan.job.metadata.name);
    // Not restored: back to how it was (a stopped instance stays stopped). Restored: it must run.
    const replicas = progress.committed ? Math.max(1, target.replicas) : target.replicas;
    if (facts.podStillThere) facts.start = 'not-started';
    else if (replicas === 0) facts.start = 'stopped-as-before';
    else {
      try {
        await deps.kube.patch(RESOURCES.deployments, target.name, { spec: { replicas } }, { namespace: target.namespace });
        facts.start = 'started';
      } catch {
        facts.start = 'not-started';
      }
    }
  }
  return new CancelledError(describeInterruption(facts));
}

/** Waits (up to a minute) until the Job's pods are gone; the name of one still there, else undefined. */
async function jobPodGone(deps: BackupDeps, namespace: string, jobName: string): Promise<string | undefined> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pods = await deps.kube.list(RESOURCES.pods, { namespace, labelSelector: `${JOB_POD_LABEL}=${jobName}` }).catch(() => undefined);
    if (pods && pods.items.length === 0) return undefined;
    if (Date.now() > deadline) return pods?.items[0]?.metadata?.name ?? `of Job ${jobName}`;
    // Not the aborted signal: this wait is what makes it safe to start the instance again.
    await deps.clock.sleep(300);
  }
}

/**
 * Removes the files and database a restore replaced, beside the running instance (on its pod's node,
 * where a ReadWriteOnce volume is attached). The restore is complete before this: a failure only warns.
 */
async function removeReplaced(deps: BackupDeps, target: BackupTarget, replaced: { oldDatabase: string; opId: string }): Promise<void> {
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
  } catch (e) {
    if (deps.signal?.aborted) return;
    deps.progress(`warning: could not remove what the restore replaced (${leftoversOf(replaced)}): ${(e as Error).message}; delete them by hand`);
  }
}
