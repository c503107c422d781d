// Events as the controllers and the kubelet of a real cluster record them: one Event per object,
// reason and message, whose count and lastTimestamp grow when it happens again.
import { randomBytes } from 'node:crypto';
import type { Store } from './store.js';
import { rfc3339 } from './store.js';
import { apiVersionOf, RESOURCE_DEFS } from './resources.js';

const seen = new WeakMap<Store, Map<string, { namespace: string; name: string }>>();
const KIND_API = new Map(RESOURCE_DEFS.map((d) => [d.kind, apiVersionOf(d)]));

export interface EventSource {
  component: string;
  host?: string;
}

export function recordEvent(store: Store, involved: any, type: 'Normal' | 'Warning', reason: string, message: string, source: EventSource, fieldPath?: string): void {
  const md = involved.metadata;
  const namespace = md.namespace ?? 'default';
  let byKey = seen.get(store);
  if (!byKey) seen.set(store, (byKey = new Map()));
  const key = `${md.uid}\0${reason}\0${message}\0${fieldPath ?? ''}`;
  const now = rfc3339(store.now());
  const prev = byKey.get(key);
  if (prev) {
    const ev = store.get('events', prev.namespace, prev.name);
    if (ev) {
      ev.count = (ev.count ?? 1) + 1;
      ev.lastTimestamp = now;
      store.update('events', ev);
      return;
    }
  }
  const name = `${md.name}.${randomBytes(8).toString('hex')}`;
  try {
    store.create('events', {
      metadata: { name, namespace },
      involvedObject: {
        kind: involved.kind,
        namespace: md.namespace,
        name: md.name,
        uid: md.uid,
        apiVersion: involved.apiVersion ?? KIND_API.get(involved.kind) ?? 'v1',
        resourceVersion: md.resourceVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      source,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    });
    byKey.set(key, { namespace, name });
  } catch {
    // The namespace is gone or going: a real cluster drops such events too.
  }
}
