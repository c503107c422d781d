// Listing backup sets. The plugin has no file access to the backups volume, so a short Job that mounts
// it read-only prints what is there (LIST_SCRIPT); the sets are then judged here (complete, partial,
// failed, or running when their backup Job is still active). The platform's volume-only archives are
// listed by the same Job and matched to instances here.
import { runJob } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { NotFoundError, UsageError, FailureError } from '../../lib/errors.js';
import type { BackupDeps } from './deps.js';
import { ensureBackupsPvc } from './backup.js';
import { placementOf, type PodPlacement } from '../core/helperPod.js';
import { buildListJob, LABEL_BACKUP_SET, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_OPERATION } from './jobSpecs.js';
import type { Read, Stored, V1Deployment, V1Job } from '../../lib/kube/models.js';
import { jobOutcome } from '../../lib/kube/jobs.js';
import { newestComplete, parseListing, platformBackups, sortBackups, type BackupSetInfo } from './listing.js';
import { formatBackupTimestamp, isValidInstanceName, type BackupRef } from './naming.js';
import { parsePlatformArchivePath, type ArchiveCandidate } from './platformArchives.js';
import { findInstanceDeployment } from '../instances/resolve.js';
import { InstanceNotFoundError } from '../instances/resolveRemains.js';
import { databaseNamesOf, id8sOf, instanceIdsOf } from '../instances/resolveMatch.js';
import { customerIdOf, INSTANCE_SELECTOR, isInstanceWorkload } from '../instances/labels.js';

export interface ListScope {
  namespace: string;
  customerId?: string;
  /** The instance's Deployment name: the folder its sets are in (see resolveBackupScope). */
  instance?: string;
  /** That instance's placement and pull settings, for the Jobs that read its sets. */
  placement?: PodPlacement;
}

export interface ListOptions {
  /** Also list the platform's volume-only archives (active/<customer>/<name>.tar.gz). */
  platform?: boolean;
}

/**
 * The scope of `backups NAME` / `prune NAME`: NAME resolves like every instance name (database,
 * instance-name, id, ...) to its Deployment name, the folder of its sets. A name no instance answers to
 * still lists the sets of a deleted instance of that name.
 */
export async function resolveBackupScope(deps: BackupDeps, scope: ListScope): Promise<ListScope> {
  if (scope.instance === undefined) return scope;
  try {
    const d = await findInstanceDeployment(deps.kube, scope.namespace, scope.instance);
    return { ...scope, instance: d.metadata.name, placement: placementOf(d) };
  } catch (e) {
    // A name that cannot be a folder is no deleted instance's either: not found, as for every command.
    if (!(e instanceof InstanceNotFoundError) || !isValidInstanceName(scope.instance)) throw e;
    return scope;
  }
}

/** Our sets in scope; with `platform`, the platform's archives in scope too (matched to their instances). */
export async function listBackupSets(deps: BackupDeps, scope: ListScope, opts: ListOptions = {}): Promise<BackupSetInfo[]> {
  await ensureBackupsPvc(deps, scope.namespace);
  const job = buildListJob(
    { namespace: scope.namespace, customerGlob: scope.customerId ?? '*', instanceGlob: scope.instance ?? '*', opId: formatBackupTimestamp(deps.clock.now()) + randomSuffix(), placement: scope.placement },
    deps.settings,
    deps.settings.defaultImage,
  );
  const [result, running] = await Promise.all([
    runJob(deps.kube, job, { namespace: scope.namespace, clock: deps.clock, signal: deps.signal, timeoutMs: 300_000, what: 'listing backups', keep: 'failed' }),
    runningBackups(deps, scope.namespace),
  ]);
  const { sets, archives } = parseListing(result.log, running);
  if (!opts.platform || archives.length === 0) return sets;
  const platform = platformBackups(archives, await archiveCandidates(deps, scope.namespace));
  const mine = scope.instance ? platform.filter((a) => a.instance === scope.instance || a.instances?.includes(scope.instance!)) : platform;
  return sortBackups([...sets, ...mine]);
}

/** What platform archives are matched against: every instance of the namespace by customer, ids and databases. */
async function archiveCandidates(deps: BackupDeps, namespace: string): Promise<ArchiveCandidate[]> {
  const list = await deps.kube.list<Stored<V1Deployment>>(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR });
  return list.items
    .filter((d) => isInstanceWorkload(d.metadata?.labels))
    .map((d) => ({
      name: d.metadata.name,
      customerId: customerIdOf(d.metadata?.labels) ?? customerIdOf(d.spec?.template?.metadata?.labels),
      ids: [...instanceIdsOf(d), ...id8sOf(d)],
      databases: databaseNamesOf(d),
    }));
}

/**
 * The platform archive at `path` (active/<customer>/<name>.tar.gz), as `backups` lists it, with the
 * instance it belongs to: what verify and a files-only restore start from. Not found: exit 1 with the
 * customer's archives as a hint.
 */
export async function findPlatformArchive(deps: BackupDeps, namespace: string, path: string): Promise<BackupSetInfo> {
  const ref = parsePlatformArchivePath(path);
  if (!ref) throw new UsageError(`"${path}" is not a platform archive: use active/CUSTOMER/NAME.tar.gz as "kubectl odoo backups" lists it`);
  const listed = (await listBackupSets(deps, { namespace, customerId: ref.customerId }, { platform: true })).filter((s) => s.kind === 'platform');
  const hit = listed.find((s) => s.path === ref.path);
  if (!hit) {
    const others = listed.slice(0, 3).map((s) => s.path);
    throw new NotFoundError(`platform archive ${ref.path} not found on the backups volume`, {
      hint: others.length ? `archives of customer ${ref.customerId}: ${others.join(', ')}` : `customer ${ref.customerId} has no platform archives`,
    });
  }
  return hit;
}

// Two listings in the same second must not collide on the Job name.
function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 6);
}

/** `<instance>/<timestamp>` of backup Jobs still running. */
async function runningBackups(deps: BackupDeps, namespace: string): Promise<Set<string>> {
  const jobs = await deps.kube.list<Read<V1Job>>(RESOURCES.jobs, { namespace, labelSelector: `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_OPERATION}=backup` });
  const out = new Set<string>();
  for (const j of jobs.items) {
    const l = j.metadata?.labels ?? {};
    if (!jobOutcome(j) && l[LABEL_INSTANCE] && l[LABEL_BACKUP_SET]) out.add(`${l[LABEL_INSTANCE]}/${String(l[LABEL_BACKUP_SET]).toUpperCase()}`);
  }
  return out;
}

/**
 * The one set a reference names. `contextInstance` fills in the instance for "latest" and bare
 * timestamps. The instance of INSTANCE/TIMESTAMP and the context one resolve as every instance name
 * does (resolveBackupScope); the full path names its folder as it is. Only complete sets are
 * returned; partial and failed ones get a clear error.
 */
export async function findBackupSet(deps: BackupDeps, namespace: string, ref: BackupRef, contextInstance?: string): Promise<BackupSetInfo> {
  const named = ref.instance ?? contextInstance;
  if (!named) throw new UsageError(`backup "${ref.timestamp}" does not say which instance it belongs to: use INSTANCE/TIMESTAMP or the full path from "kubectl odoo backups"`);
  const scope = ref.customerId ? { namespace, customerId: ref.customerId, instance: named } : await resolveBackupScope(deps, { namespace, instance: named });
  const instance = scope.instance!;
  const sets = await listBackupSets(deps, scope);
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
