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

describe('manifests/', () => {
  it('renders with kustomize and every object validates against the Kubernetes API schema', async () => {
    const objs = await render('manifests');
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole/kubectl-odoo-operator',
        'ClusterRole/odoo-node-agent',
        'ClusterRoleBinding/kubectl-odoo-operator',
        'ClusterRoleBinding/odoo-node-agent',
        'ConfigMap/odoo-node-agent-config',
        'DaemonSet/odoo-node-agent',
        'Namespace/kubectl-odoo',
        'Namespace/saasodoo',
        'PersistentVolumeClaim/odoo-backups-pvc',
        'Role/kubectl-odoo-operator',
        'Role/kubectl-odoo-operator',
        'Role/odoo-node-agent',
        'RoleBinding/kubectl-odoo-operator',
        'RoleBinding/kubectl-odoo-operator',
        'RoleBinding/odoo-node-agent',
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
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'odoo-node-agent-config');
    expect(cm.data['config.yaml']).toMatch(/wipe: \{enabled: false\}/);
    expect(cm.data['config.yaml']).toMatch(/host: 127\.0\.0\.1/);
  });

  it('gives the agent only what it needs', async () => {
    const objs = await render('manifests');
    const role = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'odoo-node-agent');
    expect(role.metadata.namespace).toBe('kubectl-odoo');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'update', 'patch'] }]);
    const cluster = objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'odoo-node-agent');
    const verbs = new Set(cluster.rules.flatMap((r: any) => r.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list']);
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
