import { describe, expect, it } from 'vitest';
import { buildScheduleCronJob, cronScheduleFor, formatKeep, parseEvery, parseKeep, parseWindow, scheduleIntervalMs, scheduleName, spreadOffset } from './schedule.js';
import { missedRun, scheduleInfoOf } from './scheduleStatus.js';
import { staleBackupWarning } from '../instances/statusReport.js';

describe('schedules', () => {
  it('parses --every, --window and --keep, and refuses what they do not allow', () => {
    expect(parseEvery('daily')).toEqual({ kind: 'daily' });
    expect(parseEvery('30 2 * * 0')).toEqual({ kind: 'cron', schedule: '30 2 * * 0' });
    expect(() => parseEvery('weekly')).toThrow('invalid --every "weekly": use daily, hourly, a cron schedule such as "30 2 * * *" or a macro such as @weekly; did you mean "@weekly"?');
    expect(() => parseEvery('fortnightly')).toThrow(/^invalid --every "fortnightly": use daily, hourly, a cron schedule such as "30 2 \* \* \*" or a macro such as @weekly$/);
    expect(parseEvery('@weekly')).toEqual({ kind: 'cron', schedule: '@weekly' });
    expect(parseWindow('01:00-05:00')).toEqual({ start: 60, end: 300 });
    expect(parseWindow('22:00-02:00')).toEqual({ start: 1320, end: 120 });
    expect(parseWindow('00:00-24:00')).toEqual({ start: 0, end: 0 });
    for (const bad of ['1-5', '25:00-01:00', '01:00-01:00', '01:00-24:30']) expect(() => parseWindow(bad)).toThrow(`invalid --window "${bad}"`);
    expect(parseKeep('last=7,daily=14,weekly=8,monthly=12')).toEqual({ keepLast: 7, keepDaily: 14, keepWeekly: 8, keepMonthly: 12 });
    expect(formatKeep(parseKeep('monthly=1,last=2'))).toBe('last=2,monthly=1');
    for (const bad of ['last=0', 'yearly=1', 'last=x', 'last=1,last=2', '']) expect(() => parseKeep(bad)).toThrow(`invalid --keep "${bad}"`);
  });

  it('spreads each instance over the window by a stable hash of namespace and name', () => {
    const at = (ns: string, name: string) => cronScheduleFor({ every: { kind: 'daily' }, window: { start: 60, end: 300 } }, ns, name);
    expect(at('saasodoo', 'acme')).toBe(at('saasodoo', 'acme'));
    const minutes = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const [m, h] = at('saasodoo', `odoo-${i}`).split(' ').map(Number);
      const t = h * 60 + m;
      expect(t).toBeGreaterThanOrEqual(60);
      expect(t).toBeLessThan(300);
      minutes.add(t);
    }
    // 200 instances over 240 minutes: spread, not stacked on a few minutes.
    expect(minutes.size).toBeGreaterThan(100);
    // A window across midnight wraps.
    const [m, h] = cronScheduleFor({ every: { kind: 'daily' }, window: { start: 1380, end: 60 } }, 'ns', 'x').split(' ').map(Number);
    expect(h === 23 || h === 0).toBe(true);
    expect(m).toBeLessThan(60);
    expect(spreadOffset('ns', 'x', 120)).toBe((h === 23 ? 0 : 60) + m);
  });

  it('hourly runs at a stable minute in each hour the window holds; a cron schedule as written', () => {
    const s = cronScheduleFor({ every: { kind: 'hourly' }, window: { start: 60, end: 300 } }, 'ns', 'acme');
    expect(s).toMatch(/^\d{1,2} 1,2,3,4 \* \* \*$/);
    expect(cronScheduleFor({ every: { kind: 'hourly' } }, 'ns', 'acme')).toBe(`${s.split(' ')[0]} * * * *`);
    expect(cronScheduleFor({ every: { kind: 'cron', schedule: '0 3 * * 0' } }, 'ns', 'acme')).toBe('0 3 * * 0');
  });

  it('names the CronJob within 52 characters, distinct for long names', () => {
    expect(scheduleName('acme')).toBe('odoo-backup-acme');
    const a = scheduleName(`odoo-${'a'.repeat(60)}-1`);
    const b = scheduleName(`odoo-${'a'.repeat(60)}-2`);
    expect(a.length).toBeLessThanOrEqual(52);
    expect(a).not.toBe(b);
  });

  it('the CronJob runs backup NAME --wait with the retention, Forbid, a starting deadline, the token projected', () => {
    const cj = buildScheduleCronJob(
      { namespace: 'saasodoo', instance: 'acme', spec: { every: { kind: 'daily' }, window: { start: 60, end: 300 }, consistency: 'live', keep: { keepLast: 7 } } },
      { nodeImage: 'node:22-bookworm-slim', deadlineSeconds: 25200 },
    );
    expect(cj.spec).toMatchObject({ timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600 });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].command).toEqual(['node', '/opt/kubectl-odoo/kubectl-odoo', 'backup', 'acme', '--wait', '-n', 'saasodoo', '--consistency', 'live', '--keep', 'last=7']);
    expect(pod.serviceAccountName).toBe('kubectl-odoo-backup');
    expect(pod.volumes?.map((v: any) => v.name)).toEqual(['kube-api-access', 'plugin']);
    const withImage = buildScheduleCronJob({ namespace: 'ns', instance: 'acme', spec: { every: { kind: 'hourly' }, consistency: 'stop' } }, { image: 'reg/kubectl-odoo:1', nodeImage: 'x', deadlineSeconds: 1 });
    expect(withImage.spec.jobTemplate.spec.template.spec.containers[0].command?.slice(0, 2)).toEqual(['kubectl-odoo', 'backup']);
    expect(withImage.spec.jobTemplate.spec.template.spec.volumes?.map((v: any) => v.name)).toEqual(['kube-api-access']);
    const offsite = buildScheduleCronJob(
      { namespace: 'ns', instance: 'acme', spec: { every: { kind: 'daily' }, consistency: 'live', keep: { keepLast: 7 }, offsite: true, keepRemote: { keepLast: 3, keepMonthly: 12 } } },
      { image: 'reg/kubectl-odoo:1', nodeImage: 'x', deadlineSeconds: 1 },
    );
    expect(offsite.spec.jobTemplate.spec.template.spec.containers[0].command?.slice(-4)).toEqual(['last=7', '--offsite', '--keep-remote', 'last=3,monthly=12']);
    expect(JSON.parse(offsite.metadata.annotations['kubectl-odoo.io/schedule'])).toMatchObject({ keep: 'last=7', offsite: true, keepRemote: 'last=3,monthly=12' });
    expect(() => parseKeep('daily=0', '--keep-remote')).toThrow('invalid --keep-remote "daily=0"');
  });

  it('status: next run, a missed run, and a warning past twice the interval', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    expect(scheduleIntervalMs('37 2 * * *', now)).toBe(86_400_000);
    expect(scheduleIntervalMs('5 * * * *', now)).toBe(3_600_000);
    // Created two days ago, never scheduled: the run of today 02:37 was due and its hour has passed.
    expect(missedRun('37 2 * * *', new Date('2026-01-08T12:00:00Z'), now)?.toISOString()).toBe('2026-01-10T02:37:00.000Z');
    expect(missedRun('37 2 * * *', new Date('2026-01-10T02:37:00Z'), now)).toBeUndefined();
    // Due 11:30, deadline (an hour) not yet passed: not missed.
    expect(missedRun('30 11 * * *', new Date('2026-01-10T11:00:00Z'), now)).toBeUndefined();
    const info = scheduleInfoOf({ metadata: { name: 'odoo-backup-acme', creationTimestamp: '2026-01-10T11:00:00Z', annotations: { 'kubectl-odoo.io/schedule': '{"every":"daily","window":"01:00-05:00","consistency":"live","keep":"last=7"}' } }, spec: { schedule: '37 2 * * *' }, status: {} }, now);
    expect(info).toMatchObject({ every: 'daily', window: '01:00-05:00', keep: 'last=7', nextRun: '2026-01-11T02:37:00.000Z', intervalMs: 86_400_000, suspended: false });
    expect(info.missedRun).toBeUndefined();
    const taken = (iso: string) => ({ name: 'x', takenAt: iso, state: 'complete' });
    expect(staleBackupWarning(taken('2026-01-08T13:00:00Z'), info, now)).toBeUndefined();
    expect(staleBackupWarning(taken('2026-01-08T11:00:00Z'), info, now)).toBe("older than twice the schedule's interval (24h)");
    expect(staleBackupWarning(taken('2026-01-01T00:00:00Z'), null, now)).toBeUndefined();
  });
});
