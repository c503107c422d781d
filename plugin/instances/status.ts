// An instance's status from its Deployment, pods, PVC and (when known) events. Starts from the platform's
// pod-phase mapping (Pending→creating, Running→running, Succeeded→stopped, Failed/Unknown→error) and refines
// it with what the pod phase hides: replicas 0, readiness, restarts, CrashLoopBackOff, image pull errors,
// probe failures and scheduling failures. Pure.

import { ANNOTATION_MAINTENANCE } from './labels.js';
import type { CoreV1Event, Read, V1ContainerStatus, V1Deployment, V1PersistentVolumeClaim, V1Pod } from '../../lib/kube/models.js';

type Pod = Read<V1Pod>;
type Event = Read<CoreV1Event>;

export type InstanceStatusName = 'creating' | 'starting' | 'running' | 'stopping' | 'stopped' | 'error' | 'deleting' | 'maintenance';

export interface InstanceStatus {
  status: InstanceStatusName;
  /** A CamelCase reason, as Kubernetes spells them (CrashLoopBackOff, FailedScheduling, ...). */
  reason?: string;
  /** One sentence for people. */
  message?: string;
  ready: number;
  desired: number;
  restarts: number;
  podPhase?: string;
  pod?: string;
  node?: string;
}

export interface StatusInput {
  deployment: Read<V1Deployment> | undefined;
  pods?: Pod[];
  pvc?: Read<V1PersistentVolumeClaim>;
  events?: Event[];
}

/** The platform's mapping from pod phase to instance status. */
export const PHASE_TO_STATUS: Record<string, InstanceStatusName> = {
  Pending: 'creating',
  Running: 'running',
  Succeeded: 'stopped',
  Failed: 'error',
  Unknown: 'error',
};

/** Waiting reasons that mean the container will not start without someone fixing something. */
const FATAL_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** How long a pod may stay unschedulable or unready before that counts as an error rather than progress. */
export const STUCK_AFTER_MS = 5 * 60_000;

const ts = (s: string | undefined) => (s ? Date.parse(s) : NaN);

function containerStatuses(pod: Pod | undefined): Read<V1ContainerStatus>[] {
  return [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
}

function restartsOf(pod: Pod | undefined): number {
  return (pod?.status?.containerStatuses ?? []).reduce((n: number, c) => n + (c.restartCount ?? 0), 0);
}

/** A condition as pods, Deployments and PVCs report them. */
interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function condition(obj: { status?: { conditions?: Condition[] } } | undefined, type: string): Condition | undefined {
  return (obj?.status?.conditions ?? []).find((c) => c.type === type);
}

function isReady(pod: Pod | undefined): boolean {
  return condition(pod, 'Ready')?.status === 'True';
}

/** The pod that speaks for the instance: the newest one not being deleted. */
export function currentPod<P extends Pod>(pods: P[]): P | undefined {
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
  live.sort((a, b) => (ts(b.metadata?.creationTimestamp) || 0) - (ts(a.metadata?.creationTimestamp) || 0));
  return live[0];
}

function warningFor(events: Event[] | undefined, objName: string | undefined, reasons: string[]): Event | undefined {
  if (!events || !objName) return undefined;
  const matching = events.filter((e) => e.type === 'Warning' && e.involvedObject?.name === objName && reasons.includes(e.reason ?? ''));
  matching.sort((a, b) => (ts(b.lastTimestamp ?? b.eventTime) || 0) - (ts(a.lastTimestamp ?? a.eventTime) || 0));
  return matching[0];
}

export function deriveInstanceStatus(input: StatusInput, now: Date): InstanceStatus {
  const { deployment } = input;
  const pods = input.pods ?? [];
  const desired = deployment?.spec?.replicas ?? 1;
  const readyPods = pods.filter((p) => !p.metadata?.deletionTimestamp && isReady(p)).length;
  const ready = Math.max(deployment?.status?.readyReplicas ?? 0, readyPods);
  const pod = currentPod(pods);
  const base = {
    // A pod still shutting down after a scale to 0 is not "1/0 ready": readiness counts up to what is wanted.
    ready: Math.min(ready, desired),
    desired,
    restarts: pod ? restartsOf(pod) : 0,
    podPhase: pod?.status?.phase,
    pod: pod?.metadata?.name,
    node: pod?.spec?.nodeName,
  };
  const out = (status: InstanceStatusName, reason?: string, message?: string): InstanceStatus => ({
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    ...base,
  });

  if (deployment?.metadata?.deletionTimestamp) return out('deleting', 'Deleting', 'the Deployment is being deleted');

  const maintenance = maintenanceRecordOf(deployment);
  if (maintenance && desired === 0) {
    const since = maintenance.since ? ` since ${maintenance.since}` : '';
    const by = maintenance.by ? ` by ${maintenance.by}` : '';
    return { ...out('maintenance', 'Maintenance', `in maintenance${since}${by} (pod ${maintenance.pod ?? '?'}); "kubectl odoo maintenance off ${deployment?.metadata?.name}" ends it`), ready: 0 };
  }

  if (desired === 0) {
    const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    if (running.length) return out('stopping', 'Terminating', `waiting for ${running.length} pod(s) to stop`);
    // The Deployment's readyReplicas lags behind the pods going away: a stopped instance has none ready.
    return { ...out('stopped', 'ScaledToZero'), ready: 0 };
  }

  const pvcPhase = input.pvc?.status?.phase;
  if (!pod) {
    const replicaFailure = condition(deployment, 'ReplicaFailure');
    if (replicaFailure?.status === 'True') return out('error', replicaFailure.reason ?? 'ReplicaFailure', replicaFailure.message);
    const progressing = condition(deployment, 'Progressing');
    if (progressing?.status === 'False') return out('error', progressing.reason ?? 'ProgressDeadlineExceeded', progressing.message);
    if (pods.length) return out('starting', 'Terminating', 'the previous pod is stopping');
    if (pvcPhase === 'Pending') return out('creating', 'VolumePending', `PVC ${input.pvc?.metadata?.name} is Pending`);
    if (input.pvc && pvcPhase === 'Lost') return out('error', 'VolumeLost', `PVC ${input.pvc.metadata?.name} lost its volume`);
    return out('creating', 'NoPod', 'no pod yet');
  }

  const phase: string = pod.status?.phase ?? 'Pending';
  const mapped = PHASE_TO_STATUS[phase] ?? 'error';

  // Containers that cannot start: the pod phase says Pending or Running, the truth is an error.
  for (const c of containerStatuses(pod)) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
      const last = c.lastState?.terminated;
      const why = last?.reason ? `; last exit: ${last.reason}${last.exitCode !== undefined ? ` (code ${last.exitCode})` : ''}` : '';
      return out('error', waiting.reason, `${c.name}: ${waiting.message ?? waiting.reason}${why}`);
    }
  }

  if (mapped === 'error') {
    return out('error', pod.status?.reason ?? (phase === 'Unknown' ? 'NodeLost' : 'PodFailed'), pod.status?.message ?? `pod ${pod.metadata?.name} is ${phase}`);
  }
  if (mapped === 'stopped') return out('stopped', 'Completed', `pod ${pod.metadata?.name} exited`);

  if (phase === 'Pending') {
    const scheduled = condition(pod, 'PodScheduled');
    if (scheduled?.status === 'False') {
      const since = ts(scheduled.lastTransitionTime) || ts(pod.metadata?.creationTimestamp);
      const stuck = Number.isFinite(since) && now.getTime() - since > STUCK_AFTER_MS;
      const ev = warningFor(input.events, pod.metadata?.name, ['FailedScheduling']);
      return out(stuck ? 'error' : 'creating', 'FailedScheduling', ev?.message ?? scheduled.message ?? 'the pod cannot be scheduled');
    }
    if (pvcPhase === 'Pending') return out('creating', 'VolumePending', `PVC ${input.pvc?.metadata?.name} is Pending`);
    const waiting = containerStatuses(pod).map((c) => c.state?.waiting).find(Boolean);
    const mountFail = warningFor(input.events, pod.metadata?.name, ['FailedMount', 'FailedAttachVolume']);
    if (mountFail) return out('creating', mountFail.reason, mountFail.message);
    return out('creating', waiting?.reason ?? 'ContainerCreating');
  }

  // Running.
  if (isReady(pod)) {
    const restarts = restartsOf(pod);
    if (restarts > 0) {
      const last = (pod.status?.containerStatuses ?? []).map((c) => c.lastState?.terminated).find(Boolean);
      return out('running', 'Restarted', `restarted ${restarts} time(s)${last?.reason ? `, last exit: ${last.reason}` : ''}`);
    }
    return out('running');
  }
  const probe = warningFor(input.events, pod.metadata?.name, ['Unhealthy']);
  const started = ts(condition(pod, 'Ready')?.lastTransitionTime) || ts(pod.status?.startTime) || ts(pod.metadata?.creationTimestamp);
  const stuck = Number.isFinite(started) && now.getTime() - started > STUCK_AFTER_MS;
  const terminated = containerStatuses(pod).find((c) => c.state?.terminated);
  const exit = terminated?.state?.terminated;
  if (terminated && exit) {
    return out('error', exit.reason ?? 'ContainerExited', `${terminated.name} exited with code ${exit.exitCode}`);
  }
  if (probe) return out(stuck ? 'error' : 'starting', 'ProbeFailed', probe.message);
  return stuck ? out('error', 'NotReady', 'the pod has not become ready for more than 5 minutes') : out('starting', 'NotReady', 'waiting for the readiness probe');
}

/** What `kubectl odoo maintenance on` recorded on the Deployment: when, by whom, the replicas to give back, its pod. */
export interface MaintenanceRecord {
  since?: string;
  by?: string;
  replicas?: number;
  pod?: string;
}

export function maintenanceRecordOf(deployment: Read<V1Deployment> | undefined): MaintenanceRecord | undefined {
  const raw = deployment?.metadata?.annotations?.[ANNOTATION_MAINTENANCE];
  if (raw === undefined) return undefined;
  try {
    const r = JSON.parse(raw);
    return r && typeof r === 'object' ? r : {};
  } catch {
    return {};
  }
}

/** "running", "error (CrashLoopBackOff)": the short form tables print. */
export function statusText(s: Pick<InstanceStatus, 'status' | 'reason'>): string {
  const quiet = new Set(['Maintenance', 'ScaledToZero', 'NoPod', 'ContainerCreating', 'Restarted', 'NotReady', 'Terminating']);
  return s.reason && !quiet.has(s.reason) ? `${s.status} (${s.reason})` : s.status;
}
