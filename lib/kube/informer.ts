// A list+watch loop that keeps a local copy of a set of objects current, the way client-go's reflector
// does: list, then watch from the list's resourceVersion; when a watch ends (timeout, dropped connection)
// watch again from the last version seen; when the server answers 410 Gone, list again and report only
// the differences against the local copy. Handlers therefore see every change once, never twice.
import type { KubeClient } from './client.js';
import type { ResourceType } from './resources.js';
import { ApiError, isGone } from './errors.js';

export type InformerEvent<T> =
  | { type: 'ADDED' | 'MODIFIED'; object: T; old?: T }
  | { type: 'DELETED'; object: T }
  | { type: 'SYNCED' };

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout per stream; a new watch starts when it ends. */
  watchTimeoutSeconds?: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called when the loop relists or retries, for -v logs. */
  log?: (line: string) => void;
}

export interface Informer<T> {
  /** Current objects by namespace/name. */
  readonly store: Map<string, T>;
  /** Resolves after the first list has been delivered. */
  readonly synced: Promise<void>;
  /** Resolves when the signal aborts; rejects on an error that retrying cannot fix (403, 404...). */
  readonly done: Promise<void>;
}

/** What the informer reads of an object: where it is and which version it is. */
export interface Versioned {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string };
}

export const keyOf = (o: Versioned | undefined): string => `${o?.metadata?.namespace ?? ''}/${o?.metadata?.name ?? ''}`;
const rvOf = (o: Versioned | undefined): string | undefined => o?.metadata?.resourceVersion;

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Errors worth retrying in a long-running loop (the client already retried the request itself). */
function isTransient(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === 429 || e.status >= 500;
  return !!(e as { code?: string })?.code || e instanceof Error;
}

export function startInformer<T extends Versioned = any>(
  kube: KubeClient,
  type: ResourceType,
  opts: InformerOptions,
  handler: (ev: InformerEvent<T>) => void,
): Informer<T> {
  const store = new Map<string, T>();
  const sleep = opts.sleep ?? defaultSleep;
  const log = opts.log ?? (() => {});
  let resolveSynced!: () => void;
  const synced = new Promise<void>((r) => (resolveSynced = r));

  // Replaces the local copy with a fresh list and reports what changed since the copy was taken.
  async function relist(): Promise<string> {
    const fresh = new Map<string, T>();
    let rv = '';
    for await (const page of kube.listPages<T>(type, { namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, pageSize: opts.pageSize })) {
      for (const o of page.items) fresh.set(keyOf(o), o);
      rv = page.resourceVersion;
    }
    for (const [k, o] of fresh) {
      const old = store.get(k);
      store.set(k, o);
      if (!old) handler({ type: 'ADDED', object: o });
      else if (rvOf(old) !== rvOf(o)) handler({ type: 'MODIFIED', object: o, old });
    }
    for (const [k, old] of [...store]) {
      if (!fresh.has(k)) {
        store.delete(k);
        handler({ type: 'DELETED', object: old });
      }
    }
    handler({ type: 'SYNCED' });
    resolveSynced();
    return rv;
  }

  async function loop(): Promise<void> {
    let rv: string | undefined;
    let failures = 0;
    while (!opts.signal?.aborted) {
      try {
        if (rv === undefined) rv = await relist();
        // Stopped while listing: do not open a watch nobody will read.
        if (opts.signal?.aborted) return;
        let received = 0;
        for await (const ev of kube.watch<T>(type, {
          namespace: opts.namespace,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds: opts.watchTimeoutSeconds ?? 300,
          signal: opts.signal,
        })) {
          failures = 0;
          received++;
          const obj = ev.object;
          const next = rvOf(obj);
          if (ev.type === 'BOOKMARK') {
            if (next) rv = next;
            continue;
          }
          const k = keyOf(obj);
          const old = store.get(k);
          if (ev.type === 'DELETED') {
            if (old) {
              store.delete(k);
              handler({ type: 'DELETED', object: obj });
            }
          } else if (old && rvOf(old) === next) {
            // Already seen (a server that replays the event we resumed from): not a change.
          } else {
            store.set(k, obj);
            handler(old ? { type: 'MODIFIED', object: obj, old } : { type: 'ADDED', object: obj });
          }
          if (next) rv = next;
        }
        // The stream ended (server timeout or dropped connection): watch again from rv, after a pause
        // if it ended without a single event so a server that keeps closing streams is not hammered.
        if (received === 0) await sleep(200, opts.signal);
      } catch (e) {
        if (opts.signal?.aborted) return;
        if (isGone(e)) {
          log(`watch ${type.plural}: resourceVersion ${rv} is too old (410 Gone); listing again`);
          rv = undefined;
          continue;
        }
        if (!isTransient(e) || (e instanceof ApiError && [400, 401, 403, 404, 422].includes(e.status))) throw e;
        failures++;
        log(`watch ${type.plural} failed (${(e as Error).message}); retrying`);
        await sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)), opts.signal);
        // After repeated failures start over with a list: the version may be long gone by now.
        if (failures >= 3) rv = undefined;
      }
    }
  }

  const done = loop();
  // A failure before the first list would otherwise leave `synced` pending forever.
  done.catch(() => resolveSynced());
  return { store, synced, done };
}
