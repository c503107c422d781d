// What the kubelet needs from the test cluster's object store, and small helpers that smooth over
// whether a store call answers synchronously or with a promise, and over 404s.
import { randomBytes } from 'node:crypto';

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: any;
}

export interface KubeletStore {
  get(resource: string, namespace: string | undefined, name: string): any;
  list(resource: string, namespace?: string, labelSelector?: string): any;
  create(resource: string, obj: any): any;
  update(resource: string, obj: any): any;
  delete(resource: string, namespace: string | undefined, name: string, opts?: any): any;
  subscribe(resource: string, fn: (ev: StoreEvent) => void): () => void;
}

function isNotFound(e: unknown): boolean {
  const err = e as { code?: number; status?: { code?: number } };
  return err?.code === 404 || err?.status?.code === 404;
}

export function isConflictError(e: unknown): boolean {
  const err = e as { code?: number; status?: { code?: number } };
  return err?.code === 409 || err?.status?.code === 409;
}

/** The object, or undefined when it does not exist. */
export async function getObject(store: KubeletStore, resource: string, namespace: string | undefined, name: string): Promise<any | undefined> {
  try {
    return (await store.get(resource, namespace, name)) ?? undefined;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function listObjects(store: KubeletStore, resource: string, namespace?: string, labelSelector?: string): Promise<any[]> {
  const res = await store.list(resource, namespace, labelSelector);
  return Array.isArray(res) ? res : (res?.items ?? []);
}

/** Deletes; false when it was already gone. */
export async function deleteObject(store: KubeletStore, resource: string, namespace: string | undefined, name: string, opts?: any): Promise<boolean> {
  try {
    await store.delete(resource, namespace, name, opts);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/**
 * Read-modify-write with retries on 409, as controllers do. `mutate` returns false to skip the write.
 * Returns the stored object, or undefined when the object is gone.
 */
export async function updateWithRetry(
  store: KubeletStore,
  resource: string,
  namespace: string | undefined,
  name: string,
  mutate: (obj: any) => boolean | void,
): Promise<any | undefined> {
  for (let attempt = 0; ; attempt++) {
    const cur = await getObject(store, resource, namespace, name);
    if (!cur) return undefined;
    const copy = structuredClone(cur);
    if (mutate(copy) === false) return cur;
    try {
      return (await store.update(resource, copy)) ?? copy;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (isConflictError(e) && attempt < 8) continue;
      throw e;
    }
  }
}

/** Records an Event the way the kubelet and controllers do (`kubectl describe` shows them). */
export async function recordEvent(
  store: KubeletStore,
  involved: any,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
): Promise<void> {
  const now = new Date().toISOString();
  const ns = involved.metadata?.namespace ?? 'default';
  const ev = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata?.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      name: involved.metadata?.name,
      namespace: ns,
      uid: involved.metadata?.uid,
      resourceVersion: involved.metadata?.resourceVersion,
    },
    reason,
    message,
    type,
    source: { component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: component,
    reportingInstance: '',
  };
  try {
    await store.create('events', ev);
  } catch {
    // Events are best effort, as in a real cluster.
  }
}

export function ownerUid(obj: any, kind: string): string | undefined {
  return (obj?.metadata?.ownerReferences ?? []).find((r: any) => r.kind === kind && r.controller !== false)?.uid;
}

/** The objects a pod's volumes and environment refer to, looked up in the store (undefined when missing). */
export function objectLookup(store: KubeletStore) {
  return {
    pvc: (ns: string, name: string) => getObject(store, 'persistentvolumeclaims', ns, name),
    pv: (name: string) => getObject(store, 'persistentvolumes', undefined, name),
    configMap: (ns: string, name: string) => getObject(store, 'configmaps', ns, name),
    secret: (ns: string, name: string) => getObject(store, 'secrets', ns, name),
  };
}
