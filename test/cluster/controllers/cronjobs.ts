// The CronJob controller, after kubernetes/pkg/controller/cronjob (cronjob_controllerv2.go, utils.go):
// a Job named <cronjob>-<scheduled time in minutes since the epoch> for the most recent unmet schedule
// time (earliest: lastScheduleTime, else creationTimestamp, no earlier than now minus
// startingDeadlineSeconds), its labels and annotations from the jobTemplate plus
// batch.kubernetes.io/cronjob-scheduled-timestamp, owned by the CronJob; concurrencyPolicy Allow,
// Forbid (JobAlreadyActive, nothing created) and Replace (the active ones deleted); suspend; the
// active list, lastScheduleTime and lastSuccessfulTime in status; finished Jobs beyond the history
// limits deleted, oldest first. Events carry the controller's own reasons and messages (SuccessfulCreate,
// JobAlreadyActive, MissSchedule, TooManyMissedTimes, UnparseableSchedule, SawCompletedJob,
// UnexpectedJob, MissingJob, SuccessfulDelete). Schedules are UTC (timeZone Etc/UTC or UTC, or none).
import { parseCron, nextCronTime, type CronSchedule } from '../../../lib/cron.js';
import { recordEvent } from '../events.js';
import { rfc3339 } from '../store.js';
import type { Controller, ControllerContext } from './index.js';

const SOURCE = { component: 'cronjob-controller' };
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

function finishedCondition(job: any): 'Complete' | 'Failed' | undefined {
  for (const c of job?.status?.conditions ?? []) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}

function controllerUid(job: any): string | undefined {
  return (job.metadata?.ownerReferences ?? []).find((r: any) => r.controller && r.kind === 'CronJob')?.uid;
}

/** RFC 1123 with a numeric zone, as Go's time.RFC1123Z prints it in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
export function rfc1123z(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

/** The most recent schedule time in (earliest, now], and how many there were (pure). */
export function mostRecentScheduleTime(s: CronSchedule, earliest: Date, now: Date): { time?: Date; missed: number } {
  let missed = 0;
  let last: Date | undefined;
  for (let t = nextCronTime(s, earliest); t && t.getTime() <= now.getTime(); t = nextCronTime(s, t)) {
    last = t;
    missed++;
    if (missed > 1000) break;
  }
  return { time: last, missed };
}

export class CronJobController implements Controller {
  /** Forbid events already recorded for a scheduled time, so a waiting run is reported once. */
  private readonly forbidden = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {}

  tick(nowMs: number): void {
    const { store } = this.ctx;
    const now = new Date(nowMs);
    const jobs = store.list('jobs');
    for (const cj of store.list('cronjobs')) this.sync(cj, jobs.filter((j) => j.metadata.namespace === cj.metadata.namespace && controllerUid(j) === cj.metadata.uid), now);
  }

  private sync(cj: any, children: any[], now: Date): void {
    const { store } = this.ctx;
    const status = { ...(cj.status ?? {}) };
    let active: any[] = [...(status.active ?? [])];
    let changed = false;
    const inActive = (uid: string) => active.some((a) => a.uid === uid);
    for (const j of children) {
      const done = finishedCondition(j);
      if (!inActive(j.metadata.uid) && !done) {
        recordEvent(store, cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`, SOURCE);
      } else if (inActive(j.metadata.uid) && done) {
        active = active.filter((a) => a.uid !== j.metadata.uid);
        recordEvent(store, cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${done}`, SOURCE);
        changed = true;
      }
      if (done === 'Complete' && j.status?.completionTime && (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = j.status.completionTime;
        changed = true;
      }
    }
    for (const a of [...active]) {
      if (children.some((j) => j.metadata.uid === a.uid) || store.get('jobs', a.namespace, a.name)) continue;
      recordEvent(store, cj, 'Normal', 'MissingJob', `Active job went missing: ${a.name}`, SOURCE);
      active = active.filter((x) => x.uid !== a.uid);
      changed = true;
    }
    const commit = () => {
      if (!changed) return;
      const fresh = store.get('cronjobs', cj.metadata.namespace, cj.metadata.name);
      if (!fresh) return;
      store.update('cronjobs', { ...fresh, status: { ...status, active: active.length ? active : undefined } }, { subresource: 'status' });
    };
    this.cleanup(cj, children);
    if (cj.metadata.deletionTimestamp || cj.spec?.suspend) return commit();
    let sched: CronSchedule;
    try {
      sched = parseCron(cj.spec.schedule);
    } catch (e) {
      recordEvent(store, cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec.schedule}" : ${(e as Error).message}`, SOURCE);
      return commit();
    }
    let earliest = new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp);
    const sds = cj.spec.startingDeadlineSeconds;
    if (sds != null) {
      const deadline = new Date(now.getTime() - sds * 1000);
      if (deadline > earliest) earliest = deadline;
    }
    const { time: scheduled, missed } = earliest > now ? { time: undefined, missed: 0 } : mostRecentScheduleTime(sched, earliest, now);
    if (missed > 100) recordEvent(store, cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`, SOURCE);
    if (!scheduled) return commit();
    if (sds != null && scheduled.getTime() + sds * 1000 < now.getTime()) {
      recordEvent(store, cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`, SOURCE);
      return commit();
    }
    const jobName = `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
    if (active.some((a) => a.name === jobName) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled.getTime())) return commit();
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length > 0) {
      const key = `${cj.metadata.uid}/${scheduled.getTime()}`;
      if (!this.forbidden.has(key)) {
        this.forbidden.add(key);
        recordEvent(store, cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid', SOURCE);
      }
      return commit();
    }
    if (policy === 'Replace') {
      for (const a of active) {
        store.delete('jobs', a.namespace, a.name, { propagationPolicy: 'Background' });
        recordEvent(store, cj, 'Normal', 'SuccessfulDelete', `Deleted job ${a.name}`, SOURCE);
      }
      active = [];
      changed = true;
    }
    const tpl = cj.spec.jobTemplate ?? {};
    let job: any;
    try {
      job = store.create('jobs', {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName,
          namespace: cj.metadata.namespace,
          labels: { ...(tpl.metadata?.labels ?? {}) },
          annotations: { ...(tpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduled) },
          ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: structuredClone(tpl.spec ?? {}),
      });
      recordEvent(store, cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`, SOURCE);
    } catch (e: any) {
      if (e?.status?.code !== 409 && e?.code !== 409) {
        recordEvent(store, cj, 'Warning', 'FailedCreate', `Error creating job: ${e?.message ?? e}`, SOURCE);
        return commit();
      }
      job = store.get('jobs', cj.metadata.namespace, jobName);
      if (!job || controllerUid(job) !== cj.metadata.uid || inActive(job.metadata.uid)) return commit();
    }
    active.push({ kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion });
    status.lastScheduleTime = rfc3339(scheduled);
    changed = true;
    commit();
  }

  /** Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest (by startTime) first. */
  private cleanup(cj: any, children: any[]): void {
    const { store } = this.ctx;
    const byStart = (a: any, b: any) => {
      const sa = a.status?.startTime;
      const sb = b.status?.startTime;
      if (!sb) return sa ? -1 : 0;
      if (!sa) return 1;
      return sa === sb ? a.metadata.name.localeCompare(b.metadata.name) : Date.parse(sa) - Date.parse(sb);
    };
    for (const [cond, limit] of [
      ['Complete', cj.spec?.successfulJobsHistoryLimit],
      ['Failed', cj.spec?.failedJobsHistoryLimit],
    ] as const) {
      if (limit == null) continue;
      const done = children.filter((j) => finishedCondition(j) === cond && !j.metadata.deletionTimestamp).sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        store.delete('jobs', j.metadata.namespace, j.metadata.name, { propagationPolicy: 'Background' });
        recordEvent(store, cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`, SOURCE);
      }
    }
  }
}
