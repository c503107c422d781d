import { StatusError } from '../errors.js';

// A controller's work queue: keys marked dirty by store changes, plus keys due again at a time.
export class WorkQueue {
  private dirty = new Set<string>();
  private due = new Map<string, number>();

  add(key: string): void {
    this.dirty.add(key);
  }

  addAfter(key: string, atMs: number): void {
    const cur = this.due.get(key);
    if (cur === undefined || atMs < cur) this.due.set(key, atMs);
  }

  /** Keys to process now; each is returned once per call. */
  take(now: number): string[] {
    for (const [k, t] of this.due) {
      if (t <= now) {
        this.dirty.add(k);
        this.due.delete(k);
      }
    }
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }
}

export const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  const ns = key.slice(0, i);
  return [ns || undefined, key.slice(i + 1)];
}

/** The owner this object's controller reference names, if any. */
export function controllerRef(obj: any): any | undefined {
  return (obj?.metadata?.ownerReferences ?? []).find((r: any) => r.controller);
}

/** Runs one change; what another writer removed (404), changed (409) or forbids (403) is skipped, as controllers requeue. */
export function tolerate<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409 || e.code === 403)) return undefined;
    throw e;
  }
}

/** A controller that syncs one object per dirty key of its work queue on every tick. */
export abstract class QueuedController {
  protected readonly queue = new WorkQueue();
  protected readonly unsub: (() => void)[] = [];

  stop(): void {
    for (const u of this.unsub) u();
  }

  tick(now: number): void {
    for (const key of this.queue.take(now)) {
      const [ns, name] = splitKey(key);
      tolerate(() => this.sync(ns!, name, now));
    }
  }

  protected abstract sync(ns: string, name: string, nowMs: number): void;
}
