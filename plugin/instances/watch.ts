// Live status transitions of instances: three informers (Deployments, pods, PVCs) keep a local copy of
// the fleet; every change recomputes the status of the one instance it touches, and a line is emitted
// only when that instance's status or reason differs from the last one emitted. Because the informers
// relist after 410 Gone and resume after dropped watches, and emission compares against what was last
// emitted, no transition is lost or printed twice.
import type { Stored, V1Deployment, V1PersistentVolumeClaim, V1Pod } from '../../lib/kube/models.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { startInformer, keyOf, type InformerEvent } from '../../lib/kube/informer.js';
import { INSTANCE_PVC_SELECTOR, INSTANCE_SELECTOR, instanceIdOf, isInstanceWorkload } from './labels.js';
import { deploymentNameOfPod, deriveInstanceFacts, matchesLabels, type InstanceFacts } from './facts.js';
import { deriveInstanceStatus, type InstanceStatusName } from './status.js';

export interface Transition {
  time: string;
  namespace: string;
  name: string;
  /** null for the first state seen after the watch started. */
  from: InstanceStatusName | 'deleted' | null;
  to: InstanceStatusName | 'deleted';
  reason?: string;
  message?: string;
  ready: string;
  customerId?: string;
}

export interface WatchInstancesOptions {
  namespace?: string;
  labelSelector?: string;
  customer?: string;
  signal: AbortSignal;
  now: () => Date;
  emit: (t: Transition) => void;
  log?: (line: string) => void;
}

type Deployment = Stored<V1Deployment>;
type Pod = Stored<V1Pod>;
type Pvc = Stored<V1PersistentVolumeClaim>;

interface Tracked {
  deployment: Deployment;
  facts: InstanceFacts;
}

/** The fleet's objects indexed so that one changed object finds its instance in O(1). */
export class FleetIndex {
  readonly instances = new Map<string, Tracked>();
  private readonly byId = new Map<string, string>();
  /** instance key (or `id:<ns>/<instance id>` when the Deployment is not known yet) → pods. */
  private readonly pods = new Map<string, Map<string, Pod>>();
  private readonly podOwner = new Map<string, string>();
  private readonly pvcs = new Map<string, Pvc>();
  private readonly pvcUsers = new Map<string, Set<string>>();

  /** Applies a Deployment change; returns the instance keys whose status may have changed. */
  deployment(ev: InformerEvent<Deployment>): string[] {
    if (ev.type === 'SYNCED') return [];
    const d = ev.object;
    const key = keyOf(d);
    const prev = this.instances.get(key);
    if (prev) {
      if (prev.facts.instanceId) this.byId.delete(`${d.metadata.namespace}/${prev.facts.instanceId}`);
      if (prev.facts.pvcName) this.pvcUsers.get(`${d.metadata.namespace}/${prev.facts.pvcName}`)?.delete(key);
    }
    if (ev.type === 'DELETED' || !isInstanceWorkload(d.metadata?.labels)) {
      this.instances.delete(key);
      return [key];
    }
    const facts = deriveInstanceFacts(d);
    this.instances.set(key, { deployment: d, facts });
    if (facts.instanceId) this.byId.set(`${d.metadata.namespace}/${facts.instanceId}`, key);
    if (facts.pvcName) {
      const pk = `${d.metadata.namespace}/${facts.pvcName}`;
      let users = this.pvcUsers.get(pk);
      if (!users) this.pvcUsers.set(pk, (users = new Set()));
      users.add(key);
    }
    return [key];
  }

  pod(ev: InformerEvent<Pod>): string[] {
    if (ev.type === 'SYNCED') return [];
    const p = ev.object;
    const pk = keyOf(p);
    const ns = p.metadata.namespace;
    const before = this.podOwner.get(pk);
    if (before) this.pods.get(before)?.delete(pk);
    if (ev.type === 'DELETED') {
      this.podOwner.delete(pk);
      return before ? [this.resolveOwner(before)] : [];
    }
    const dep = deploymentNameOfPod(p);
    const id = instanceIdOf(p.metadata?.labels);
    const owner = dep ? `${ns}/${dep}` : id ? `id:${ns}/${id}` : undefined;
    if (!owner) return [];
    this.podOwner.set(pk, owner);
    let m = this.pods.get(owner);
    if (!m) this.pods.set(owner, (m = new Map()));
    m.set(pk, p);
    const keys = [this.resolveOwner(owner)];
    if (before && before !== owner) keys.push(this.resolveOwner(before));
    return keys;
  }

  pvc(ev: InformerEvent<Pvc>): string[] {
    if (ev.type === 'SYNCED') return [];
    const k = keyOf(ev.object);
    if (ev.type === 'DELETED') this.pvcs.delete(k);
    else this.pvcs.set(k, ev.object);
    return [...(this.pvcUsers.get(k) ?? [])];
  }

  private resolveOwner(owner: string): string {
    return owner.startsWith('id:') ? (this.byId.get(owner.slice(3)) ?? owner) : owner;
  }

  podsOf(key: string): Pod[] {
    const t = this.instances.get(key);
    const own = this.pods.get(key);
    if (own && own.size) return [...own.values()];
    if (t?.facts.instanceId) {
      const byId = this.pods.get(`id:${t.deployment.metadata.namespace}/${t.facts.instanceId}`);
      if (byId) return [...byId.values()].filter((p) => matchesLabels(p.metadata?.labels, t.facts.podSelector));
    }
    return [];
  }

  pvcOf(key: string): Pvc | undefined {
    const t = this.instances.get(key);
    return t?.facts.pvcName ? this.pvcs.get(`${t.deployment.metadata.namespace}/${t.facts.pvcName}`) : undefined;
  }
}

export async function watchInstances(kube: KubeClient, opts: WatchInstancesOptions): Promise<void> {
  const index = new FleetIndex();
  const last = new Map<string, { status: string; reason?: string }>();
  let synced = false;
  const pending = new Set<string>();

  const evaluate = (key: string) => {
    if (key.startsWith('id:')) return;
    const t = index.instances.get(key);
    const prev = last.get(key);
    const [namespace, name] = key.split('/');
    if (!t) {
      if (prev) {
        last.delete(key);
        opts.emit({ time: opts.now().toISOString(), namespace, name, from: prev.status as InstanceStatusName, to: 'deleted', ready: '0/0' });
      }
      return;
    }
    if (opts.customer !== undefined && t.facts.customerId !== opts.customer) return;
    const s = deriveInstanceStatus({ deployment: t.deployment, pods: index.podsOf(key), pvc: index.pvcOf(key) }, opts.now());
    if (prev && prev.status === s.status && prev.reason === s.reason) return;
    last.set(key, { status: s.status, reason: s.reason });
    opts.emit({
      time: opts.now().toISOString(),
      namespace,
      name,
      from: (prev?.status as InstanceStatusName | undefined) ?? null,
      to: s.status,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
      ready: `${s.ready}/${s.desired}`,
      ...(t.facts.customerId ? { customerId: t.facts.customerId } : {}),
    });
  };
  const touched = (keys: string[]) => {
    if (!synced) {
      for (const k of keys) pending.add(k);
      return;
    }
    for (const k of keys) evaluate(k);
  };

  const depSelector = opts.labelSelector ? `${INSTANCE_SELECTOR},${opts.labelSelector}` : INSTANCE_SELECTOR;
  const common = { namespace: opts.namespace, signal: opts.signal, log: opts.log, pageSize: 1000 };
  const informers = [
    startInformer(kube, RESOURCES.deployments, { ...common, labelSelector: depSelector }, (ev) => touched(index.deployment(ev))),
    startInformer(kube, RESOURCES.pods, { ...common, labelSelector: INSTANCE_SELECTOR }, (ev) => touched(index.pod(ev))),
    startInformer(kube, RESOURCES.persistentvolumeclaims, { ...common, labelSelector: INSTANCE_PVC_SELECTOR }, (ev) => touched(index.pvc(ev))),
  ];
  const failed = Promise.race(informers.map((i) => i.done.then(() => new Promise<never>(() => {}))));
  await Promise.race([Promise.all(informers.map((i) => i.synced)), failed]);
  if (opts.signal.aborted) return;
  synced = true;
  // First state of every instance, in a stable order.
  for (const k of [...index.instances.keys()].sort()) evaluate(k);
  pending.clear();
  await Promise.race([Promise.all(informers.map((i) => i.done)), failed]);
}

export function formatTransition(t: Transition, withNamespace: boolean): string {
  const who = withNamespace ? `${t.namespace}/${t.name}` : t.name;
  const change = t.from === null ? t.to : `${t.from} -> ${t.to}`;
  const why = t.reason ? ` (${t.reason}${t.message ? `: ${t.message}` : ''})` : '';
  return `${t.time}  ${who}  ${change}  ready ${t.ready}${why}`;
}
