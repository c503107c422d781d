// The scheduler and the simulated kubelet for pods owned by a ReplicaSet or DaemonSet (Job and bare
// pods really run, in ./kubelet). Scheduling runs the default profile's filters in order (cordoned
// nodes, taints against tolerations, nodeSelector and required node affinity, requests against
// allocatable) after the pod's PVCs; FailedScheduling events carry the scheduler's message. The
// lifecycle is Pending → ContainerCreating → Running → Ready after the readiness probe's
// initialDelaySeconds (scaled by timeScale), with the kubelet's events. Failures are injected per pod
// with the annotation `test.kubectl-odoo.io/simulate` (on the pod template):
//   ErrImagePull      image pull fails: ErrImagePull / ImagePullBackOff (also for an image whose
//                     name contains "does-not-exist", and one of the private registry pulled without
//                     an imagePullSecrets entry for it: ../registry.ts)
//   CrashLoopBackOff  the container exits with code 1 and restarts with back-off, restartCount rising
//   ReadinessFailure  the container runs but its readiness probe fails
import { createHash, randomBytes } from 'node:crypto';
import type { Controller, ControllerContext } from './index.js';
import { WorkQueue, keyOf, splitKey, controllerRef } from './queue.js';
import { recordEvent } from '../events.js';
import { rfc3339 } from '../store.js';
import { StatusError } from '../errors.js';
import { parseQuantity } from '../quantity.js';
import { pullRefusal } from '../registry.js';
import { NODE_AFFINITY_REASON, matchesNodeAffinity, taintReason, toleratesTaint, untoleratedTaint } from '../scheduling.js';

export const SIMULATE_ANNOTATION = 'test.kubectl-odoo.io/simulate';

type Stage = 'scheduled' | 'creating' | 'running' | 'ready' | 'pullFailing' | 'crashing' | 'notReady';

interface SimState {
  stage: Stage;
  since: number;
  restarts: number;
  /** Image pulls that failed and were backed off, for the growing back-off. */
  pullBackoffs?: number;
  containerIds: string[];
}

const simulatedKinds = (runDaemonSetPods: boolean) => (runDaemonSetPods ? ['ReplicaSet'] : ['ReplicaSet', 'DaemonSet']);

function tolerate(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
    throw e;
  }
}

function podRequests(pod: any): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += parseQuantity(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu) ?? 0;
    memory += parseQuantity(c.resources?.requests?.memory ?? c.resources?.limits?.memory) ?? 0;
  }
  return { cpu, memory };
}

export class PodController implements Controller {
  private readonly queue = new WorkQueue();
  private readonly sims = new Map<string, SimState>();
  private readonly unsub: () => void;
  private readonly step: number;
  private ipCounter = 2;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: { timeScale: number; simulateAll: boolean; runDaemonSetPods?: boolean },
  ) {
    this.step = ctx.tickMs;
    for (const p of ctx.store.scan('pods')) if (!p.spec?.nodeName || p.metadata.deletionTimestamp) this.queue.add(keyOf(p.metadata.namespace, p.metadata.name));
    this.unsub = ctx.store.onChange('pods', (c) => {
      const md = c.snap.obj.metadata;
      if (c.type === 'DELETED') this.sims.delete(md.uid);
      else this.queue.add(keyOf(md.namespace, md.name));
    });
  }

  stop(): void {
    this.unsub();
  }

  private simulated(pod: any): boolean {
    return simulatedKinds(!!this.opts.runDaemonSetPods).includes(controllerRef(pod)?.kind);
  }

  tick(now: number): void {
    const keys = this.queue.take(now);
    let usage: Map<string, { cpu: number; memory: number; pods: number }> | undefined;
    for (const key of keys) {
      const [ns, name] = splitKey(key);
      const pod = this.ctx.store.peek('pods', ns, name);
      if (!pod) continue;
      if (pod.metadata.deletionTimestamp) {
        this.finishDeletion(pod, now);
        continue;
      }
      if (!pod.spec.nodeName) {
        usage ??= this.nodeUsage();
        tolerate(() => this.schedule(pod, usage!));
        continue;
      }
      if (this.opts.simulateAll || this.simulated(pod)) tolerate(() => this.advance(pod, now));
    }
  }

  // ---- deletion ----

  private finishDeletion(pod: any, now: number): void {
    // The kubelet runs Job and bare pods (DaemonSet pods too, when asked) and removes each once its containers have exited.
    if (!this.opts.simulateAll && !this.simulated(pod)) return;
    // deletionTimestamp is when the grace period ends; the simulated one ends timeScale times sooner.
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
    const started = Date.parse(pod.metadata.deletionTimestamp) - grace;
    const due = started + grace * this.opts.timeScale;
    if (now >= due || !pod.spec.nodeName) {
      if (pod.metadata.finalizers?.length) return;
      this.ctx.store.forceRemove('pods', pod.metadata.namespace, pod.metadata.name);
    } else this.queue.addAfter(keyOf(pod.metadata.namespace, pod.metadata.name), due);
  }

  // ---- scheduling ----

  private nodeUsage(): Map<string, { cpu: number; memory: number; pods: number }> {
    const m = new Map<string, { cpu: number; memory: number; pods: number }>();
    for (const n of this.ctx.store.scan('nodes')) m.set(n.metadata.name, { cpu: 0, memory: 0, pods: 0 });
    for (const p of this.ctx.store.scan('pods')) {
      const u = p.spec?.nodeName && m.get(p.spec.nodeName);
      if (!u || ['Succeeded', 'Failed'].includes(p.status?.phase)) continue;
      const r = podRequests(p);
      u.cpu += r.cpu;
      u.memory += r.memory;
      u.pods++;
    }
    return m;
  }

  private schedule(pod: any, usage: Map<string, { cpu: number; memory: number; pods: number }>): void {
    const store = this.ctx.store;
    const nodes = store.scan('nodes');
    const src = { component: 'default-scheduler' };
    const fail = (reasons: string, preemption: string) => {
      const message = `0/${nodes.length} nodes are available: ${reasons}. preemption: 0/${nodes.length} nodes are available: ${preemption}.`;
      const copy = store.get('pods', pod.metadata.namespace, pod.metadata.name);
      const prev = (copy.status.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
      if (prev?.message !== message) {
        copy.status.conditions = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: prev?.lastTransitionTime ?? rfc3339(new Date()), reason: 'Unschedulable', message }];
        store.update('pods', copy, { subresource: 'status' });
        recordEvent(store, pod, 'Warning', 'FailedScheduling', message, src);
      }
      // The scheduler retries unschedulable pods when something changes; a periodic retry will do.
      this.queue.addAfter(keyOf(pod.metadata.namespace, pod.metadata.name), Date.now() + 20 * this.step);
    };
    for (const v of pod.spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = store.peek('persistentvolumeclaims', pod.metadata.namespace, claim);
      const all = `${nodes.length} Preemption is not helpful for scheduling`;
      if (!pvc) return fail(`persistentvolumeclaim "${claim}" not found`, all);
      if (pvc.metadata.deletionTimestamp) return fail(`persistentvolumeclaim "${claim}" is being deleted`, all);
      if (pvc.status?.phase !== 'Bound') return fail('pod has unbound immediate PersistentVolumeClaims', all);
    }
    const req = podRequests(pod);
    const counts = new Map<string, number>();
    // Per node the first filter that fails, in the default profile's order; a node refused by an
    // unresolvable filter (taints, node affinity, unschedulable) cannot be helped by preemption.
    const preemption = new Map<string, number>();
    const note = (r: string, unresolvable: boolean) => {
      counts.set(r, (counts.get(r) ?? 0) + 1);
      const p = unresolvable ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod';
      preemption.set(p, (preemption.get(p) ?? 0) + 1);
    };
    const fits: { name: string; pods: number }[] = [];
    for (const n of nodes) {
      if (n.spec?.unschedulable && !(pod.spec.tolerations ?? []).some((t: any) => toleratesTaint(t, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))) {
        note('node(s) were unschedulable', true);
        continue;
      }
      const taint = untoleratedTaint(n, pod.spec.tolerations);
      if (taint) {
        note(taintReason(taint), true);
        continue;
      }
      if (!matchesNodeAffinity(pod.spec, n)) {
        note(NODE_AFFINITY_REASON, true);
        continue;
      }
      const u = usage.get(n.metadata.name) ?? { cpu: 0, memory: 0, pods: 0 };
      const alloc = n.status?.allocatable ?? {};
      const insufficient: string[] = [];
      if (u.pods + 1 > (parseQuantity(alloc.pods) ?? 110)) insufficient.push('Too many pods');
      if (req.cpu && u.cpu + req.cpu > (parseQuantity(alloc.cpu) ?? Infinity)) insufficient.push('Insufficient cpu');
      if (req.memory && u.memory + req.memory > (parseQuantity(alloc.memory) ?? Infinity)) insufficient.push('Insufficient memory');
      if (insufficient.length) {
        for (const r of insufficient) counts.set(r, (counts.get(r) ?? 0) + 1);
        preemption.set('No preemption victims found for incoming pod', (preemption.get('No preemption victims found for incoming pod') ?? 0) + 1);
        continue;
      }
      fits.push({ name: n.metadata.name, pods: u.pods });
    }
    if (!fits.length) {
      // FitError.Error(): the "<count> <reason>" strings sorted.
      const histogram = (m: Map<string, number>) => [...m].map(([r, c]) => `${c} ${r}`).sort().join(', ');
      const reasons = histogram(counts) || 'no nodes available to schedule pods';
      return fail(reasons, histogram(preemption));
    }
    fits.sort((a, b) => a.pods - b.pods || (a.name < b.name ? -1 : 1));
    const node = fits[0].name;
    const u = usage.get(node)!;
    u.cpu += req.cpu;
    u.memory += req.memory;
    u.pods++;
    const copy = store.get('pods', pod.metadata.namespace, pod.metadata.name);
    copy.spec.nodeName = node;
    const bound = store.update('pods', copy);
    bound.status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(new Date()) }];
    store.update('pods', bound, { subresource: 'status' });
    recordEvent(store, pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`, src);
  }

  // ---- the simulated kubelet ----

  private advance(pod: any, now: number): void {
    const store = this.ctx.store;
    const uid = pod.metadata.uid;
    let sim = this.sims.get(uid);
    if (!sim) {
      if (pod.status?.phase === 'Running' && (pod.status?.containerStatuses ?? []).length) return; // already running (seeded)
      sim = { stage: 'scheduled', since: now, restarts: 0, containerIds: [] };
      this.sims.set(uid, sim);
    }
    const node = pod.spec.nodeName;
    const src = { component: 'kubelet', host: node };
    const containers: any[] = pod.spec.containers ?? [];
    const refused = new Map(containers.map((c) => [c.name, pullRefusal(store, pod, c.image ?? '')]));
    const mode = pod.metadata.annotations?.[SIMULATE_ANNOTATION] ?? (containers.some((c) => /does-not-exist/.test(c.image ?? '') || refused.get(c.name)) ? 'ErrImagePull' : '');
    const notFound = (image: string) => `failed to pull and unpack image "docker.io/${image}": failed to resolve reference "docker.io/${image}": docker.io/${image}: not found`;
    const key = keyOf(pod.metadata.namespace, pod.metadata.name);
    const later = (ms: number) => this.queue.addAfter(key, now + Math.max(this.step, ms));
    const fieldPath = (c: any) => `spec.containers{${c.name}}`;
    const ts = rfc3339(new Date(now));
    const copy = store.get('pods', pod.metadata.namespace, pod.metadata.name);
    const st = copy.status;
    const setConditions = (ready: boolean, started: boolean) => {
      const prev = new Map((st.conditions ?? []).map((c: any) => [c.type, c]));
      const cond = (type: string, ok: boolean, reason?: string, message?: string) => {
        const p: any = prev.get(type);
        const status = ok ? 'True' : 'False';
        return { type, status, lastProbeTime: null, lastTransitionTime: p?.status === status ? p.lastTransitionTime : ts, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
      };
      const notReadyNames = containers.map((c) => c.name).join(' ');
      st.conditions = [
        cond('PodReadyToStartContainers', started),
        cond('Initialized', true),
        cond('Ready', ready, ready ? undefined : 'ContainersNotReady', ready ? undefined : `containers with unready status: [${notReadyNames}]`),
        cond('ContainersReady', ready, ready ? undefined : 'ContainersNotReady', ready ? undefined : `containers with unready status: [${notReadyNames}]`),
        cond('PodScheduled', true),
      ];
    };
    const nodeObj = store.peek('nodes', undefined, node);
    const hostIP = nodeObj?.status?.addresses?.find((a: any) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
    const baseStatus = () => {
      st.hostIP = hostIP;
      st.hostIPs = [{ ip: hostIP }];
      st.startTime ??= ts;
    };
    const imageId = (image: string) => `docker.io/${image.includes('/') ? image.split(':')[0] : 'library/' + image.split(':')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`;
    const statusOf = (c: any, i: number, state: any, ready: boolean, lastState: any = {}) => ({
      name: c.name,
      image: c.image.includes('/') ? `docker.io/${c.image}` : `docker.io/library/${c.image}`,
      imageID: state.waiting ? '' : imageId(c.image),
      ...(sim!.containerIds[i] && !state.waiting?.reason?.includes('Image') ? { containerID: `containerd://${sim!.containerIds[i]}` } : {}),
      ready,
      started: Boolean(state.running),
      restartCount: sim!.restarts,
      state,
      lastState,
      volumeMounts: (c.volumeMounts ?? []).map((m: any) => ({ name: m.name, mountPath: m.mountPath, ...(m.readOnly ? { readOnly: true, recursiveReadOnly: 'Disabled' } : {}) })),
    });
    const readyDelay = (c: any) => (c.readinessProbe?.initialDelaySeconds ?? 0) * 1000 * this.opts.timeScale;
    const write = () => store.update('pods', copy, { subresource: 'status' });

    switch (sim.stage) {
      case 'scheduled': {
        baseStatus();
        st.phase = 'Pending';
        setConditions(false, false);
        st.containerStatuses = containers.map((c, i) => statusOf(c, i, { waiting: { reason: 'ContainerCreating' } }, false));
        write();
        for (const c of containers) recordEvent(store, pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, src, fieldPath(c));
        sim.stage = mode === 'ErrImagePull' ? 'pullFailing' : 'creating';
        sim.since = now;
        later(this.step);
        return;
      }
      case 'pullFailing': {
        const backoff = (st.containerStatuses?.[0]?.state?.waiting?.reason ?? '') === 'ErrImagePull';
        const reason = backoff ? 'ImagePullBackOff' : 'ErrImagePull';
        st.containerStatuses = containers.map((c, i) => {
          const msg = backoff ? `Back-off pulling image "${c.image}"` : (refused.get(c.name) ?? notFound(c.image));
          return statusOf(c, i, { waiting: { reason, message: msg } }, false);
        });
        write();
        for (const c of containers) {
          if (backoff) {
            recordEvent(store, pod, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, src, fieldPath(c));
            recordEvent(store, pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', src, fieldPath(c));
          } else {
            const why = refused.get(c.name);
            recordEvent(store, pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": rpc error: code = ${why ? 'Unknown' : 'NotFound'} desc = ${why ?? notFound(c.image)}`, src, fieldPath(c));
            recordEvent(store, pod, 'Warning', 'Failed', 'Error: ErrImagePull', src, fieldPath(c));
          }
        }
        // As the kubelet's image back-off (pkg/kubelet/kubelet.go: imageBackOffPeriod 10 s,
        // MaxImageBackOff 300 s, doubled by flowcontrol.Backoff), so a pull that keeps failing shows
        // ErrImagePull and ImagePullBackOff ever less often.
        if (backoff) sim.pullBackoffs = (sim.pullBackoffs ?? 0) + 1;
        later(backoff ? Math.min(10 * 2 ** ((sim.pullBackoffs ?? 1) - 1), 300) * this.step : 2 * this.step);
        return;
      }
      case 'creating': {
        sim.containerIds = containers.map(() => randomBytes(32).toString('hex'));
        st.phase = 'Running';
        st.podIP ??= this.podIp(node);
        st.podIPs = [{ ip: st.podIP }];
        setConditions(false, true);
        st.containerStatuses = containers.map((c, i) => statusOf(c, i, { running: { startedAt: ts } }, !c.readinessProbe && mode !== 'ReadinessFailure'));
        for (const c of containers) {
          recordEvent(store, pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in 1.204s (1.204s including waiting). Image size: 268435456 bytes.`, src, fieldPath(c));
          recordEvent(store, pod, 'Normal', 'Created', `Created container: ${c.name}`, src, fieldPath(c));
          recordEvent(store, pod, 'Normal', 'Started', `Started container ${c.name}`, src, fieldPath(c));
        }
        if (mode === 'CrashLoopBackOff') {
          write();
          sim.stage = 'crashing';
          later(2 * this.step);
          return;
        }
        const noProbe = containers.every((c) => !c.readinessProbe) && mode !== 'ReadinessFailure';
        if (noProbe) setConditions(true, true);
        write();
        sim.stage = mode === 'ReadinessFailure' ? 'notReady' : noProbe ? 'ready' : 'running';
        sim.since = now;
        if (sim.stage !== 'ready') later(Math.max(...containers.map(readyDelay), this.step));
        return;
      }
      case 'running': {
        const wait = Math.max(...containers.map(readyDelay));
        if (now - sim.since < wait) return later(wait - (now - sim.since));
        setConditions(true, true);
        st.containerStatuses = (st.containerStatuses ?? []).map((cs: any) => ({ ...cs, ready: true }));
        write();
        sim.stage = 'ready';
        return;
      }
      case 'notReady': {
        for (const c of containers)
          recordEvent(store, pod, 'Warning', 'Unhealthy', `Readiness probe failed: ${c.readinessProbe?.httpGet ? 'HTTP probe failed with statuscode: 503' : 'command failed'}`, src, fieldPath(c));
        later(10 * this.step);
        return;
      }
      case 'crashing': {
        const waiting = (st.containerStatuses?.[0]?.state?.waiting?.reason ?? '') === 'CrashLoopBackOff';
        if (waiting) {
          // Back-off over: the container starts again (and will fail again).
          sim.containerIds = containers.map(() => randomBytes(32).toString('hex'));
          st.containerStatuses = containers.map((c, i) => statusOf(c, i, { running: { startedAt: ts } }, false, st.containerStatuses?.[i]?.lastState ?? {}));
          for (const c of containers) recordEvent(store, pod, 'Normal', 'Started', `Started container ${c.name}`, src, fieldPath(c));
          write();
          later(2 * this.step);
          return;
        }
        sim.restarts++;
        const backoffSec = Math.min(300, 10 * 2 ** (sim.restarts - 1));
        st.containerStatuses = containers.map((c, i) =>
          statusOf(
            c,
            i,
            { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${backoffSec}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` } },
            false,
            { terminated: { exitCode: 1, reason: 'Error', startedAt: st.containerStatuses?.[i]?.state?.running?.startedAt ?? ts, finishedAt: ts, containerID: `containerd://${sim!.containerIds[i]}` } },
          ),
        );
        write();
        for (const c of containers) recordEvent(store, pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`, src, fieldPath(c));
        later(Math.min(backoffSec * 1000 * this.opts.timeScale, 50 * this.step));
        return;
      }
      case 'ready':
        return;
    }
  }

  private podIp(node: string): string {
    const idx = Math.max(0, this.ctx.nodes.indexOf(node));
    const n = this.ipCounter++;
    return `10.244.${idx}.${(n % 250) + 2}`;
  }
}
