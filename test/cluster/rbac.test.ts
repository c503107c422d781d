// RBAC in the test cluster as the API server enforces it, through the real kubectl and through
// @kubernetes/client-node: the operator bound by manifests/operator-rbac.yaml, the agent's service
// account bound by manifests/agent-rbac.yaml, the 403 Status bodies and messages, aggregation,
// unresolved role references, the self reviews behind `kubectl auth can-i`, the create permission a
// server-side apply needs when it creates the object, and escalation prevention (writing a Role or
// binding that grants more than the writer holds).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, INSTALLER_CONTEXT, OPERATOR_CONTEXT, type TestCluster } from './index.js';
import { kubectl as runKubectl, type RunResult } from '../harness/plugin.js';
import { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { loadKubeconfig } from '../../lib/kube/kubeconfig.js';
import { buildConnection } from '../../lib/kube/connection.js';
import { ApiError } from '../../lib/kube/errors.js';

const NS = 'saasodoo';
const PASSWORD = 'never-seen-by-operators-5521';
let cluster: TestCluster;

const admin = (args: string[], stdin?: string) => runKubectl(args, { kubeconfig: cluster.kubeconfigPath, stdin });
const operator = (args: string[]) => runKubectl(args, { kubeconfig: cluster.kubeconfigPath, context: OPERATOR_CONTEXT });
const agent = (args: string[]) => runKubectl(args, { kubeconfig: cluster.agentKubeconfigPath });

async function ok(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`kubectl failed (${r.code}): ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false, controllers: false });
  await ok(admin(['create', 'namespace', NS]));
  await ok(admin(['create', 'namespace', 'kubectl-odoo']));
  // The agent's service account and its RBAC come with the agent's manifests.
  for (const f of ['agent-serviceaccount.yaml', 'agent-rbac.yaml']) await ok(admin(['apply', '-f', `manifests/${f}`]));
  await ok(admin(['-n', NS, 'create', 'secret', 'generic', 'odoo-db', `--from-literal=password=${PASSWORD}`]));
  await ok(admin(['-n', NS, 'create', 'configmap', 'settings', '--from-literal=a=1']));
});
afterAll(async () => cluster?.stop());

describe('RBAC through the real kubectl', () => {
  it('the operator reads and changes what the Roles grant in saasodoo, and lists across namespaces', async () => {
    expect((await operator(['-n', NS, 'get', 'pods'])).stderr).toBe(`No resources found in ${NS} namespace.\n`);
    await ok(operator(['-n', NS, 'create', 'deployment', 'acme', '--image', 'odoo:17']));
    expect((await ok(operator(['get', 'deployments', '-A', '-o', 'name']))).stdout).toBe('deployment.apps/acme\n');
    await ok(operator(['get', 'nodes']));
    await ok(operator(['-n', NS, 'delete', 'deployment', 'acme']));
  });

  it('the operator cannot read Secret values: get and list are 403 with the API server\'s message, and the value never appears', async () => {
    const one = await operator(['-n', NS, 'get', 'secret', 'odoo-db', '-o', 'yaml']);
    expect(one.code).toBe(1);
    expect(one.stderr).toBe(`Error from server (Forbidden): secrets "odoo-db" is forbidden: User "operator" cannot get resource "secrets" in API group "" in the namespace "${NS}"\n`);
    const list = await operator(['-n', NS, 'get', 'secrets', '-o', 'yaml']);
    expect(list.stderr).toBe(`Error from server (Forbidden): secrets is forbidden: User "operator" cannot list resource "secrets" in API group "" in the namespace "${NS}"\n`);
    const all = await operator(['get', 'secrets', '-A', '-o', 'json']);
    expect(all.stderr).toBe('Error from server (Forbidden): secrets is forbidden: User "operator" cannot list resource "secrets" in API group "" at the cluster scope\n');
    for (const r of [one, list, all]) expect(r.stdout + r.stderr).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  });

  it('names the subresource and the cluster scope in a refusal, and the namespace for namespace objects', async () => {
    const del = await operator(['delete', 'node', 'node-1']);
    expect(del.stderr).toBe('Error from server (Forbidden): nodes "node-1" is forbidden: User "operator" cannot delete resource "nodes" in API group "" at the cluster scope\n');
    await ok(admin(['-n', NS, 'create', 'deployment', 'other', '--image', 'odoo:17']));
    const status = await operator(['-n', NS, 'patch', 'deployment', 'other', '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"replicas":3}}']);
    expect(status.stderr).toBe(`Error from server (Forbidden): deployments.apps "other" is forbidden: User "operator" cannot get resource "deployments/status" in API group "apps" in the namespace "${NS}"\n`);
    const ns = await operator(['delete', 'namespace', NS]);
    expect(ns.stderr).toBe(`Error from server (Forbidden): namespaces "${NS}" is forbidden: User "operator" cannot delete resource "namespaces" in API group "" in the namespace "${NS}"\n`);
  });

  it('kubectl auth can-i answers from the shipped Roles (SelfSubjectAccessReview)', async () => {
    const can = async (...args: string[]) => {
      const r = await operator(['auth', 'can-i', ...args]);
      return `${r.code} ${r.stdout.trim()}`;
    };
    expect(await can('create', 'leases.coordination.k8s.io', '-n', NS)).toBe('0 yes');
    expect(await can('get', 'configmaps', '-n', NS)).toBe('0 yes');
    expect(await can('update', 'configmaps', '-n', NS)).toBe('1 no');
    expect(await can('get', 'nodes', '--subresource', 'proxy')).toBe('0 yes');
    expect(await can('create', 'pods', '--subresource', 'exec', '-n', NS)).toBe('0 yes');
    expect(await can('create', 'pods', '--subresource', 'portforward', '-n', 'kubectl-odoo')).toBe('0 yes');
    expect(await can('list', 'persistentvolumeclaims', '--all-namespaces')).toBe('0 yes');
    expect(await can('delete', 'persistentvolumeclaims', '-n', 'default')).toBe('1 no');
    expect(await can('get', 'secrets', '-n', NS)).toBe('1 no');
    expect(await can('get', 'secret/odoo-node-agent-token', '-n', 'kubectl-odoo')).toBe('0 yes');
    expect(await can('get', 'secret/odoo-node-agent-config', '-n', 'kubectl-odoo')).toBe('1 no');
    expect(await can('create', 'clusterroles')).toBe('1 no');
  });

  it('kubectl auth can-i --list shows the aggregated rules (SelfSubjectRulesReview)', async () => {
    const r = await ok(operator(['auth', 'can-i', '--list', '-n', NS]));
    const rows = r.stdout.split('\n');
    expect(rows[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(rows.find((l) => l.startsWith('leases.coordination.k8s.io '))).toMatch(/\[get list watch create update delete\]$/);
    expect(rows.find((l) => l.startsWith('nodes/proxy '))).toMatch(/\[get\]$/);
    expect(rows.find((l) => l.startsWith('selfsubjectaccessreviews.authorization.k8s.io '))).toMatch(/\[create\]$/);
    expect(rows.some((l) => l.startsWith('secrets '))).toBe(false);
  });

  it('the agent\'s service account has its summaries and nothing of the Secrets', async () => {
    await ok(agent(['-n', 'kubectl-odoo', 'create', 'configmap', 'odoo-node-agent-node-1', '--from-literal=summary={}']));
    await ok(agent(['get', 'pods', '-A']));
    const secrets = await agent(['-n', 'kubectl-odoo', 'get', 'secrets']);
    expect(secrets.stderr).toBe('Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:kubectl-odoo:odoo-node-agent" cannot list resource "secrets" in API group "" in the namespace "kubectl-odoo"\n');
    const cm = await agent(['-n', NS, 'get', 'configmap', 'settings']);
    expect(cm.stderr).toBe(`Error from server (Forbidden): configmaps "settings" is forbidden: User "system:serviceaccount:kubectl-odoo:odoo-node-agent" cannot get resource "configmaps" in API group "" in the namespace "${NS}"\n`);
  });

  it('a ClusterRole with the aggregation label adds its rules to the operator\'s; removing it takes them away', async () => {
    const role = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kubectl-odoo-operator:extra
  labels: {rbac.kubectl-odoo.io/aggregate-to-operator-namespace: "true"}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [update]
`;
    expect((await operator(['auth', 'can-i', 'update', 'configmaps', '-n', NS])).stdout).toBe('no\n');
    await ok(admin(['apply', '-f', '-'], role));
    expect((await operator(['auth', 'can-i', 'update', 'configmaps', '-n', NS])).stdout).toBe('yes\n');
    expect((await operator(['auth', 'can-i', 'update', 'configmaps', '-n', 'default'])).stdout).toBe('no\n');
    await ok(admin(['delete', 'clusterrole', 'kubectl-odoo-operator:extra']));
    expect((await operator(['auth', 'can-i', 'update', 'configmaps', '-n', NS])).stdout).toBe('no\n');
  });

  it('a binding to a Role that does not exist is named in the refusal', async () => {
    await ok(admin(['-n', 'default', 'create', 'rolebinding', 'dangling', '--role', 'gone', '--user', 'operator']));
    const r = await operator(['-n', 'default', 'get', 'configmaps']);
    expect(r.stderr).toBe('Error from server (Forbidden): configmaps is forbidden: User "operator" cannot list resource "configmaps" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "gone" not found\n');
    await ok(admin(['-n', 'default', 'delete', 'rolebinding', 'dangling']));
  });
});

describe('RBAC through @kubernetes/client-node and the plugin\'s client', () => {
  let kc: k8s.KubeConfig;
  beforeAll(() => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    kc.setCurrentContext(OPERATOR_CONTEXT);
  });

  it('a refused list is a 403 Status with reason Forbidden and the resource in its details', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const e: any = await core.listNamespacedSecret({ namespace: NS }).then(
      () => undefined,
      (err) => err,
    );
    expect(e.code).toBe(403);
    expect(JSON.parse(e.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `secrets is forbidden: User "operator" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
      reason: 'Forbidden',
      details: { kind: 'secrets' },
      code: 403,
    });
    const got: any = await core.readNamespacedSecret({ name: 'odoo-db', namespace: NS }).then(
      () => undefined,
      (err) => err,
    );
    expect(JSON.parse(got.body).details).toEqual({ name: 'odoo-db', kind: 'secrets' });
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const scale: any = await apps.readNamespacedDeploymentScale({ name: 'x', namespace: 'default' }).then(
      () => undefined,
      (err) => err,
    );
    expect(JSON.parse(scale.body)).toMatchObject({ details: { name: 'x', group: 'apps', kind: 'deployments' }, message: 'deployments.apps "x" is forbidden: User "operator" cannot get resource "deployments/scale" in API group "apps" in the namespace "default"' });
  });

  it('SelfSubjectAccessReview says which binding allows, SelfSubjectRulesReview lists the rules', async () => {
    const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    const review = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: NS, verb: 'create', group: 'coordination.k8s.io', resource: 'leases' } } } });
    expect(review.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "kubectl-odoo-operator-namespace/saasodoo" of ClusterRole "kubectl-odoo-operator-namespace" to Group "kubectl-odoo-operators"' });
    const cluster = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'node-1' } } } });
    expect(cluster.status?.reason).toBe('RBAC: allowed by ClusterRoleBinding "kubectl-odoo-operator" of ClusterRole "kubectl-odoo-operator" to Group "kubectl-odoo-operators"');
    const no = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: NS, verb: 'get', resource: 'secrets' } } } });
    expect(no.status).toEqual({ allowed: false });
    const rules = await authz.createSelfSubjectRulesReview({ body: { spec: { namespace: NS } } });
    expect(rules.status?.incomplete).toBe(false);
    expect(rules.status?.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] });
    expect(rules.status?.resourceRules.some((r) => r.resources?.includes('secrets'))).toBe(false);
  });

  it('the plugin\'s client turns the 403 into an ApiError with the server\'s sentence', async () => {
    const kube = new KubeClient(buildConnection(loadKubeconfig({ kubeconfig: cluster.kubeconfigPath, context: OPERATOR_CONTEXT, env: {} })));
    const e = await kube.list(RESOURCES.secrets, { namespace: NS }).then(
      () => undefined,
      (err) => err,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(403);
    expect((e as ApiError).apiStatus?.reason).toBe('Forbidden');
    expect((await kube.list(RESOURCES.leases, { namespace: NS })).items).toEqual([]);
  });
});

describe('server-side apply that creates the object needs create as well as patch', () => {
  it('is refused without create, with the API server\'s empty RBAC reason; patches what exists; creates once create is granted', async () => {
    await ok(admin(['-n', NS, 'create', 'role', 'configmap-applier', '--verb=patch', '--resource=configmaps']));
    await ok(admin(['-n', NS, 'create', 'rolebinding', 'configmap-applier', '--role=configmap-applier', '--group=kubectl-odoo-operators']));
    const kube = new KubeClient(buildConnection(loadKubeconfig({ kubeconfig: cluster.kubeconfigPath, context: OPERATOR_CONTEXT, env: {} })));
    const apply = (name: string) =>
      kube.request<{ metadata: { name: string }; data?: Record<string, string> }>({
        method: 'PATCH',
        path: `/api/v1/namespaces/${NS}/configmaps/${name}`,
        query: { fieldManager: 'test' },
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { a: '2' } },
        contentType: 'application/apply-patch+yaml',
      });
    const e = await apply('applied').then(
      () => undefined,
      (err) => err,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(403);
    expect((e as ApiError).apiStatus).toMatchObject({ reason: 'Forbidden', message: 'configmaps "applied" is forbidden: ', details: { name: 'applied', kind: 'configmaps' } });
    expect(cluster.store.get('configmaps', NS, 'applied')).toBeUndefined();
    // An object that exists needs only patch.
    expect((await apply('settings')).data).toEqual({ a: '2' });
    await ok(admin(['-n', NS, 'create', 'role', 'configmap-creator', '--verb=create', '--resource=configmaps']));
    await ok(admin(['-n', NS, 'create', 'rolebinding', 'configmap-creator', '--role=configmap-creator', '--group=kubectl-odoo-operators']));
    expect((await apply('applied')).metadata.name).toBe('applied');
    await ok(admin(['-n', NS, 'delete', 'role,rolebinding', 'configmap-applier', 'configmap-creator']));
    await ok(admin(['-n', NS, 'delete', 'configmap', 'applied']));
  });
});

describe('escalation prevention: no Role or binding that grants more than its writer holds', () => {
  const installer = (args: string[]) => runKubectl(args, { kubeconfig: cluster.kubeconfigPath, context: INSTALLER_CONTEXT });
  const held = 'user "agent-installer" (groups=["kubectl-odoo-agent-installers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:';

  it('through kubectl: a Role with a verb the writer lacks and a binding to cluster-admin are 403; what it holds it may grant', async () => {
    const role = await installer(['-n', NS, 'create', 'role', 'pod-deleter', '--verb=delete,get', '--resource=pods']);
    expect(role.code).toBe(1);
    expect(role.stderr).toBe(`Error from server (Forbidden): roles.rbac.authorization.k8s.io "pod-deleter" is forbidden: ${held}\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n`);
    const binding = await installer(['create', 'clusterrolebinding', 'me-admin', '--clusterrole=cluster-admin', '--user=agent-installer']);
    expect(binding.code).toBe(1);
    expect(binding.stderr).toBe(`error: failed to create clusterrolebinding: clusterrolebindings.rbac.authorization.k8s.io "me-admin" is forbidden: ${held}\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}\n`);
    await ok(installer(['-n', NS, 'create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods']));
    await ok(installer(['-n', NS, 'create', 'rolebinding', 'pod-reader', '--role=pod-reader', '--user=someone']));
    expect(cluster.store.get('clusterrolebindings', undefined, 'me-admin')).toBeUndefined();
    expect(cluster.store.get('roles', NS, 'pod-deleter')).toBeUndefined();
  });

  it('through client-node: the 403 Status with reason Forbidden names the missing rights', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    kc.setCurrentContext(INSTALLER_CONTEXT);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const e: any = await rbac
      .createClusterRole({ body: { metadata: { name: 'secret-names' }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['a'], verbs: ['update', 'watch'] }] } })
      .then(
        () => undefined,
        (err) => err,
      );
    expect(e.code).toBe(403);
    expect(JSON.parse(e.body)).toMatchObject({
      reason: 'Forbidden',
      details: { name: 'secret-names', group: 'rbac.authorization.k8s.io', kind: 'clusterroles' },
      message: `clusterroles.rbac.authorization.k8s.io "secret-names" is forbidden: ${held}\n{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["update"]}\n{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["watch"]}`,
    });
    expect(cluster.store.get('clusterroles', undefined, 'secret-names')).toBeUndefined();
  });
});
