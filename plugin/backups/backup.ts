// `kubectl odoo backup NAME`: one complete backup set (database dump + data archive of the same
// moment + manifest) made by a Job that mounts the instance volume read-only and the backups volume.
import { resolveInstance, type InstanceObjects } from '../instances/resolve.js';
import { runJob, type JobResult } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { admitHelperPod } from '../../lib/kube/podSecurity.js';
import { ConflictError, FailureError } from '../../lib/errors.js';
import type { BackupDeps } from './deps.js';
import { scaleAndWait } from './deps.js';
import { backupTargetOf, buildBackupJob, type BackupTarget, type BuiltJob } from './jobSpecs.js';
import type { Read, V1Job, V1PersistentVolumeClaim } from '../../lib/kube/models.js';
import { buildManifestBase, checkManifest, totalSize, type BackupManifest, type ConsistencyMode } from './manifest.js';
import { lastBackupAnnotationPatch } from './lastBackup.js';
import { backupSetPath, formatBackupTimestamp, jobName } from './naming.js';
import { makeProgressReporter } from './progress.js';
import { acquireBackupSlots, type BackupSlots, type SlotCaps } from './slots.js';
import { acquireInstanceLock, busyMessage, inspectInstanceLock, runningOperations, type InstanceLock } from './lock.js';

export interface BackupOptions {
  namespace: string;
  name: string;
  consistency: ConsistencyMode;
  /** Follow the Job to its end (always so for --consistency stop, which must start the instance again). */
  wait: boolean;
  exportOdooZip: boolean;
  dryRun: boolean;
  /** Wait for a free backup slot (node and cluster caps) before the Job starts; only for backups followed to their end. */
  slots?: SlotCaps;
  /** Stops the wait for a slot (default deps.signal). */
  slotSignal?: AbortSignal;
  /** Called when the wait is over and the backup begins. */
  onBegin?: () => void;
}

export interface BackupOutcome {
  /** active/<customer>/<instance>/<timestamp> */
  path: string;
  jobName: string;
  /** The Job object (what --dry-run prints). */
  job: BuiltJob;
  /** Set when the backup was followed to its end. */
  manifest?: BackupManifest;
  /** Size on the backups volume (the files in the set's folder), when followed to its end. */
  bytes?: number;
  /** The Job still runs (no --wait). */
  started?: boolean;
}

/** `safety`: the backup a restore takes first, marked so "latest" never picks it. */
export function planBackup(deps: BackupDeps, target: BackupTarget, consistency: ConsistencyMode, exportOdooZip: boolean, safety?: { restoring: string }, at: Date = deps.clock.now()) {
  const timestamp = formatBackupTimestamp(at);
  const base = buildManifestBase({
    timestamp,
    instance: target.name,
    namespace: target.namespace,
    customerId: target.customerId,
    database: target.database,
    image: target.image,
    dataMountPath: target.dataMountPath,
    consistency,
    toolVersion: deps.toolVersion,
    ...(safety ? { reason: 'safety-before-restore' as const, restoring: safety.restoring } : {}),
  });
  // Stopped instances have no pod to share a node with: the Job may run anywhere.
  const job = buildBackupJob(consistency === 'stop' ? { ...target, nodeName: undefined } : target, base, deps.settings, { exportOdooZip });
  return { base, job, path: backupSetPath({ customerId: target.customerId, instance: target.name, timestamp }) };
}

/**
 * The time a new backup of the instance is named by (its set, its Job): now, unless a backup of the
 * instance already took this second (a retry right after a refusal leaves its failed Job behind), then
 * the next second. A set is named to the second.
 */
export async function freshBackupTime(deps: BackupDeps, target: BackupTarget): Promise<Date> {
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock.now();
    const taken = await deps.kube.getOptional<Read<V1Job>>(RESOURCES.jobs, jobName('backup', target.name, formatBackupTimestamp(now)), target.namespace);
    if (!taken || attempt >= 3) return now;
    await deps.clock.sleep(1000 - (now.getTime() % 1000) + 10, deps.signal);
  }
}

/** Runs a planned backup Job to its end with progress; the manifest it wrote, checked. */
export async function runBackupJob(deps: BackupDeps, target: BackupTarget, job: BuiltJob): Promise<{ result: JobResult; manifest: BackupManifest; bytes: number }> {
  const report = makeProgressReporter(deps.progress, () => deps.clock.now().getTime());
  const result = await runJob(deps.kube, job, {
    namespace: target.namespace,
    clock: deps.clock,
    signal: deps.signal,
    timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
    what: `backup of ${target.name}`,
    onLine: report,
    onStatus: (s) => deps.progress(`  ${s}`),
  });
  const line = result.log.split('\n').find((l) => l.startsWith('MANIFEST\t'));
  const check = line ? checkManifest(line.slice('MANIFEST\t'.length)) : undefined;
  if (!check?.ok) throw new FailureError(`backup of ${target.name} finished but its manifest could not be read back${check && !check.ok ? `: ${check.problems[0]}` : ''}`);
  // Only a set whose files were read back from the backups volume and matched is a backup.
  if (check.manifest.proof !== 'reread') throw new FailureError(`backup of ${target.name} finished without proving its files on the backups volume (the Job's image runs an older script?); it is not counted as complete`);
  // The set's size as "backups" lists it (an older image's script prints no SIZE: its files then).
  const sizeLine = result.log.split('\n').find((l) => /^SIZE \d+$/.test(l));
  const bytes = sizeLine ? Number(sizeLine.slice(5)) : totalSize(check.manifest);
  // For the "last backup" line of status; the backup itself is done, so a failed patch only warns.
  const path = backupSetPath({ customerId: target.customerId, instance: target.name, timestamp: check.manifest.timestamp });
  await deps.kube
    .patch(RESOURCES.deployments, target.name, lastBackupAnnotationPatch({ path, takenAt: check.manifest.startedAt, bytes, reason: check.manifest.reason }), { namespace: target.namespace })
    .catch((e) => deps.progress(`warning: could not record the backup on Deployment ${target.name}: ${(e as Error).message}`));
  return { result, manifest: check.manifest, bytes };
}

export async function startBackup(deps: BackupDeps, opts: BackupOptions): Promise<BackupOutcome> {
  const inst = await resolveInstance(deps.kube, opts.namespace, opts.name);
  const target = backupTargetOf(inst);
  let plan = planBackup(deps, target, opts.consistency, opts.exportOdooZip, undefined, opts.dryRun ? undefined : await freshBackupTime(deps, target));
  let outcome: BackupOutcome = { path: plan.path, jobName: plan.job.metadata.name, job: plan.job };
  if (opts.dryRun) return outcome;
  await ensureBackupsPvc(deps, target.namespace);
  await admitHelperPod(deps.kube, target.namespace, plan.job.spec.template.spec, `the backup Job of ${target.name}`);

  if (!opts.wait && opts.consistency === 'live') {
    // No lock is held for a Job nobody follows; the running Job itself tells others the instance is busy.
    await refuseIfBusy(deps, target);
    await deps.kube.create(RESOURCES.jobs, plan.job, { namespace: target.namespace });
    return { ...outcome, started: true };
  }

  let slots: BackupSlots | undefined;
  if (opts.slots) {
    // A busy instance is refused before it queues for a slot; the lock is taken once one is free.
    await refuseIfBusy(deps, target);
    slots = await acquireBackupSlots(deps.kube, {
      namespace: target.namespace,
      instance: target.name,
      // A stopped instance's Job may run on any node: it counts against the cluster cap only.
      node: opts.consistency === 'stop' ? undefined : target.nodeName,
      caps: opts.slots,
      holder: deps.holder,
      clock: deps.clock,
      signal: opts.slotSignal ?? deps.signal,
      onWait: (why) => deps.progress(`waiting for a backup slot: ${why}`),
    });
    // The set is named after the moment it is taken, not the moment it was queued.
    plan = planBackup(deps, target, opts.consistency, opts.exportOdooZip, undefined, await freshBackupTime(deps, target));
    outcome = { path: plan.path, jobName: plan.job.metadata.name, job: plan.job };
  }
  opts.onBegin?.();
  let lock: InstanceLock;
  try {
    lock = await acquireInstanceLock(deps.kube, { namespace: target.namespace, instance: target.name, operation: 'backup', holder: deps.holder, clock: deps.clock, replicas: target.replicas, phase: 'starting' });
  } catch (e) {
    await slots?.release();
    throw e;
  }
  try {
    const run = async () => {
      await lock.update({ phase: 'backup', job: plan.job.metadata.name });
      const r = await runBackupJob(deps, target, plan.job);
      await lock.update({ phase: 'starting', job: null });
      return r;
    };
    const done = opts.consistency === 'stop' ? await withInstanceStopped(deps, inst, target, run, target.replicas, lock) : await run();
    return { ...outcome, manifest: done.manifest, bytes: done.bytes };
  } finally {
    await lock.release();
    await slots?.release();
  }
}

/** Stops the instance, runs fn, and starts it again (to its previous replicas) whatever fn did. */
export async function withInstanceStopped<T>(deps: BackupDeps, inst: InstanceObjects, target: BackupTarget, fn: () => Promise<T>, restartReplicas = target.replicas, lock?: InstanceLock): Promise<T> {
  const ref = { namespace: target.namespace, name: target.name, podSelector: inst.facts.podSelector };
  if (target.replicas > 0) {
    await lock?.update({ phase: 'stopping' });
    deps.progress(`stopping ${target.name}`);
    await scaleAndWait(deps, ref, 0);
  }
  let failed = false;
  try {
    return await fn();
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    if (restartReplicas > 0) {
      deps.progress(`starting ${target.name}`);
      try {
        await scaleAndWait(deps, ref, restartReplicas);
      } catch (e) {
        // The first error says what went wrong; a start that fails after it is reported on stderr.
        if (!failed) throw e;
        deps.progress(`warning: ${target.name} did not become ready again: ${(e as Error).message}`);
      }
    }
  }
}

/** Refuses while another operation holds the instance, or any backup/restore Job of it still runs. */
export async function refuseIfBusy(deps: BackupDeps, target: BackupTarget): Promise<void> {
  const now = deps.clock.now();
  const { state } = await inspectInstanceLock(deps.kube, target.namespace, target.name, now);
  if (state.state !== 'free') throw new ConflictError(busyMessage(target.name, state, now));
  const running = await runningOperations(deps.kube, target.namespace, target.name);
  if (running.length) throw new ConflictError(`instance ${target.name} is busy: Job ${running[0].metadata.name} is still running`);
}

export async function ensureBackupsPvc(deps: BackupDeps, namespace: string): Promise<void> {
  const pvc = await deps.kube.getOptional<Read<V1PersistentVolumeClaim>>(RESOURCES.persistentvolumeclaims, deps.settings.backupsPvc, namespace);
  if (!pvc) {
    throw new FailureError(`the backups volume (PVC ${deps.settings.backupsPvc}) does not exist in namespace ${namespace}`, {
      hint: 'create it from manifests/ (a ReadWriteMany PVC), or set backupsPvc in the config file',
    });
  }
}
