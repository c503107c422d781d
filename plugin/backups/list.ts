// Listing backup sets. The plugin has no file access to the backups volume, so a short Job that mounts
// it read-only prints what is there (LIST_SCRIPT); the sets are then judged here (complete, partial,
// failed, or running when their backup Job is still active).
import { runJob } from '../core/kube/jobs.js';
import { RESOURCES } from '../core/kube/resources.js';
import { NotFoundError, UsageError, FailureError } from '../core/errors.js';
import type { BackupDeps } from './deps.js';
import { ensureBackupsPvc } from './backup.js';
import { buildListJob, LABEL_BACKUP_SET, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_OPERATION } from './jobSpecs.js';
import { jobOutcome } from '../core/kube/jobs.js';
import { newestComplete, parseBackupListing, type BackupSetInfo } from './listing.js';
import { formatBackupTimestamp, type BackupRef } from './naming.js';

export interface ListScope {
  namespace: string;
  customerId?: string;
  instance?: string;
}

export async function listBackupSets(deps: BackupDeps, scope: ListScope): Promise<BackupSetInfo[]> {
  await ensureBackupsPvc(deps, scope.namespace);
  const job = buildListJob(
    { namespace: scope.namespace, customerGlob: scope.customerId ?? '*', instanceGlob: scope.instance ?? '*', opId: formatBackupTimestamp(deps.clock.now()) + randomSuffix() },
    deps.settings,
    deps.settings.defaultImage,
  );
  const [result, running] = await Promise.all([
    runJob(deps.kube, job, { namespace: scope.namespace, clock: deps.clock, signal: deps.signal, timeoutMs: 300_000, what: 'listing backups', keep: 'failed' }),
    runningBackups(deps, scope.namespace),
  ]);
  return parseBackupListing(result.log, running);
}

// Two listings in the same second must not collide on the Job name.
function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 6);
}

/** `<instance>/<timestamp>` of backup Jobs still running. */
async function runningBackups(deps: BackupDeps, namespace: string): Promise<Set<string>> {
  const jobs = await deps.kube.list(RESOURCES.jobs, { namespace, labelSelector: `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_OPERATION}=backup` });
  const out = new Set<string>();
  for (const j of jobs.items) {
    const l = j.metadata?.labels ?? {};
    if (!jobOutcome(j) && l[LABEL_INSTANCE] && l[LABEL_BACKUP_SET]) out.add(`${l[LABEL_INSTANCE]}/${String(l[LABEL_BACKUP_SET]).toUpperCase()}`);
  }
  return out;
}

/**
 * The one set a reference names. `contextInstance` fills in the instance for "latest" and bare
 * timestamps. Only complete sets are returned; partial and failed ones get a clear error.
 */
export async function findBackupSet(deps: BackupDeps, namespace: string, ref: BackupRef, contextInstance?: string): Promise<BackupSetInfo> {
  const instance = ref.instance ?? contextInstance;
  if (!instance) throw new UsageError(`backup "${ref.timestamp}" does not say which instance it belongs to: use INSTANCE/TIMESTAMP or the full path from "kubectl odoo backups"`);
  const sets = await listBackupSets(deps, { namespace, customerId: ref.customerId, instance });
  const label = `${ref.customerId ? `active/${ref.customerId}/` : ''}${instance}/${ref.timestamp}`;
  if (ref.timestamp === 'latest') {
    // "latest" is never a safety backup: after a restore, that would be the state the restore replaced.
    const s = newestComplete(sets);
    if (!s) {
      const safety = sets.filter((x) => x.state === 'complete' && x.safety);
      throw new NotFoundError(`instance ${instance} has no complete backup${safety.length ? ' other than safety backups' : ''} in namespace ${namespace}`, {
        hint: safety.length
          ? `its safety backups (taken before restores) can be named explicitly: ${safety.map((x) => x.timestamp).join(', ')}`
          : sets.length
            ? `its sets: ${sets.map((x) => `${x.timestamp} (${x.state})`).join(', ')}`
            : undefined,
      });
    }
    return s;
  }
  const hits = sets.filter((s) => s.timestamp === ref.timestamp);
  if (hits.length === 0) {
    const recent = sets.filter((s) => s.state === 'complete').slice(0, 3).map((s) => s.path);
    throw new NotFoundError(`backup ${label} not found`, { hint: recent.length ? `recent complete backups of ${instance}: ${recent.join(', ')}` : `instance ${instance} has no complete backups` });
  }
  if (hits.length > 1) throw new UsageError(`backup ${label} exists for several customers (${hits.map((h) => h.customerId).join(', ')}): use the full path active/CUSTOMER/${instance}/${ref.timestamp}`);
  const s = hits[0];
  if (s.state !== 'complete' && s.state !== 'unproven') throw new FailureError(`backup ${s.path} is ${s.state}${s.error ? ` (${s.error})` : ''} and cannot be used`);
  return s;
}
