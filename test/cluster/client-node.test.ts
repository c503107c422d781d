// The test cluster through @kubernetes/client-node (CoreV1Api/AppsV1Api with the generated
// kubeconfig) and through the plugin's KubeClient: optimistic concurrency, paging, watch with
// resourceVersion, bookmarks and 410 Gone, propagation policies, status and scale subresources,
// dry-run, client-certificate auth, fault injection and request counting, and seeded instances.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from './index.js';
import { seedInstances } from './seed.js';
import { eventually } from './testing.js';
import { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { loadKubeconfig } from '../../lib/kube/kubeconfig.js';
import { buildConnection } from '../../lib/kube/connection.js';
import { ApiError } from '../../lib/kube/errors.js';

let cluster: TestCluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
const NS = 'tenants';

/** The API's Status body from a client-node error. */
function statusOf(e: unknown): any {
  const body = (e as { body?: unknown }).body;
  return typeof body === 'string' ? JSON.parse(body) : body;
}

async function failure(p: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code: number }).code, status: statusOf(e) };
  }
  throw new Error('expected the request to fail');
}

/** A request with the cluster's admin token, outside any client library. */
async function rawRequest(https: typeof import('node:https'), method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ code: number; body: any; headers: import('node:http').IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${cluster.url}${path}`, { method, headers: { Authorization: `Bearer ${cluster.token}`, 'Content-Type': contentType }, rejectUnauthorized: false }, (r) => {
      let text = '';
      r.on('data', (d) => (text += d));
      r.on('end', () => resolve({ code: r.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: r.headers }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

function kubeClient(retry = { maxAttempts: 4, baseDelayMs: 1 }): KubeClient {
  const conn = buildConnection(loadKubeconfig({ kubeconfig: cluster.kubeconfigPath, env: {} }));
  return new KubeClient(conn, { retry, sleep: async () => {} });
}

const deployment = (name: string, replicas = 1): k8s.V1Deployment => ({
  metadata: { name, namespace: NS, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    strategy: { type: 'Recreate' },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'odoo', image: 'bitnamilegacy/odoo:17', readinessProbe: { httpGet: { path: '/web/health', port: 8069 as any }, initialDelaySeconds: 30 } }] },
    },
  },
});

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});
afterAll(async () => cluster?.stop());

describe('client-node against the test cluster', () => {
  it('assigns uid, resourceVersion, creationTimestamp; AlreadyExists and NotFound carry the real Status', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'settings' }, data: { a: '1' } } });
    expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(cm.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(cm.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const dup = await failure(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'settings' } } }));
    expect(dup.code).toBe(409);
    expect(dup.status).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', message: 'configmaps "settings" already exists', details: { name: 'settings', kind: 'configmaps' } });
    const missing = await failure(core.readNamespacedPod({ namespace: NS, name: 'x' }));
    expect(missing.status).toMatchObject({ code: 404, reason: 'NotFound', message: 'pods "x" not found' });
    const bad = await failure(apps.createNamespacedDeployment({ namespace: NS, body: deployment('Bad.Name-') }));
    expect(bad.code).toBe(422);
    expect(bad.status.reason).toBe('Invalid');
    expect(bad.status.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
  });

  it('rejects an update from a stale resourceVersion with 409 Conflict', async () => {
    const first = await core.readNamespacedConfigMap({ namespace: NS, name: 'settings' });
    await core.replaceNamespacedConfigMap({ namespace: NS, name: 'settings', body: { ...first, data: { a: '2' } } });
    const stale = await failure(core.replaceNamespacedConfigMap({ namespace: NS, name: 'settings', body: { ...first, data: { a: '3' } } }));
    expect(stale.code).toBe(409);
    expect(stale.status.message).toBe('Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again');
    expect(stale.status.reason).toBe('Conflict');
  });

  it('bumps generation on spec changes only, and serves status and scale subresources', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('gen') });
    const d1 = await apps.readNamespacedDeployment({ namespace: NS, name: 'gen' });
    expect(d1.metadata?.generation).toBe(1);
    await apps.patchNamespacedDeployment({ namespace: NS, name: 'gen', body: { metadata: { labels: { app: 'gen', x: 'y' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect((await apps.readNamespacedDeployment({ namespace: NS, name: 'gen' })).metadata?.generation).toBe(1);
    await apps.replaceNamespacedDeploymentScale({ namespace: NS, name: 'gen', body: { metadata: { name: 'gen', namespace: NS }, spec: { replicas: 2 } } });
    const scale = await apps.readNamespacedDeploymentScale({ namespace: NS, name: 'gen' });
    expect(scale.spec?.replicas).toBe(2);
    expect((await apps.readNamespacedDeployment({ namespace: NS, name: 'gen' })).metadata?.generation).toBe(2);
    const ready = await eventually(async () => {
      const d = await apps.readNamespacedDeploymentStatus({ namespace: NS, name: 'gen' });
      return d.status?.readyReplicas === 2 && d.status.observedGeneration === 2 ? d : undefined;
    }, 'two ready replicas');
    expect(ready!.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Available=True/MinimumReplicasAvailable', 'Progressing=True/NewReplicaSetAvailable']);
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=gen', fieldSelector: 'status.phase=Running' });
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every((p) => p.spec?.nodeName && p.metadata?.labels?.['pod-template-hash'])).toBe(true);
    // A PUT of the main resource ignores status; the status subresource ignores everything else.
    const cur = await apps.readNamespacedDeployment({ namespace: NS, name: 'gen' });
    const put = await apps.replaceNamespacedDeployment({ namespace: NS, name: 'gen', body: { ...cur, status: { replicas: 99 } } });
    expect(put.status?.replicas).toBe(2);
  });

  it('dryRun=All validates and returns the object but stores nothing', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'dry' } }, dryRun: 'All' });
    expect(created.metadata?.name).toBe('dry');
    expect(cluster.store.get('configmaps', NS, 'dry')).toBeUndefined();
    await core.patchNamespacedConfigMap({ namespace: NS, name: 'settings', body: { data: { dry: 'run' } }, dryRun: 'All' }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect(cluster.store.get('configmaps', NS, 'settings').data.dry).toBeUndefined();
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'settings', dryRun: 'All' });
    expect(cluster.store.get('configmaps', NS, 'settings')).toBeDefined();
  });

  it('pages with limit/continue and expires a continue token older than the history', async () => {
    for (let i = 0; i < 5; i++) await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: `s${i}` }, stringData: { k: String(i) } } });
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedSecret({ namespace: NS, limit: 2, _continue: cont });
      names.push(...page.items.map((s) => s.metadata!.name!));
      cont = page.metadata?._continue;
      pages++;
      if (pages === 1) expect(page.metadata?.remainingItemCount).toBe(3);
    } while (cont);
    expect(names).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(pages).toBe(3);
    const first = await core.listNamespacedSecret({ namespace: NS, limit: 2 });
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'later' } } });
    cluster.store.compact();
    const expired = await failure(core.listNamespacedSecret({ namespace: NS, limit: 2, _continue: first.metadata?._continue }));
    expect(expired.code).toBe(410);
    expect(expired.status.reason).toBe('Expired');
    expect(expired.status.message).toMatch(/^The provided continue parameter is too old/);
  });

  it('watches from a resourceVersion, sends bookmarks, and answers 410 Gone for a compacted one', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const rv = list.metadata!.resourceVersion!;
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'after-list' } } });
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctl = await watch.watch(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: rv, allowWatchBookmarks: true }, (type, obj) => seen.push(`${type} ${obj.metadata?.name ?? ''}`), () => {});
    try {
      // The change made between the list and the watch arrives: nothing is lost.
      await eventually(() => seen.includes('ADDED after-list'), 'the ADDED event');
      await core.deleteNamespacedConfigMap({ namespace: NS, name: 'after-list' });
      await eventually(() => seen.includes('DELETED after-list'), 'the DELETED event');
      await eventually(() => seen.some((s) => s.startsWith('BOOKMARK')), 'a bookmark', 3000);
    } finally {
      ctl.abort();
    }
    cluster.store.compact();
    const client = kubeClient();
    const gone = client.watch(RESOURCES.configmaps, { namespace: NS, resourceVersion: rv });
    await expect(gone.next()).rejects.toMatchObject({ status: 410 });
    client.close();
  });

  it('ends a watch after timeoutSeconds', async () => {
    const client = kubeClient();
    const started = Date.now();
    const events: string[] = [];
    for await (const ev of client.watch(RESOURCES.namespaces, { timeoutSeconds: 1, allowWatchBookmarks: false })) events.push(ev.type);
    expect(events.every((t) => t === 'ADDED')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    client.close();
  });

  it('propagates deletion: background removes dependents, orphan keeps them, foreground waits for them', async () => {
    const mk = async (name: string) => {
      await apps.createNamespacedDeployment({ namespace: NS, body: deployment(name) });
      await eventually(() => cluster.store.list('pods', NS, `app=${name}`).length === 1, `${name} pod`);
    };
    await mk('bg');
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'bg', propagationPolicy: 'Background' });
    await eventually(() => cluster.store.list('replicasets', NS, 'app=bg').length + cluster.store.list('pods', NS, 'app=bg').length === 0, 'bg dependents gone');

    await mk('orph');
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'orph', propagationPolicy: 'Orphan' });
    await eventually(() => !cluster.store.get('deployments', NS, 'orph'), 'orph deployment gone');
    const rs = cluster.store.list('replicasets', NS, 'app=orph');
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences).toBeUndefined();

    await mk('fg');
    const before = Number(cluster.store.resourceVersion);
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'fg', propagationPolicy: 'Foreground' });
    await eventually(() => !cluster.store.get('deployments', NS, 'fg'), 'fg deployment gone');
    // The history shows the order: the Deployment held by foregroundDeletion, its pod gone, then it.
    const deps = cluster.store.changesSince('deployments', before).filter((c) => c.snap.obj.metadata.name === 'fg');
    const held = deps.find((c) => c.snap.obj.metadata.deletionTimestamp)!;
    expect(held.type).toBe('MODIFIED');
    expect(held.snap.obj.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(held.rv).toBeLessThan(podGoneRv());
    function podGoneRv(): number {
      return cluster.store.changesSince('pods', before).find((c) => c.type === 'DELETED' && c.snap.obj.metadata.labels.app === 'fg')!.rv;
    }
    expect(podGoneRv()).toBeLessThan(deps.at(-1)!.rv);
    expect(deps.at(-1)!.type).toBe('DELETED');
  });

  it('serves Leases through CoordinationV1Api: create, watch, 409 on a stale resourceVersion, 422 and 400 with the real messages', async () => {
    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    const seen: string[] = [];
    const ctl = await new k8s.Watch(kc).watch(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, {}, (type, obj) => seen.push(`${type} ${obj.spec?.holderIdentity}`), () => {});
    try {
      const created = await coord.createNamespacedLease({
        namespace: NS,
        body: { metadata: { name: 'lock-acme' }, spec: { holderIdentity: 'backup-1', leaseDurationSeconds: 30, acquireTime: new k8s.V1MicroTime('2026-01-02T03:04:05.678Z') } },
      });
      expect(cluster.store.get('leases', NS, 'lock-acme').spec.acquireTime).toBe('2026-01-02T03:04:05.678000Z');
      const taken = await coord.replaceNamespacedLease({ namespace: NS, name: 'lock-acme', body: { ...created, spec: { ...created.spec, holderIdentity: 'backup-2' } } });
      expect(Number(taken.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
      const stale = await failure(coord.replaceNamespacedLease({ namespace: NS, name: 'lock-acme', body: { ...created, spec: { ...created.spec, holderIdentity: 'restore-1' } } }));
      expect(stale.code).toBe(409);
      expect(stale.status).toMatchObject({ reason: 'Conflict', message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "lock-acme": the object has been modified; please apply your changes to the latest version and try again' });
      await eventually(() => seen.join(',') === 'ADDED backup-1,MODIFIED backup-2', 'the watch events');
    } finally {
      ctl.abort();
    }
    const bad = await failure(coord.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: -1, leaseTransitions: -2 } } }));
    expect(bad.code).toBe(422);
    expect(bad.status.message).toBe(
      'Lease.coordination.k8s.io "bad" is invalid: [spec.leaseDurationSeconds: Invalid value: -1: must be greater than 0, spec.leaseTransitions: Invalid value: -2: must be greater than or equal to 0]',
    );
    // A plain Date is sent with milliseconds, which a MicroTime field does not accept.
    const https = await import('node:https');
    const { code, body } = await rawRequest(https, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, { metadata: { name: 'millis' }, spec: { renewTime: '2026-01-02T03:04:05.678Z' } });
    expect(code).toBe(400);
    expect(body).toMatchObject({ reason: 'BadRequest', message: 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"' });
  });

  it('binds a claim to the Available PV it names, and the PV to the claim; grows only claims of an expandable class', async () => {
    await core.createPersistentVolume({ body: { metadata: { name: 'manual-pv' }, spec: { capacity: { storage: '8Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/srv/manual' } } } });
    await eventually(async () => (await core.readPersistentVolume({ name: 'manual-pv' })).status?.phase === 'Available', 'the PV Available');
    await core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: { metadata: { name: 'manual' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: 'manual-pv', resources: { requests: { storage: '1Gi' } } } },
    });
    const bound = await eventually(async () => {
      const c = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'manual' });
      return c.status?.phase === 'Bound' ? c : undefined;
    }, 'the claim Bound');
    expect(bound!.status?.capacity).toEqual({ storage: '8Gi' });
    expect(bound!.metadata?.annotations).toEqual({ 'pv.kubernetes.io/bind-completed': 'yes' });
    const pv = await core.readPersistentVolume({ name: 'manual-pv' });
    expect(pv.status?.phase).toBe('Bound');
    expect(pv.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: NS, name: 'manual', uid: bound!.metadata?.uid });
    expect(pv.metadata?.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    const grow = await failure(
      core.patchNamespacedPersistentVolumeClaim({ namespace: NS, name: 'manual', body: { spec: { resources: { requests: { storage: '2Gi' } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)),
    );
    expect(grow.code).toBe(403);
    expect(grow.status).toMatchObject({ reason: 'Forbidden', message: 'persistentvolumeclaims "manual" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize' });
    await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: { metadata: { name: 'dynamic' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '1Gi' } } } } });
    await eventually(async () => (await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'dynamic' })).status?.phase === 'Bound', 'the dynamic claim Bound');
    await core.patchNamespacedPersistentVolumeClaim({ namespace: NS, name: 'dynamic', body: { spec: { resources: { requests: { storage: '2Gi' } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await eventually(async () => (await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: 'dynamic' })).status?.capacity?.storage === '2Gi', 'the claim grown');
  });

  it('leaves a claim Pending with the PV controller\'s event: VolumeMismatch for a PV of another class, ProvisioningFailed for a missing class', async () => {
    await core.createPersistentVolume({ body: { metadata: { name: 'other-class-pv' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/srv/other' } } } });
    await core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: { metadata: { name: 'wrong-class' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', volumeName: 'other-class-pv', resources: { requests: { storage: '1Gi' } } } },
    });
    await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: { metadata: { name: 'no-class' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'cephfs-quota', resources: { requests: { storage: '1Gi' } } } } });
    const eventOf = (name: string, reason: string) =>
      eventually(async () => (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${name},reason=${reason}` })).items[0], `the ${reason} event`);
    const mismatch = await eventOf('wrong-class', 'VolumeMismatch');
    expect([mismatch!.type, mismatch!.message]).toEqual(['Warning', 'Cannot bind to requested volume "other-class-pv": storageClassName does not match']);
    const missing = await eventOf('no-class', 'ProvisioningFailed');
    expect([missing!.type, missing!.message]).toEqual(['Warning', 'storageclass.storage.k8s.io "cephfs-quota" not found']);
    for (const name of ['wrong-class', 'no-class']) expect((await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name })).status?.phase).toBe('Pending');
    expect((await core.readPersistentVolume({ name: 'other-class-pv' })).status?.phase).toBe('Available');
  });

  it('decodes bodies before validating them and follows fieldValidation (Strict, Warn, Ignore, default Warn)', async () => {
    const https = await import('node:https');
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    const body = '{"metadata":{"name":"fv","name":"fv-strict"},"bogus":1,"data":{"a":"1"}}';
    const strict = await rawRequest(https, 'POST', `${path}?fieldValidation=Strict`, body);
    expect(strict.code).toBe(400);
    expect(strict.body).toMatchObject({ reason: 'BadRequest', message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", unknown field "bogus"' });
    const byDefault = await rawRequest(https, 'POST', path, body);
    expect(byDefault.code).toBe(201);
    expect(byDefault.headers.warning).toBe('299 - "duplicate field \\"metadata.name\\"", 299 - "unknown field \\"bogus\\""');
    expect(byDefault.body.metadata.name).toBe('fv-strict');
    const ignored = await rawRequest(https, 'PUT', `${path}/fv-strict?fieldValidation=Ignore`, { ...byDefault.body, bogus: 2 });
    expect(ignored.code).toBe(200);
    expect(ignored.headers.warning).toBeUndefined();
    const unsupported = await rawRequest(https, 'POST', `${path}?fieldValidation=strict`, '{"metadata":{"name":"x"}}');
    expect(unsupported.code).toBe(422);
    // A patch is checked on the patched object: the 422 of patch.go under Strict.
    const patch = await rawRequest(https, 'PATCH', `${path}/fv-strict?fieldValidation=Strict`, '{"datta":{"b":"2"}}', 'application/merge-patch+json');
    expect(patch.code).toBe(422);
    expect(patch.body.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "datta"$/);
    // A malformed quantity is a decoding error (400), not a validation error (422), even with an invalid name.
    const pvc = await failure(
      core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: { metadata: { name: 'Bad_Name' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10 Gi' } } } } }),
    );
    expect(pvc.code).toBe(400);
    expect(pvc.status.message).toBe(
      "PersistentVolumeClaim in version \"v1\" cannot be handled as a PersistentVolumeClaim: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });

  it('authenticates with the client certificate, and rejects a wrong token', async () => {
    const cert = new k8s.KubeConfig();
    cert.loadFromFile(cluster.kubeconfigPath);
    cert.setCurrentContext('test-cluster-cert');
    const ns = await cert.makeApiClient(k8s.CoreV1Api).readNamespace({ name: NS });
    expect(ns.status?.phase).toBe('Active');
    expect(cluster.faults.requestLog.at(-1)?.user).toBe('test-admin');
    const https = await import('node:https');
    const code = await new Promise<number>((resolve, reject) =>
      https.get(`${cluster.url}/api/v1/namespaces`, { headers: { Authorization: 'Bearer wrong' }, rejectUnauthorized: false }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      }).on('error', reject),
    );
    expect(code).toBe(401);
  });

  it('injects 503s, 429s with Retry-After and resets; the KubeClient retries through them; requests are counted', async () => {
    const client = kubeClient();
    cluster.faults.clear();
    const unavailable = cluster.faults.error(503, { method: 'GET', path: `/api/v1/namespaces/${NS}/configmaps/settings`, times: 2 });
    expect((await client.get<{ metadata: { name: string } }>(RESOURCES.configmaps, 'settings', NS)).metadata.name).toBe('settings');
    expect(unavailable.hits).toBe(2);
    expect(cluster.faults.count({ method: 'GET', path: `/api/v1/namespaces/${NS}/configmaps/settings` })).toBe(3);

    cluster.faults.add({ status: 429, retryAfterSeconds: 0, path: /\/configmaps$/, method: 'GET', times: 1 });
    cluster.faults.reset({ path: /\/configmaps$/, method: 'GET', times: 1 });
    const listed = await client.list(RESOURCES.configmaps, { namespace: NS });
    expect(listed.items.map((c: any) => c.metadata.name)).toContain('settings');
    const statuses = cluster.faults.requestLog.filter((r) => r.path.endsWith('/configmaps')).map((r) => r.status);
    expect(statuses).toEqual([429, 0, 200]);

    cluster.faults.error(500, { path: /\/secrets\/s0$/ });
    await expect(client.get(RESOURCES.secrets, 's0', NS)).rejects.toMatchObject({ status: 500, retried: true });
    cluster.faults.clear();

    // client-node has no retries of its own: the 429 reaches the caller with its Retry-After.
    cluster.faults.add({ status: 429, retryAfterSeconds: 7, path: /\/secrets$/, times: 1 });
    const throttled = await failure(core.listNamespacedSecret({ namespace: NS }));
    expect(throttled.code).toBe(429);
    expect(throttled.status.details.retryAfterSeconds).toBe(7);
    client.close();
  });

  it('adds latency and drops watches after N events', async () => {
    const client = kubeClient();
    cluster.faults.clear();
    cluster.faults.latency(300, { path: `/api/v1/namespaces/${NS}`, times: 1 });
    const t0 = Date.now();
    await client.get(RESOURCES.namespaces, NS);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    cluster.faults.dropWatches({ path: /\/secrets$/, afterEvents: 2, times: 1 });
    const got: string[] = [];
    for await (const ev of client.watch<{ metadata: { name: string } }>(RESOURCES.secrets, { namespace: NS, allowWatchBookmarks: false })) got.push(ev.object.metadata.name);
    // The stream ended (dropped) after two of the five secrets.
    expect(got).toEqual(['later', 's0']);
    client.close();
  });

  it('seeds instances shaped as the instance-service creates them, listable by label', async () => {
    const seeded = seedInstances(cluster, 200, { states: { stopped: 0.1, crashing: 0.05 } });
    const running = seeded.find((s) => s.state === 'running')!;
    const d = await apps.readNamespacedDeployment({ namespace: 'saasodoo', name: running.deployment });
    expect(d.metadata?.labels).toMatchObject({ app: 'odoo', 'managed-by': 'saasodoo', 'instance-id': running.id, 'saasodoo.io/instance-id': running.id });
    expect(d.spec?.strategy?.type).toBe('Recreate');
    expect(d.spec?.template.spec?.containers[0].readinessProbe?.httpGet?.path).toBe('/web/health');
    expect(d.spec?.template.spec?.volumes?.[0].persistentVolumeClaim?.claimName).toBe(`odoo-instance-${running.id}`);
    expect(d.status?.readyReplicas).toBe(1);
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: 'saasodoo', name: running.pvc });
    expect(pvc.status?.phase).toBe('Bound');
    expect(pvc.spec?.storageClassName).toBe('rook-cephfs');
    const pods = await core.listNamespacedPod({ namespace: 'saasodoo', labelSelector: 'app=odoo' });
    expect(pods.items).toHaveLength(180);
    const crashing = pods.items.filter((p) => p.status?.containerStatuses?.[0].state?.waiting?.reason === 'CrashLoopBackOff');
    expect(crashing).toHaveLength(10);
    const stopped = await apps.listNamespacedDeployment({ namespace: 'saasodoo', labelSelector: 'app=odoo', fieldSelector: 'metadata.name=' + seeded.find((s) => s.state === 'stopped')!.deployment });
    expect(stopped.items[0].spec?.replicas).toBe(0);
  });
});
