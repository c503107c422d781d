// The namespace controller: every new namespace gets its `default` ServiceAccount and the
// kube-root-ca.crt ConfigMap; a namespace being deleted has its content deleted, then goes.
import type { Controller, ControllerContext } from './index.js';
import { RESOURCE_DEFS } from '../resources.js';
import { StatusError } from '../errors.js';

const NAMESPACED = RESOURCE_DEFS.filter((d) => d.namespaced).map((d) => d.plural);

export class NamespaceController implements Controller {
  private readonly fresh = new Set<string>();
  private readonly terminating = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: ControllerContext) {
    for (const ns of ctx.store.scan('namespaces')) this.fresh.add(ns.metadata.name);
    this.unsubscribe = ctx.store.onChange('namespaces', (c) => {
      const md = c.snap.obj.metadata;
      if (c.type === 'ADDED') this.fresh.add(md.name);
      if (c.type !== 'DELETED' && md.deletionTimestamp) this.terminating.add(md.name);
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  tick(): void {
    const store = this.ctx.store;
    for (const ns of [...this.fresh]) {
      this.fresh.delete(ns);
      const obj = store.peek('namespaces', undefined, ns);
      if (!obj || obj.metadata.deletionTimestamp) continue;
      tolerate(() => store.peek('serviceaccounts', ns, 'default') ?? store.create('serviceaccounts', { metadata: { name: 'default', namespace: ns } }));
      tolerate(
        () =>
          store.peek('configmaps', ns, 'kube-root-ca.crt') ??
          store.create('configmaps', {
            metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
            data: { 'ca.crt': this.ctx.caCert ?? '-----BEGIN CERTIFICATE-----\n(test cluster)\n-----END CERTIFICATE-----\n' },
          }),
      );
    }
    for (const ns of [...this.terminating]) {
      const obj = store.peek('namespaces', undefined, ns);
      if (!obj) {
        this.terminating.delete(ns);
        continue;
      }
      let remaining = 0;
      for (const plural of NAMESPACED) {
        for (const o of store.scan(plural, ns)) {
          remaining++;
          if (!o.metadata.deletionTimestamp) tolerate(() => store.delete(plural, ns, o.metadata.name, { propagationPolicy: 'Background' }));
        }
      }
      if (remaining === 0) {
        tolerate(() => {
          const copy = store.get('namespaces', undefined, ns);
          copy.spec = { ...(copy.spec ?? {}), finalizers: [] };
          store.update('namespaces', copy);
        });
        this.terminating.delete(ns);
      }
    }
  }
}

function tolerate(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError && [404, 409, 403].includes(e.code)) return;
    throw e;
  }
}
