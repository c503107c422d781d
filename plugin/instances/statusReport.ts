// `status NAME`: one screen that answers "is it healthy", in sections (instance, storage, network,
// recent warnings). The report is plain data (what -o json|yaml prints); rendering is separate.
import type { CoreV1Event, Read, V1Deployment, V1Pod, V1StorageClass } from '../../lib/kube/models.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { Colors } from '../core/output/colors.js';
import { resolveInstance, type InstanceObjects } from './resolve.js';
import { currentPod, deriveInstanceStatus, statusText, type InstanceStatus } from './status.js';
import { serviceDns, type EnvSource } from './facts.js';
import { compareQuantities, displayStorage } from './quantity.js';
import { formatAge, styleStatus } from './summary.js';
import { ANNOTATION_LAST_DRILL } from './labels.js';

/** What the backups area knows about an instance's newest backup. */
/** An instance's backup schedule (its CronJob), as status shows it. */
export interface ScheduleInfo {
  cronJob: string;
  schedule: string;
  every: string;
  window?: string;
  keep?: string;
  /** Each run copies the sets off-site too. */
  offsite?: boolean;
  /** How often a run also drills its new backup (daily, weekly, monthly). */
  drill?: string;
  keepRemote?: string;
  nextRun?: string;
  /** Between two runs. */
  intervalMs?: number;
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
  /** A run that was due, whose starting deadline passed, and that never started. */
  missedRun?: string;
  suspended: boolean;
}

/** The last restore drill (backup verify --drill), as recorded on the Deployment. */
export interface DrillRecord {
  backup: string;
  at: string;
  ok: boolean;
  /** The failed checks, "check: detail". */
  failed?: string[];
}

/** The last drill recorded on a Deployment, if any (pure). */
export function readDrillRecord(deployment: Read<V1Deployment> | undefined): DrillRecord | undefined {
  const raw = deployment?.metadata?.annotations?.[ANNOTATION_LAST_DRILL];
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw);
    return typeof r?.backup === 'string' && typeof r?.at === 'string' && typeof r?.ok === 'boolean' ? r : undefined;
  } catch {
    return undefined;
  }
}

export type ScheduleProvider = (kube: KubeClient, instance: InstanceObjects, now: Date) => Promise<ScheduleInfo | null>;

export interface LastBackupInfo {
  name: string;
  /** ISO time the backup was taken. */
  takenAt?: string;
  /** complete, interrupted, ... as the backups area defines it. */
  state?: string;
  size?: string;
  location?: string;
  /** A newer backup than this one that is still running or failed. */
  attempt?: { name: string; takenAt?: string; state: string; location?: string };
}

/**
 * Hook for the "last backup" line: given the resolved instance, returns its newest backup (or undefined
 * when there is none). Supplied by the backups area; without it the line says "unknown".
 */
export type LastBackupProvider = (kube: KubeClient, instance: InstanceObjects, mayRecord?: Promise<boolean>) => Promise<LastBackupInfo | undefined>;

/** An operation that holds the instance, one an interruption left, and what a restore left behind. */
export interface OperationInfo {
  /** running: it holds the instance now; interrupted: its lock was left by an operation that stopped. */
  state: 'running' | 'interrupted';
  operation: string;
  phase: string;
  holder: string;
  since: string;
  job?: string;
  /** The replicas the instance had before the operation stopped it. */
  replicasBefore?: number;
  /** The sentence status prints. */
  summary: string;
}

export interface LeftoversInfo {
  files: string;
  database: string;
  summary: string;
}

export type OperationProvider = (kube: KubeClient, instance: InstanceObjects, now: Date) => Promise<{ operation: OperationInfo | null; leftovers: LeftoversInfo | null }>;

export interface StatusReportOptions {
  now: Date;
  lastBackup?: LastBackupProvider;
  operation?: OperationProvider;
  schedule?: ScheduleProvider;
}

export interface StatusReport {
  instance: {
    name: string;
    namespace: string;
    instanceId?: string;
    customerId?: string;
    instanceName?: string;
    labelScheme: string;
    status: InstanceStatus['status'];
    reason?: string;
    message?: string;
    ready: string;
    restarts: number;
    pod?: string;
    podPhase?: string;
    node?: string;
    image?: string;
    cpu?: string;
    memory?: string;
    dataMountPath: string;
    database: { name?: string; host?: string; port?: string; user?: string; password?: string };
    createdAt?: string;
    /** null: no backup found; undefined: nothing could tell. */
    lastBackup?: LastBackupInfo | null;
  };
  storage: {
    pvc?: string;
    found: boolean;
    phase?: string;
    requested?: string;
    capacity?: string;
    resizePending: boolean;
    conditions: { type: string; message?: string }[];
    storageClass?: string;
    allowVolumeExpansion?: boolean;
    accessModes?: string[];
    volumeName?: string;
    hostPath?: string;
  };
  network: {
    service?: string;
    serviceDns?: string;
    port?: number;
    ingressKind?: 'Ingress' | 'IngressRoute';
    ingress?: string;
    url?: string;
  };
  /**
   * Recent warnings. `old` marks one last seen before the instance last became healthy (ready): the
   * FailedScheduling of a volume still attaching at creation, say, which no longer says anything.
   */
  events: { type: string; reason: string; object: string; message: string; count: number; lastSeen?: string; old?: boolean }[];
  /** When the running instance last became ready (its pod's Ready condition). */
  healthySince?: string;
  /** null: none; undefined: nothing could tell. */
  operation?: OperationInfo | null;
  leftovers?: LeftoversInfo | null;
  /** null: no schedule; undefined: nothing could tell. */
  schedule?: ScheduleInfo | null;
  /** The last restore drill, when one was recorded. */
  lastDrill?: DrillRecord;
}

/** How an env setting is shown: the literal, or where the Secret keeps it (never a secret value). */
function describeSource(s: EnvSource | undefined, secretOnly = false): string | undefined {
  if (!s) return undefined;
  if (s.secret) return `secret ${s.secret.name}/${s.secret.key}`;
  if (s.configMap) return `configmap ${s.configMap.name}/${s.configMap.key}`;
  return secretOnly ? '<literal value in the Deployment>' : s.value;
}

export function buildStatusReport(o: InstanceObjects, storageClass: Read<V1StorageClass> | undefined, lastBackup: LastBackupInfo | null | undefined, now: Date): StatusReport {
  const s = deriveInstanceStatus({ deployment: o.deployment, pods: o.pods, pvc: o.pvc, events: o.events }, now);
  const requested = o.pvc?.spec?.resources?.requests?.storage;
  const capacity = o.pvc?.status?.capacity?.storage;
  const conditions = (o.pvc?.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => ({ type: c.type ?? '', ...(c.message ? { message: c.message } : {}) }));
  let pending = conditions.some((c: { type: string }) => /Resiz/.test(c.type));
  if (requested && capacity) {
    try {
      pending ||= compareQuantities(requested, capacity) > 0;
    } catch {
      /* unparsable: leave as is */
    }
  }
  const svc = o.service;
  const ts = (e: Read<CoreV1Event>): string | undefined => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  const healthySince = s.status === 'running' ? readySince(currentPod(o.pods)) : undefined;
  const events = (o.events ?? [])
    .filter((e) => e.type === 'Warning')
    .sort((a, b) => Date.parse(ts(b) ?? '') - Date.parse(ts(a) ?? ''))
    .slice(0, 10)
    .map((e) => ({
      type: e.type ?? '',
      reason: e.reason ?? '',
      object: `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name}`,
      message: String(e.message ?? '').trim(),
      count: e.count ?? e.series?.count ?? 1,
      lastSeen: ts(e),
      ...(healthySince && Date.parse(ts(e) ?? '') < Date.parse(healthySince) ? { old: true } : {}),
    }));
  const f = o.facts;
  return {
    instance: {
      name: o.name,
      namespace: o.namespace,
      instanceId: f.instanceId,
      customerId: f.customerId,
      instanceName: f.instanceName,
      labelScheme: f.scheme,
      status: s.status,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
      ready: `${s.ready}/${s.desired}`,
      restarts: s.restarts,
      pod: s.pod,
      podPhase: s.podPhase,
      node: s.node,
      image: f.image,
      cpu: f.cpu,
      memory: f.memory,
      dataMountPath: f.dataMountPath,
      database: {
        name: f.database,
        host: describeSource(f.db.host),
        port: describeSource(f.db.port),
        user: describeSource(f.db.user),
        password: describeSource(f.db.password, true),
      },
      createdAt: o.deployment.metadata?.creationTimestamp,
      lastBackup,
    },
    storage: {
      pvc: o.pvcName,
      found: !!o.pvc,
      phase: o.pvc?.status?.phase,
      requested,
      capacity,
      resizePending: pending,
      conditions,
      storageClass: o.pvc?.spec?.storageClassName,
      allowVolumeExpansion: storageClass ? storageClass.allowVolumeExpansion === true : undefined,
      accessModes: o.pvc?.spec?.accessModes,
      volumeName: o.pvc?.spec?.volumeName,
      hostPath: f.hostPath,
    },
    network: {
      service: svc?.metadata?.name,
      serviceDns: svc ? serviceDns(svc.metadata.name, o.namespace) : undefined,
      port: svc?.spec?.ports?.[0]?.port,
      ingressKind: o.ingress ? 'Ingress' : o.ingressRoute ? 'IngressRoute' : undefined,
      ingress: (o.ingress ?? o.ingressRoute)?.metadata?.name,
      url: o.url,
    },
    events,
    ...(healthySince ? { healthySince } : {}),
  };
}

export async function collectStatusReport(kube: KubeClient, namespace: string, name: string, opts: StatusReportOptions): Promise<StatusReport> {
  // What the report reads beside the instance's own objects (storage class, backups, lock, schedule)
  // starts on the objects fetched ahead for the Deployment of that name, while the name is still being
  // checked against every instance; it is used only when the name resolves to those very objects. The
  // last-backup reader records nothing until then (a refused name changes nothing).
  const readExtras = (o: InstanceObjects, mayRecord?: Promise<boolean>) => {
    const scName = o.pvc?.spec?.storageClassName;
    return Promise.all([
      scName ? kube.getOptional<Read<V1StorageClass>>(RESOURCES.storageclasses, scName).catch(() => undefined) : undefined,
      opts.lastBackup ? opts.lastBackup(kube, o, mayRecord).then((b) => b ?? null).catch(() => undefined) : undefined,
      opts.operation ? opts.operation(kube, o, opts.now).catch(() => undefined) : undefined,
      opts.schedule ? opts.schedule(kube, o, opts.now).catch(() => undefined) : undefined,
    ]);
  };
  let ahead: { o: InstanceObjects; extras: ReturnType<typeof readExtras> } | undefined;
  let settle!: (same: boolean) => void;
  const resolvedToAhead = new Promise<boolean>((r) => (settle = r));
  let o: InstanceObjects;
  try {
    o = await resolveInstance(kube, namespace, name, { events: true, onAhead: (a) => (ahead = { o: a, extras: readExtras(a, resolvedToAhead) }) });
  } catch (e) {
    settle(false);
    throw e;
  }
  settle(ahead?.o === o);
  const [sc, backup, op, schedule] = await (ahead?.o === o ? ahead.extras : readExtras(o));
  const lastDrill = readDrillRecord(o.deployment);
  const report = { ...buildStatusReport(o, sc, backup, opts.now), ...(opts.schedule ? { schedule } : {}), ...(lastDrill ? { lastDrill } : {}) };
  return op ? { ...report, operation: op.operation, leftovers: op.leftovers } : report;
}

/** One form whatever told: "<set path>, <age> ago (<state>)", then a newer running or failed attempt. */
export function describeLastBackup(b: LastBackupInfo, now: Date): string {
  const one = (x: { name: string; takenAt?: string; state?: string; location?: string }, withLocation: boolean) =>
    `${x.name}${x.takenAt ? `, ${formatAge(x.takenAt, now)} ago` : ''}${x.state ? ` (${x.state}${withLocation && x.location ? `, ${x.location}` : ''})` : ''}`;
  const first = one(b, b.state !== 'complete');
  return b.attempt ? `${first}; newer: ${one(b.attempt, true)}` : first;
}

/** "daily at 02:37 UTC (window 01:00-05:00, keep last=7), next in 5h03m (2025-01-16T02:37Z)" */
export function describeSchedule(s: ScheduleInfo, now: Date, colors: Colors): string {
  const [min, hour] = s.schedule.split(' ');
  const at =
    s.every === 'daily' ? `daily at ${hour.padStart(2, '0')}:${min.padStart(2, '0')} UTC` : s.every === 'hourly' ? `hourly at minute ${min} UTC` : `"${s.schedule}" (UTC)`;
  const extra = [s.window ? `window ${s.window}` : '', s.keep ? `keep ${s.keep}` : '', s.offsite ? 'off-site copy' : '', s.keepRemote ? `keep off-site ${s.keepRemote}` : '', s.drill ? `drill ${s.drill}` : ''].filter(Boolean).join(', ');
  const next = s.suspended ? 'suspended' : s.nextRun ? `next in ${formatAge(now.toISOString(), new Date(s.nextRun))} (${s.nextRun.replace(':00.000Z', 'Z')})` : 'no next run';
  const missed = s.missedRun ? colors.red(`; missed the run due ${s.missedRun.replace(':00.000Z', 'Z')}`) : '';
  return `${at}${extra ? ` (${extra})` : ''}, ${next}${missed}`;
}

/** Set when the newest complete backup is older than twice the schedule's interval (or there is none after that long). */
export function staleBackupWarning(b: LastBackupInfo | null | undefined, s: ScheduleInfo | null | undefined, now: Date): string | undefined {
  if (!s?.intervalMs || b === undefined) return undefined;
  const limit = 2 * s.intervalMs;
  const since = b && b.state === 'complete' && b.takenAt ? Date.parse(b.takenAt) : undefined;
  const interval = formatAge(new Date(now.getTime() - s.intervalMs).toISOString(), now);
  if (since !== undefined) return now.getTime() - since > limit ? `older than twice the schedule's interval (${interval})` : undefined;
  return undefined;
}

export function renderStatusReport(r: StatusReport, colors: Colors, now: Date): string {
  const lines: string[] = [];
  const section = (title: string) => lines.push(colors.bold(title));
  const row = (k: string, v: string | undefined) => lines.push(`  ${(k + ':').padEnd(14)}${v ?? '<none>'}`);
  const i = r.instance;
  section('Instance');
  row('Name', `${i.name} (namespace ${i.namespace})`);
  const st = statusText(i);
  row('Status', styleStatus(colors, st, i.status) + (i.message ? ` - ${i.message}` : ''));
  row('Ready', `${i.ready}, restarts ${i.restarts}`);
  row('Pod', i.pod ? `${i.pod} (${i.podPhase ?? 'unknown'}${i.node ? ` on ${i.node}` : ''})` : undefined);
  row('Customer', i.customerId);
  row('Instance id', i.instanceId);
  if (i.instanceName && i.instanceName !== i.name) row('Display name', i.instanceName);
  row('Image', i.image);
  row('Resources', i.cpu || i.memory ? `cpu ${i.cpu ?? '-'}, memory ${i.memory ?? '-'}` : undefined);
  const db = i.database;
  row('Database', db.name ? `${db.name} on ${db.host ?? '?'}:${db.port ?? '?'} (user: ${db.user ?? '?'}, password: ${db.password ?? 'not set'})` : undefined);
  row('Data mount', i.dataMountPath);
  row('Created', i.createdAt ? `${formatAge(i.createdAt, now)} ago (${i.createdAt})` : undefined);
  const b = i.lastBackup;
  const stale = staleBackupWarning(b, r.schedule, now);
  row('Last backup', (b === undefined ? 'unknown' : b === null ? colors.yellow('none') : describeLastBackup(b, now)) + (stale ? colors.red(` - warning: ${stale}`) : ''));
  if (r.schedule !== undefined) row('Schedule', r.schedule === null ? 'none' : describeSchedule(r.schedule, now, colors));
  const d = r.lastDrill;
  if (d) row('Last drill', `${d.backup}, ${formatAge(d.at, now)} ago ${d.ok ? colors.green('(passed)') : colors.red(`(FAILED: ${(d.failed ?? []).join('; ')})`)}`);
  else if (r.schedule?.drill) row('Last drill', colors.yellow('none yet'));

  if (r.operation || r.leftovers) {
    section('Operation');
    if (r.operation) row(r.operation.state === 'running' ? 'In progress' : 'Interrupted', r.operation.state === 'running' ? r.operation.summary : colors.red(r.operation.summary));
    if (r.leftovers) row('Leftovers', colors.yellow(r.leftovers.summary));
  }

  const s = r.storage;
  section('Storage');
  if (s.hostPath) row('Volume', `hostPath ${s.hostPath} (legacy shared directory; see "kubectl odoo migrate-storage")`);
  row('PVC', s.pvc ? `${s.pvc} (${s.found ? s.phase ?? 'unknown' : colors.red('not found')})` : undefined);
  if (s.found) {
    const size = `${displayStorage(s.requested) || '?'} requested, ${displayStorage(s.capacity) || 'no'} capacity`;
    row('Size', s.resizePending ? colors.yellow(`${size} - resize pending`) : size);
    row('Class', s.storageClass ? `${s.storageClass}${s.allowVolumeExpansion === undefined ? '' : s.allowVolumeExpansion ? ' (expandable)' : ' (not expandable)'}` : undefined);
    if (s.accessModes) row('Access', s.accessModes.join(', '));
    if (s.volumeName) row('Volume', s.volumeName);
    for (const c of s.conditions) row('Condition', `${c.type}${c.message ? `: ${c.message}` : ''}`);
  }

  const n = r.network;
  section('Network');
  row('Service', n.serviceDns ? `${n.serviceDns}:${n.port ?? 8069}` : colors.red('not found'));
  row('Ingress', n.ingress ? `${n.ingressKind} ${n.ingress}` : undefined);
  row('URL', n.url);

  section('Events');
  const fresh = r.events.filter((e) => !e.old);
  const old = r.events.length - fresh.length;
  if (fresh.length === 0) lines.push(old ? '  no warnings since the instance became ready' : '  no recent warnings');
  for (const e of fresh) {
    const age = e.lastSeen ? formatAge(e.lastSeen, now) : '?';
    lines.push(`  ${colors.yellow(`${e.reason}`)} ${e.object} (${age} ago${e.count > 1 ? `, x${e.count}` : ''}): ${e.message.replace(/\s+/g, ' ')}`);
  }
  if (old) lines.push(`  ${old} older warning${old === 1 ? '' : 's'} from before it became ready ${formatAge(r.healthySince!, now)} ago (-o json lists ${old === 1 ? 'it' : 'them'})`);
  return lines.join('\n') + '\n';
}

/** When the pod's Ready condition last turned True. */
function readySince(pod: Read<V1Pod> | undefined): string | undefined {
  const c = (pod?.status?.conditions ?? []).find((x) => x.type === 'Ready' && x.status === 'True');
  return c?.lastTransitionTime;
}
