// `kubectl odoo backups prune` and `backup pin|unpin`: the plan is computed here (retention.ts), the
// folders are deleted, pinned or unpinned by a Job on the backups volume. The platform's own archives
// are deleted only by a prune given --include-platform.
//
// Pinning: a set is pinned by a file named PINNED in its folder (outside the checksummed files, so
// pinning never changes a set). Prune never deletes a pinned set, and the delete Job checks the marker
// again right before it deletes, so a set pinned while a prune runs is kept.
import { runJob } from '../../lib/kube/jobs.js';
import type { BackupDeps } from './deps.js';
import { buildSetOpsJob } from './jobSpecs.js';
import { listBackupSets, findBackupSet, type ListScope } from './list.js';
import { formatBackupTimestamp, parseQualifiedBackupRef } from './naming.js';
import { planPrune, validatePolicy, type PruneDecision, type RetentionPolicy } from './retention.js';

// The --keep-* parsers are pure and live with the policy; prune's callers find them here as before.
export { parseKeepCount, validatePolicy } from './retention.js';

export interface PruneResult {
  decisions: PruneDecision[];
  /** Folders the Job deleted (empty on --dry-run). */
  deleted: string[];
  /** Folders the Job skipped because they were pinned meanwhile. */
  skipped: string[];
  dryRun: boolean;
}

/**
 * What a prune would do: every set with keep or delete and why. Reads only. The platform's archives are
 * left out (never touched) unless `includePlatform`; `platformLeftOut` counts those in scope.
 */
export async function planPruneRun(
  deps: BackupDeps,
  opts: { scope: ListScope; policy: RetentionPolicy; includePlatform?: boolean },
): Promise<{ decisions: PruneDecision[]; platformLeftOut: number }> {
  validatePolicy(opts.policy);
  const listed = await listBackupSets(deps, opts.scope, { platform: true });
  const platform = listed.filter((s) => s.kind === 'platform');
  const considered = opts.includePlatform ? listed : listed.filter((s) => s.kind !== 'platform');
  return { decisions: planPrune(considered, opts.policy), platformLeftOut: opts.includePlatform ? 0 : platform.length };
}

/** Deletes the sets a plan does not keep (the Job skips any pinned meanwhile). */
export async function executePrune(deps: BackupDeps, opts: { scope: ListScope; decisions: PruneDecision[] }): Promise<PruneResult> {
  const { decisions } = opts;
  const doomed = decisions.filter((d) => !d.keep).map((d) => d.set.folder);
  if (doomed.length === 0) return { decisions, deleted: [], skipped: [], dryRun: false };
  const job = buildSetOpsJob({ namespace: opts.scope.namespace, op: 'delete', folders: doomed, opId: formatBackupTimestamp(deps.clock.now()), instance: opts.scope.instance, placement: opts.scope.placement }, deps.settings, deps.settings.defaultImage);
  const r = await runJob(deps.kube, job, { namespace: opts.scope.namespace, clock: deps.clock, signal: deps.signal, timeoutMs: 3_600_000, what: 'prune' });
  const grab = (prefix: string) => r.log.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).split(' ')[0]);
  return { decisions, deleted: grab('DELETED '), skipped: grab('SKIPPED '), dryRun: false };
}

export async function setPinned(deps: BackupDeps, opts: { namespace: string; backup: string; pinned: boolean }): Promise<string> {
  const ref = parseQualifiedBackupRef(opts.backup);
  const set = await findBackupSet(deps, opts.namespace, ref);
  const job = buildSetOpsJob({ namespace: opts.namespace, op: opts.pinned ? 'pin' : 'unpin', folders: [set.folder], opId: formatBackupTimestamp(deps.clock.now()), instance: set.instance }, deps.settings, deps.settings.defaultImage);
  await runJob(deps.kube, job, { namespace: opts.namespace, clock: deps.clock, signal: deps.signal, timeoutMs: 300_000, what: opts.pinned ? 'pin' : 'unpin' });
  return set.path;
}

/**
 * Retention right after a backup (backup --keep, scheduled runs): the instance's own sets, regular and
 * safety, by the rules prune applies; the platform's archives are left alone.
 */
export async function applyRetention(deps: BackupDeps, opts: { namespace: string; instance: string; customerId: string; policy: RetentionPolicy }): Promise<PruneResult> {
  const scope = { namespace: opts.namespace, instance: opts.instance, customerId: opts.customerId };
  const { decisions } = await planPruneRun(deps, { scope, policy: opts.policy });
  return executePrune(deps, { scope, decisions });
}
