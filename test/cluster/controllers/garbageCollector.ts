// The garbage collector: dependents of a deleted owner are deleted (background), an owner deleted
// in the foreground waits for its dependents, and one deleted with the orphan policy releases them
// (their ownerReferences to it are removed) before it goes.
import type { Controller, ControllerContext } from './index.js';
import type { Change } from '../store.js';
import { StatusError } from '../errors.js';

export class GarbageCollector implements Controller {
  /** Owners that were removed: their dependents need a look. */
  private removed = new Set<string>();
  /** Owners held by foregroundDeletion or orphan finalizers. */
  private finalizing = new Map<string, { plural: string; namespace?: string; name: string }>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: ControllerContext) {
    this.unsubscribe = ctx.store.onChange(undefined, (c: Change) => this.observe(c));
  }

  stop(): void {
    this.unsubscribe();
  }

  private observe(c: Change): void {
    const md = c.snap.obj.metadata;
    if (c.type === 'DELETED') {
      this.finalizing.delete(md.uid);
      if (this.ctx.store.dependentsOf(md.uid).length) this.removed.add(md.uid);
      return;
    }
    if (md.deletionTimestamp && md.finalizers?.some((f: string) => f === 'foregroundDeletion' || f === 'orphan'))
      this.finalizing.set(md.uid, { plural: c.plural, namespace: md.namespace, name: md.name });
  }

  tick(): void {
    const store = this.ctx.store;
    for (const uid of [...this.removed]) {
      this.removed.delete(uid);
      for (const d of store.dependentsOf(uid)) {
        const obj = store.peek(d.plural, d.namespace || undefined, d.name);
        if (!obj || obj.metadata.deletionTimestamp) continue;
        const refs: any[] = obj.metadata.ownerReferences ?? [];
        const alive = refs.filter((r) => r.uid !== uid && store.byUidLookup(r.uid));
        ignoreGone(() => {
          if (alive.length === 0) store.delete(d.plural, d.namespace || undefined, d.name, { propagationPolicy: 'Background' });
          else {
            const copy = store.get(d.plural, d.namespace || undefined, d.name);
            copy.metadata.ownerReferences = refs.filter((r) => store.byUidLookup(r.uid));
            store.update(d.plural, copy);
          }
        });
      }
    }
    for (const [uid, o] of [...this.finalizing]) {
      const owner = store.peek(o.plural, o.namespace, o.name);
      if (!owner || owner.metadata.uid !== uid) {
        this.finalizing.delete(uid);
        continue;
      }
      const fins: string[] = owner.metadata.finalizers ?? [];
      const dependents = store.dependentsOf(uid);
      if (fins.includes('orphan')) {
        for (const d of dependents) {
          ignoreGone(() => {
            const copy = store.get(d.plural, d.namespace || undefined, d.name);
            if (!copy) return;
            copy.metadata.ownerReferences = (copy.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== uid);
            if (copy.metadata.ownerReferences.length === 0) delete copy.metadata.ownerReferences;
            store.update(d.plural, copy);
          });
        }
        this.removeFinalizer(o, 'orphan');
        continue;
      }
      if (fins.includes('foregroundDeletion')) {
        let waiting = false;
        for (const d of dependents) {
          const dep = store.peek(d.plural, d.namespace || undefined, d.name);
          if (!dep) continue;
          waiting = true;
          if (!dep.metadata.deletionTimestamp) ignoreGone(() => store.delete(d.plural, d.namespace || undefined, d.name, { propagationPolicy: 'Foreground' }));
        }
        if (!waiting) this.removeFinalizer(o, 'foregroundDeletion');
      }
    }
  }

  private removeFinalizer(o: { plural: string; namespace?: string; name: string }, f: string): void {
    ignoreGone(() => {
      const copy = this.ctx.store.get(o.plural, o.namespace, o.name);
      if (!copy) return;
      copy.metadata.finalizers = (copy.metadata.finalizers ?? []).filter((x: string) => x !== f);
      this.ctx.store.update(o.plural, copy);
    });
  }
}

/** Runs a write that may find its object deleted (404) or changed (409) meanwhile: both are left to the next round. */
export function ignoreGone(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
    throw e;
  }
}
