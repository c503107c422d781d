// Failures during create roll back; an interrupted create resumes; 429/5xx/connection resets on every
// kind of call leave neither duplicates nor half instances; list makes a constant number of calls.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { NS, applyObjects, clusterWithNamespace, getJson, objectNames, odoo, platformInstanceV2 } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;

/** A small deterministic PRNG so fault fractions hit the same requests run after run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
});
beforeEach(() => cluster.faults.clear());
afterAll(async () => cluster?.stop());

describe('create is all-or-nothing', () => {
  it('removes what it created when a later step fails', async () => {
    cluster.faults.error(403, { method: 'POST', path: `/apis/apps/v1/namespaces/${NS}/deployments` });
    const r = await run(['create', 'acme', '--customer', '42']);
    cluster.faults.clear();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^PersistentVolumeClaim\/odoo-instance-acme created\nService\/acme created\nIngress\/acme created\nIngress\/acme removed\nService\/acme removed\nPersistentVolumeClaim\/odoo-instance-acme removed\n/);
    expect(r.stderr).toMatch(/error: creating instance acme failed: .*; the 3 object\(s\) this run created were removed\n$/);
    expect(await objectNames(cluster)).toEqual([]);
    expect((await run(['list', '-o', 'name'])).stdout).toBe('');
  });

  it('a run that was interrupted is resumed by running create again', async () => {
    // What an interrupted run leaves: the PVC and the Service, labelled as the instance's.
    const planned = JSON.parse((await run(['create', 'resumed', '--customer', '5', '--dry-run=client', '-o', 'json'])).stdout).items;
    await applyObjects(cluster, planned.slice(0, 2));
    const r = await run(['create', 'resumed', '--customer', '5']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      [
        'PersistentVolumeClaim/odoo-instance-resumed exists from an earlier run; reusing it',
        'Service/resumed exists from an earlier run; reusing it',
        'Ingress/resumed created',
        'Deployment/resumed created',
        '',
      ].join('\n'),
    );
    expect((await objectNames(cluster)).filter((n) => n.includes('resumed'))).toHaveLength(4);
  });

  it('refuses, before creating anything, when a name is taken by an object that is not the instance\'s', async () => {
    await applyObjects(cluster, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'taken', namespace: NS }, spec: { selector: { app: 'other' }, ports: [{ port: 80 }] } }]);
    const r = await run(['create', 'taken', '--customer', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: Service/taken already exists in namespace saasodoo and does not belong to instance taken; nothing was created\n');
    expect((await objectNames(cluster)).filter((n) => n.includes('taken'))).toEqual(['service/taken']);
  });
});

describe('API faults on every call', { timeout: 180_000 }, () => {
  it('429, 500, 503 and connection resets leave exactly the intended objects', async () => {
    cluster.faults.random = seeded(7);
    cluster.faults.error(429, { fraction: 0.12, retryAfterSeconds: 0 });
    cluster.faults.error(500, { fraction: 0.08, watch: false });
    cluster.faults.error(503, { fraction: 0.05, watch: false });
    cluster.faults.reset({ fraction: 0.08, watch: false });
    const names = ['f1', 'f2', 'f3'];
    for (const n of names) {
      const r = await run(['create', n, '--customer', '9', '--ingress', 'ingressroute']);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
    }
    expect((await run(['stop', 'f2'])).code).toBe(0);
    expect((await run(['resize', 'f3', '--storage', '20Gi'])).code).toBe(0);
    expect((await run(['set-resources', 'f1', '--memory', '3Gi'])).code).toBe(0);
    expect((await run(['delete', 'f1', '--yes'])).code).toBe(0);
    const list = await run(['list', '-o', 'json']);
    expect(list.code).toBe(0);
    const hits = cluster.faults.requestLog.filter((e) => e.status === 0 || (e.status ?? 0) >= 429).length;
    cluster.faults.clear();
    expect(hits).toBeGreaterThan(0);

    const rows = JSON.parse(list.stdout).filter((r: any) => names.includes(r.name));
    expect(rows.map((r: any) => r.name).sort()).toEqual(['f2', 'f3']);
    const objects = (await objectNames(cluster)).filter((n) => /\/(odoo-instance-)?f\d$/.test(n));
    expect(objects).toEqual([
      'deployment.apps/f2',
      'deployment.apps/f3',
      'ingressroute.traefik.io/f2',
      'ingressroute.traefik.io/f3',
      'persistentvolumeclaim/odoo-instance-f1',
      'persistentvolumeclaim/odoo-instance-f2',
      'persistentvolumeclaim/odoo-instance-f3',
      'service/f2',
      'service/f3',
    ]);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'f2'])).spec.replicas).toBe(0);
    expect((await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-f3'])).spec.resources.requests.storage).toBe('20Gi');
  });
});

describe('list at scale', () => {
  it('makes the same small number of API calls for 3 or 40 more instances', async () => {
    const callsFor = async () => {
      cluster.faults.clear();
      const r = await run(['list', '-A', '-o', 'json']);
      expect(r.code).toBe(0);
      const gets = cluster.faults.requestLog.filter((e) => e.method === 'GET' && !e.path.startsWith('/api?') && e.path !== '/api' && e.path !== '/apis' && !e.path.startsWith('/version'));
      return { rows: JSON.parse(r.stdout).length, calls: gets.length };
    };
    const add = async (from: number, n: number) => {
      const objs = [];
      for (let i = from; i < from + n; i++) objs.push(...platformInstanceV2({ db: `db${i}`, id: `${String(i).padStart(8, '0')}-0000-4000-a000-000000000000`, customer: String(i % 5), displayName: `shop-${i}` }));
      await applyObjects(cluster, objs);
    };
    await add(0, 3);
    const small = await callsFor();
    await add(3, 40);
    const large = await callsFor();
    expect(large.rows - small.rows).toBe(40);
    expect(large.calls).toBe(small.calls);
    // Deployments, pods, PVCs, Ingresses, IngressRoutes: one paged list each.
    expect(large.calls).toBe(5);
  });
});
