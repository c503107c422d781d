import { describe, expect, it } from 'vitest';
import { dayKey, planPrune, weekKey, type RetentionPolicy } from './retention.js';
import type { BackupSetInfo, BackupState } from './listing.js';
import { formatBackupTimestamp } from './naming.js';

function set(iso: string, opts: { state?: BackupState; pinned?: boolean; instance?: string; safety?: boolean } = {}): BackupSetInfo {
  const time = new Date(iso);
  const timestamp = formatBackupTimestamp(time);
  const instance = opts.instance ?? 'acme';
  return { kind: 'set', database: true, path: `active/c/${instance}/${timestamp}`, folder: `active/c/${instance}/${timestamp}`, customerId: 'c', instance, timestamp, time, state: opts.state ?? 'complete', bytes: 1, pinned: !!opts.pinned, safety: !!opts.safety };
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

describe('planPrune of platform archives', () => {
  const archive = (iso: string, customer = 'customer-001', instance = ''): BackupSetInfo => {
    const time = new Date(iso);
    const path = `active/${customer}/backup-${iso.slice(0, 10)}.tar.gz`;
    return { kind: 'platform', database: false, path, folder: path, customerId: customer, instance, timestamp: formatBackupTimestamp(time), time, state: 'volume only', bytes: 1, pinned: false, safety: false };
  };
  it('are retained by the same rules in their own group: they never take the place of a set', () => {
    const sets = [set('2025-01-14T02:00:00Z', { instance: 'shop' }), set('2025-01-15T02:00:00Z', { instance: 'shop' })];
    const archives = [archive('2025-01-13T01:00:00Z', 'c', 'shop'), archive('2025-01-16T01:00:00Z', 'c', 'shop'), archive('2025-01-12T01:00:00Z', 'c', 'shop')];
    const plan = planPrune([...sets, ...archives], { keepLast: 1 });
    const verdict = Object.fromEntries(plan.map((d) => [d.set.path, `${d.keep ? 'keep' : 'delete'}: ${d.reasons.join(', ')}`]));
    expect(verdict).toEqual({
      [sets[1].path]: 'keep: newest complete, last 1',
      [sets[0].path]: 'delete: not selected by the retention policy',
      'active/c/backup-2025-01-16.tar.gz': 'keep: newest platform archive, last 1',
      'active/c/backup-2025-01-13.tar.gz': 'delete: not selected by the retention policy',
      'active/c/backup-2025-01-12.tar.gz': 'delete: not selected by the retention policy',
    });
  });
  it('of a customer no single instance owns are grouped by the customer', () => {
    const plan = planPrune([archive('2025-01-13T01:00:00Z'), archive('2025-01-12T01:00:00Z'), archive('2025-01-12T01:00:00Z', 'customer-002')], { keepDaily: 5 });
    expect(plan.every((d) => d.keep)).toBe(true);
    expect(plan.map((d) => d.reasons[0])).toEqual(['newest platform archive', 'daily 2025-01-12', 'newest platform archive']);
  });
});
