// The taint eviction controller: pods bound to a node with a NoExecute taint they do not tolerate are
// deleted at once; a toleration with tolerationSeconds lets them stay that long (scaled by timeScale)
// after the controller first saw the taint. Event: Normal TaintManagerEviction "Marking for deletion
// Pod <ns>/<name>" from taint-eviction-controller.
import type { Controller, ControllerContext } from './index.js';
import { recordEvent } from '../events.js';
import { toleratesTaint } from '../scheduling.js';

export class TaintEvictionController implements Controller {
  /** When each node's NoExecute taint was first seen, by "node/key/value". */
  private readonly seen = new Map<string, number>();
  private readonly marked = new Set<string>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly timeScale: number,
  ) {}

  tick(now: number): void {
    const store = this.ctx.store;
    const tainted = store.scan('nodes').filter((n) => (n.spec?.taints ?? []).some((t: any) => t.effect === 'NoExecute'));
    if (!tainted.length) return;
    const byNode = new Map(tainted.map((n) => [n.metadata.name, n.spec.taints.filter((t: any) => t.effect === 'NoExecute')]));
    for (const pod of store.scan('pods')) {
      const taints = byNode.get(pod.spec?.nodeName);
      if (!taints || pod.metadata.deletionTimestamp || this.marked.has(pod.metadata.uid)) continue;
      let due = now;
      let evict = false;
      for (const taint of taints) {
        const key = `${pod.spec.nodeName}/${taint.key}/${taint.value ?? ''}`;
        if (!this.seen.has(key)) this.seen.set(key, now);
        const tol = (pod.spec.tolerations ?? []).filter((t: any) => toleratesTaint(t, taint));
        if (!tol.length) {
          evict = true;
          continue;
        }
        const seconds = tol.every((t: any) => typeof t.tolerationSeconds === 'number') ? Math.min(...tol.map((t: any) => t.tolerationSeconds)) : undefined;
        if (seconds !== undefined) {
          evict = true;
          due = Math.max(due, this.seen.get(key)! + Math.max(0, seconds) * 1000 * this.timeScale);
        }
      }
      if (!evict || now < due) continue;
      this.marked.add(pod.metadata.uid);
      const { namespace, name } = pod.metadata;
      recordEvent(store, pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`, { component: 'taint-eviction-controller' });
      try {
        store.delete('pods', namespace, name, {});
      } catch {
        /* already gone */
      }
    }
  }
}
