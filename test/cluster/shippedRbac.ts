// The operators' RBAC of manifests/operator-rbac.yaml, held by the test cluster as if an admin had
// applied it: cluster-scoped objects from the start, namespaced ones as soon as their namespace exists
// (`kubectl create namespace saasodoo` gives it the operators' RoleBinding). The agent's own RBAC
// (agent-rbac.yaml) comes with the agent, by `kubectl apply -k manifests/` or `kubectl odoo agent install`.
import { existsSync, readFileSync as read } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import type { Store } from './store.js';

/** manifests/, from this file in the sources (test/cluster/) or from the bundle `npm run cluster` makes in .cluster/. */
const MANIFESTS = ((here) => [join(here, '..', '..', 'manifests'), join(here, '..', 'manifests')].find((d) => existsSync(join(d, 'operator-rbac.yaml'))) ?? join(here, '..', '..', 'manifests'))(
  dirname(fileURLToPath(import.meta.url)),
);
const KINDS: Record<string, string> = { Role: 'roles', RoleBinding: 'rolebindings', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings' };

/** Every Role, ClusterRole and binding in manifests/operator-rbac.yaml, with the plural it is stored under. */
export function shippedRbacObjects(dir = MANIFESTS): { plural: string; obj: any }[] {
  return (loadAll(read(join(dir, 'operator-rbac.yaml'), 'utf8')) as any[])
    .filter((d) => d && typeof d === 'object' && d.apiVersion === 'rbac.authorization.k8s.io/v1' && KINDS[d.kind])
    .map((obj) => ({ plural: KINDS[obj.kind], obj }));
}

/** Creates the shipped RBAC objects now (cluster-scoped) and whenever their namespace appears. */
export function installShippedRbac(store: Store): void {
  const objects = shippedRbacObjects();
  const createIn = (namespace: string | undefined) => {
    for (const { plural, obj } of objects) {
      if ((obj.metadata.namespace ?? undefined) !== namespace) continue;
      // As `kubectl apply` leaves them, so that applying manifests/ again is a patch, not a takeover.
      const applied = { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(obj) + '\n' } } };
      if (!store.get(plural, namespace, obj.metadata.name)) store.create(plural, applied);
    }
  };
  createIn(undefined);
  for (const ns of store.list('namespaces')) createIn(ns.metadata.name);
  store.onChange('namespaces', (c) => {
    if (c.type === 'ADDED') createIn(c.snap.obj.metadata.name);
  });
}

/**
 * What an admin does for each further instance namespace (README, RBAC): binds the operators'
 * namespace ClusterRole there, as manifests/operator-rbac.yaml does in saasodoo.
 */
export function bindOperatorsIn(store: Store, namespace: string): void {
  const shipped = shippedRbacObjects().find((o) => o.plural === 'rolebindings' && o.obj.roleRef?.name === OPERATOR_NAMESPACE_ROLE);
  if (!shipped) throw new Error(`manifests/ has no RoleBinding of ClusterRole ${OPERATOR_NAMESPACE_ROLE}`);
  if (store.get('rolebindings', namespace, shipped.obj.metadata.name)) return;
  store.create('rolebindings', { ...shipped.obj, metadata: { ...shipped.obj.metadata, namespace } });
}

export const OPERATOR_NAMESPACE_ROLE = 'kubectl-odoo-operator-namespace';
