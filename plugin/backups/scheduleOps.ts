// backup schedule / schedule list / schedule delete: which instances, which objects, applied or shown.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { NotFoundError } from '../../lib/errors.js';
import { resolveInstance } from '../instances/resolve.js';
import { listInstances } from '../instances/resolveFleet.js';
import { isDrillInstance } from '../instances/labels.js';
import type { BackupDeps } from './deps.js';
import { ensureBackupsPvc } from './backup.js';
import { backupTargetOf, LABEL_COMPONENT } from './jobSpecs.js';
import { applyObject, buildRunnerObjects, readScheduleRecord, buildScheduleCronJob, scheduleName, SCHEDULE_SELECTOR, type RunnerSettings, type ScheduleObject, type ScheduleSpec, type ScheduleTargets } from './schedule.js';
import type { Stored, V1CronJob } from '../../lib/kube/models.js';

async function instanceNames(deps: BackupDeps, t: ScheduleTargets): Promise<string[]> {
  if (t.name) {
    const inst = await resolveInstance(deps.kube, t.namespace, t.name);
    // An instance that cannot be backed up (no volume of its own, no database) is refused now, not at 2 a.m.
    backupTargetOf(inst);
    return [inst.name];
  }
  const list = await listInstances(deps.kube, { namespace: t.namespace, labelSelector: t.labelSelector });
  // A restore drill's throwaway instance is removed within minutes: it gets no schedule.
  const names = list.filter((i) => !isDrillInstance(i.deployment)).map((i) => i.name).sort();
  if (!names.length) throw new NotFoundError(`no instance matches in namespace ${t.namespace}${t.labelSelector ? ` with -l ${t.labelSelector}` : ''}`);
  return names;
}

/** The objects a schedule needs: the runner's (ServiceAccount, Role, RoleBinding, the plugin's ConfigMap) and a CronJob per instance. */
export async function planSchedules(deps: BackupDeps, t: ScheduleTargets, spec: ScheduleSpec, runner: RunnerSettings, bundle?: string, offsiteSecret?: string): Promise<ScheduleObject[]> {
  const names = await instanceNames(deps, t);
  return [...buildRunnerObjects(t.namespace, runner.image ? undefined : bundle, spec.offsite ? offsiteSecret : undefined, !!spec.drill), ...names.map((instance) => buildScheduleCronJob({ namespace: t.namespace, instance, spec }, runner))];
}

export async function applySchedules(deps: BackupDeps, t: ScheduleTargets, objects: ScheduleObject[]): Promise<unknown[]> {
  await ensureBackupsPvc(deps, t.namespace);
  const out: unknown[] = [];
  for (const o of objects) out.push(await applyObject(deps.kube, o));
  return out;
}

/** The CronJobs a delete removes: the instance's, or those of the instances matching, or all. */
export async function schedulesToDelete(deps: BackupDeps, t: ScheduleTargets): Promise<Stored<V1CronJob>[]> {
  const all = (await deps.kube.list<Stored<V1CronJob>>(RESOURCES.cronjobs, { namespace: t.namespace, labelSelector: SCHEDULE_SELECTOR })).items;
  if (t.all) return all;
  if (t.name) {
    // The instance may be gone already: its schedule is found by its name as well.
    const wanted = scheduleName(t.name);
    let resolved: string | undefined;
    try {
      resolved = scheduleName((await resolveInstance(deps.kube, t.namespace, t.name)).name);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    const found = all.filter((c) => c.metadata.name === wanted || c.metadata.name === resolved);
    if (!found.length) throw new NotFoundError(`instance ${t.name} has no backup schedule in namespace ${t.namespace}`);
    return found;
  }
  const names = new Set((await instanceNames(deps, t)).map(scheduleName));
  return all.filter((c) => names.has(c.metadata.name));
}

export async function deleteSchedules(deps: BackupDeps, namespace: string, cronJobs: Stored<V1CronJob>[]): Promise<void> {
  // Background: the Jobs of the schedule go with it, a running one included (as kubectl delete cronjob does).
  for (const c of cronJobs) await deps.kube.deleteIfExists(RESOURCES.cronjobs, c.metadata.name, { namespace, propagationPolicy: 'Background' });
}

/** The backup schedule (CronJob) of an instance by its Deployment name, if it has one kubectl-odoo made. */
export async function instanceSchedule(kube: KubeClient, namespace: string, instance: string): Promise<Stored<V1CronJob> | undefined> {
  const cronJob = await kube.getOptional<Stored<V1CronJob>>(RESOURCES.cronjobs, scheduleName(instance), namespace);
  return cronJob && readScheduleRecord(cronJob) && cronJob.metadata?.labels?.[LABEL_COMPONENT] === 'backup-schedule' ? cronJob : undefined;
}
