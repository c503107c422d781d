import { describe, expect, it } from 'vitest';
import { dayKey, planPrune, weekKey, type RetentionPolicy } from './retention.js';
import type { BackupSetInfo, BackupState } from './listing.js';
import { formatBackupTimestamp } from './naming.js';

function set(iso: string, opts: { state?: BackupState; pinned?: boolean; instance?: string; safety?: boolean } = {}): BackupSetInfo {
  const time = new Date(iso);
  const timestamp = formatBackupTimestamp(time);
  const instance = opts.instance ?? 'acme';
  return { path: `active/c/${instance}/${timestamp}`, folder: `active/c/${instance}/${timestamp}`, customerId: 'c', instance, timestamp, time, state: opts.state ?? 'complete', bytes: 1, pinned: !!opts.pinned, safety: !!opts.safety };
}

function kept(sets: BackupSetInfo[], policy: RetentionPolicy): string[] {
  return planPrune(sets, policy)
    .filter((d) => d.keep)
    .map((d) => d.set.time.toISOString().slice(0, 16))
    .sort();
}

describe('planPrune', () => {
  const daily = [
    set('2025-01-10T02:00:00Z'),
    set('2025-01-11T02:00:00Z'),
    set('2025-01-11T14:00:00Z'),
    set('2025-01-12T02:00:00Z'),
    set('2025-01-13T02:00:00Z'),
  ];

  it.each<[string, RetentionPolicy, string[]]>([
    ['keep-last 2', { keepLast: 2 }, ['2025-01-12T02:00', '2025-01-13T02:00']],
    ['keep-daily 3: newest of each of the last 3 days', { keepDaily: 3 }, ['2025-01-11T14:00', '2025-01-12T02:00', '2025-01-13T02:00']],
    ['keep-weekly 2', { keepWeekly: 2 }, ['2025-01-12T02:00', '2025-01-13T02:00']],
    ['keep-monthly 1', { keepMonthly: 1 }, ['2025-01-13T02:00']],
    ['rules combine', { keepLast: 1, keepDaily: 2 }, ['2025-01-12T02:00', '2025-01-13T02:00']],
    ['keep-last 0 still keeps the newest complete', { keepLast: 0, keepDaily: 0 }, ['2025-01-13T02:00']],
  ])('%s', (_n, policy, expected) => {
    expect(kept(daily, policy)).toEqual(expected);
  });

  it('never deletes the newest complete set, even when newer sets failed', () => {
    const sets = [set('2025-01-10T02:00:00Z'), set('2025-01-11T02:00:00Z'), set('2025-01-12T02:00:00Z', { state: 'failed' }), set('2025-01-13T02:00:00Z', { state: 'partial' })];
    const plan = planPrune(sets, { keepLast: 0, keepDaily: 0, keepMonthly: 0, keepWeekly: 0 });
    expect(plan.filter((d) => d.keep).map((d) => [d.set.time.toISOString().slice(0, 10), d.reasons])).toEqual([['2025-01-11', ['newest complete']]]);
    expect(plan.find((d) => d.set.state === 'failed')).toMatchObject({ keep: false, reasons: ['failed, not restorable'] });
  });

  it('keeps pinned and running sets', () => {
    const sets = [set('2025-01-01T00:00:00Z', { pinned: true }), set('2025-01-02T00:00:00Z'), set('2025-01-03T00:00:00Z', { state: 'running' }), set('2025-01-04T00:00:00Z')];
    expect(kept(sets, { keepLast: 1 })).toEqual(['2025-01-01T00:00', '2025-01-03T00:00', '2025-01-04T00:00']);
  });

  it('safety backups take no regular set\'s place; the newest one is kept, older ones go', () => {
    const sets = [
      set('2025-01-10T02:00:00Z'),
      set('2025-01-11T02:00:00Z'),
      set('2025-01-11T09:00:00Z', { safety: true }),
      set('2025-01-12T02:00:00Z'),
      set('2025-01-12T09:00:00Z', { safety: true }),
      set('2025-01-12T10:00:00Z', { safety: true, pinned: true }),
    ];
    const plan = planPrune(sets, { keepLast: 2 });
    expect(plan.map((d) => [d.set.time.toISOString().slice(0, 13), d.keep, d.reasons.join(', ')])).toEqual([
      ['2025-01-12T10', true, 'newest safety backup, pinned'],
      ['2025-01-12T09', false, 'older safety backup'],
      ['2025-01-12T02', true, 'newest complete, last 1'],
      ['2025-01-11T09', false, 'older safety backup'],
      ['2025-01-11T02', true, 'last 2'],
      ['2025-01-10T02', false, 'not selected by the retention policy'],
    ]);
  });

  it('decides per instance', () => {
    const sets = [set('2025-01-01T00:00:00Z', { instance: 'a' }), set('2025-01-02T00:00:00Z', { instance: 'a' }), set('2025-01-01T00:00:00Z', { instance: 'b' })];
    const plan = planPrune(sets, { keepLast: 1 });
    expect(plan.filter((d) => d.keep).map((d) => `${d.set.instance} ${d.set.time.toISOString().slice(0, 10)}`).sort()).toEqual(['a 2025-01-02', 'b 2025-01-01']);
  });

  it.each([
    ['2025-01-01T00:00:00Z', '2025-W01'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2021-01-03T00:00:00Z', '2020-W53'],
    ['2025-06-15T23:59:59Z', '2025-W24'],
  ])('ISO week of %s is %s', (iso, w) => {
    expect(weekKey(new Date(iso))).toBe(w);
    expect(dayKey(new Date(iso))).toBe(iso.slice(0, 10));
  });
});
