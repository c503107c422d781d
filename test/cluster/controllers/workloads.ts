// Deployment → ReplicaSet → Pod, as kube-controller-manager runs them: template hashes, revisions,
// Recreate (old pods gone before new ones start) and RollingUpdate (new ReplicaSet up, old ones
// down once it is available), scaling, status with conditions, ScalingReplicaSet and
// SuccessfulCreate/SuccessfulDelete events.
import { createHash } from 'node:crypto';
import type { Controller, ControllerContext } from './index.js';
import { QueuedController, keyOf, controllerRef, tolerate } from './queue.js';
import { recordEvent } from '../events.js';
import { rfc3339, randomSuffix, StatusError, type Store } from '../store.js';

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** pod-template-hash: a short hash of the template, in the alphabet Kubernetes uses. */
export function templateHash(template: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(template ?? {})).digest();
  let v = h.readUInt32BE(0);
  let s = '';
  while (s.length < 10) {
    s += SAFE[v % SAFE.length];
    v = Math.floor(v / SAFE.length) || h.readUInt32BE(4 + (s.length % 7));
  }
  return s;
}

function isActive(pod: any): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

function isReady(pod: any): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

function ownedBy(store: ControllerContext['store'], uid: string, plural: string): any[] {
  const out: any[] = [];
  for (const d of store.dependentsOf(uid)) {
    if (d.plural !== plural) continue;
    const o = store.peek(plural, d.namespace, d.name);
    if (o && controllerRef(o)?.uid === uid) out.push(o);
  }
  return out;
}

function condition(type: string, status: string, reason: string, message: string, now: string, prev?: any): any {
  const same = prev && prev.status === status;
  return { type, status, lastUpdateTime: same && prev.reason === reason ? prev.lastUpdateTime : now, lastTransitionTime: same ? prev.lastTransitionTime : now, reason, message };
}

export class DeploymentController extends QueuedController implements Controller {
  constructor(private readonly ctx: ControllerContext) {
    super();
    const store = ctx.store;
    for (const d of store.scan('deployments')) this.queue.add(keyOf(d.metadata.namespace, d.metadata.name));
    this.unsub.push(store.onChange('deployments', (c) => this.queue.add(keyOf(c.snap.obj.metadata.namespace, c.snap.obj.metadata.name))));
    // A ReplicaSet or pod change wakes the Deployment that owns it.
    this.unsub.push(
      store.onChange('replicasets', (c) => {
        const ref = controllerRef(c.snap.obj);
        if (ref?.kind === 'Deployment') this.queue.add(keyOf(c.snap.obj.metadata.namespace, ref.name));
      }),
    );
    this.unsub.push(
      store.onChange('pods', (c) => {
        const ref = controllerRef(c.snap.obj);
        if (ref?.kind !== 'ReplicaSet') return;
        const rs = store.peek('replicasets', c.snap.obj.metadata.namespace, ref.name);
        const dref = controllerRef(rs);
        if (dref?.kind === 'Deployment') this.queue.add(keyOf(rs.metadata.namespace, dref.name));
      }),
    );
  }

  protected sync(ns: string, name: string, nowMs: number): void {
    const store = this.ctx.store;
    const dep = store.peek('deployments', ns, name);
    if (!dep || dep.metadata.deletionTimestamp) return;
    const desired: number = dep.spec.replicas ?? 1;
    const hash = templateHash(dep.spec.template);
    const all = ownedBy(store, dep.metadata.uid, 'replicasets');
    let newRs = all.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const olds = all.filter((rs) => rs !== newRs);
    const podsOf = (rs: any) => ownedBy(store, rs.metadata.uid, 'pods');
    const maxRevision = Math.max(0, ...all.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
    const recreate = dep.spec.strategy?.type === 'Recreate';
    const oldPodsLeft = olds.some((rs) => podsOf(rs).length > 0);
    const src = { component: 'deployment-controller' };

    const scale = (rs: any, to: number) => {
      const from = rs.spec.replicas ?? 0;
      if (from === to) return rs;
      const copy = store.get('replicasets', ns, rs.metadata.name);
      copy.spec.replicas = to;
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + (recreate ? 0 : Math.ceil(desired * 0.25))) };
      const updated = store.update('replicasets', copy);
      recordEvent(store, dep, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`, src);
      return updated;
    };

    if (!dep.spec.paused) {
      if (!newRs) {
        const labels = { ...(dep.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash };
        const template = JSON.parse(JSON.stringify(dep.spec.template));
        template.metadata = { ...(template.metadata ?? {}), labels };
        const initial = recreate && oldPodsLeft ? 0 : desired;
        newRs = store.create('replicasets', {
          metadata: {
            name: `${name}-${hash}`,
            namespace: ns,
            labels,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(desired),
              'deployment.kubernetes.io/max-replicas': String(desired + (recreate ? 0 : Math.ceil(desired * 0.25))),
              'deployment.kubernetes.io/revision': String(maxRevision + 1),
            },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }],
          },
          spec: {
            replicas: initial,
            minReadySeconds: dep.spec.minReadySeconds ?? 0,
            selector: { matchLabels: { ...(dep.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash }, ...(dep.spec.selector?.matchExpressions ? { matchExpressions: dep.spec.selector.matchExpressions } : {}) },
            template,
          },
        });
        if (initial > 0) recordEvent(store, dep, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRs.metadata.name} from 0 to ${initial}`, src);
      }
      if (recreate) {
        for (const rs of olds) scale(rs, 0);
        if (!oldPodsLeft) newRs = scale(newRs, desired);
      } else {
        newRs = scale(newRs, desired);
        const newAvailable = newRs.status?.availableReplicas ?? 0;
        if (newAvailable >= desired) for (const rs of olds) scale(rs, 0);
      }
      // Keep the revision history within revisionHistoryLimit.
      const limit = dep.spec.revisionHistoryLimit ?? 10;
      const idle = olds
        .filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && podsOf(rs).length === 0)
        .sort((a, b) => Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
      for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) tolerate(() => store.delete('replicasets', ns, rs.metadata.name));
    }

    // Status, from the ReplicaSets as they are now.
    const current = ownedBy(store, dep.metadata.uid, 'replicasets');
    const fresh = current.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const sum = (f: (rs: any) => number) => current.reduce((a, rs) => a + f(rs), 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
    const available = sum((rs) => rs.status?.availableReplicas ?? 0);
    const updated = fresh?.status?.replicas ?? 0;
    const nowTs = rfc3339(new Date(nowMs));
    const prev: any[] = dep.status?.conditions ?? [];
    const prevOf = (t: string) => prev.find((c) => c.type === t);
    const maxUnavailable = recreate ? desired : desired - Math.floor(desired * 0.75);
    const minAvailable = desired - (recreate ? desired : Math.min(desired, maxUnavailable));
    const availableCond =
      available >= minAvailable && (desired === 0 || available > 0 || recreate)
        ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', nowTs, prevOf('Available'))
        : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', nowTs, prevOf('Available'));
    const rsName = fresh?.metadata.name ?? `${name}-${hash}`;
    const complete = updated === desired && replicas === desired && available >= desired && (fresh?.status?.observedGeneration ?? 0) >= (fresh?.metadata.generation ?? 1);
    let progressing: any;
    const prevProg = prevOf('Progressing');
    if (complete) progressing = condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, nowTs, prevProg);
    else if (prevProg?.reason === 'ProgressDeadlineExceeded') progressing = prevProg;
    else {
      const since = prevProg?.reason === 'ReplicaSetUpdated' || prevProg?.reason === 'NewReplicaSetCreated' ? Date.parse(prevProg.lastUpdateTime) : nowMs;
      if (nowMs - since > (dep.spec.progressDeadlineSeconds ?? 600) * 1000)
        progressing = condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, nowTs, prevProg);
      else
        progressing = prevProg && (prevProg.reason === 'ReplicaSetUpdated' || prevProg.reason === 'NewReplicaSetCreated') && prevProg.message.includes(rsName)
          ? prevProg
          : condition('Progressing', 'True', prevProg ? 'ReplicaSetUpdated' : 'NewReplicaSetCreated', prevProg ? `ReplicaSet "${rsName}" is progressing.` : `Created new replica set "${rsName}"`, nowTs, prevProg);
    }
    const status: any = { observedGeneration: dep.metadata.generation, replicas, updatedReplicas: updated, readyReplicas: ready, availableReplicas: available, conditions: [availableCond, progressing] };
    if (desired - available > 0) status.unavailableReplicas = desired - available;
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'] as const) if (status[k] === 0) delete status[k];
    const revision = fresh?.metadata.annotations?.['deployment.kubernetes.io/revision'];
    const sameStatus = JSON.stringify(status) === JSON.stringify(dep.status ?? {});
    const sameRevision = !revision || dep.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision;
    if (sameStatus && sameRevision) return;
    const copy = store.get('deployments', ns, name);
    if (!sameRevision) copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': revision };
    copy.status = status;
    store.update('deployments', copy);
    if (!complete) this.queue.addAfter(keyOf(ns, name), nowMs + 1000);
  }
}

export class ReplicaSetController extends QueuedController implements Controller {
  constructor(private readonly ctx: ControllerContext) {
    super();
    const store = ctx.store;
    for (const rs of store.scan('replicasets')) this.queue.add(keyOf(rs.metadata.namespace, rs.metadata.name));
    this.unsub.push(store.onChange('replicasets', (c) => this.queue.add(keyOf(c.snap.obj.metadata.namespace, c.snap.obj.metadata.name))));
    this.unsub.push(
      store.onChange('pods', (c) => {
        const ref = controllerRef(c.snap.obj);
        if (ref?.kind === 'ReplicaSet') this.queue.add(keyOf(c.snap.obj.metadata.namespace, ref.name));
      }),
    );
  }

  protected sync(ns: string, name: string, nowMs: number): void {
    const store = this.ctx.store;
    const rs = store.peek('replicasets', ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const desired: number = rs.spec.replicas ?? 1;
    const pods = ownedBy(store, rs.metadata.uid, 'pods');
    const active = pods.filter(isActive);
    const src = { component: 'replicaset-controller' };
    if (active.length < desired) {
      for (let i = active.length; i < desired; i++) {
        const tpl = rs.spec.template ?? {};
        const pod = createOrRecord(store, rs, src, {
          metadata: {
            name: `${name}-${randomSuffix()}`,
            generateName: `${name}-`,
            namespace: ns,
            labels: { ...(tpl.metadata?.labels ?? {}) },
            ...(tpl.metadata?.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }],
          },
          spec: JSON.parse(JSON.stringify(tpl.spec ?? {})),
        });
        if (!pod) break;
        recordEvent(store, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, src);
      }
    } else if (active.length > desired) {
      // Delete the least useful pods first: unscheduled, then not ready, then the youngest.
      const rank = (p: any) => (p.spec.nodeName ? 2 : 0) + (isReady(p) ? 1 : 0);
      const victims = [...active].sort((a, b) => rank(a) - rank(b) || (b.metadata.creationTimestamp < a.metadata.creationTimestamp ? -1 : 1)).slice(0, active.length - desired);
      for (const p of victims) {
        tolerate(() => store.delete('pods', ns, p.metadata.name));
        recordEvent(store, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, src);
      }
    }
    const now = ownedBy(store, rs.metadata.uid, 'pods').filter(isActive);
    const minReady = (rs.spec.minReadySeconds ?? 0) * 1000;
    const ready = now.filter(isReady);
    const available = ready.filter((p) => {
      const c = (p.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
      return !minReady || nowMs - Date.parse(c.lastTransitionTime) >= minReady;
    });
    const status: any = { replicas: now.length, fullyLabeledReplicas: now.length, readyReplicas: ready.length, availableReplicas: available.length, observedGeneration: rs.metadata.generation };
    for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'] as const) if (status[k] === 0) delete status[k];
    if (JSON.stringify(status) === JSON.stringify(rs.status ?? {})) return;
    const copy = store.get('replicasets', ns, name);
    copy.status = status;
    store.update('replicasets', copy);
  }
}

export { isReady, isActive };

/**
 * A controller's pod create; a refusal (Pod Security, a terminating namespace) becomes the owner's
 * FailedCreate event, `Error creating: <the API error>`, as the controllers report it.
 */
export function createOrRecord(store: Store, owner: any, src: { component: string }, pod: any): any | undefined {
  try {
    return store.create('pods', pod);
  } catch (e) {
    if (!(e instanceof StatusError) || e.code !== 403) throw e;
    recordEvent(store, owner, 'Warning', 'FailedCreate', `Error creating: ${e.message}`, src);
    return undefined;
  }
}
