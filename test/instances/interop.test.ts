// Instances the platform's instance-service created (either label scheme, its names and PVCs) are
// listed, inspected and operated like the plugin's own, and delete never touches what is not theirs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { NS, applyObjects, clusterWithNamespace, getJson, kc, objectNames, odoo, platformInstanceV1, platformInstanceV2 } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;
let k: ReturnType<typeof kc>;
const V1 = { db: 'initech', id: '9f8e7d6c5b4a39281706f5e4d3c2b1a0', subdomain: 'initech' };
const V2 = { db: 'globex', id: '1a2b3c4d-0000-4000-a000-000000000042', customer: '77', displayName: 'globex-erp' };
const v1Name = 'odoo-initech-9f8e7d6c';
const v2Name = 'odoo-globex-1a2b3c4d';

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  k = kc(cluster);
  await applyObjects(cluster, [...platformInstanceV1(V1), ...platformInstanceV2(V2)]);
  expect((await run(['create', 'acme', '--customer', '42', '--ingress', 'ingressroute', '--wait', '--timeout', '60s'])).code).toBe(0);
  for (const n of [v1Name, v2Name]) expect((await k(['-n', NS, 'rollout', 'status', `deployment/${n}`, '--timeout=60s'])).code).toBe(0);
});
afterAll(async () => cluster?.stop());

describe('platform instances next to plugin instances', { timeout: 180_000 }, () => {
  it('list shows all three with the same columns', async () => {
    const rows = JSON.parse((await run(['list', '-o', 'json'])).stdout);
    const byName = Object.fromEntries(rows.map((r: any) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(['acme', v2Name, v1Name]);
    expect(byName[v1Name]).toMatchObject({ instanceId: '9f8e7d6c', database: 'initech', status: 'running', ready: '1/1', url: 'http://initech.saasodoo.com', labelScheme: 'instance-id' });
    expect(byName[v1Name].storage).toMatchObject({ pvc: `odoo-instance-${V1.id}`, requested: '10Gi', phase: 'Bound' });
    expect(byName[v2Name]).toMatchObject({ instanceId: V2.id, customerId: '77', instanceName: 'globex-erp', status: 'running', url: 'http://globex.saasodoo.local', labelScheme: 'saasodoo.io' });
    expect(byName[v2Name].storage).toMatchObject({ pvc: `odoo-instance-${V2.id.replace(/-/g, '')}`, requested: '20Gi' });
    expect(byName.acme).toMatchObject({ customerId: '42', url: 'http://acme.saasodoo.local', labelScheme: 'kubectl-odoo' });
    const table = await run(['list', '--sort', 'storage']);
    expect(table.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual([v2Name, 'acme', v1Name]);
    expect((await run(['list', '--customer', '77', '-o', 'name'])).stdout).toBe(`instance/${v2Name}\n`);
  });

  it('the platform recognises the plugin\'s instance by its own selector', async () => {
    const platformSelector = await k(['-n', NS, 'get', 'deployments', '-l', 'managed-by=saasodoo,app=odoo', '-o', 'name']);
    expect(platformSelector.stdout).toContain('deployment.apps/acme');
    const podsById = await k(['-n', NS, 'get', 'pods', '-l', 'instance-id=acme', '-o', 'name']);
    expect(podsById.stdout).toMatch(/^pod\/acme-/);
  });

  it('status resolves an instance id, the platform instance-name and the PVC name', async () => {
    for (const ref of ['9f8e7d6c', V1.id, v1Name, `odoo-instance-${V1.id}`]) {
      const r = JSON.parse((await run(['status', ref, '-o', 'json'])).stdout);
      expect(r.instance.name).toBe(v1Name);
      expect(r.network).toMatchObject({ ingressKind: 'IngressRoute', ingress: v1Name, url: 'http://initech.saasodoo.com' });
      expect(r.instance.database).toMatchObject({ name: 'initech', password: 'secret odoo-db-credentials/password' });
    }
    const r2 = JSON.parse((await run(['status', V2.id, '-o', 'json'])).stdout);
    expect(r2.instance).toMatchObject({ name: v2Name, instanceName: 'globex-erp', dataMountPath: '/bitnami/odoo' });
    const ambiguous = await run(['status', 'odoo-initec-9f8e7d6c']);
    expect(ambiguous.stderr).toBe(`error: instance "odoo-initec-9f8e7d6c" not found in namespace saasodoo\ndid you mean ${v1Name}?\n`);
  });

  it('stop/start work on a platform instance by its id', async () => {
    expect((await run(['stop', V2.id, '--wait', '--timeout', '80s'])).stdout).toBe(`instance/${v2Name} stopped\n`);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', v2Name])).spec.replicas).toBe(0);
    expect((await run(['start', V2.id, '--wait', '--timeout', '80s'])).stdout).toBe(`instance/${v2Name} started\n`);
  });

  it('delete removes only what it recognises as the instance\'s own and keeps the PVC', async () => {
    // A Service with the instance's name that selects other pods, and an Ingress routing elsewhere: not the instance's.
    await k(['-n', NS, 'delete', 'service', v1Name]);
    await applyObjects(cluster, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: v1Name, namespace: NS }, spec: { selector: { app: 'something-else' }, ports: [{ port: 80 }] } },
    ]);
    const r = await run(['delete', v1Name, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`instance/${v1Name} deleted (volume kept: PVC odoo-instance-${V1.id}; delete it with --delete-data)\n`);
    const left = await objectNames(cluster);
    expect(left).toContain(`service/${v1Name}`);
    expect(left).toContain(`persistentvolumeclaim/odoo-instance-${V1.id}`);
    expect(left).not.toContain(`deployment.apps/${v1Name}`);
    expect(left).not.toContain(`ingressroute.traefik.io/${v1Name}`);
  });

  it('delete --delete-data refuses a PVC shared with another workload', async () => {
    const shared = `odoo-instance-${V2.id.replace(/-/g, '')}`;
    await applyObjects(cluster, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'backup-browser', namespace: NS },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'backup-browser' } },
          template: { metadata: { labels: { app: 'backup-browser' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: shared } }] } },
        },
      },
    ]);
    const r = await run(['delete', v2Name, '--yes', '--delete-data']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: PVC ${shared} is also mounted by backup-browser; refusing to delete shared data\n`);
    expect(await objectNames(cluster)).toContain(`deployment.apps/${v2Name}`);
  });
});
