// delete --delete-data: it says the database stays (naming it and its server) in the confirmation and
// the result, and it refuses while any other pod, a Job's included, has the volume mounted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { NS, applyObjects, clusterWithNamespace, getJson, kc, objectNames, odoo } from './helpers.js';
import { waitFor } from '../harness/waitFor.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;
const small = ['--storage', '1Gi', '--ingress', 'none'];

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
});
afterAll(async () => cluster?.stop());

describe('delete --delete-data', { timeout: 120_000 }, () => {
  it('names the database it keeps, in the confirmation and in the result', async () => {
    expect((await run(['create', 'd1', '--customer', '1', ...small])).code).toBe(0);
    const r = await run(['delete', 'd1', '--delete-data'], 'd1\nodoo-instance-d1\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      '--delete-data: PVC odoo-instance-d1 and ALL DATA of d1 will be gone for good. The database d1 on postgres:5432 is NOT deleted (it lives on the database server, not on the volume); --drop-database drops it too. Type "odoo-instance-d1" to confirm:',
    );
    expect(r.stdout).toBe('instance/d1 deleted; database d1 on postgres:5432 kept on the database server (drop it with --drop-database)\n');
  });

  it('--dry-run lists the database with the objects', async () => {
    expect((await run(['create', 'd2', '--customer', '1', ...small])).code).toBe(0);
    const r = await run(['delete', 'd2', '--delete-data', '--drop-database', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('database d2 on postgres:5432 dropped after a final backup (dry run)');
    const kept = await run(['delete', 'd2', '--delete-data', '--dry-run', '-o', 'json']);
    expect(JSON.parse(kept.stdout).database).toEqual({ name: 'd2', description: 'database d2 on postgres:5432', dropped: false });
    expect(await objectNames(cluster)).toContain('deployment.apps/d2');
  });

  it.each([
    [['--drop-database'], 'error: --drop-database needs --delete-data: a kept volume without its database could not bring the instance back'],
    [['--delete-data', '--no-backup'], 'error: --no-backup only applies to --drop-database (delete takes no backup otherwise)'],
  ])('%j is refused with exit 2 and changes nothing', async (flags, message) => {
    const before = await objectNames(cluster);
    const r = await run(['delete', 'd2', '--yes', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(await objectNames(cluster)).toEqual(before);
  });

  it('refuses while a Job\'s pod has the volume mounted, naming the pod, and deletes nothing', async () => {
    await applyObjects(cluster, [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'odoo-restore-d2-x1', namespace: NS },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: { 'kubectl-odoo.io/job': 'odoo-restore-d2-x1' } },
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'restore', image: 'odoo:17', command: ['/bin/sh', '-c', 'sleep 60'] }],
              volumes: [{ name: 'instance-data', persistentVolumeClaim: { claimName: 'odoo-instance-d2' } }],
            },
          },
        },
      },
    ]);
    const pod = await waitFor('the Job pod to run', () => cluster.store.list('pods', NS).find((p: any) => p.metadata.labels?.['kubectl-odoo.io/job'] === 'odoo-restore-d2-x1' && p.status?.phase === 'Running'));
    const before = await objectNames(cluster);
    const r = await run(['delete', 'd2', '--delete-data', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`error: PVC odoo-instance-d2 is mounted by Pod ${pod.metadata.name} of Job odoo-restore-d2-x1; refusing to delete data in use, nothing was deleted`);
    expect(await objectNames(cluster)).toEqual(before);
    expect((await kc(cluster)(['-n', NS, 'delete', 'job', 'odoo-restore-d2-x1', '--wait=true'])).code).toBe(0);
    await waitFor('the Job pod to be gone', () => !cluster.store.list('pods', NS).some((p: any) => p.metadata.labels?.['kubectl-odoo.io/job'] === 'odoo-restore-d2-x1'), 60_000);
    const again = await run(['delete', 'd2', '--delete-data', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('instance/d2 deleted; database d2 on postgres:5432 kept on the database server (drop it with --drop-database)\n');
  });

  it('a kept volume remembers its database, so deleting it later still names it', async () => {
    expect((await run(['create', 'd3', '--customer', '1', ...small])).code).toBe(0);
    expect((await run(['delete', 'd3', '--yes'])).code).toBe(0);
    // Later, as people delete a kept volume: once the deleted instance's pod has stopped mounting it.
    await waitFor('the pod of d3 to be gone', () => !cluster.store.list('pods', NS).some((p: any) => p.metadata.name.startsWith('d3-')), 60_000);
    const pvc = await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-d3']);
    expect(pvc.metadata.annotations['kubectl-odoo.io/kept-database']).toBe('database d3 on postgres:5432');
    const drop = await run(['delete', 'd3', '--delete-data', '--drop-database', '--yes']);
    expect(drop.code).toBe(1);
    expect(drop.stderr.split('\n')[0]).toBe('error: --drop-database: instance d3 has no Deployment, so there are no credentials to drop database d3 on postgres:5432 with; nothing was deleted');
    const r = await run(['delete', 'd3', '--delete-data'], 'odoo-instance-d3\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('The database d3 on postgres:5432 is NOT deleted (it lives on the database server, not on the volume); drop it on its server by hand if it is no longer needed.');
    expect(r.stdout).toBe('persistentvolumeclaim/odoo-instance-d3 deleted (the volume kept from deleted instance d3); database d3 on postgres:5432 kept on the database server (drop it there by hand if it is no longer needed)\n');
  });

  it('bringing the instance back on its kept volume forgets the note', async () => {
    expect((await run(['create', 'd4', '--customer', '1', ...small])).code).toBe(0);
    expect((await run(['delete', 'd4', '--yes'])).code).toBe(0);
    expect((await run(['create', 'd4', '--customer', '1', '--reuse-volume', '--ingress', 'none'])).code).toBe(0);
    const pvc = await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-d4']);
    expect(pvc.metadata.annotations?.['kubectl-odoo.io/kept-database']).toBeUndefined();
    expect(pvc.metadata.annotations?.['kubectl-odoo.io/kept-after-delete']).toBeUndefined();
  });
});
