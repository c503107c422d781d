// Off-site copies: complete sets copied to an rclone remote (S3, SFTP, WebDAV, Azure, GCS, ...), listed
// there, and fetched back for a restore. The remote is configured by a Secret (config offsiteSecret,
// default odoo-backups-offsite) holding `rclone.conf` and `remote` (the remote and path, e.g.
// offsite:odoo-backups): it reaches the Job as a mounted file and an env var from the Secret, never on a
// command line, in the Job object or in the output. The work is done by a Job on the backups volume with
// rclone (config rcloneImage).
import { randomBytes } from 'node:crypto';
import { runJob } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { FailureError, UsageError } from '../../lib/errors.js';
import { ApiError } from '../../lib/kube/errors.js';
import type { BackupDeps } from './deps.js';
import { ensureBackupsPvc } from './backup.js';
import { BACKUPS_MOUNT, buildJob, type BuiltJob } from './jobSpecs.js';
import type { Read, V1Job, V1Secret } from '../../lib/kube/models.js';
import { formatBackupTimestamp, parseSetFolder } from './naming.js';
import { LABEL_MANAGED_BY, LABEL_OPERATION } from './jobSpecs.js';
import { jobOutcome } from '../../lib/kube/jobs.js';
import { parseListing, type BackupSetInfo } from './listing.js';
import { resolveBackupScope } from './list.js';
import { planPrune, type PruneDecision, type RetentionPolicy } from './retention.js';
import { OFFSITE_SCRIPT } from './scripts.js';

export interface OffsiteSettings {
  secret: string;
  image: string;
}

const CONFIG_DIR = '/etc/kubectl-odoo-offsite';

export type OffsiteMode = 'sync' | 'list' | 'fetch' | 'inventory' | 'prune';

/** The Job of one off-site step (pure). */
export function buildOffsiteJob(p: { namespace: string; mode: OffsiteMode; sets: string[]; opId: string; instance?: string; globs?: { customer: string; instance: string } }, o: OffsiteSettings, s: BackupDeps['settings']): BuiltJob {
  const job = buildJob({
    name: `odoo-offsite-${p.mode}-${p.opId}`.toLowerCase().slice(0, 63).replace(/-+$/, ''),
    namespace: p.namespace,
    operation: 'offsite',
    instance: p.instance,
    image: o.image,
    script: OFFSITE_SCRIPT,
    env: [
      { name: 'MODE', value: p.mode },
      { name: 'BACKUP_ROOT', value: BACKUPS_MOUNT },
      { name: 'SETS', value: p.sets.join('\n') },
      // Optional, so a missing Secret is the Job's one-line error rather than a pod that never starts.
      { name: 'REMOTE', valueFrom: { secretKeyRef: { name: o.secret, key: 'remote', optional: true } } },
      { name: 'RCLONE_SOURCE_CONFIG', value: `${CONFIG_DIR}/rclone.conf` },
      { name: 'OFFSITE_SECRET', value: o.secret },
      ...(p.globs ? [{ name: 'CUSTOMER_GLOB', value: p.globs.customer }, { name: 'INSTANCE_GLOB', value: p.globs.instance }] : []),
    ],
    volumes: [{ name: 'backups', claimName: s.backupsPvc, mountPath: BACKUPS_MOUNT, readOnly: p.mode !== 'fetch' }],
    deadlineSeconds: s.deadlineSeconds,
  });
  const pod = job.spec.template.spec;
  (pod.containers[0].volumeMounts ??= []).push({ name: 'offsite', mountPath: CONFIG_DIR, readOnly: true });
  (pod.volumes ??= []).push({ name: 'offsite', secret: { secretName: o.secret, items: [{ key: 'rclone.conf', path: 'rclone.conf' }], defaultMode: 0o400, optional: true } });
  return job;
}

async function ensureSecret(deps: BackupDeps, namespace: string, o: OffsiteSettings): Promise<void> {
  let secret: Read<V1Secret> | undefined;
  try {
    secret = await deps.kube.getOptional<Read<V1Secret>>(RESOURCES.secrets, o.secret, namespace);
  } catch (e) {
    // Who may not read Secrets (the operator role) leaves the check to the Job, which says the same.
    if (e instanceof ApiError && e.status === 403) return;
    throw e;
  }
  const keys = Object.keys({ ...(secret?.data ?? {}), ...(secret?.stringData ?? {}) });
  if (!secret || !keys.includes('rclone.conf') || !keys.includes('remote')) {
    throw new UsageError(`off-site copies need the Secret ${o.secret} in namespace ${namespace} with the keys rclone.conf and remote${secret ? ` (it has: ${keys.join(', ') || 'nothing'})` : ''}`, {
      hint: `kubectl create secret generic ${o.secret} -n ${namespace} --from-file=rclone.conf=./rclone.conf --from-literal=remote=offsite:odoo-backups`,
    });
  }
}

async function runOffsite(deps: BackupDeps, o: OffsiteSettings, p: { namespace: string; mode: OffsiteMode; sets: string[]; instance?: string; globs?: { customer: string; instance: string } }, what: string): Promise<string[]> {
  await ensureBackupsPvc(deps, p.namespace);
  await ensureSecret(deps, p.namespace, o);
  const opId = `${formatBackupTimestamp(deps.clock.now())}-${randomBytes(2).toString('hex')}`;
  const job = buildOffsiteJob({ ...p, opId }, o, deps.settings);
  const r = await runJob(deps.kube, job, {
    namespace: p.namespace,
    clock: deps.clock,
    signal: deps.signal,
    timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
    what,
    onLine: (l) => {
      if (l.startsWith('PHASE ')) deps.progress(`  ${l.slice(6)}`);
    },
  });
  return r.log.split('\n');
}

export interface SyncResult {
  backup: string;
  /** copied: verified and its manifest written now; present: already whole on the remote. */
  result: 'copied' | 'present';
}

/** Copies the given complete sets (their paths) to the remote; those already whole there are left. */
export async function syncSets(deps: BackupDeps, o: OffsiteSettings, namespace: string, paths: string[]): Promise<SyncResult[]> {
  if (!paths.length) return [];
  const lines = await runOffsite(deps, o, { namespace, mode: 'sync', sets: paths }, 'off-site copy');
  const out: SyncResult[] = [];
  for (const l of lines) {
    const m = /^(SYNCED|PRESENT) (\S+)$/.exec(l);
    if (m) out.push({ backup: m[2], result: m[1] === 'SYNCED' ? 'copied' : 'present' });
  }
  return out;
}

export interface RemoteSet {
  path: string;
  customerId: string;
  instance: string;
  timestamp: string;
  /** complete: its manifest is there (written last, after every file was verified); partial: a copy cut short. */
  state: 'complete' | 'partial';
  bytes: number;
}

/** The sets on the remote, from its file listing (pure). */
export function parseRemoteListing(lines: string[]): RemoteSet[] {
  const sets = new Map<string, RemoteSet>();
  for (const l of lines) {
    const m = /^FILE (\d+) (active\/.+)$/.exec(l);
    if (!m) continue;
    const path = m[2];
    const dir = path.slice(0, path.lastIndexOf('/'));
    const id = parseSetFolder(dir);
    if (!id || id.partial) continue;
    const set = sets.get(dir) ?? { path: dir, customerId: id.customerId, instance: id.instance, timestamp: id.timestamp, state: 'partial' as const, bytes: 0 };
    set.bytes += Number(m[1]);
    if (path.endsWith('/manifest.json')) set.state = 'complete';
    sets.set(dir, set);
  }
  return [...sets.values()].sort((a, b) => a.path.localeCompare(b.path) || 0).sort((a, b) => (a.customerId + a.instance).localeCompare(b.customerId + b.instance) || b.timestamp.localeCompare(a.timestamp));
}

export async function listRemoteSets(deps: BackupDeps, o: OffsiteSettings, namespace: string): Promise<RemoteSet[]> {
  return parseRemoteListing(await runOffsite(deps, o, { namespace, mode: 'list', sets: [] }, 'listing the remote'));
}

/** Brings a whole set back from the remote onto the backups volume (checked against its checksums). */
export async function fetchRemoteSet(deps: BackupDeps, o: OffsiteSettings, namespace: string, path: string): Promise<'fetched' | 'present'> {
  const lines = await runOffsite(deps, o, { namespace, mode: 'fetch', sets: [path], instance: parseSetFolder(path)?.instance }, `fetching ${path} from the remote`);
  if (lines.includes(`FETCHED ${path}`)) return 'fetched';
  if (lines.includes(`PRESENT ${path}`)) return 'present';
  throw new FailureError(`fetching ${path} from the remote did not say it finished`);
}

/**
 * `restore NAME --from remote:REF`: the set on the remote REF names (latest, TIMESTAMP, INSTANCE/TIMESTAMP
 * or the full path), fetched onto the backups volume unless it is there already; returns its path, which
 * the restore then uses as any other set (same checks, same safety backup, same swap).
 */
export async function bringBackRemoteSet(deps: BackupDeps, o: OffsiteSettings, p: { namespace: string; instance: string; customerId: string; ref: { customerId?: string; instance?: string; timestamp: string } }): Promise<string> {
  // INSTANCE/TIMESTAMP names the instance as any command does; the full path names its folder.
  const instance = p.ref.instance === undefined ? p.instance : p.ref.customerId ? p.ref.instance : (await resolveBackupScope(deps, { namespace: p.namespace, instance: p.ref.instance })).instance!;
  const customerId = p.ref.customerId ?? p.customerId;
  let path: string;
  if (p.ref.timestamp === 'latest') {
    const newest = (await listRemoteSets(deps, o, p.namespace)).filter((s) => s.instance === instance && (!p.ref.customerId || s.customerId === customerId) && s.state === 'complete')[0];
    if (!newest) throw new FailureError(`no complete backup of ${instance} on the remote`);
    path = newest.path;
  } else path = `active/${customerId}/${instance}/${p.ref.timestamp}`;
  const how = await fetchRemoteSet(deps, o, p.namespace, path);
  deps.progress(how === 'fetched' ? `fetched ${path} from the remote; its checksums match` : `${path} is on the backups volume already`);
  return path;
}

/** The scope of a remote prune: an instance (its Deployment name), a customer, or every set. */
export interface RemoteScope {
  namespace: string;
  customerId?: string;
  instance?: string;
}

/**
 * The remote's sets in scope, judged by the same rules as the backups volume's (complete only with a
 * valid manifest whose files have their sizes; safety backups by their manifest; pinned on either side).
 * A copy cut short (no manifest) is "running" while a sync Job of the namespace still runs.
 */
export async function inventoryRemote(deps: BackupDeps, o: OffsiteSettings, scope: RemoteScope): Promise<BackupSetInfo[]> {
  const globs = { customer: scope.customerId ?? '*', instance: scope.instance ?? '*' };
  const [lines, syncing] = await Promise.all([
    runOffsite(deps, o, { namespace: scope.namespace, mode: 'inventory', sets: [], instance: scope.instance, globs }, 'listing the remote'),
    syncRunning(deps, scope.namespace),
  ]);
  return parseListing(lines.join('\n')).sets.map((s) => {
    if (s.state !== 'partial') return s;
    if (syncing) return { ...s, state: 'running' as const, error: undefined };
    return { ...s, error: s.error === 'manifest.json is missing' ? 'a copy cut short (no manifest on the remote)' : s.error };
  });
}

async function syncRunning(deps: BackupDeps, namespace: string): Promise<boolean> {
  const jobs = await deps.kube.list<Read<V1Job>>(RESOURCES.jobs, { namespace, labelSelector: `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_OPERATION}=offsite` });
  return jobs.items.some((j) => String(j.metadata?.name).startsWith('odoo-offsite-sync-') && !jobOutcome(j));
}

export interface RemotePruneDecision extends PruneDecision {
  /** For a complete set to delete: the newer complete set kept on the remote that must still be whole then. */
  guard?: string;
}

/**
 * Retention for the remote (pure): planPrune's decisions, and a complete set is deleted only when a newer
 * complete set of its instance is kept there (its guard, checked again by the Job right before the delete).
 */
export function planRemotePrune(sets: readonly BackupSetInfo[], policy: RetentionPolicy): RemotePruneDecision[] {
  const decisions = planPrune(sets, policy);
  return decisions.map((d) => {
    if (d.keep || d.set.state !== 'complete') return d;
    const newer = decisions
      .filter((k) => k.keep && k.set.state === 'complete' && k.set.customerId === d.set.customerId && k.set.instance === d.set.instance && k.set.timestamp > d.set.timestamp)
      .sort((a, b) => b.set.timestamp.localeCompare(a.set.timestamp))[0];
    return newer ? { ...d, guard: newer.set.path } : { ...d, keep: true, reasons: ['no newer complete set on the remote'] };
  });
}

/** What a remote prune would do, reading only. */
export async function planRemotePruneRun(deps: BackupDeps, o: OffsiteSettings, scope: RemoteScope, policy: RetentionPolicy): Promise<RemotePruneDecision[]> {
  return planRemotePrune(await inventoryRemote(deps, o, scope), policy);
}

export interface RemotePruneResult {
  deleted: string[];
  /** Sets the Job kept after all, and why (pinned meanwhile, their newer set gone). */
  skipped: { path: string; why: string }[];
}

/** Deletes from the remote what a plan does not keep. */
export async function executeRemotePrune(deps: BackupDeps, o: OffsiteSettings, namespace: string, decisions: RemotePruneDecision[]): Promise<RemotePruneResult> {
  const doomed = decisions.filter((d) => !d.keep);
  if (!doomed.length) return { deleted: [], skipped: [] };
  const lines = await runOffsite(deps, o, { namespace, mode: 'prune', sets: doomed.map((d) => `${d.set.path} ${d.guard ?? '-'}`) }, 'pruning the remote');
  const deleted: string[] = [];
  const skipped: { path: string; why: string }[] = [];
  for (const l of lines) {
    const m = /^(DELETED|SKIPPED) (\S+)(?: (.*))?$/.exec(l);
    if (m?.[1] === 'DELETED') deleted.push(m[2]);
    else if (m) skipped.push({ path: m[2], why: m[3] ?? '' });
  }
  return { deleted, skipped };
}

/**
 * Which local complete sets a sync followed by `policy` on the remote should copy (pure): those the
 * remote's retention keeps once they are there. A set retention would delete right after is not copied,
 * so a remote that keeps less than the backups volume does not receive the same old sets on every run.
 */
export function setsWorthCopying(local: readonly BackupSetInfo[], remote: readonly BackupSetInfo[], policy: RetentionPolicy): string[] {
  const onRemote = new Set(remote.map((s) => s.path));
  const union = [...remote, ...local.filter((s) => !onRemote.has(s.path))];
  const kept = new Set(planRemotePrune(union, policy).filter((d) => d.keep).map((d) => d.set.path));
  return local.filter((s) => s.state === 'complete' && kept.has(s.path)).map((s) => s.path).sort();
}

/** Retention on the remote after a scheduled run's sync (backup NAME --offsite --keep-remote). */
export async function applyRemoteRetention(deps: BackupDeps, o: OffsiteSettings, scope: RemoteScope & { instance: string; customerId: string }, policy: RetentionPolicy): Promise<{ decisions: RemotePruneDecision[]; result: RemotePruneResult }> {
  const decisions = await planRemotePruneRun(deps, o, scope, policy);
  return { decisions, result: await executeRemotePrune(deps, o, scope.namespace, decisions) };
}
