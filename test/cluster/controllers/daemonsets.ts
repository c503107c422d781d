// DaemonSet → Pod, as kube-controller-manager's daemon controller runs them: one pod per node the
// template fits (nodeSelector, taints against tolerations; cordoned nodes included, as the controller
// adds the unschedulable toleration), bound to its node through a required node affinity on
// metadata.name and placed there directly (the scheduler's part), labels controller-revision-hash and
// pod-template-generation, template annotations copied. Pods on nodes that no longer fit, extra pods,
// and failed pods are deleted (and replaced); a changed template rolls out one node at a time up to
// maxUnavailable (RollingUpdate) or waits for pods to be deleted (OnDelete). Status counts as the
// controller reports them; SuccessfulCreate/SuccessfulDelete events. The pods are simulated by ./pods.ts.
import type { Controller, ControllerContext } from './index.js';
import { QueuedController, keyOf, controllerRef, tolerate } from './queue.js';
import { createOrRecord, isActive, isReady, templateHash } from './workloads.js';
import { recordEvent } from '../events.js';
import { randomSuffix } from '../store.js';
import { matchesNodeAffinity, untoleratedTaint } from '../scheduling.js';

/** The tolerations the daemon controller adds to every pod it creates. */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** Whether the DaemonSet's pod belongs on this node: its node selector and affinity, and the taints. */
export function nodeFits(template: any, node: any): boolean {
  const spec = template?.spec ?? {};
  if (!matchesNodeAffinity(spec, node)) return false;
  return !untoleratedTaint(node, [...(spec.tolerations ?? []), ...DAEMON_TOLERATIONS]);
}

export class DaemonSetController extends QueuedController implements Controller {
  constructor(private readonly ctx: ControllerContext) {
    super();
    const store = ctx.store;
    const all = () => {
      for (const ds of store.scan('daemonsets')) this.queue.add(keyOf(ds.metadata.namespace, ds.metadata.name));
    };
    all();
    this.unsub.push(store.onChange('daemonsets', (c) => this.queue.add(keyOf(c.snap.obj.metadata.namespace, c.snap.obj.metadata.name))));
    this.unsub.push(
      store.onChange('pods', (c) => {
        const ref = controllerRef(c.snap.obj);
        if (ref?.kind === 'DaemonSet') this.queue.add(keyOf(c.snap.obj.metadata.namespace, ref.name));
      }),
    );
    // A node added, removed, relabelled or tainted can change where every DaemonSet belongs.
    this.unsub.push(store.onChange('nodes', all));
  }

  private podsOf(ds: any): any[] {
    const store = this.ctx.store;
    const out: any[] = [];
    for (const d of store.dependentsOf(ds.metadata.uid)) {
      if (d.plural !== 'pods') continue;
      const p = store.peek('pods', d.namespace, d.name);
      if (p && controllerRef(p)?.uid === ds.metadata.uid) out.push(p);
    }
    return out;
  }

  protected sync(ns: string, name: string): void {
    const store = this.ctx.store;
    const ds = store.peek('daemonsets', ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const template = ds.spec.template ?? {};
    const hash = templateHash(template);
    const src = { component: 'daemonset-controller' };
    const nodes = store.scan('nodes');
    const wanted = new Set(nodes.filter((n) => nodeFits(template, n)).map((n) => n.metadata.name as string));
    const del = (p: any) => {
      tolerate(() => store.delete('pods', ns, p.metadata.name));
      recordEvent(store, ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, src);
    };

    const byNode = new Map<string, any[]>();
    for (const p of this.podsOf(ds)) {
      if (p.metadata.deletionTimestamp) continue;
      const node = p.spec?.nodeName;
      // Failed daemon pods are deleted so a new one takes their place; pods where they do not belong go.
      if (p.status?.phase === 'Failed' || !wanted.has(node)) {
        del(p);
        continue;
      }
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    for (const [, pods] of byNode) {
      // One per node: keep the oldest.
      pods.sort((a, b) => (a.metadata.creationTimestamp < b.metadata.creationTimestamp ? -1 : 1));
      for (const extra of pods.splice(1)) del(extra);
    }

    for (const node of [...wanted].sort()) {
      if (byNode.get(node)?.length) continue;
      const spec = JSON.parse(JSON.stringify(template.spec ?? {}));
      spec.nodeName = node;
      spec.affinity = {
        ...(spec.affinity ?? {}),
        nodeAffinity: {
          ...(spec.affinity?.nodeAffinity ?? {}),
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] },
        },
      };
      const known = new Set((spec.tolerations ?? []).map((t: any) => `${t.key}/${t.effect}`));
      spec.tolerations = [...(spec.tolerations ?? []), ...DAEMON_TOLERATIONS.filter((t) => !known.has(`${t.key}/${t.effect}`))];
      const pod = createOrRecord(store, ds, src, {
        metadata: {
          name: `${name}-${randomSuffix()}`,
          generateName: `${name}-`,
          namespace: ns,
          labels: { ...(template.metadata?.labels ?? {}), 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
          ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec,
      });
      if (!pod) continue;
      byNode.set(node, [pod]);
      recordEvent(store, ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, src);
    }

    // A changed template: replace old pods, at most maxUnavailable nodes without a ready pod at a time.
    const current = [...byNode.values()].flat();
    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const maxUnavailable = Number(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1) || 1;
      let budget = maxUnavailable - current.filter((p) => !isReady(p)).length;
      for (const p of current) {
        if (budget <= 0) break;
        if (p.metadata.labels?.['controller-revision-hash'] === hash || !isReady(p)) continue;
        del(p);
        budget--;
      }
    }

    const live = this.podsOf(ds).filter((p) => isActive(p) && p.spec?.nodeName);
    const scheduled = live.filter((p) => wanted.has(p.spec.nodeName));
    const ready = scheduled.filter(isReady);
    const status: any = {
      currentNumberScheduled: scheduled.length,
      numberMisscheduled: live.length - scheduled.length,
      desiredNumberScheduled: wanted.size,
      numberReady: ready.length,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: scheduled.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
      numberAvailable: ready.length,
    };
    if (wanted.size - ready.length > 0) status.numberUnavailable = wanted.size - ready.length;
    if (JSON.stringify(status) === JSON.stringify(ds.status ?? {})) return;
    const copy = store.get('daemonsets', ns, name);
    copy.status = status;
    tolerate(() => void store.update('daemonsets', copy, { subresource: 'status' }));
  }
}
