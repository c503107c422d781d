// The "Schedule" line of `kubectl odoo status`: the instance's CronJob, when it runs next, a run that
// was due and never started (missed), and whether the newest complete backup is older than twice the
// schedule's interval.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { nextCronTime, parseCron } from '../../lib/cron.js';
import type { InstanceObjects } from '../instances/resolve.js';
import type { ScheduleInfo } from '../instances/statusReport.js';
import { readScheduleRecord, scheduleIntervalMs, scheduleName, STARTING_DEADLINE_SECONDS } from './schedule.js';
import type { Stored, V1CronJob } from '../../lib/kube/models.js';

/** The latest time the schedule was due whose starting deadline has passed, if no run was scheduled since (pure). */
export function missedRun(schedule: string, since: Date, now: Date, deadlineSeconds = STARTING_DEADLINE_SECONDS): Date | undefined {
  const s = parseCron(schedule);
  const limit = now.getTime() - deadlineSeconds * 1000;
  let last: Date | undefined;
  for (let t = nextCronTime(s, since); t && t.getTime() <= limit; t = nextCronTime(s, t)) last = t;
  return last;
}

/** Pure: what status shows of a schedule's CronJob. */
export function scheduleInfoOf(cronJob: Stored<V1CronJob>, now: Date): ScheduleInfo {
  const rec = readScheduleRecord(cronJob);
  const schedule = cronJob.spec?.schedule ?? '';
  let next: Date | undefined;
  let intervalMs: number | undefined;
  let missed: Date | undefined;
  try {
    next = cronJob.spec?.suspend ? undefined : nextCronTime(parseCron(schedule), now);
    intervalMs = scheduleIntervalMs(schedule, now);
    const since = new Date(cronJob.status?.lastScheduleTime ?? cronJob.metadata?.creationTimestamp ?? now.toISOString());
    missed = cronJob.spec?.suspend ? undefined : missedRun(schedule, since, now, cronJob.spec?.startingDeadlineSeconds ?? STARTING_DEADLINE_SECONDS);
  } catch {
    // An unparseable schedule (edited by hand): shown as it is.
  }
  return {
    cronJob: cronJob.metadata.name,
    schedule,
    every: rec?.every ?? schedule,
    ...(rec?.window ? { window: rec.window } : {}),
    ...(rec?.keep ? { keep: rec.keep } : {}),
    ...(rec?.offsite ? { offsite: true } : {}),
    ...(rec?.drill ? { drill: rec.drill } : {}),
    ...(rec?.keepRemote ? { keepRemote: rec.keepRemote } : {}),
    ...(next ? { nextRun: next.toISOString() } : {}),
    ...(intervalMs ? { intervalMs } : {}),
    ...(cronJob.status?.lastScheduleTime ? { lastScheduleTime: cronJob.status.lastScheduleTime } : {}),
    ...(cronJob.status?.lastSuccessfulTime ? { lastSuccessfulTime: cronJob.status.lastSuccessfulTime } : {}),
    ...(missed ? { missedRun: missed.toISOString() } : {}),
    suspended: !!cronJob.spec?.suspend,
  };
}

export async function scheduleStatusOf(kube: KubeClient, o: InstanceObjects, now: Date): Promise<ScheduleInfo | null> {
  const cj = await kube.getOptional<Stored<V1CronJob>>(RESOURCES.cronjobs, scheduleName(o.name), o.namespace);
  return cj ? scheduleInfoOf(cj, now) : null;
}
