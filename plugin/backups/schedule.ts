// Scheduled backups: one CronJob per instance, `odoo-backup-<instance>`, whose Job runs this very plugin
// in the cluster (`kubectl-odoo backup NAME --wait --keep POLICY`): the same lock, slot, proof and
// "last backup" record as a backup by hand, then retention. The plugin comes from a ConfigMap on a
// stock Node.js image (config scheduleNodeImage) or from an image that has it (config scheduleImage),
// and talks to the API as the ServiceAccount kubectl-odoo-backup with a Role of the verbs it needs.
//
// The time of each instance's run is spread over the window by a stable hash of its namespace and name,
// so a fleet's backups do not all start at the same minute, and stay put from one apply to the next.
import { createHash } from 'node:crypto';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES, resourcePath, type ResourceType } from '../../lib/kube/resources.js';
import { UsageError } from '../../lib/errors.js';
import { CRON_MACROS, nextCronTime, parseCron } from '../../lib/cron.js';
import type { ConsistencyMode } from './manifest.js';
import type { RetentionPolicy } from './retention.js';
import { LABEL_COMPONENT, LABEL_INSTANCE, LABEL_MANAGED_BY } from './jobSpecs.js';
import type {
  Read,
  Stored,
  V1ConfigMap,
  V1CronJob,
  V1CronJobSpec,
  V1JobSpec,
  V1JobTemplateSpec,
  V1ObjectMeta,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
  V1Volume,
} from '../../lib/kube/models.js';

export const SCHEDULE_PREFIX = 'odoo-backup-';
export const SCHEDULE_ANNOTATION = 'kubectl-odoo.io/schedule';
export const RUNNER_NAME = 'kubectl-odoo-backup';
export const BUNDLE_CONFIGMAP = 'kubectl-odoo-bundle';
export const BUNDLE_DIR = '/opt/kubectl-odoo';
const FIELD_MANAGER = 'kubectl-odoo';
/** A run that could not start within this long of its time is skipped and recorded as missed. */
export const STARTING_DEADLINE_SECONDS = 3600;

export type Every = { kind: 'daily' } | { kind: 'hourly' } | { kind: 'cron'; schedule: string };

export interface Window {
  /** Minutes after midnight UTC. */
  start: number;
  end: number;
}

export interface ScheduleSpec {
  every: Every;
  window?: Window;
  consistency: ConsistencyMode;
  keep?: RetentionPolicy;
  /** Each run also copies the instance's complete sets off-site (backups sync). */
  offsite?: boolean;
  /** A run also drills its new backup when the last drill is older than this (backup --drill). */
  drill?: 'daily' | 'weekly' | 'monthly';
  /** With offsite: retention applied to the instance's sets on the remote after the copy. */
  keepRemote?: RetentionPolicy;
}

export function parseEvery(raw: string): Every {
  const v = raw.trim();
  if (v === 'daily' || v === 'hourly') return { kind: v };
  try {
    parseCron(v);
  } catch (e) {
    const choices = 'use daily, hourly, a cron schedule such as "30 2 * * *" or a macro such as @weekly';
    // One word is a name, not a broken cron line: say which name was meant rather than count fields.
    if (!/\s/.test(v)) {
      const macro = `@${v.replace(/^@/, '')}`;
      const meant = CRON_MACROS.includes(macro) ? `; did you mean "${macro}"?` : '';
      throw new UsageError(`invalid --every "${raw}": ${choices}${meant}`);
    }
    throw new UsageError(`invalid --every "${raw}": ${(e as Error).message}; ${choices}`);
  }
  return { kind: 'cron', schedule: v };
}

function hhmm(m: number): string {
  return `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function formatWindow(w: Window): string {
  return `${hhmm(w.start)}-${hhmm(w.end)}`;
}

/** "01:00-05:00" (UTC); it may span midnight ("22:00-02:00"). */
export function parseWindow(raw: string): Window {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(raw.trim());
  const bad = () => new UsageError(`invalid --window "${raw}": give HH:MM-HH:MM in UTC, e.g. --window 01:00-05:00`);
  if (!m) throw bad();
  const start = Number(m[1]) * 60 + Number(m[2]);
  const endRaw = Number(m[3]) * 60 + Number(m[4]);
  if (endRaw > 1440) throw bad();
  const end = endRaw % 1440;
  // 00:00-24:00 is the whole day; 03:00-03:00 is nothing.
  if (start === endRaw) throw new UsageError(`invalid --window "${raw}": it starts and ends at the same time`);
  return { start, end };
}

const KEEP_KEYS: Record<string, keyof RetentionPolicy> = { last: 'keepLast', daily: 'keepDaily', weekly: 'keepWeekly', monthly: 'keepMonthly' };

/** "last=7,daily=14,weekly=8,monthly=12" (of --keep, or of --keep-remote). */
export function parseKeep(raw: string, flag = '--keep'): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const part of raw.split(',')) {
    const m = /^\s*([a-z]+)=(\d+)\s*$/.exec(part);
    const key = m ? KEEP_KEYS[m[1]] : undefined;
    if (!m || !key) throw new UsageError(`invalid ${flag} "${raw}": give RULE=N,... with rules last, daily, weekly, monthly, e.g. ${flag} last=7,daily=14,weekly=8,monthly=12`);
    if (policy[key] !== undefined) throw new UsageError(`invalid ${flag} "${raw}": ${m[1]} is given twice`);
    const n = Number(m[2]);
    if (n < 1) throw new UsageError(`invalid ${flag} "${raw}": ${m[1]}=0 keeps nothing, and the newest complete backup is always kept; give 1 or more`);
    policy[key] = n;
  }
  return policy;
}

export function formatKeep(p: RetentionPolicy): string {
  return Object.entries(KEEP_KEYS)
    .filter(([, k]) => p[k] !== undefined)
    .map(([name, k]) => `${name}=${p[k]}`)
    .join(',');
}

/** A stable number in [0, span) for an instance: its spread within the window (pure). */
export function spreadOffset(namespace: string, name: string, span: number): number {
  const h = createHash('sha256').update(`${namespace}/${name}`).digest();
  return h.readUInt32BE(0) % span;
}

function windowSpan(w: Window): number {
  return (w.end - w.start + 1440) % 1440 || 1440;
}

/** The cron schedule of an instance's backups (UTC). */
export function cronScheduleFor(spec: Pick<ScheduleSpec, 'every' | 'window'>, namespace: string, name: string): string {
  const { every, window } = spec;
  if (every.kind === 'cron') return every.schedule;
  const w = window ?? { start: 0, end: 0 };
  const span = windowSpan(w);
  if (every.kind === 'daily') {
    const t = (w.start + spreadOffset(namespace, name, span)) % 1440;
    return `${t % 60} ${Math.floor(t / 60)} * * *`;
  }
  // Hourly: a stable minute, in every hour that starts inside the window.
  const minute = spreadOffset(namespace, name, 60);
  if (!window) return `${minute} * * * *`;
  const hours: number[] = [];
  for (let m = Math.ceil(w.start / 60) * 60; m < w.start + span; m += 60) hours.push((m / 60) % 24);
  if (!hours.length) throw new UsageError(`--window ${formatWindow(w)} holds no full hour for an hourly schedule`);
  return `${minute} ${hours.join(',')} * * *`;
}

/** The time between two runs of a schedule, from the two after `from`. */
export function scheduleIntervalMs(schedule: string, from: Date): number | undefined {
  const s = parseCron(schedule);
  const a = nextCronTime(s, from);
  const b = a && nextCronTime(s, a);
  return a && b ? b.getTime() - a.getTime() : undefined;
}

export function nextRunOf(schedule: string, from: Date): Date | undefined {
  return nextCronTime(parseCron(schedule), from);
}

/** The CronJob's name: odoo-backup-<instance>, cut with a hash so it stays within 52 characters. */
export function scheduleName(instance: string): string {
  const name = `${SCHEDULE_PREFIX}${instance}`;
  if (name.length <= 52) return name;
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 8);
  return `${name.slice(0, 43).replace(/-+$/, '')}-${hash}`;
}

export interface RunnerSettings {
  /** An image with kubectl-odoo on its PATH; else nodeImage runs the bundle from the ConfigMap. */
  image?: string;
  nodeImage: string;
  /** The Job's deadline: the backup's own plus an hour for waiting for a slot. */
  deadlineSeconds: number;
}

/** An object a schedule writes: of its kind, named, in its namespace, labelled. */
type Written<T, K extends string> = T & { kind: K; metadata: V1ObjectMeta & { name: string; namespace: string; labels: Record<string, string> } };

/** An instance's backup CronJob as buildScheduleCronJob writes it: its record annotated, with its pod spec. */
export type ScheduleCronJob = Written<V1CronJob, 'CronJob'> & {
  metadata: { annotations: Record<string, string> };
  spec: V1CronJobSpec & { jobTemplate: V1JobTemplateSpec & { spec: V1JobSpec & { template: V1PodTemplateSpec & { spec: V1PodSpec } } } };
};

/** What a scheduled run runs as: its ServiceAccount, Role and RoleBinding, and the plugin's ConfigMap. */
export type RunnerObject = Written<V1ServiceAccount, 'ServiceAccount'> | Written<V1Role, 'Role'> | Written<V1RoleBinding, 'RoleBinding'> | Written<V1ConfigMap, 'ConfigMap'>;

export type ScheduleObject = RunnerObject | ScheduleCronJob;

function labelsOf(component: string, instance?: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: 'kubectl-odoo', [LABEL_COMPONENT]: component, ...(instance ? { [LABEL_INSTANCE]: instance.slice(0, 63) } : {}) };
}

/** The CronJob of one instance (pure). */
export function buildScheduleCronJob(p: { namespace: string; instance: string; spec: ScheduleSpec }, runner: RunnerSettings): ScheduleCronJob {
  const schedule = cronScheduleFor(p.spec, p.namespace, p.instance);
  const args = ['backup', p.instance, '--wait', '-n', p.namespace, '--consistency', p.spec.consistency, ...(p.spec.keep ? ['--keep', formatKeep(p.spec.keep)] : []), ...(p.spec.offsite ? ['--offsite'] : []), ...(p.spec.keepRemote ? ['--keep-remote', formatKeep(p.spec.keepRemote)] : []), ...(p.spec.drill ? ['--drill', p.spec.drill] : [])];
  const command = runner.image ? ['kubectl-odoo', ...args] : ['node', `${BUNDLE_DIR}/kubectl-odoo`, ...args];
  const labels = labelsOf('backup-schedule', p.instance);
  const record = {
    every: p.spec.every.kind === 'cron' ? p.spec.every.schedule : p.spec.every.kind,
    ...(p.spec.window ? { window: formatWindow(p.spec.window) } : {}),
    consistency: p.spec.consistency,
    ...(p.spec.keep ? { keep: formatKeep(p.spec.keep) } : {}),
    ...(p.spec.offsite ? { offsite: true } : {}),
    ...(p.spec.drill ? { drill: p.spec.drill } : {}),
    ...(p.spec.keepRemote ? { keepRemote: formatKeep(p.spec.keepRemote) } : {}),
  };
  // The service account's token is projected explicitly (the same volume admission would add), so the
  // run reaches the API however the ServiceAccount's automount is set.
  const tokenVolume = {
    name: 'kube-api-access',
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  const mounts = [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }];
  const volumes: V1Volume[] = [tokenVolume];
  if (!runner.image) {
    mounts.push({ name: 'plugin', mountPath: BUNDLE_DIR, readOnly: true });
    volumes.push({ name: 'plugin', configMap: { name: BUNDLE_CONFIGMAP, defaultMode: 0o555 } });
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: scheduleName(p.instance), namespace: p.namespace, labels, annotations: { [SCHEDULE_ANNOTATION]: JSON.stringify(record) } },
    spec: {
      schedule,
      timeZone: 'Etc/UTC',
      // One run of an instance at a time; a run that cannot start within the hour is recorded as missed.
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: STARTING_DEADLINE_SECONDS,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: runner.deadlineSeconds,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: RUNNER_NAME,
              automountServiceAccountToken: false,
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'backup',
                  image: runner.image || runner.nodeImage,
                  imagePullPolicy: 'IfNotPresent',
                  command,
                  env: [{ name: 'NO_COLOR', value: '1' }],
                  volumeMounts: mounts,
                  resources: { requests: { cpu: '50m', memory: '128Mi' } },
                },
              ],
              volumes,
            },
          },
        },
      },
    },
  };
}

/** What a scheduled run reads and changes: the instance, its Jobs and their logs, the locks and slots. */
export function buildRunnerObjects(namespace: string, bundle?: string, offsiteSecret?: string, drill = false): RunnerObject[] {
  const labels = labelsOf('backup-runner');
  const meta = (name: string) => ({ name, namespace, labels });
  const objects: RunnerObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(RUNNER_NAME), automountServiceAccountToken: false },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(RUNNER_NAME),
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims', 'services', 'events'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list'] },
        { apiGroups: ['traefik.io'], resources: ['ingressroutes'], verbs: ['get', 'list'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'create', 'update', 'delete'] },
        // --offsite: the sync checks that the remote's Secret is there (its Job mounts it by name).
        ...(offsiteSecret ? [{ apiGroups: [''], resources: ['secrets'], resourceNames: [offsiteSecret], verbs: ['get'] }] : []),
        // --drill: the throwaway instance is made and removed again (its Deployment, Service and volume).
        ...(drill
          ? [
              { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete'] },
              { apiGroups: [''], resources: ['services', 'persistentvolumeclaims'], verbs: ['create', 'delete'] },
              { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create', 'get'] },
            ]
          : []),
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(RUNNER_NAME),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RUNNER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: RUNNER_NAME, namespace }],
    },
  ];
  if (bundle !== undefined) objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(BUNDLE_CONFIGMAP), data: { 'kubectl-odoo': bundle } });
  return objects;
}

const TYPES: Record<string, ResourceType> = {
  ServiceAccount: RESOURCES.serviceaccounts,
  Role: RESOURCES.roles,
  RoleBinding: RESOURCES.rolebindings,
  ConfigMap: RESOURCES.configmaps,
  CronJob: RESOURCES.cronjobs,
};

/** Server-side apply, owned by kubectl-odoo. */
export async function applyObject(kube: KubeClient, obj: ScheduleObject): Promise<unknown> {
  const t = TYPES[obj.kind];
  return kube.request<unknown>({
    method: 'PATCH',
    path: resourcePath(t, { namespace: obj.metadata.namespace, name: obj.metadata.name }),
    query: { fieldManager: FIELD_MANAGER, force: 'true' },
    body: obj,
    contentType: 'application/apply-patch+yaml',
  });
}

/** The schedule a CronJob records (its annotation), or undefined for one kubectl-odoo did not make. */
export interface ScheduleRecord {
  every: string;
  window?: string;
  consistency: string;
  keep?: string;
  offsite?: boolean;
  drill?: string;
  keepRemote?: string;
}

export function readScheduleRecord(cronJob: Read<V1CronJob> | undefined): ScheduleRecord | undefined {
  const raw = cronJob?.metadata?.annotations?.[SCHEDULE_ANNOTATION];
  if (!raw) return undefined;
  try {
    // The record as buildScheduleCronJob wrote it.
    return JSON.parse(raw) as ScheduleRecord;
  } catch {
    return undefined;
  }
}

export interface ScheduleRow {
  instance: string;
  namespace: string;
  cronJob: string;
  schedule: string;
  every: string;
  window?: string;
  consistency: string;
  keep?: string;
  offsite: boolean;
  drill?: string;
  keepRemote?: string;
  nextRun?: string;
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
  active: number;
  suspended: boolean;
}

/** One schedule as list and status show it (pure). */
export function scheduleRowOf(cronJob: Stored<V1CronJob>, now: Date): ScheduleRow {
  const rec: ScheduleRecord = readScheduleRecord(cronJob) ?? { every: cronJob.spec?.schedule ?? '', consistency: 'live' };
  let nextRun: string | undefined;
  try {
    // No schedule (never so from the API server) is an unparseable one.
    nextRun = cronJob.spec?.suspend ? undefined : nextRunOf(cronJob.spec?.schedule ?? '', now)?.toISOString();
  } catch {
    nextRun = undefined;
  }
  return {
    instance: cronJob.metadata?.labels?.[LABEL_INSTANCE] ?? cronJob.metadata.name,
    namespace: cronJob.metadata.namespace ?? '',
    cronJob: cronJob.metadata.name,
    schedule: cronJob.spec?.schedule ?? '',
    every: rec.every,
    ...(rec.window ? { window: rec.window } : {}),
    consistency: rec.consistency,
    ...(rec.keep ? { keep: rec.keep } : {}),
    offsite: !!rec.offsite,
    ...(rec.drill ? { drill: rec.drill } : {}),
    ...(rec.keepRemote ? { keepRemote: rec.keepRemote } : {}),
    ...(nextRun ? { nextRun } : {}),
    ...(cronJob.status?.lastScheduleTime ? { lastScheduleTime: cronJob.status.lastScheduleTime } : {}),
    ...(cronJob.status?.lastSuccessfulTime ? { lastSuccessfulTime: cronJob.status.lastSuccessfulTime } : {}),
    active: (cronJob.status?.active ?? []).length,
    suspended: !!cronJob.spec?.suspend,
  };
}

export const SCHEDULE_SELECTOR = `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_COMPONENT}=backup-schedule`;

export async function listSchedules(kube: KubeClient, namespace: string | undefined, now: Date): Promise<ScheduleRow[]> {
  const list = await kube.list<Stored<V1CronJob>>(RESOURCES.cronjobs, { namespace, labelSelector: SCHEDULE_SELECTOR });
  return list.items.map((c) => scheduleRowOf(c, now)).sort((a, b) => a.instance.localeCompare(b.instance));
}

export interface ScheduleTargets {
  namespace: string;
  name?: string;
  labelSelector?: string;
  all?: boolean;
}
