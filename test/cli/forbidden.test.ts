// A 403 as the operator meets it: the plugin says which verb on which resource was refused, which Role
// or ClusterRole of manifests/ grants it and how to bind it, and the command it names really fixes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { kubectl, kubectlOdoo } from '../harness/plugin.js';

let cluster: TestCluster;
const odoo = (args: string[]) => kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath });
const admin = (args: string[]) => kubectl(args, { kubeconfig: cluster.kubeconfigPath });

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false });
  for (const ns of ['saasodoo', 'tenants']) expect((await admin(['create', 'namespace', ns])).code).toBe(0);
});
afterAll(async () => cluster?.stop());

describe('the operator refused', () => {
  it('in a namespace where the operators are not bound: the refusal, the granting ClusterRole and the RoleBinding to add', async () => {
    const r = await odoo(['-n', 'tenants', 'create', 'acme', '--customer', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    // create looks its objects up at once: whichever refusal comes back first is the one reported.
    const m = /^error: forbidden: (persistentvolumeclaims|services|deployments\.apps|ingresses\.networking\.k8s\.io) "[^"]+" is forbidden: User "operator" cannot get resource "([a-z]+)" in API group "([a-z.]*)" in the namespace "tenants"$/.exec(lines[0]);
    expect(m).not.toBeNull();
    const [, , resource, group] = m!;
    expect(lines[1]).toBe(
      `operator may not "get" on "${resource}"${group ? ` (API group ${group})` : ''} in namespace tenants. ClusterRole kubectl-odoo-operator:instances in manifests/operator-rbac.yaml grants it (aggregated into ClusterRole kubectl-odoo-operator-namespace), bound by RoleBinding kubectl-odoo-operator-namespace in namespace saasodoo; to work in namespace tenants: kubectl create rolebinding kubectl-odoo-operator-namespace -n tenants --clusterrole kubectl-odoo-operator-namespace --group kubectl-odoo-operators. Ask a cluster admin to apply manifests/ (kubectl apply -k manifests/) and bind you to it.`,
    );
    expect(cluster.store.list('persistentvolumeclaims', 'tenants')).toEqual([]);
    const fix = /kubectl (create rolebinding [^.;]+)/.exec(lines[1])![1].split(' ');
    expect((await admin(fix)).code).toBe(0);
    const after = await odoo(['-n', 'tenants', 'create', 'acme', '--customer', '1']);
    expect(after.code).toBe(0);
    expect(cluster.store.get('deployments', 'tenants', 'acme')).toBeDefined();
  });

  it('agent install, an admin\'s job, is refused before it changes anything', async () => {
    const r = await odoo(['agent', 'install', '--no-build']);
    expect(r.code).toBe(1);
    // It reads what it would replace at once: the first refusal back is the one reported.
    const m = /^error: forbidden: \S+ "[^"]+" is forbidden: User "operator" cannot get resource "([a-z]+)" in API group "[a-z0-9.]*" (in the namespace "kubectl-odoo"|at the cluster scope)$/.exec(r.stderr.split('\n')[0]);
    expect(m, r.stderr).not.toBeNull();
    // Namespaced objects and cluster-wide ones (the ClusterRole) are read together: either refusal may be first.
    const where = m![2].startsWith('in the namespace') ? 'in namespace kubectl-odoo' : 'at the cluster scope';
    expect(r.stderr.split('\n')[1]).toMatch(new RegExp(`^operator may not "get" on "${m![1]}"( \\(API group [a-z0-9.]+\\))? ${where}[.,] `));
    // The role to ask for is the installers' one (README: the node agent's permissions), not the operators'.
    expect(r.stderr.split('\n')[1]).toContain('. ClusterRole kubectl-odoo-agent-installer in manifests/agent-installer-rbac.yaml grants it, bound by ClusterRoleBinding kubectl-odoo-agent-installer.');
    expect(r.stderr).not.toContain('operator-rbac.yaml');
    expect(cluster.store.get('namespaces', undefined, 'kubectl-odoo')).toBeUndefined();
  });
});
