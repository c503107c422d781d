// The CronJob controller against a store, its clock given: Jobs at the schedule's times with the real
// controller's names, annotations and owner, Forbid, the history limits and its events.
import { describe, expect, it } from 'vitest';
import { Store } from '../store.js';
import { CronJobController, mostRecentScheduleTime, rfc1123z } from './cronjobs.js';
import { parseCron } from '../../../lib/cron.js';

function world(spec: Record<string, unknown> = {}) {
  // The store's clock is the controller's: created the day before at noon.
  let clock = Date.parse('2026-01-09T12:00:00Z');
  const store = new Store({ now: () => new Date(clock) });
  store.create('namespaces', { metadata: { name: 'ns' } });
  store.create('cronjobs', {
    metadata: { name: 'nightly', namespace: 'ns' },
    spec: {
      schedule: '30 2 * * *',
      jobTemplate: { metadata: { labels: { app: 'b' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } },
      ...spec,
    },
  });
  const c = new CronJobController({ store, tickMs: 50, dataDir: '/nonexistent', nodes: [] });
  const at = (iso: string) => {
    clock = Date.parse(iso);
    c.tick(clock);
  };
  const jobs = () => store.list('jobs', 'ns');
  const events = () => store.list('events', 'ns').map((e: any) => `${e.reason}: ${e.message}`);
  const finish = (name: string, type: 'Complete' | 'Failed', startTime: string) => {
    const j = store.get('jobs', 'ns', name);
    store.update('jobs', { ...j, status: { startTime, completionTime: startTime, conditions: [{ type, status: 'True' }] } }, { subresource: 'status' });
  };
  return { store, at, jobs, events, finish, cj: () => store.get('cronjobs', 'ns', 'nightly') };
}

describe('CronJob controller', () => {
  it('creates the Job of the scheduled time once, named, annotated and owned as the real controller does', () => {
    const w = world();
    w.at('2026-01-10T02:29:00Z');
    expect(w.jobs()).toEqual([]);
    w.at('2026-01-10T02:30:05Z');
    w.at('2026-01-10T02:31:00Z');
    const [job] = w.jobs();
    expect(w.jobs().length).toBe(1);
    expect(job.metadata.name).toBe(`nightly-${Date.parse('2026-01-10T02:30:00Z') / 60_000}`);
    expect(job.metadata.labels.app).toBe('b');
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-01-10T02:30:00Z');
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: w.cj().metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(w.cj().status.lastScheduleTime).toBe('2026-01-10T02:30:00Z');
    expect(w.cj().status.active.map((a: any) => a.name)).toEqual([job.metadata.name]);
    expect(w.events()).toEqual([`SuccessfulCreate: Created job ${job.metadata.name}`]);
    w.finish(job.metadata.name, 'Complete', '2026-01-10T02:30:10Z');
    w.at('2026-01-10T02:32:00Z');
    expect(w.cj().status.active).toBeUndefined();
    expect(w.cj().status.lastSuccessfulTime).toBe('2026-01-10T02:30:10Z');
    expect(w.events()).toContain(`SawCompletedJob: Saw completed job: ${job.metadata.name}, condition: Complete`);
  });

  it('Forbid: no second Job while one runs, said once; a run past startingDeadlineSeconds is skipped', () => {
    const w = world({ schedule: '*/10 * * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 120 });
    w.at('2026-01-10T02:30:00Z');
    w.at('2026-01-10T02:40:00Z');
    w.at('2026-01-10T02:40:30Z');
    expect(w.jobs().length).toBe(1);
    expect(w.events().filter((e) => e.startsWith('JobAlreadyActive'))).toEqual(['JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid']);
    w.finish(w.jobs()[0].metadata.name, 'Failed', '2026-01-10T02:30:01Z');
    // 02:40 is over two minutes ago at 02:45: not started any more; 02:50 is.
    w.at('2026-01-10T02:45:00Z');
    expect(w.jobs().length).toBe(1);
    w.at('2026-01-10T02:50:30Z');
    expect(w.jobs().map((j: any) => j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'])).toEqual(['2026-01-10T02:30:00Z', '2026-01-10T02:50:00Z']);
  });

  it('keeps successfulJobsHistoryLimit and failedJobsHistoryLimit finished Jobs, deleting the oldest', () => {
    const w = world({ schedule: '*/10 * * * *', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    for (const [t, outcome] of [
      ['02:30', 'Complete'],
      ['02:40', 'Complete'],
      ['02:50', 'Failed'],
      ['03:00', 'Failed'],
    ] as const) {
      w.at(`2026-01-10T${t}:00Z`);
      const job = w.jobs().find((j: any) => j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'] === `2026-01-10T${t}:00Z`);
      w.finish(job.metadata.name, outcome, `2026-01-10T${t}:01Z`);
    }
    w.at('2026-01-10T03:05:00Z');
    const left = w.jobs().filter((j: any) => !j.metadata.deletionTimestamp).map((j: any) => j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']);
    expect(left.sort()).toEqual(['2026-01-10T02:40:00Z', '2026-01-10T03:00:00Z']);
    expect(w.events().filter((e) => e.startsWith('SuccessfulDelete')).length).toBe(2);
  });

  it('suspend starts nothing; an unparseable schedule is an event', () => {
    const w = world({ suspend: true });
    w.at('2026-01-10T02:31:00Z');
    expect(w.jobs()).toEqual([]);
    expect(mostRecentScheduleTime(parseCron('30 2 * * *'), new Date('2026-01-09T00:00:00Z'), new Date('2026-01-10T03:00:00Z'))).toEqual({ time: new Date('2026-01-10T02:30:00Z'), missed: 2 });
    expect(rfc1123z(new Date('2026-01-10T02:30:00Z'))).toBe('Sat, 10 Jan 2026 02:30:00 +0000');
  });

  it('the API refuses what the real one refuses', () => {
    const store = new Store();
    store.create('namespaces', { metadata: { name: 'ns' } });
    const base = { jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } } };
    expect(() => store.create('cronjobs', { metadata: { name: 'a', namespace: 'ns' }, spec: { ...base, schedule: '61 * * * *' } })).toThrow(/spec.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\)/);
    expect(() => store.create('cronjobs', { metadata: { name: 'a', namespace: 'ns' }, spec: { ...base, schedule: '* * * * *', concurrencyPolicy: 'Sometimes' } })).toThrow(/spec.concurrencyPolicy: Unsupported value: "Sometimes"/);
    expect(() => store.create('cronjobs', { metadata: { name: 'a'.repeat(53), namespace: 'ns' }, spec: { ...base, schedule: '* * * * *' } })).toThrow(/must be no more than 52 characters/);
    const ok = store.create('cronjobs', { metadata: { name: 'a', namespace: 'ns' }, spec: { ...base, schedule: '@daily' } });
    expect(ok.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });
});
