// `kubectl odoo restore NAME --from BACKUP [--to NEW-NAME]`.
//
// Order of events, each step only when the previous one succeeded:
//   lock the instance -> stop it -> safety backup of its current state -> restore Job (database into a
//   scratch database and files into a staging folder on the same volume, then both swapped in) ->
//   start it -> wait until ready -> remove the replaced files and database (a Job beside the running
//   instance, so a large filestore's removal costs no downtime) -> unlock.
// The restore Job leaves the instance's database and files untouched unless both parts were restored,
// and undoes its own swap if the swap itself fails; the instance is started again in every case.
import { resolveInstance } from '../instances/resolve.js';
import { runJob } from '../core/kube/jobs.js';
import { FailureError, NotFoundError, UsageError } from '../core/errors.js';
import { isNotFound } from '../core/kube/errors.js';
import type { BackupDeps } from './deps.js';
import { ensureBackupsPvc, planBackup, runBackupJob, withInstanceStopped } from './backup.js';
import { backupTargetOf, buildRemoveReplacedJob, buildRestoreJob, type BackupTarget } from './jobSpecs.js';
import { acquireInstanceLock } from './lock.js';
import { findBackupSet } from './list.js';
import { formatBackupTimestamp, isValidInstanceName, parseBackupRef, sideDatabaseName } from './naming.js';
import { makeProgressReporter } from './progress.js';

export interface RestoreOptions {
  namespace: string;
  /** The instance the backup comes from (and the target unless `to`). */
  name: string;
  from: string;
  /** Restore into this other, existing instance instead. */
  to?: string;
  dryRun: boolean;
}

export interface RestoreOutcome {
  instance: string;
  restored: string;
  safetyBackup?: string;
  job?: any;
}

/** Checks the arguments before anything is read or changed. */
export function validateRestoreArgs(opts: Pick<RestoreOptions, 'name' | 'from' | 'to'>) {
  const ref = parseBackupRef(opts.from);
  if (opts.to !== undefined && !isValidInstanceName(opts.to)) throw new UsageError(`--to "${opts.to}" is not a valid instance name (lowercase letters, digits, "-" and ".")`);
  if (opts.to === opts.name) throw new UsageError('--to names the same instance; leave it out to restore in place');
  return ref;
}

export async function runRestore(deps: BackupDeps, opts: RestoreOptions): Promise<RestoreOutcome> {
  const ref = validateRestoreArgs(opts);
  const targetName = opts.to ?? opts.name;
  let inst;
  try {
    inst = await resolveInstance(deps.kube, opts.namespace, targetName);
  } catch (e) {
    if (opts.to && (e instanceof NotFoundError || isNotFound(e))) {
      throw new NotFoundError(`instance ${opts.to} (--to) does not exist in namespace ${opts.namespace}`, {
        hint: `create it first (kubectl odoo create ${opts.to} ...), then restore into it`,
      });
    }
    throw e;
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
  if (opts.dryRun) return { instance: target.name, restored: set.path, job };

  const lock = await acquireInstanceLock(deps.kube, { namespace: opts.namespace, instance: target.name, operation: 'restore', holder: deps.holder, clock: deps.clock });
  try {
    let safetyPath: string | undefined;
    await withInstanceStopped(deps, inst, target, async () => {
      deps.progress(`safety backup of ${target.name}`);
      const safety = planBackup(deps, target, 'stop', false);
      try {
        await runBackupJob(deps, target, safety.job);
      } catch (e) {
        throw new FailureError(`the safety backup of ${target.name} failed, so nothing was restored: ${(e as Error).message}`, { hint: (e as { hint?: string }).hint });
      }
      safetyPath = safety.path;
      deps.progress(`safety backup: ${safety.path}`);
      deps.progress(`restoring ${set.path} into ${target.name}`);
      try {
        await runJob(deps.kube, job, {
          namespace: opts.namespace,
          clock: deps.clock,
          signal: deps.signal,
          timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
          what: `restore of ${target.name}`,
          onLine: makeProgressReporter(deps.progress, () => deps.clock.now().getTime()),
          onStatus: (s) => deps.progress(`  ${s}`),
        });
      } catch (e) {
        throw new FailureError(`${(e as Error).message}; ${target.name} keeps its previous database and files (safety backup: ${safety.path})`, {
          hint: (e as { hint?: string }).hint,
        });
      }
    }, Math.max(1, target.replicas));
    await removeReplaced(deps, target, replaced);
    return { instance: target.name, restored: set.path, safetyBackup: safetyPath };
  } finally {
    await lock.release();
  }
}

/**
 * Removes the files and database a restore replaced, beside the running instance (on its pod's node,
 * where a ReadWriteOnce volume is attached). The restore is complete before this: a failure only warns.
 */
async function removeReplaced(deps: BackupDeps, target: BackupTarget, replaced: { oldDatabase: string; opId: string }): Promise<void> {
  const leftovers = `.odoo-restore-${replaced.opId.toLowerCase()} on the volume and database ${replaced.oldDatabase}`;
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
    deps.progress(`warning: could not remove what the restore replaced (${leftovers}): ${(e as Error).message}; delete them by hand`);
  }
}
