import { describe, expect, it } from 'vitest';
import { explainForbidden, parseRefusal } from './forbiddenHint.js';
import { shippedManifests } from './manifests.js';
import { apiErrorFromResponse } from '../../lib/kube/errors.js';

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

  it('reads the create check of a server-side apply, which names no user, and explains it', () => {
    // The Status the API server answers to an apply that would create the object without "create".
    const status = (name: string, kind: string, group?: string) =>
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `${kind}${group ? `.${group}` : ''} "${name}" is forbidden: `, reason: 'Forbidden', details: { name, ...(group ? { group } : {}), kind }, code: 403 });
    const apply = { method: 'PATCH', contentType: 'application/apply-patch+yaml' };
    const ns = apiErrorFromResponse(403, status('kubectl-odoo', 'namespaces'), { ...apply, path: '/api/v1/namespaces/kubectl-odoo' }).message;
    expect(ns).toBe('forbidden: namespaces "kubectl-odoo" is forbidden: server-side apply creates it, which needs "create" on resource "namespaces" in API group "" in the namespace "kubectl-odoo"');
    expect(explainForbidden(ns, manifests, { agentCommand: true })).toBe(
      'You may not "create" on "namespaces" in namespace kubectl-odoo. ClusterRole kubectl-odoo-agent-installer in manifests/agent-installer-rbac.yaml grants it, bound by ClusterRoleBinding kubectl-odoo-agent-installer. Ask a cluster admin to apply manifests/ (kubectl apply -k manifests/) and bind you to it.',
    );
    const ds = apiErrorFromResponse(403, status('odoo-node-agent', 'daemonsets', 'apps'), { ...apply, path: '/apis/apps/v1/namespaces/kubectl-odoo/daemonsets/odoo-node-agent' }).message;
    expect(parseRefusal(ds)).toEqual({ verb: 'create', resource: 'daemonsets', group: 'apps', namespace: 'kubectl-odoo' });
    const crb = apiErrorFromResponse(403, status('x', 'clusterrolebindings', 'rbac.authorization.k8s.io'), { ...apply, path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x' }).message;
    expect(parseRefusal(crb)).toEqual({ verb: 'create', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io' });
    // The same empty reason from another request is left as the server said it.
    expect(apiErrorFromResponse(403, status('x', 'configmaps'), { method: 'PATCH', contentType: 'application/merge-patch+json', path: '/api/v1/namespaces/a/configmaps/x' }).message).toBe('forbidden: configmaps "x" is forbidden: ');
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

  it('for the agent commands, names the installers\' ClusterRole and nothing of the operators\'', () => {
    expect(explainForbidden(refusal('patch', 'daemonsets', 'apps', 'kubectl-odoo'), manifests, { agentCommand: true })).toBe(
      'operator may not "patch" on "daemonsets" (API group apps) in namespace kubectl-odoo. ClusterRole kubectl-odoo-agent-installer in manifests/agent-installer-rbac.yaml grants it, bound by ClusterRoleBinding kubectl-odoo-agent-installer. Ask a cluster admin to apply manifests/ (kubectl apply -k manifests/) and bind you to it.',
    );
    expect(explainForbidden(refusal('create', 'pods/portforward', '', 'kubectl-odoo'), manifests, { agentCommand: true })).not.toContain('operator-rbac.yaml');
  });
});
