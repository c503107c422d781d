// The manifests render with kustomize and every object is valid against the Kubernetes API schema
// (the official OpenAPI schemas shipped by kubernetes-models, offline). The DaemonSet is checked for the
// least-privilege promises the README makes.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { kubectl, ROOT } from '../harness/plugin.js';

async function render(dir: string): Promise<any[]> {
  const r = await kubectl(['kustomize', join(ROOT, dir)]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (loadAll(r.stdout) as any[]).filter(Boolean);
}

async function validateAgainstSchema(obj: any): Promise<void> {
  const path = `kubernetes-models/${obj.apiVersion}`;
  const mod = (await import(path)) as Record<string, any>;
  const Model = mod[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}

/** RBAC evaluation for the agent's service account over the rendered (Cluster)Roles and bindings. */
function agentMay(objs: any[], verb: string, resource: string, name: string, namespace: string): boolean {
  const isAgent = (b: any) => b.subjects?.some((s: any) => s.kind === 'ServiceAccount' && s.name === 'odoo-node-agent' && s.namespace === 'kubectl-odoo');
  const bindings = objs.filter((o) => (o.kind === 'RoleBinding' && o.metadata.namespace === namespace) || o.kind === 'ClusterRoleBinding').filter(isAgent);
  const roles = bindings.map((b) => objs.find((o) => o.kind === b.roleRef.kind && o.metadata.name === b.roleRef.name && (o.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace)));
  const covers = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));
  return roles.some((r) =>
    (r?.rules ?? []).some(
      (rule: any) => covers(rule.apiGroups, '') && covers(rule.resources, resource) && covers(rule.verbs, verb) && (!rule.resourceNames?.length || rule.resourceNames.includes(name)),
    ),
  );
}

describe('manifests/', () => {
  it('renders with kustomize and every object validates against the Kubernetes API schema', async () => {
    const objs = await render('manifests');
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole/kubectl-odoo-agent-installer',
        'ClusterRole/kubectl-odoo-backup-scheduler',
        'ClusterRole/kubectl-odoo-operator',
        'ClusterRole/kubectl-odoo-operator-namespace',
        'ClusterRole/kubectl-odoo-operator:backup-schedules',
        'ClusterRole/kubectl-odoo-operator:fleet',
        'ClusterRole/kubectl-odoo-operator:instances',
        'ClusterRole/kubectl-odoo-operator:jobs',
        'ClusterRole/kubectl-odoo-operator:oncall',
        'ClusterRole/kubectl-odoo-operator:migration',
        'ClusterRole/kubectl-odoo-operator:storage',
        'ClusterRole/odoo-node-agent',
        'ClusterRoleBinding/kubectl-odoo-agent-installer',
        'ClusterRoleBinding/kubectl-odoo-operator',
        'ClusterRoleBinding/odoo-node-agent',
        'DaemonSet/odoo-node-agent',
        'Namespace/kubectl-odoo',
        'Namespace/saasodoo',
        'PersistentVolumeClaim/odoo-backups-pvc',
        'Role/kubectl-odoo-operator',
        'Role/odoo-node-agent',
        'RoleBinding/kubectl-odoo-operator',
        'RoleBinding/kubectl-odoo-operator-namespace',
        'RoleBinding/odoo-node-agent',
        'Secret/odoo-node-agent-config',
        'Secret/odoo-node-agent-token',
        'ServiceAccount/odoo-node-agent',
        'ServiceAccount/odoo-node-agent-client',
        'StorageClass/rook-cephfs',
      ].sort(),
    );
    for (const o of objs) await expect(validateAgainstSchema(o), `${o.kind}/${o.metadata.name}`).resolves.toBeUndefined();
  });

  it('the schema check rejects an invalid object (so the test above can fail)', async () => {
    const objs = await render('manifests');
    const ds = structuredClone(objs.find((o) => o.kind === 'DaemonSet'));
    ds.spec.template.spec.containers[0].resources.limits.memory = { lots: true };
    await expect(validateAgainstSchema(ds)).rejects.toThrow(/memory/);
  });

  it('runs the agent with the least privilege that still reads raw devices', async () => {
    const objs = await render('manifests');
    const ds = objs.find((o) => o.kind === 'DaemonSet');
    const pod = ds.spec.template.spec;
    const c = pod.containers[0];
    expect(c.env.find((e: any) => e.name === 'NODE_NAME').valueFrom.fieldRef.fieldPath).toBe('spec.nodeName');
    expect(c.securityContext.privileged).toBe(true);
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    for (const path of ['/dev', '/sys', '/run/udev', '/host/proc', '/var/lib/kubelet/pods', '/lib/modules']) expect(mounts[path]?.readOnly, path).toBe(true);
    const hostPaths = Object.fromEntries(pod.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
    expect(hostPaths).toMatchObject({ dev: '/dev', sys: '/sys', 'run-udev': '/run/udev', 'host-proc': '/proc', 'kubelet-pods': '/var/lib/kubelet/pods' });
    expect(c.ports).toEqual([{ name: 'agent', containerPort: 8765, protocol: 'TCP' }]);
    const config = objs.find((o) => o.kind === 'Secret' && o.metadata.name === 'odoo-node-agent-config');
    expect(config.stringData['config.yaml']).toMatch(/wipe: \{enabled: false\}/);
    expect(config.stringData['config.yaml']).toMatch(/host: 127\.0\.0\.1/);
    // The config file the agent reads comes from that Secret.
    const configMount = c.volumeMounts.find((m: any) => c.command.includes(`${m.mountPath}/config.yaml`));
    expect(pod.volumes.find((v: any) => v.name === configMount.name)).toEqual({ name: 'config', secret: { secretName: 'odoo-node-agent-config' } });
  });

  it('gives the agent only what it needs', async () => {
    const objs = await render('manifests');
    const role = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'odoo-node-agent');
    expect(role.metadata.namespace).toBe('kubectl-odoo');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'update', 'patch'] }]);
    const cluster = objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'odoo-node-agent');
    const verbs = new Set(cluster.rules.flatMap((r: any) => r.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list']);
    expect(cluster.rules.flatMap((r: any) => r.resources).sort()).toEqual(['persistentvolumeclaims', 'pods']);
    // The agent cannot change the object its configuration comes from (e.g. to enable wiping), nor the token.
    const ds = objs.find((o) => o.kind === 'DaemonSet');
    const sources = ds.spec.template.spec.volumes.filter((v: any) => v.secret || v.configMap);
    const configSource = sources.find((v: any) => v.name === 'config');
    for (const v of sources) {
      const target = v.secret ? { resource: 'secrets', name: v.secret.secretName } : { resource: 'configmaps', name: v.configMap.name };
      for (const verb of ['update', 'patch', 'create', 'delete'])
        expect(agentMay(objs, verb, target.resource, target.name, ds.metadata.namespace), `${verb} ${target.resource}/${target.name}`).toBe(false);
    }
    expect(configSource).toBeDefined();
    // ...while it still may write its node summaries (so the check above is not vacuous).
    expect(agentMay(objs, 'update', 'configmaps', 'kubectl-odoo-node-node-1', 'kubectl-odoo')).toBe(true);
    expect(agentMay(objs, 'create', 'configmaps', 'kubectl-odoo-node-node-1', 'kubectl-odoo')).toBe(true);
    const op = objs.find((o) => o.kind === 'Role' && o.metadata.namespace === 'kubectl-odoo' && o.metadata.name === 'kubectl-odoo-operator');
    expect(op.rules).toContainEqual({ apiGroups: [''], resources: ['pods/portforward'], verbs: ['create', 'get'] });
    expect(op.rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], resourceNames: ['odoo-node-agent-token'], verbs: ['get'] });
  });

  it('defines the rook-cephfs StorageClass and the shared backups PVC as the storage plan does', async () => {
    const objs = await render('manifests');
    const sc = objs.find((o) => o.kind === 'StorageClass');
    expect(sc).toMatchObject({ metadata: { name: 'rook-cephfs' }, provisioner: 'rook-ceph.cephfs.csi.ceph.com', reclaimPolicy: 'Retain', allowVolumeExpansion: true });
    expect(sc.parameters).toMatchObject({ clusterID: 'rook-ceph', fsName: 'saasodoo-cephfs', pool: 'saasodoo-cephfs-data0' });
    const pvc = objs.find((o) => o.kind === 'PersistentVolumeClaim');
    expect(pvc).toMatchObject({ metadata: { name: 'odoo-backups-pvc', namespace: 'saasodoo' }, spec: { accessModes: ['ReadWriteMany'], storageClassName: 'rook-cephfs' } });
  });

  it('has an example CephCluster whose only OSD device is /dev/sda2', async () => {
    const objs = await render('manifests/rook-ceph');
    const cc = objs.find((o) => o.kind === 'CephCluster');
    expect(cc.apiVersion).toBe('ceph.rook.io/v1');
    expect(cc.spec.storage).toEqual({ useAllNodes: true, useAllDevices: false, devices: [{ name: '/dev/sda2' }] });
    // CRDs are not in the Kubernetes schema; its metadata still must be a valid ObjectMeta.
    const { ObjectMeta } = (await import('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta')) as any;
    new ObjectMeta(cc.metadata).validate();
  });
});
