// The operator roles in manifests/ grant what report and update call, and nothing that writes a Secret.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlAll } from '../../lib/yaml.js';
import { ROOT } from '../harness/plugin.js';

const objs = parseYamlAll(readFileSync(join(ROOT, 'manifests', 'operator-rbac.yaml'), 'utf8')) as any[];
// A namespace's Role and the ClusterRole (bound cluster-wide); cluster-scoped resources: the ClusterRole.
const roles = (ns?: string) => objs.filter((o) => (o.kind === 'Role' && ns !== undefined && o.metadata.namespace === ns) || o.kind === 'ClusterRole');

function allows(verb: string, group: string, resource: string, ns?: string): boolean {
  return roles(ns).some((r) => r.rules.some((rule: any) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb) && !rule.resourceNames));
}

// [verb, group, resource, namespace]: what the commands request (the lock, the update Job, its log and
// the health check; the bundle's objects, events, logs and the node summary). Secrets are not readable
// by operators: the bundle records that, and an admin's report shows them redacted.
const UPDATE: [string, string, string, string | undefined][] = [
  ['get', 'apps', 'deployments', 'saasodoo'],
  ['patch', 'apps', 'deployments', 'saasodoo'],
  ['watch', '', 'pods', 'saasodoo'],
  ['get', 'coordination.k8s.io', 'leases', 'saasodoo'],
  ['create', 'coordination.k8s.io', 'leases', 'saasodoo'],
  ['update', 'coordination.k8s.io', 'leases', 'saasodoo'],
  ['delete', 'coordination.k8s.io', 'leases', 'saasodoo'],
  ['get', '', 'configmaps', 'saasodoo'],
  ['create', 'batch', 'jobs', 'saasodoo'],
  ['delete', 'batch', 'jobs', 'saasodoo'],
  ['get', '', 'pods/log', 'saasodoo'],
  ['create', '', 'pods/portforward', 'saasodoo'],
  ['create', '', 'pods/exec', 'saasodoo'],
];
const REPORT: [string, string, string, string | undefined][] = [
  ['list', 'apps', 'replicasets', 'saasodoo'],
  ['list', '', 'events', 'saasodoo'],
  ['get', '', 'persistentvolumes', undefined],
  ['get', 'storage.k8s.io', 'storageclasses', undefined],
  ['get', '', 'configmaps', 'kubectl-odoo'],
  ['get', '', 'pods/log', 'saasodoo'],
  ['create', '', 'pods', 'saasodoo'],
];

describe('operator RBAC', () => {
  it.each([...UPDATE.map((r) => ['update', ...r]), ...REPORT.map((r) => ['report', ...r])])('%s: %s %s/%s in %s', (_cmd, verb, group, resource, ns) => {
    expect(allows(verb as string, group as string, resource as string, ns as string | undefined)).toBe(true);
  });
  it("never lets an operator read or write a Secret of the instances' namespace, or write a ConfigMap there", () => {
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) expect(allows(verb, '', 'secrets', 'saasodoo'), verb).toBe(false);
    // Deleting is allowed: releasing a lock an earlier version took as a ConfigMap.
    for (const verb of ['create', 'update', 'patch']) expect(allows(verb, '', 'configmaps', 'saasodoo'), verb).toBe(false);
  });
});
