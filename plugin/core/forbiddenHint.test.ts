import { describe, expect, it } from 'vitest';
import { explainForbidden, parseRefusal } from './forbiddenHint.js';
import { shippedManifests } from './manifests.js';

const manifests = shippedManifests();
const refusal = (verb: string, resource: string, group: string, ns?: string) =>
  `forbidden: ${resource.split('/')[0]}${group ? `.${group}` : ''} is forbidden: User "operator" cannot ${verb} resource "${resource}" in API group "${group}" ${ns ? `in the namespace "${ns}"` : 'at the cluster scope'}`;

describe('explainForbidden', () => {
  it('reads the API server\'s refusal', () => {
    expect(parseRefusal(refusal('create', 'pods/exec', '', 'saasodoo'))).toEqual({ user: 'operator', verb: 'create', resource: 'pods/exec', group: '', namespace: 'saasodoo' });
    expect(parseRefusal(refusal('get', 'nodes/proxy', ''))).toEqual({ user: 'operator', verb: 'get', resource: 'nodes/proxy', group: '' });
    expect(parseRefusal('deployments.apps "x" not found')).toBeUndefined();
    expect(explainForbidden('deployments.apps "x" not found', manifests)).toBeUndefined();
  });

  it('names the ClusterRole, the aggregated role it is part of and its binding', () => {
    expect(explainForbidden(refusal('create', 'leases', 'coordination.k8s.io', 'saasodoo'), manifests)).toBe(
      'operator may not "create" on "leases" (API group coordination.k8s.io) in namespace saasodoo. ClusterRole kubectl-odoo-operator:jobs in manifests/operator-rbac.yaml grants it (aggregated into ClusterRole kubectl-odoo-operator-namespace), bound by RoleBinding kubectl-odoo-operator-namespace in namespace saasodoo. Ask a cluster admin to apply manifests/ (kubectl apply -k manifests/) and bind you to it.',
    );
    expect(explainForbidden(refusal('get', 'nodes/proxy', ''), manifests)).toBe(
      'operator may not "get" on "nodes/proxy" at the cluster scope. ClusterRole kubectl-odoo-operator:storage in manifests/operator-rbac.yaml grants it (aggregated into ClusterRole kubectl-odoo-operator), bound by ClusterRoleBinding kubectl-odoo-operator. Ask a cluster admin to apply manifests/ (kubectl apply -k manifests/) and bind you to it.',
    );
  });

  it('says how to bind the operators in another instance namespace', () => {
    expect(explainForbidden(refusal('patch', 'deployments', 'apps', 'tenants'), manifests)).toContain(
      'bound by RoleBinding kubectl-odoo-operator-namespace in namespace saasodoo; to work in namespace tenants: kubectl create rolebinding kubectl-odoo-operator-namespace -n tenants --clusterrole kubectl-odoo-operator-namespace --group kubectl-odoo-operators.',
    );
  });

  it('a namespaced Role grants only in its namespace; what no role grants is said so', () => {
    expect(explainForbidden(refusal('create', 'pods/portforward', '', 'kubectl-odoo'), manifests)).toContain('Role kubectl-odoo-operator in manifests/operator-rbac.yaml grants it, bound by RoleBinding kubectl-odoo-operator in namespace kubectl-odoo.');
    expect(explainForbidden(refusal('get', 'secrets', '', 'saasodoo'), manifests)).toBe(
      'operator may not "get" on "secrets" in namespace saasodoo, and no Role or ClusterRole in manifests/ grants it: kubectl-odoo does not give operators that; run it as a cluster admin',
    );
  });
});
