// `delete NAME --delete-data --drop-database`: the instance's database lives on the shared database
// server, not on its volume, so deleting the volume leaves it. Dropping it is a separate step: the
// instance is stopped first (nothing may hold the database), a final backup is taken unless --no-backup
// (the same backup `kubectl odoo backup NAME --consistency stop` makes), and after the objects are
// deleted a short Job drops the database with the instance's own credentials.
import { CancelledError, FailureError } from '../../lib/errors.js';
import { runJob } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { BackupDeps } from '../backups/deps.js';
import { scaleAndWait } from '../backups/deps.js';
import { startBackup } from '../backups/backup.js';
import { backupTargetOf, buildDropDatabaseJob, type BackupTarget } from '../backups/jobSpecs.js';
import { formatBackupTimestamp } from '../backups/naming.js';
import type { InstanceObjects } from './resolve.js';

/**
 * Stops the instance and, unless told not to, takes its final backup; returns the set's path. When the
 * backup fails the instance is started again and nothing is deleted.
 */
export async function prepareDatabaseDrop(deps: BackupDeps, o: InstanceObjects, opts: { backup: boolean }): Promise<{ target: BackupTarget; finalBackup?: string }> {
  const target = backupTargetOf(o);
  const ref = { namespace: o.namespace, name: o.name, podSelector: o.facts.podSelector };
  if (target.replicas > 0) {
    deps.progress(`stopping ${o.name}, so nothing holds its database`);
    await scaleAndWait(deps, ref, 0);
  }
  if (!opts.backup) return { target };
  deps.progress(`final backup of ${o.name}`);
  try {
    // Stopped already: the backup neither stops nor starts it again.
    const r = await startBackup(deps, { namespace: o.namespace, name: o.name, consistency: 'stop', wait: true, exportOdooZip: false, dryRun: false });
    deps.progress(`final backup: ${r.path}`);
    return { target, finalBackup: r.path };
  } catch (e) {
    let again = '';
    if (target.replicas > 0) {
      const started = await deps.kube
        .patch(RESOURCES.deployments, o.name, { spec: { replicas: target.replicas } }, { namespace: o.namespace })
        .then(() => true)
        .catch(() => false);
      again = started ? `; ${o.name} is started again` : `; ${o.name} stays stopped (start it with "kubectl odoo start ${o.name}")`;
    }
    const why = `the final backup of ${o.name} failed, so nothing was deleted: ${(e as Error).message}${again}`;
    if (e instanceof CancelledError || deps.signal?.aborted) throw new CancelledError(`interrupted: ${why}`);
    throw new FailureError(why, { cause: e, hint: `delete it without dropping its database, or with --no-backup to drop it without a final backup` });
  }
}

/** Drops the database with the instance's own credentials, by a Job that mounts no volume. */
export async function dropInstanceDatabase(deps: BackupDeps, target: BackupTarget, database: string): Promise<void> {
  deps.progress(`dropping ${database}`);
  await runJob(deps.kube, buildDropDatabaseJob(target, formatBackupTimestamp(deps.clock.now()), deps.settings), {
    namespace: target.namespace,
    clock: deps.clock,
    signal: deps.signal,
    timeoutMs: 600_000,
    what: `dropping ${database}`,
    onStatus: (s) => deps.progress(`  ${s}`),
  });
}
