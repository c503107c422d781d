// The whole life of a plugin-created instance, through kubectl, against the test cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { kubectlOdoo } from '../harness/plugin.js';
import { NS, clusterWithNamespace, getJson, kc, objectNames, odoo } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;
let k: ReturnType<typeof kc>;

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  k = kc(cluster);
});
afterAll(async () => cluster?.stop());

describe('bad input: one line, exit 2, nothing created', () => {
  it.each([
    [['create', 'Acme', '--customer', '1'], /^error: invalid instance name "Acme"/],
    [['create', 'acme', '--customer', '1', '--storage', '10GB'], /^error: invalid --storage "10GB"/],
    [['create', 'acme', '--customer', '1', '--cpu', 'fast'], /^error: invalid --cpu "fast"/],
    [['create', 'acme', '--customer', '1', '--memory', '2 GB'], /^error: invalid --memory/],
    [['create', 'acme', '--customer', '1', '--image', 'odoo:17', '--odoo-version', '16'], /cannot be used together/],
    [['create', 'acme', '--customer', '1', '--env', 'ODOO_PASSWORD=x'], /never written into the Deployment as literals/],
    [['create', 'acme'], /--customer is required/],
    [['create', 'acme', '--customer', '1', '--storage-class', 'gold'], /--storage-class gold: no such StorageClass \(available: .*rook-cephfs/],
    [['list', '-l', 'app = odoo x'], /^error: invalid -l selector/],
    [['resize', 'acme'], /--storage is required/],
    [['set-resources', 'acme'], /needs --cpu and\/or --memory/],
    [['logs', 'acme', '--tail', '-3'], /invalid --tail/],
  ])('%j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stdout).toBe('');
    expect(await objectNames(cluster)).toEqual([]);
  });
});

describe('the database Secret', () => {
  it('an admin, who may read Secrets, is refused a missing one (exit 2, nothing created)', async () => {
    const r = await kubectlOdoo(['-n', NS, 'create', 'acme', '--customer', '1', '--db-secret', 'nope'], { kubeconfig: cluster.kubeconfigPath, context: null });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/--db-secret nope: no such Secret/);
    expect(await objectNames(cluster)).toEqual([]);
  });
});

describe('an instance from create to delete', { timeout: 180_000 }, () => {
  it('create makes the PVC, Deployment, Service and Ingress, labelled for both platform schemes', async () => {
    const r = await run(['create', 'acme', '--customer', '42', '--storage', '10G', '--cpu', '500m', '--memory', '1Gi', '--env', 'ODOO_EMAIL=admin@acme.test', '--wait', '--timeout', '60s']);
    expect(r.stderr).toMatch(/^PersistentVolumeClaim\/odoo-instance-acme created\nService\/acme created\nIngress\/acme created\nDeployment\/acme created\nwaiting for instance acme to become ready/);
    expect(r.stderr).toMatch(/instance acme is ready\n$/);
    expect(r.stdout).toBe('instance/acme created\n');
    expect(r.code).toBe(0);
    expect(await objectNames(cluster)).toEqual(['deployment.apps/acme', 'ingress.networking.k8s.io/acme', 'persistentvolumeclaim/odoo-instance-acme', 'service/acme']);

    const dep = await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme']);
    expect(dep.metadata.labels).toMatchObject({ app: 'odoo', 'managed-by': 'saasodoo', 'instance-id': 'acme', 'saasodoo.io/instance-id': 'acme', 'saasodoo.io/customer-id': '42', 'saasodoo.io/instance-name': 'acme' });
    expect(dep.spec.strategy.type).toBe('Recreate');
    const c = dep.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/web/health', port: 8069 });
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } });
    expect(c.env.find((e: any) => e.name === 'ODOO_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'odoo-db-credentials', key: 'password' });
    expect(JSON.stringify(dep)).not.toContain('s3cret');
    const pvc = await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-acme']);
    expect(pvc.spec.resources.requests.storage).toBe('10Gi');
    expect(pvc.spec.storageClassName).toBe('rook-cephfs');
    const ing = await getJson(cluster, ['-n', NS, 'get', 'ingress', 'acme']);
    expect(ing.spec.rules[0].host).toBe('acme.saasodoo.local');
  });

  it('create of an existing instance is refused and changes nothing', async () => {
    const before = await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme']);
    const r = await run(['create', 'acme', '--customer', '42', '--cpu', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: instance acme already exists in namespace saasodoo with a 10Gi volume (PVC odoo-instance-acme); nothing was changed: see it with "kubectl odoo status acme"; change it with resize, set-resources or config set');
    const after = await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme']);
    expect([after.metadata.uid, after.metadata.generation]).toEqual([before.metadata.uid, before.metadata.generation]);
  });

  it('--dry-run prints the objects and creates nothing', async () => {
    const client = await run(['create', 'globex', '--customer', '7', '--dry-run=client', '-o', 'json']);
    expect(client.code).toBe(0);
    expect(JSON.parse(client.stdout).items.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual(['PersistentVolumeClaim/odoo-instance-globex', 'Service/globex', 'Ingress/globex', 'Deployment/globex']);
    // As kubectl prints a dry run: one line per object, and the objects the API server checked with -o yaml.
    const server = await run(['create', 'globex', '--customer', '7', '--dry-run=server']);
    expect(server.code).toBe(0);
    expect(server.stdout).toBe('persistentvolumeclaim/odoo-instance-globex created (server dry run)\nservice/globex created (server dry run)\ningress.networking.k8s.io/globex created (server dry run)\ndeployment.apps/globex created (server dry run)\n');
    const yaml = await run(['create', 'globex', '--customer', '7', '--dry-run=server', '-o', 'yaml']);
    expect(yaml.stdout).toContain('kind: Deployment');
    expect(yaml.stdout).toContain('uid:');
    expect((await objectNames(cluster)).filter((n) => n.includes('globex'))).toEqual([]);
  });

  it('list in a namespace that does not exist says so (a typo at 3 a.m.), as the admin who may look', async () => {
    const r = await kubectlOdoo(['list', '-n', 'nosuchns'], { kubeconfig: cluster.kubeconfigPath, context: null });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('No instances found in namespace nosuchns (there is no such namespace).\n');
  });

  it('list shows it with customer, status, ready, storage and URL', async () => {
    const r = await run(['list', '-o', 'json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'acme', namespace: NS, customerId: '42', instanceId: 'acme', status: 'running', ready: '1/1', url: 'http://acme.saasodoo.local', labelScheme: 'kubectl-odoo' });
    expect(rows[0].storage).toMatchObject({ pvc: 'odoo-instance-acme', requested: '10Gi', capacity: '10Gi', storageClass: 'rook-cephfs', phase: 'Bound' });
    const names = await run(['list', '-o', 'name']);
    expect(names.stdout).toBe('instance/acme\n');
    const other = await run(['list', '--customer', '999', '-o', 'name']);
    expect(other.stdout).toBe('');
  });

  it('status answers in sections, and -o json gives the same facts', async () => {
    const r = await run(['status', 'acme']);
    expect(r.code).toBe(0);
    for (const section of ['Instance', 'Storage', 'Network', 'Events']) expect(r.stdout).toMatch(new RegExp(`^${section}$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}PVC: +odoo-instance-acme/m);
    expect(r.stdout).toMatch(/^ {2}Service: +acme\.saasodoo\.svc\.cluster\.local:8069$/m);
    expect(r.stdout).toMatch(/^ {2}URL: +http:\/\/acme\.saasodoo\.local$/m);
    expect(r.stdout).toMatch(/password: secret odoo-db-credentials\/password/);
    const j = JSON.parse((await run(['status', 'acme', '-o', 'json'])).stdout);
    expect(j.instance).toMatchObject({ name: 'acme', customerId: '42', dataMountPath: '/bitnami/odoo', image: 'bitnamilegacy/odoo:17' });
    expect(j.storage).toMatchObject({ pvc: 'odoo-instance-acme', requested: '10Gi', storageClass: 'rook-cephfs', allowVolumeExpansion: true });
    expect(j.network).toMatchObject({ service: 'acme', serviceDns: 'acme.saasodoo.svc.cluster.local', ingressKind: 'Ingress', url: 'http://acme.saasodoo.local' });
  });

  it('unknown names suggest close matches', async () => {
    const r = await run(['status', 'acmee']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: instance "acmee" not found in namespace saasodoo\ndid you mean acme?\n');
  });

  it('stop and start scale 0/1 and follow readiness; start of a running instance is a no-op', async () => {
    const stop = await run(['stop', 'acme', '--wait', '--timeout', '60s']);
    expect(stop.stdout).toBe('instance/acme stopped\n');
    // The result line comes once it is true: after the wait, which reported on stderr.
    expect(stop.stderr).toMatch(/^waiting for instance acme to stop\.\.\.\n/);
    expect(stop.stderr).not.toMatch(/instance acme is stopped/);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).spec.replicas).toBe(0);
    expect((await getJson(cluster, ['-n', NS, 'get', 'pods', '-l', 'saasodoo.io/instance-id=acme'])).items).toEqual([]);
    expect((await run(['stop', 'acme'])).stdout).toBe('instance/acme is already stopped\n');
    const listed = JSON.parse((await run(['list', '-o', 'json'])).stdout);
    expect(listed[0]).toMatchObject({ status: 'stopped', ready: '0/0' });
    const start = await run(['start', 'acme', '--wait', '--timeout', '60s']);
    expect(start.stdout).toBe('instance/acme started\n');
    expect(start.stderr).toMatch(/^waiting for instance acme to become ready\.\.\.\n/);
    expect(JSON.parse((await run(['list', '-o', 'json'])).stdout)[0]).toMatchObject({ status: 'running', ready: '1/1' });
    const again = await run(['start', 'acme']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('instance/acme is already running\n');
  });

  it('restart --wait brings up a new pod', async () => {
    const podsBefore = (await getJson(cluster, ['-n', NS, 'get', 'pods', '-l', 'saasodoo.io/instance-id=acme'])).items.map((p: any) => p.metadata.name);
    const r = await run(['restart', 'acme', '--wait', '--timeout', '60s']);
    expect(r.stdout).toBe('instance/acme restarted\n');
    const pods = (await getJson(cluster, ['-n', NS, 'get', 'pods', '-l', 'saasodoo.io/instance-id=acme'])).items;
    expect(pods).toHaveLength(1);
    expect(podsBefore).not.toContain(pods[0].metadata.name);
    expect(pods[0].status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
  });

  it('restart sets the pod template annotation; set-resources changes requests and limits', async () => {
    const dep = await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme']);
    expect(Date.parse(dep.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'])).toBeGreaterThan(Date.now() - 60_000);
    const r = await run(['set-resources', 'acme', '--cpu', '2', '--memory', '4Gi']);
    expect(r.stdout).toBe('instance/acme resources set: cpu 2, memory 4Gi (was cpu 500m, memory 1Gi)\n');
    const c = (await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
  });

  it('resize refuses to shrink before touching anything', async () => {
    const before = await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-acme']);
    const r = await run(['resize', 'acme', '--storage', '5Gi']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("error: cannot shrink acme's volume from 10Gi to 5Gi: Kubernetes volumes can only grow");
    const after = await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-acme']);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('resize refuses when the StorageClass does not allow expansion', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fixed' }, provisioner: 'rook-ceph.cephfs.csi.ceph.com', allowVolumeExpansion: false }));
    expect((await run(['create', 'fixedsize', '--customer', '9', '--storage-class', 'fixed', '--ingress', 'none'])).code).toBe(0);
    const r = await run(['resize', 'fixedsize', '--storage', '20Gi']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: (StorageClass fixed does not allow volume expansion|PVC odoo-instance-fixedsize is Pending)/);
    expect((await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-fixedsize'])).spec.resources.requests.storage).toBe('10Gi');
    expect((await run(['delete', 'fixedsize', '--yes', '--delete-data'])).code).toBe(0);
  });

  it('completes instance names', async () => {
    const r = await kubectlOdoo(['__complete', 'status', '-n', NS, 'ac'], { kubeconfig: cluster.kubeconfigPath });
    expect(r.stdout.split('\n')[0]).toBe('acme');
  });

  it('delete asks for the name, keeps the volume, and create reuses it', async () => {
    const refused = await run(['delete', 'acme'], 'nope\n');
    expect(refused.code).not.toBe(0);
    expect(await objectNames(cluster)).toContain('deployment.apps/acme');

    const r = await run(['delete', 'acme'], 'acme\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('instance/acme deleted (volume kept: PVC odoo-instance-acme; delete it with --delete-data)\n');
    expect(await objectNames(cluster)).toEqual(['persistentvolumeclaim/odoo-instance-acme']);

    // The kept volume is not picked up silently: create says what exists and how to reuse it.
    const kept = await run(['create', 'acme', '--customer', '42']);
    expect(kept.code).toBe(1);
    expect(kept.stderr).toMatch(/^error: PersistentVolumeClaim\/odoo-instance-acme is the volume kept from deleted instance acme \(10Gi, rook-cephfs, customer 42, kept since \S+\); nothing was created\n/);
    expect(kept.stderr).toContain('reuse its data with "kubectl odoo create acme --customer 42 --reuse-volume"');
    const again = await run(['create', 'acme', '--customer', '42', '--reuse-volume']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('PersistentVolumeClaim/odoo-instance-acme: reusing the volume kept from deleted instance acme (10Gi, customer 42)');
    expect((await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-acme'])).metadata.annotations?.['kubectl-odoo.io/kept-after-delete']).toBeUndefined();

    const onlyYes = await run(['delete', 'acme', '--delete-data'], 'acme\nwrong\n');
    expect(onlyYes.code).not.toBe(0);
    expect(await objectNames(cluster)).toContain('persistentvolumeclaim/odoo-instance-acme');

    const all = await run(['delete', 'acme', '--delete-data'], 'acme\nodoo-instance-acme\n');
    expect(all.code).toBe(0);
    // The PVC goes once the pod that used it is gone (kubernetes.io/pvc-protection).
    expect((await k(['-n', NS, 'wait', '--for=delete', 'pvc/odoo-instance-acme', '--timeout=60s'])).code).toBe(0);
    expect(await objectNames(cluster)).toEqual([]);
  });
});
