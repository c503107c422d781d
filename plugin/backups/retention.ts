// Which backup sets a prune keeps and which it removes, per instance. Pure: the listing comes in, a
// plan with a reason for every decision comes out.
//
// Rules (borg/restic semantics for the periods: the newest set of each of the N most recent periods
// that have sets, UTC calendar; weeks are ISO weeks):
// - the newest complete set of an instance is always kept, whatever the policy says;
// - a pinned set is always kept;
// - safety backups (the state a restore replaced) are not regular backups: they never take a regular
//   set's place in --keep-last/daily/weekly/monthly; the newest one of an instance is kept (it is how the
//   last restore is undone), older ones are removed;
// - a set whose Job is still running is kept;
// - an incomplete set (partial or failed, no Job running) is removed: it can never be restored;
// - other complete sets are kept when --keep-last/daily/weekly/monthly selects them, else removed;
// - platform archives (volume only), when a prune includes them, form their own group per instance (or
//   per customer when no single instance owns them) under the same rules: they never count for, or
//   take the place of, a set with a database.
import { UsageError } from '../../lib/errors.js';
import type { BackupSetInfo } from './listing.js';

export interface RetentionPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
}

export interface PruneDecision {
  set: BackupSetInfo;
  keep: boolean;
  reasons: string[];
}

export function hasRetentionRule(p: RetentionPolicy): boolean {
  return [p.keepLast, p.keepDaily, p.keepWeekly, p.keepMonthly].some((n) => n !== undefined && n > 0);
}

export function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function monthKey(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** ISO 8601 week, e.g. 2025-W03 (weeks start on Monday; week 1 holds the first Thursday). */
export function weekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Decides every set; the result keeps the input's order within each instance, newest first. */
export function planPrune(sets: readonly BackupSetInfo[], policy: RetentionPolicy): PruneDecision[] {
  const byInstance = new Map<string, BackupSetInfo[]>();
  for (const s of sets) {
    const key = `${s.kind}:${s.customerId}/${s.instance}`;
    if (!byInstance.has(key)) byInstance.set(key, []);
    byInstance.get(key)!.push(s);
  }
  const out: PruneDecision[] = [];
  for (const group of byInstance.values()) {
    const sorted = [...group].sort((a, b) => b.timestamp.localeCompare(a.timestamp));
    const reasons = new Map<BackupSetInfo, string[]>(sorted.map((s) => [s, []]));
    const complete = sorted.filter((s) => (s.state === 'complete' || s.state === 'volume only') && !s.safety);
    const safety = sorted.filter((s) => s.state === 'complete' && s.safety);
    if (complete[0]) reasons.get(complete[0])!.push(complete[0].kind === 'platform' ? 'newest platform archive' : 'newest complete');
    if (safety[0]) reasons.get(safety[0])!.push('newest safety backup');
    for (const s of sorted) {
      if (s.pinned) reasons.get(s)!.push('pinned');
      if (s.state === 'running') reasons.get(s)!.push('running');
      // Made before sets were proven: it may well be good, so prune never decides it away.
      if (s.state === 'unproven') reasons.get(s)!.push('unproven (verify it, then delete it by hand if unneeded)');
    }
    complete.slice(0, policy.keepLast ?? 0).forEach((s, i) => reasons.get(s)!.push(`last ${i + 1}`));
    const periodic: [number | undefined, string, (d: Date) => string][] = [
      [policy.keepDaily, 'daily', dayKey],
      [policy.keepWeekly, 'weekly', weekKey],
      [policy.keepMonthly, 'monthly', monthKey],
    ];
    for (const [n, label, keyOf] of periodic) {
      if (!n) continue;
      const seen = new Set<string>();
      for (const s of complete) {
        const k = keyOf(s.time);
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > n) break;
        reasons.get(s)!.push(`${label} ${k}`);
      }
    }
    for (const s of sorted) {
      const r = reasons.get(s)!;
      if (r.length) out.push({ set: s, keep: true, reasons: r });
      else out.push({ set: s, keep: false, reasons: [!complete.includes(s) && !s.safety ? `${s.state}, not restorable` : s.safety ? 'older safety backup' : 'not selected by the retention policy'] });
    }
  }
  return out;
}

/** A --keep-* value as typed: a whole number; one line otherwise (exit 2). validatePolicy refuses 0. */
export function parseKeepCount(flag: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${flag} "${raw}": give a whole number of backups, e.g. ${flag} 7`);
  return Number(text);
}

export function validatePolicy(p: RetentionPolicy): void {
  for (const [flag, v] of Object.entries({ '--keep-last': p.keepLast, '--keep-daily': p.keepDaily, '--keep-weekly': p.keepWeekly, '--keep-monthly': p.keepMonthly })) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new UsageError(`invalid ${flag} "${v}": give a whole number of backups, e.g. ${flag} 7`);
    // 0 is not "keep none": the newest complete set is always kept, so a 0 would promise what prune never does.
    if (v === 0) {
      throw new UsageError(`invalid ${flag} 0: a rule keeps at least 1 backup, and prune always keeps each instance's newest complete set; use --keep-last 1 to keep only that one`);
    }
  }
  if (!hasRetentionRule(p)) throw new UsageError('prune needs a retention rule: --keep-last N, --keep-daily N, --keep-weekly N or --keep-monthly N');
}
