// The test cluster through the real kubectl binary: discovery, CRUD, errors with the real messages,
// selectors, paging, watch, dry-run, the three patch types, scale and rollouts, garbage collection,
// finalizers, PVC binding and resize rules, and the simulated pod failures.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from './index.js';
import { kubectl as runKubectl, KUBECTL } from '../harness/plugin.js';
import { eventually } from './testing.js';

let cluster: TestCluster;
const k = (args: string[], stdin?: string) => runKubectl(args, { kubeconfig: cluster.kubeconfigPath, stdin });

function manifest(name: string, text: string): string {
  const p = join(cluster.dataDir, `${name}.yaml`);
  writeFileSync(p, text);
  return p;
}

const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop, labels: {app: ${name}}}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: odoo
        image: bitnamilegacy/odoo:17
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
${extra}`;

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false });
  await k(['create', 'namespace', 'shop']);
});
afterAll(async () => cluster?.stop());

describe('kubectl against the test cluster', () => {
  it('discovers the API and lists across namespaces', async () => {
    const r = await k(['get', 'ns,pods,pvc', '-A']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/namespace\/kube-system\s+Active/);
    const res = await k(['api-resources', '--no-headers']);
    expect(res.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(res.stdout).toMatch(/^ingressroutes\s+traefik\.io\/v1alpha1\s+true\s+IngressRoute$/m);
    expect((await k(['get', 'nodes', '--no-headers'])).stdout.trim().split('\n')).toHaveLength(3);
  });

  it('creates from a file, and a second create fails with AlreadyExists', async () => {
    const f = manifest('dup', deployment('dup'));
    expect((await k(['create', '-f', f])).stdout).toBe('deployment.apps/dup created\n');
    const again = await k(['create', '-f', f]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Error from server (AlreadyExists): error when creating "${f}": deployments.apps "dup" already exists`);
  });

  it('rejects a bad name with the DNS-1123 message (422 Invalid)', async () => {
    const r = await k(['create', 'configmap', 'Bad_Name', '-n', 'shop']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of');
  });

  it('validates fields on the server as kubectl asks: Strict refuses unknown fields (400), --validate=warn warns, --validate=false ignores', async () => {
    const cm = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: fields}
bogus: 1
data: {a: "1"}
`;
    await k(['create', 'namespace', 'fields']);
    const strict = await k(['create', '-f', '-'], cm('strict'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toBe('Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"\n');
    const warned = await k(['create', '--validate=warn', '-f', '-'], cm('warned'));
    expect(warned.stdout).toBe('configmap/warned created\n');
    expect(warned.stderr).toBe('Warning: unknown field "bogus"\n');
    const ignored = await k(['create', '--validate=false', '-f', '-'], cm('ignored'));
    expect(ignored.stderr).toBe('');
    expect(cluster.store.get('configmaps', 'fields', 'ignored')).not.toHaveProperty('bogus');
    expect(cluster.store.get('configmaps', 'fields', 'strict')).toBeUndefined();
    // kubectl patch names no fieldValidation: the server's default, Warn, applies to the patched object.
    const patched = await k(['patch', 'cm', 'warned', '-n', 'fields', '--type=merge', '-p', '{"datta":{"b":"2"}}']);
    expect(patched.stdout).toBe('configmap/warned patched (no change)\n');
    expect(patched.stderr).toBe('Warning: unknown field "datta"\n');
    expect(cluster.store.get('configmaps', 'fields', 'warned').data).toEqual({ a: '1' });
  });

  it('decodes before it validates: a malformed quantity is a 400, not a 422', async () => {
    const r = await k(['create', '-f', '-'], `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: Bad_Name, namespace: shop}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10GB}}}
`);
    expect(r.stderr).toBe(
      "Error from server (BadRequest): error when creating \"STDIN\": PersistentVolumeClaim in version \"v1\" cannot be handled as a PersistentVolumeClaim: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n",
    );
  });

  it('reports NotFound as the real server does', async () => {
    const r = await k(['get', 'pod', 'nope', '-n', 'shop']);
    expect(r.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });

  it('applies, then apply again changes only what the file changes', async () => {
    const f = manifest('applied', deployment('applied'));
    expect((await k(['apply', '-f', f])).stdout).toBe('deployment.apps/applied created\n');
    writeFileSync(f, deployment('applied').replace('value: "2"', 'value: "3"'));
    expect((await k(['apply', '-f', f])).stdout).toBe('deployment.apps/applied configured\n');
    const env = JSON.parse((await k(['get', 'deploy', 'applied', '-n', 'shop', '-o', 'jsonpath={.spec.template.spec.containers[0].env}'])).stdout);
    expect(env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
    ]);
    expect((await k(['get', 'deploy', 'applied', '-n', 'shop', '-o', 'jsonpath={.metadata.generation}'])).stdout).toBe('2');
  });

  it('filters with label and field selectors', async () => {
    for (const [n, tier] of [['c1', 'web'], ['c2', 'db'], ['c3', '']] as const) {
      await k(['create', 'configmap', n, '-n', 'shop', '--from-literal=x=1']);
      if (tier) await k(['label', 'configmap', n, '-n', 'shop', `tier=${tier}`]);
    }
    const names = async (args: string[]) => (await k(['get', 'cm', '-n', 'shop', '-o', 'name', ...args])).stdout.trim().split('\n').filter(Boolean);
    expect(await names(['-l', 'tier=web'])).toEqual(['configmap/c1']);
    expect(await names(['-l', 'tier==db'])).toEqual(['configmap/c2']);
    expect(await names(['-l', 'tier in (web,db)'])).toEqual(['configmap/c1', 'configmap/c2']);
    expect(await names(['-l', 'tier notin (web),tier'])).toEqual(['configmap/c2']);
    expect(await names(['-l', '!tier', '--field-selector', 'metadata.name!=kube-root-ca.crt'])).toEqual(['configmap/c3']);
    expect(await names(['-l', 'tier!=web', '--field-selector', 'metadata.name=c2'])).toEqual(['configmap/c2']);
    const bad = await k(['get', 'cm', '-n', 'shop', '--field-selector', 'spec.foo=1']);
    expect(bad.stderr).toContain('field label not supported: spec.foo');
  });

  it('pages with --chunk-size', async () => {
    cluster.faults.clear();
    const r = await k(['get', 'cm', '-n', 'shop', '--chunk-size=2', '-o', 'name']);
    expect(r.stdout.trim().split('\n')).toEqual(['configmap/c1', 'configmap/c2', 'configmap/c3', 'configmap/kube-root-ca.crt']);
    const pages = cluster.faults.requestLog.filter((e) => e.path === '/api/v1/namespaces/shop/configmaps');
    expect(pages.map((p) => new URLSearchParams(p.query).has('continue'))).toEqual([false, true]);
  });

  it('watches changes with get -w', async () => {
    const child = spawn(KUBECTL, ['get', 'cm', '-n', 'shop', '-w', '-o', 'name', '--kubeconfig', cluster.kubeconfigPath]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await eventually(() => out.includes('configmap/c1'), 'the initial list');
      await k(['create', 'configmap', 'watched', '-n', 'shop']);
      await eventually(() => out.includes('configmap/watched'), 'the watch event');
    } finally {
      child.kill();
    }
  });

  it('dry-run=server validates and returns the object without storing it', async () => {
    const r = await k(['create', 'deployment', 'dry', '-n', 'shop', '--image=nginx', '--dry-run=server', '-o', 'jsonpath={.metadata.name} {.spec.template.spec.containers[0].terminationMessagePath}']);
    expect(r.stdout).toBe('dry /dev/termination-log');
    expect((await k(['get', 'deploy', 'dry', '-n', 'shop'])).stderr).toContain('deployments.apps "dry" not found');
    const del = await k(['delete', 'deploy', 'dup', '-n', 'shop', '--dry-run=server']);
    expect(del.stdout).toContain('deployment.apps "dup" deleted (server dry run)');
    expect(cluster.store.get('deployments', 'shop', 'dup')).toBeDefined();
  });

  it('patches with strategic merge (lists merged by name), merge and JSON patch', async () => {
    await k(['create', '-f', manifest('patched', deployment('patched'))]);
    await k(['patch', 'deploy', 'patched', '-n', 'shop', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"odoo","env":[{"name":"B","value":"9"}]}]}}}}']);
    let c = cluster.store.get('deployments', 'shop', 'patched').spec.template.spec.containers;
    expect(c[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '9' },
    ]);
    await k(['patch', 'deploy', 'patched', '-n', 'shop', '--type=merge', '-p', '{"metadata":{"labels":{"extra":"yes"}}}']);
    await k(['patch', 'deploy', 'patched', '-n', 'shop', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"bitnamilegacy/odoo:18"}]']);
    const d = cluster.store.get('deployments', 'shop', 'patched');
    expect(d.metadata.labels).toEqual({ app: 'patched', extra: 'yes' });
    c = d.spec.template.spec.containers;
    expect(c[0].image).toBe('bitnamilegacy/odoo:18');
    const failed = await k(['patch', 'deploy', 'patched', '-n', 'shop', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":5}]']);
    expect(failed.code).toBe(1);
  });

  it('scales, restarts into a new ReplicaSet with Recreate, and scale to 0 deletes the pods', async () => {
    await k(['create', '-f', manifest('web', deployment('web'))]);
    expect((await k(['rollout', 'status', 'deploy/web', '-n', 'shop', '--timeout=20s'])).stdout).toContain('successfully rolled out');
    await k(['scale', 'deploy', 'web', '-n', 'shop', '--replicas=2']);
    await eventually(async () => (await k(['get', 'deploy', 'web', '-n', 'shop', '--no-headers'])).stdout.includes('2/2'), '2/2 ready');
    const before = (await k(['get', 'rs', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).stdout.trim();
    await k(['rollout', 'restart', 'deploy/web', '-n', 'shop']);
    expect((await k(['rollout', 'status', 'deploy/web', '-n', 'shop', '--timeout=20s'])).code).toBe(0);
    const rs = (await k(['get', 'rs', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).stdout.trim().split('\n');
    expect(rs).toHaveLength(2);
    expect(rs).toContain(before);
    // Recreate: every pod now belongs to the new ReplicaSet.
    const pods = cluster.store.list('pods', 'shop', 'app=web');
    expect(pods).toHaveLength(2);
    expect(new Set(pods.map((p) => p.metadata.labels['pod-template-hash'])).size).toBe(1);
    await k(['scale', 'deploy', 'web', '-n', 'shop', '--replicas=0']);
    await eventually(() => cluster.store.list('pods', 'shop', 'app=web').length === 0, 'pods deleted');
    expect((await k(['get', 'deploy', 'web', '-n', 'shop', '--no-headers'])).stdout).toMatch(/^web\s+0\/0\s+0\s+0\s/);
  });

  it('deleting a Deployment garbage-collects its ReplicaSets and pods', async () => {
    await k(['create', '-f', manifest('gc', deployment('gc'))]);
    await eventually(() => cluster.store.list('pods', 'shop', 'app=gc').length === 1, 'a pod');
    expect((await k(['delete', 'deploy', 'gc', '-n', 'shop'])).stdout).toBe('deployment.apps "gc" deleted\n');
    await eventually(() => cluster.store.list('replicasets', 'shop', 'app=gc').length === 0 && cluster.store.list('pods', 'shop', 'app=gc').length === 0, 'dependents gone');
  });

  it('a finalizer holds an object in deletion until it is removed', async () => {
    await k(['create', 'configmap', 'held', '-n', 'shop']);
    await k(['patch', 'cm', 'held', '-n', 'shop', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
    expect((await k(['delete', 'cm', 'held', '-n', 'shop', '--wait=false'])).code).toBe(0);
    const held = JSON.parse((await k(['get', 'cm', 'held', '-n', 'shop', '-o', 'json'])).stdout);
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    await k(['patch', 'cm', 'held', '-n', 'shop', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    expect((await k(['get', 'cm', 'held', '-n', 'shop'])).stderr).toContain('configmaps "held" not found');
  });

  it('binds a PVC, refuses to shrink it (422) and to grow it without allowVolumeExpansion (403)', async () => {
    const pvc = (name: string, size: string, sc: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: shop}
spec: {accessModes: [ReadWriteOnce], storageClassName: ${sc}, resources: {requests: {storage: ${size}}}}
`;
    await k(['apply', '-f', '-'], `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fixed}
provisioner: rook-ceph.cephfs.csi.ceph.com
allowVolumeExpansion: false
`);
    await k(['apply', '-f', '-'], pvc('data', '10Gi', 'rook-cephfs') + '---\n' + pvc('fixed-data', '10Gi', 'fixed'));
    await eventually(async () => (await k(['get', 'pvc', '-n', 'shop', '--no-headers'])).stdout.match(/Bound/g)?.length === 2, 'both bound');
    const shrink = await k(['patch', 'pvc', 'data', '-n', 'shop', '-p', '{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}']);
    expect(shrink.stderr).toContain('PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value');
    const grow = await k(['patch', 'pvc', 'fixed-data', '-n', 'shop', '-p', '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}']);
    expect(grow.stderr).toContain(
      'Error from server (Forbidden): persistentvolumeclaims "fixed-data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
    expect((await k(['patch', 'pvc', 'data', '-n', 'shop', '-p', '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'])).code).toBe(0);
    await eventually(async () => (await k(['get', 'pvc', 'data', '-n', 'shop', '-o', 'jsonpath={.status.capacity.storage}'])).stdout === '20Gi', 'capacity 20Gi');
  });

  it('binds a pre-bound PV and PVC statically; refuses to grow a claim without a StorageClass (403); a class mismatch stays Pending with VolumeMismatch', async () => {
    const pv = (name: string, claimRef = '', cls = '""') => `apiVersion: v1
kind: PersistentVolume
metadata: {name: ${name}}
spec: {capacity: {storage: 5Gi}, accessModes: [ReadWriteOnce], storageClassName: ${cls}, hostPath: {path: /srv/${name}}${claimRef}}
`;
    const claim = (name: string, volume: string, cls = '""') => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: shop}
spec: {accessModes: [ReadWriteOnce], storageClassName: ${cls}, volumeName: ${volume}, resources: {requests: {storage: 2Gi}}}
`;
    await k(['apply', '-f', '-'], pv('static-pv', ', claimRef: {namespace: shop, name: static-claim}') + '---\n' + claim('static-claim', 'static-pv'));
    await eventually(async () => /^static-claim\s+Bound\s+static-pv\s+5Gi\s+RWO\s/.test((await k(['get', 'pvc', 'static-claim', '-n', 'shop', '--no-headers'])).stdout), 'the claim Bound');
    expect((await k(['get', 'pv', 'static-pv', '--no-headers'])).stdout).toMatch(/^static-pv\s+5Gi\s+RWO\s+Retain\s+Bound\s+shop\/static-claim\s/);
    const ref = JSON.parse((await k(['get', 'pv', 'static-pv', '-o', 'jsonpath={.spec.claimRef}'])).stdout);
    expect(ref.uid).toBe(cluster.store.get('persistentvolumeclaims', 'shop', 'static-claim').metadata.uid);
    const grow = await k(['patch', 'pvc', 'static-claim', '-n', 'shop', '-p', '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}']);
    expect(grow.stderr).toContain(
      'Error from server (Forbidden): persistentvolumeclaims "static-claim" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
    await k(['apply', '-f', '-'], pv('loose-pv') + '---\n' + claim('wrong-class', 'loose-pv', 'rook-cephfs'));
    const ev = await eventually(
      async () => (await k(['get', 'events', '-n', 'shop', '--field-selector', 'involvedObject.name=wrong-class,reason=VolumeMismatch', '--no-headers'])).stdout,
      'the VolumeMismatch event',
    );
    expect(ev).toMatch(/Warning\s+VolumeMismatch\s+persistentvolumeclaim\/wrong-class\s+Cannot bind to requested volume "loose-pv": storageClassName does not match/);
    expect((await k(['get', 'pvc', 'wrong-class', '-n', 'shop', '-o', 'jsonpath={.status.phase}'])).stdout).toBe('Pending');
    expect((await k(['get', 'pv', 'loose-pv', '-o', 'jsonpath={.status.phase}'])).stdout).toBe('Available');
  });

  it('leaves a PVC of a missing StorageClass Pending with ProvisioningFailed', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: orphan, namespace: shop}
spec: {accessModes: [ReadWriteOnce], storageClassName: cephfs-quota, resources: {requests: {storage: 1Gi}}}
`);
    const ev = await eventually(
      async () => (await k(['get', 'events', '-n', 'shop', '--field-selector', 'involvedObject.name=orphan,reason=ProvisioningFailed', '--no-headers'])).stdout,
      'the event',
    );
    expect(ev).toMatch(/Warning\s+ProvisioningFailed\s+persistentvolumeclaim\/orphan\s+storageclass\.storage\.k8s\.io "cephfs-quota" not found/);
    expect((await k(['get', 'pvc', 'orphan', '-n', 'shop', '-o', 'jsonpath={.status.phase}'])).stdout).toBe('Pending');
  });

  it('shows injected pod failures as kubectl get pods does on a real cluster', async () => {
    const crash = deployment('crash').replace('    metadata: {labels: {app: crash}}', '    metadata: {labels: {app: crash}, annotations: {test.kubectl-odoo.io/simulate: CrashLoopBackOff}}');
    const pull = deployment('pull').replace('bitnamilegacy/odoo:17', 'bitnamilegacy/odoo:does-not-exist');
    const big = deployment('big').replace('        env:', '        resources: {requests: {cpu: "64"}}\n        env:');
    await k(['apply', '-f', '-'], [crash, pull, big].join('---\n'));
    await eventually(async () => /CrashLoopBackOff\s+[1-9]/.test((await k(['get', 'pods', '-n', 'shop', '-l', 'app=crash', '--no-headers'])).stdout), 'CrashLoopBackOff');
    await eventually(async () => /(ErrImagePull|ImagePullBackOff)/.test((await k(['get', 'pods', '-n', 'shop', '-l', 'app=pull', '--no-headers'])).stdout), 'ErrImagePull');
    const ev = await eventually(async () => (await k(['get', 'events', '-n', 'shop', '--field-selector', 'reason=FailedScheduling', '--no-headers'])).stdout, 'FailedScheduling');
    expect(ev).toContain('0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.');
  });

  it('serves coordination.k8s.io/v1 Leases: Holder column, validation, optimistic concurrency, microsecond times', async () => {
    expect((await k(['api-resources', '--no-headers'])).stdout).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    expect((await k(['get', 'leases', '-n', 'kube-node-lease', '-o', 'name'])).stdout).toBe('lease.coordination.k8s.io/node-1\nlease.coordination.k8s.io/node-2\nlease.coordination.k8s.io/node-3\n');
    const lease = (holder: string, time = '2026-01-02T03:04:05.123456Z', duration = 60) => `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lock-acme, namespace: shop}
spec: {holderIdentity: ${holder}, leaseDurationSeconds: ${duration}, acquireTime: "${time}"}
`;
    expect((await k(['create', '-f', '-'], lease('backup-1'))).stdout).toBe('lease.coordination.k8s.io/lock-acme created\n');
    expect((await k(['get', 'lease', 'lock-acme', '-n', 'shop'])).stdout).toMatch(/^NAME\s+HOLDER\s+AGE\nlock-acme\s+backup-1\s+\d+s\n$/);
    const stored = JSON.parse((await k(['get', 'lease', 'lock-acme', '-n', 'shop', '-o', 'json'])).stdout);
    expect(stored.spec.acquireTime).toBe('2026-01-02T03:04:05.123456Z');
    // A second holder that read the Lease before the first one changed it loses.
    await k(['patch', 'lease', 'lock-acme', '-n', 'shop', '--type=merge', '-p', '{"spec":{"holderIdentity":"backup-2"}}']);
    const stale = await k(['replace', '-f', '-'], JSON.stringify({ ...stored, spec: { ...stored.spec, holderIdentity: 'restore-1' } }));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on leases.coordination.k8s.io "lock-acme": the object has been modified; please apply your changes to the latest version and try again',
    );
    const zero = await k(['create', '-f', '-'], lease('x', undefined, 0).replace('lock-acme', 'zero'));
    expect(zero.stderr).toContain('The Lease "zero" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
    // MicroTime has exactly six fractional digits: a millisecond timestamp does not decode.
    const millis = await k(['create', '-f', '-'], lease('x', '2026-01-02T03:04:05.123Z').replace('lock-acme', 'millis'));
    expect(millis.stderr).toContain(
      'Error from server (BadRequest): error when creating "STDIN": Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:05.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"',
    );
    expect((await k(['get', 'leases', '-n', 'shop', '-o', 'name'])).stdout).toBe('lease.coordination.k8s.io/lock-acme\n');
  });

  it('deleting a namespace deletes what it holds', async () => {
    await k(['create', 'namespace', 'gone']);
    await k(['create', 'configmap', 'x', '-n', 'gone']);
    expect((await k(['delete', 'namespace', 'gone', '--timeout=20s'])).code).toBe(0);
    expect(cluster.store.list('configmaps', 'gone')).toEqual([]);
    expect(cluster.store.get('namespaces', undefined, 'gone')).toBeUndefined();
  });
});
