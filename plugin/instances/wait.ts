// Waiting for an instance to become ready or stopped, or for a PVC resize to finish, by following the
// objects with list+watch (so dropped watches and 410 Gone do not lose the moment it happens), with a
// clear TimeoutError saying what was last seen.
import type { Read, Stored, V1Deployment, V1PersistentVolumeClaim, V1Pod } from '../../lib/kube/models.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { startInformer, type Informer } from '../../lib/kube/informer.js';
import { TimeoutError, CancelledError, UsageError } from '../../lib/errors.js';
import type { Clock } from '../cli/context.js';
import { deriveInstanceStatus, statusText, type InstanceStatus } from './status.js';
import { compareQuantities, displayStorage } from './quantity.js';

export type WaitTarget = 'ready' | 'stopped';

export interface WaitForInstanceOptions {
  namespace: string;
  /** The Deployment name. */
  name: string;
  podSelector: Record<string, string>;
  until: WaitTarget;
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Called whenever the derived status changes. */
  onProgress?: (s: InstanceStatus) => void;
}

/** `kubectl rollout status`'s test: the latest template is observed, updated, available, and no old pods remain. */
export function isRolledOut(deployment: Read<V1Deployment> | undefined): boolean {
  const spec = deployment?.spec?.replicas ?? 1;
  const st = deployment?.status ?? {};
  if ((deployment?.metadata?.generation ?? 0) > (st.observedGeneration ?? 0)) return false;
  if ((st.updatedReplicas ?? 0) < spec) return false;
  if ((st.replicas ?? 0) > (st.updatedReplicas ?? 0)) return false;
  return (st.availableReplicas ?? 0) >= spec && (st.readyReplicas ?? 0) >= spec;
}

/** Scaled to zero, observed, and no pod still running. */
export function isStopped(deployment: Read<V1Deployment> | undefined, pods: Read<V1Pod>[]): boolean {
  if ((deployment?.spec?.replicas ?? 1) !== 0) return false;
  if ((deployment?.metadata?.generation ?? 0) > (deployment?.status?.observedGeneration ?? Infinity)) return false;
  return !pods.some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

function selector(match: Record<string, string>): string {
  return Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Runs `check` after every change the informers see, until it returns a value, the timeout, or abort. */
async function follow<R>(
  clock: Clock,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  start: (signal: AbortSignal, changed: () => void) => Informer<unknown>[],
  check: () => R | undefined,
  timeoutMessage: () => string,
): Promise<R> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let settle!: (r: { ok: true; value: R } | { ok: false; error: unknown }) => void;
  const result = new Promise<{ ok: true; value: R } | { ok: false; error: unknown }>((r) => (settle = r));
  let syncedAll = false;
  const changed = () => {
    if (!syncedAll) return;
    try {
      const v = check();
      if (v !== undefined) settle({ ok: true, value: v });
    } catch (e) {
      settle({ ok: false, error: e });
    }
  };
  const informers = start(controller.signal, changed);
  for (const inf of informers) inf.done.catch((e) => settle({ ok: false, error: e }));
  Promise.all(informers.map((i) => i.synced)).then(() => {
    syncedAll = true;
    changed();
  });
  clock.sleep(timeoutMs, controller.signal).then(() => {
    if (outer?.aborted) settle({ ok: false, error: new CancelledError('interrupted while waiting') });
    else if (!controller.signal.aborted) settle({ ok: false, error: new TimeoutError(timeoutMessage()) });
  });
  try {
    const r = await result;
    if (!r.ok) throw r.error;
    return r.value;
  } finally {
    controller.abort();
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

export async function waitForInstance(kube: KubeClient, opts: WaitForInstanceOptions): Promise<InstanceStatus> {
  let deps: Informer<Stored<V1Deployment>> | undefined;
  let pods: Informer<Stored<V1Pod>> | undefined;
  let last: InstanceStatus | undefined;
  const shouldReport = progressFilter(() => opts.clock.now().getTime());
  const current = () => {
    const deployment = deps?.store.get(`${opts.namespace}/${opts.name}`);
    const podList = pods ? [...pods.store.values()] : [];
    return { deployment, podList };
  };
  return follow(
    opts.clock,
    opts.timeoutMs,
    opts.signal,
    (signal, changed) => {
      deps = startInformer<Stored<V1Deployment>>(kube, RESOURCES.deployments, { namespace: opts.namespace, fieldSelector: `metadata.name=${opts.name}`, signal }, changed);
      pods = startInformer<Stored<V1Pod>>(kube, RESOURCES.pods, { namespace: opts.namespace, labelSelector: selector(opts.podSelector), signal }, changed);
      return [deps, pods];
    },
    () => {
      const { deployment, podList } = current();
      if (!deployment) throw new TimeoutError(`instance ${opts.name} disappeared while waiting (its Deployment was deleted)`);
      const s = deriveInstanceStatus({ deployment, pods: podList }, opts.clock.now());
      if (shouldReport(s)) opts.onProgress?.(s);
      last = s;
      if (opts.until === 'ready' ? isRolledOut(deployment) : isStopped(deployment, podList)) return s;
      return undefined;
    },
    () => {
      const seen = last ? `last status: ${statusText(last)}${last.message ? ` - ${last.message}` : ''}` : 'no status seen yet';
      const what = opts.until === 'ready' ? 'become ready' : 'stop';
      return `instance ${opts.name} did not ${what} within ${formatDuration(opts.timeoutMs)} (${seen})`;
    },
  );
}

/**
 * Reasons that name one problem in its different phases: the kubelet alternates ErrImagePull and
 * ImagePullBackOff on every retry, so to a person they are one state.
 */
const SAME_PROBLEM: Record<string, string> = {
  ErrImagePull: 'ImagePull',
  ImagePullBackOff: 'ImagePull',
};

/** What a progress line says, with phases of the same problem folded together. */
export function progressKey(s: Pick<InstanceStatus, 'status' | 'reason'>): string {
  return `${s.status}/${s.reason ? (SAME_PROBLEM[s.reason] ?? s.reason) : ''}`;
}

/**
 * Decides which observed statuses are worth a line: a state not seen before at once; a state seen
 * before (a crash loop going round, a pull retried) again only after `repeatAfterMs`, so a flapping
 * pod does not print the same pair of lines many times a second. Never the state just printed.
 */
export function progressFilter(nowMs: () => number, repeatAfterMs = 30_000): (s: Pick<InstanceStatus, 'status' | 'reason'>) => boolean {
  const printedAt = new Map<string, number>();
  let lastKey: string | undefined;
  return (s) => {
    const key = progressKey(s);
    if (key === lastKey) return false;
    const now = nowMs();
    const before = printedAt.get(key);
    if (before !== undefined && now - before < repeatAfterMs) return false;
    printedAt.set(key, now);
    lastKey = key;
    return true;
  };
}

export interface PvcResizeProgress {
  requested: string;
  capacity?: string;
  /** Resizing, FileSystemResizePending, ... */
  conditions: string[];
}

export function resizeProgress(pvc: Read<V1PersistentVolumeClaim> | undefined): PvcResizeProgress {
  return {
    requested: pvc?.spec?.resources?.requests?.storage ?? '',
    capacity: pvc?.status?.capacity?.storage,
    conditions: (pvc?.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type ?? ''),
  };
}

/** Capacity has reached the requested size and no resize condition is left. */
export function isResizeDone(pvc: Read<V1PersistentVolumeClaim> | undefined, size: string): boolean {
  const cap = pvc?.status?.capacity?.storage;
  if (!cap) return false;
  const p = resizeProgress(pvc);
  return compareQuantities(cap, size) >= 0 && !p.conditions.some((c) => c === 'Resizing' || c === 'FileSystemResizePending' || c === 'ControllerResizeError' || c === 'NodeResizeError');
}

export interface WaitForResizeOptions {
  namespace: string;
  pvcName: string;
  size: string;
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  onProgress?: (p: PvcResizeProgress) => void;
}

export async function waitForPvcResize(kube: KubeClient, opts: WaitForResizeOptions): Promise<PvcResizeProgress> {
  let pvcs: Informer<Stored<V1PersistentVolumeClaim>> | undefined;
  let lastKey = '';
  let last: PvcResizeProgress | undefined;
  return follow(
    opts.clock,
    opts.timeoutMs,
    opts.signal,
    (signal, changed) => {
      pvcs = startInformer<Stored<V1PersistentVolumeClaim>>(kube, RESOURCES.persistentvolumeclaims, { namespace: opts.namespace, fieldSelector: `metadata.name=${opts.pvcName}`, signal }, changed);
      return [pvcs];
    },
    () => {
      const pvc = pvcs?.store.get(`${opts.namespace}/${opts.pvcName}`);
      if (!pvc) throw new TimeoutError(`PVC ${opts.pvcName} disappeared while waiting for its resize`);
      const p = resizeProgress(pvc);
      const key = JSON.stringify(p);
      if (key !== lastKey) opts.onProgress?.(p);
      lastKey = key;
      last = p;
      return isResizeDone(pvc, opts.size) ? p : undefined;
    },
    () => {
      const cap = last?.capacity ? displayStorage(last.capacity) : 'unknown';
      const cond = last?.conditions.length ? `, conditions: ${last.conditions.join(', ')}` : '';
      return `PVC ${opts.pvcName} did not reach ${opts.size} within ${formatDuration(opts.timeoutMs)} (capacity ${cap}${cond}); the resize continues in the background - check "kubectl describe pvc ${opts.pvcName} -n ${opts.namespace}"`;
    },
  );
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** `--timeout 5m` / `90s` / `300` (seconds) into milliseconds. */
export function parseTimeout(text: string | number, flag = '--timeout'): number {
  const t = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(t);
  if (!m) throw new UsageError(`invalid ${flag} "${text}": use a duration such as 90s, 5m or 1h`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  if (ms <= 0) throw new UsageError(`invalid ${flag} "${text}": it must be greater than zero`);
  return Math.round(ms);
}
