// Names resolve exactly (a longer or shorter name never finds another instance), a kept volume is never
// handed to another customer or reused without being asked, and what delete keeps stays visible and
// removable.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { NS, applyObjects, clusterWithNamespace, getJson, kc, objectNames, odoo, platformInstanceV2 } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;
let k: ReturnType<typeof kc>;
const small = ['--storage', '1Gi', '--ingress', 'none'];

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  k = kc(cluster);
});
beforeEach(() => cluster.faults.clear());
afterAll(async () => cluster?.stop());

const pvcOf = (name: string) => getJson(cluster, ['-n', NS, 'get', 'pvc', name]);

describe('names resolve exactly', { timeout: 120_000 }, () => {
  it('a name that merely starts with an instance\'s name finds nothing, and nothing changes', async () => {
    for (const n of ['prod1234', 'shop1234']) expect((await run(['create', n, '--customer', '1', ...small])).code).toBe(0);
    const before = await objectNames(cluster);

    const del = await run(['delete', 'prod1234-old', '--delete-data', '--yes']);
    expect(del.code).toBe(1);
    expect(del.stderr).toBe('error: instance "prod1234-old" not found in namespace saasodoo\ndid you mean prod1234?\n');
    const stop = await run(['stop', 'shop1234-staging']);
    expect(stop.code).toBe(1);
    const status = await run(['status', 'shop12345']);
    expect(status.code).toBe(1);
    expect(status.stderr.split('\n')[0]).toBe('error: instance "shop12345" not found in namespace saasodoo');

    expect(await objectNames(cluster)).toEqual(before);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'shop1234'])).spec.replicas).toBe(1);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'prod1234'])).metadata.deletionTimestamp).toBeUndefined();
  });

  it('an 8-character id prefix works when it is unique and is refused, listing the candidates, when it is not', async () => {
    const a = { db: 'alpha', id: 'abcdef01-0000-4000-a000-000000000001', customer: '5', displayName: 'alpha' };
    const b = { db: 'bravo', id: 'abcdef01-0000-4000-a000-000000000002', customer: '5', displayName: 'bravo' };
    const c = { db: 'charlie', id: 'cafe0123-0000-4000-a000-000000000003', customer: '5', displayName: 'charlie' };
    await applyObjects(cluster, [...platformInstanceV2(a), ...platformInstanceV2(b), ...platformInstanceV2(c)]);
    const before = await objectNames(cluster);

    const ambiguous = await run(['delete', 'abcdef01', '--yes']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr.split('\n')[0]).toBe(
      'error: "abcdef01" is ambiguous in namespace saasodoo: it names 2 instances: odoo-alpha-abcdef01 (id8), odoo-bravo-abcdef01 (id8)',
    );
    expect(await objectNames(cluster)).toEqual(before);

    expect((await run(['stop', 'cafe0123'])).stdout).toBe('instance/odoo-charlie-cafe0123 stopped\n');
    expect((await run(['stop', b.id])).stdout).toBe('instance/odoo-bravo-abcdef01 stopped\n');
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'odoo-alpha-abcdef01'])).spec.replicas).toBe(1);
  });
});

describe('a kept volume', { timeout: 180_000 }, () => {
  it('is never given to another customer, and reused only when asked, at its own size', async () => {
    expect((await run(['create', 'b1', '--customer', 'c2', ...small])).code).toBe(0);
    const deleted = await run(['delete', 'b1', '--yes']);
    expect(deleted.stdout).toBe('instance/b1 deleted (volume kept: PVC odoo-instance-b1; delete it with --delete-data)\n');
    const kept = await pvcOf('odoo-instance-b1');
    expect(kept.metadata.annotations['kubectl-odoo.io/kept-after-delete']).toMatch(/^\d{4}-\d\d-\d\dT/);

    const other = await run(['create', 'b1', '--customer', 'OTHER', '--storage', '5Gi', '--ingress', 'none']);
    expect(other.code).toBe(1);
    expect(other.stderr.split('\n')[0]).toBe(
      'error: PersistentVolumeClaim/odoo-instance-b1 already exists in namespace saasodoo and holds the data of customer c2, not OTHER; one customer\'s volume is never given to another, nothing was created',
    );
    const otherAsked = await run(['create', 'b1', '--customer', 'OTHER', '--reuse-volume', '--ingress', 'none']);
    expect(otherAsked.code).toBe(1);
    expect((await objectNames(cluster)).filter((n) => n.includes('b1'))).toEqual(['persistentvolumeclaim/odoo-instance-b1']);

    const bigger = await run(['create', 'b1', '--customer', 'c2', '--reuse-volume', '--storage', '5Gi', '--ingress', 'none']);
    expect(bigger.code).toBe(1);
    expect(bigger.stderr).toMatch(/^error: PersistentVolumeClaim\/odoo-instance-b1 is the volume kept from deleted instance b1 \(1Gi, .*\), but --storage asks for 5Gi; nothing was created\nleave out --storage to reuse it at 1Gi, then grow it with "kubectl odoo resize b1 --storage 5Gi"\n$/);

    const back = await run(['create', 'b1', '--customer', 'c2', '--reuse-volume', '--ingress', 'none']);
    expect(back.code).toBe(0);
    expect(back.stderr).toContain('PersistentVolumeClaim/odoo-instance-b1: reusing the volume kept from deleted instance b1 (1Gi, customer c2)');
    const after = await pvcOf('odoo-instance-b1');
    expect(after.metadata.uid).toBe(kept.metadata.uid);
    expect(after.metadata.labels['saasodoo.io/customer-id']).toBe('c2');
    const dep = await getJson(cluster, ['-n', NS, 'get', 'deployment', 'b1']);
    expect(dep.metadata.labels['saasodoo.io/customer-id']).toBe('c2');
  });

  it('--reuse-volume without a kept volume creates nothing', async () => {
    const r = await run(['create', 'nothing-kept', '--customer', '1', '--reuse-volume', ...small]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('error: --reuse-volume: there is no kept volume odoo-instance-nothing-kept in namespace saasodoo; nothing was created');
    expect((await objectNames(cluster)).filter((n) => n.includes('nothing-kept'))).toEqual([]);
  });

  it('shows in list, answers status, and is removed by delete --delete-data with its confirmation', async () => {
    expect((await run(['delete', 'b1', '--yes'])).code).toBe(0);

    const table = await run(['list']);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/^b1\t/m);
    expect(table.stderr).toContain('1 volume(s) of deleted instances kept: odoo-instance-b1 1Gi. List them with --include-kept; remove one with "kubectl odoo delete NAME --delete-data".');
    const rows = JSON.parse((await run(['list', '--include-kept', '-o', 'json'])).stdout);
    expect(rows.find((r: any) => r.name === 'b1')).toMatchObject({ status: 'deleted', reason: 'VolumeKept', kept: true, customerId: 'c2', ready: '0/0', storage: { pvc: 'odoo-instance-b1', requested: '1Gi' } });
    // PLATFORM-NAME is there (the platform instances' names differ from their Deployments'), empty for b1.
    expect((await run(['list', '--include-kept'])).stdout).toMatch(/^b1\t\tc2\tdeleted \(volume kept\)\t0\/0\t1Gi\/1Gi\t/m);
    expect((await run(['list', '-o', 'name'])).stdout).not.toContain('b1');

    const status = await run(['status', 'b1']);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^error: instance "b1" not found in namespace saasodoo: it was deleted and only its volume PVC odoo-instance-b1 \(1Gi, customer c2\) is kept since \S+\nremove the volume and its data with "kubectl odoo delete b1 --delete-data", or bring the instance back on it with "kubectl odoo create b1 --customer c2 --reuse-volume"\n$/);

    const noData = await run(['delete', 'b1', '--yes']);
    expect(noData.code).toBe(1);
    expect(noData.stderr).toContain('add --delete-data to remove the volume and its data');

    const declined = await run(['delete', 'b1', '--delete-data'], 'b1\n');
    expect(declined.code).toBe(1);
    const dry = await run(['delete', 'odoo-instance-b1', '--delete-data', '--dry-run']);
    expect(dry.stdout).toBe('persistentvolumeclaim/odoo-instance-b1 deleted (dry run)\ndatabase b1 on postgres:5432 kept (dry run)\n');
    expect((await objectNames(cluster)).filter((n) => n.includes('b1'))).toEqual(['persistentvolumeclaim/odoo-instance-b1']);

    const gone = await run(['delete', 'b1', '--delete-data'], 'odoo-instance-b1\n');
    expect(gone.code).toBe(0);
    expect(gone.stdout).toBe('persistentvolumeclaim/odoo-instance-b1 deleted (the volume kept from deleted instance b1); database b1 on postgres:5432 kept on the database server (drop it there by hand if it is no longer needed)\n');
    expect((await k(['-n', NS, 'wait', '--for=delete', 'pvc/odoo-instance-b1', '--timeout=60s'])).code).toBe(0);
    expect((await run(['list'])).stderr).not.toContain('kept');
  });

  it('is not deleted while another workload mounts it', async () => {
    expect((await run(['create', 'k1', '--customer', '3', ...small])).code).toBe(0);
    expect((await run(['delete', 'k1', '--yes'])).code).toBe(0);
    await applyObjects(cluster, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'file-browser', namespace: NS },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'file-browser' } },
          template: { metadata: { labels: { app: 'file-browser' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'odoo-instance-k1' } }] } },
        },
      },
    ]);
    const r = await run(['delete', 'k1', '--delete-data', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: PVC odoo-instance-k1 is mounted by Deployment file-browser; refusing to delete data in use, nothing was deleted\n');
    expect(await objectNames(cluster)).toContain('persistentvolumeclaim/odoo-instance-k1');
  });
});

describe('a create whose clean-up failed', { timeout: 120_000 }, () => {
  it('names a delete that really removes what is left', async () => {
    cluster.faults.error(403, { method: 'POST', path: `/apis/apps/v1/namespaces/${NS}/deployments` });
    cluster.faults.error(403, { method: 'DELETE', path: `/api/v1/namespaces/${NS}/services/h1` });
    const r = await run(['create', 'h1', '--customer', '8', ...small]);
    cluster.faults.clear();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: creating instance h1 failed: .*; could not remove Service\/h1\nrun the same "kubectl odoo create h1 \.\.\." again to finish it, or remove what is left with "kubectl odoo delete h1"\n$/);
    expect((await objectNames(cluster)).filter((n) => n.includes('h1'))).toEqual(['service/h1']);

    const status = await run(['status', 'h1']);
    expect(status.stderr.split('\n')[0]).toBe('error: instance "h1" has no Deployment in namespace saasodoo; a create that did not finish left Service/h1');
    const del = await run(['delete', 'h1', '--yes']);
    expect(del.code).toBe(0);
    expect(del.stdout).toBe('instance/h1: removed what an unfinished create left: service/h1\n');
    expect((await objectNames(cluster)).filter((n) => n.includes('h1'))).toEqual([]);
  });
});
