// The "Last backup" line of status against the test cluster: a set finished by a backup Job whose plugin
// was killed (nobody recorded it) shows, in the same form as a recorded one, and stays known after the
// Job is gone; a name status refuses records nothing; a restore's safety backup never becomes the last
// backup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { applyObjects, clusterWithNamespace, getJson, kc, NS, odoo } from '../instances/helpers.js';
import { waitFor } from '../harness/waitFor.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  expect((await run(['create', 'acme', '--customer', '42', '--storage', '1Gi', '--ingress', 'none'])).code).toBe(0);
});
afterAll(async () => cluster?.stop());

/** A backup Job as backup creates it, whose script only prints what a finished backup prints. */
function backupJob(ts: string, reason?: string): any {
  const name = `odoo-backup-acme-${ts.toLowerCase()}`;
  const labels = { 'app.kubernetes.io/managed-by': 'kubectl-odoo', 'app.kubernetes.io/component': 'backup', 'kubectl-odoo.io/operation': 'backup', 'kubectl-odoo.io/instance': 'acme', 'kubectl-odoo.io/backup-set': ts.toLowerCase() };
  const base = { format: 'kubectl-odoo.backup/v1', timestamp: ts, instance: 'acme', ...(reason ? { reason } : {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...labels, 'kubectl-odoo.io/job': name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'backup',
              image: 'odoo:17',
              command: ['/bin/sh', '-c', 'printf "PHASE database\\nSIZE 4096\\nDONE %s/%s\\n" "$SET_PARENT" "$SET_NAME"'],
              env: [
                { name: 'SET_PARENT', value: 'active/42/acme' },
                { name: 'SET_NAME', value: ts },
                { name: 'MANIFEST_BASE', value: JSON.stringify(base) },
              ],
            },
          ],
        },
      },
    },
  };
}

const finished = (name: string) => async () => ((await getJson(cluster, ['-n', NS, 'get', 'job', name])).status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True');
const lastBackupLine = async () => {
  const r = await run(['status', 'acme']);
  expect(r.code).toBe(0);
  return /Last backup:\s+(.*)/.exec(r.stdout)![1];
};

describe('status: last backup', { timeout: 120_000 }, () => {
  it('shows a set an orphaned Job finished, records it, and keeps it once the Job is gone', async () => {
    expect(await lastBackupLine()).toBe('none');
    const ts = '20250116T100000Z';
    await applyObjects(cluster, [backupJob(ts)]);
    await waitFor('the orphaned backup Job to finish', finished(`odoo-backup-acme-${ts.toLowerCase()}`));
    const fromJob = await lastBackupLine();
    expect(fromJob).toMatch(/^active\/42\/acme\/20250116T100000Z, \S+ ago \(complete\)$/);
    const recorded = JSON.parse((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).metadata.annotations['kubectl-odoo.io/last-backup']);
    expect(recorded).toEqual({ path: `active/42/acme/${ts}`, takenAt: '2025-01-16T10:00:00.000Z', bytes: 4096 });
    // The Job's TTL removes it: the set is still the last backup, told the same way.
    expect((await kc(cluster)(['-n', NS, 'delete', 'job', `odoo-backup-acme-${ts.toLowerCase()}`, '--wait=true'])).code).toBe(0);
    expect(await lastBackupLine()).toBe(fromJob);
    const json = JSON.parse((await run(['status', 'acme', '-o', 'json'])).stdout);
    expect(json.instance.lastBackup).toMatchObject({ name: `active/42/acme/${ts}`, state: 'complete', size: '4Ki' });
  });

  it('a name status refuses as ambiguous records nothing on either instance', async () => {
    const before = (await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).metadata.annotations['kubectl-odoo.io/last-backup'];
    const ts = '20250118T100000Z';
    await applyObjects(cluster, [backupJob(ts)]);
    await waitFor('the orphaned backup Job to finish', finished(`odoo-backup-acme-${ts.toLowerCase()}`));
    expect((await run(['create', 'beta', '--customer', '43', '--storage', '1Gi', '--ingress', 'none'])).code).toBe(0);
    // beta now also answers to "acme" (its platform instance-name).
    expect((await kc(cluster)(['-n', NS, 'label', 'deployment', 'beta', 'saasodoo.io/instance-name=acme', '--overwrite'])).code).toBe(0);
    const r = await run(['status', 'acme']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"acme" is ambiguous');
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).metadata.annotations['kubectl-odoo.io/last-backup']).toBe(before);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'beta'])).metadata.annotations?.['kubectl-odoo.io/last-backup']).toBeUndefined();
    // Once the name is acme's alone again, status records the set.
    expect((await kc(cluster)(['-n', NS, 'label', 'deployment', 'beta', 'saasodoo.io/instance-name=beta', '--overwrite'])).code).toBe(0);
    expect(await lastBackupLine()).toMatch(/^active\/42\/acme\/20250118T100000Z, \S+ ago \(complete\)$/);
    expect(JSON.parse((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).metadata.annotations['kubectl-odoo.io/last-backup']).path).toBe(`active/42/acme/${ts}`);
  });

  it('a safety backup taken before a restore is not the last backup', async () => {
    const before = await lastBackupLine();
    const ts = '20250117T100000Z';
    await applyObjects(cluster, [backupJob(ts, 'safety-before-restore')]);
    await waitFor('the safety backup Job to finish', finished(`odoo-backup-acme-${ts.toLowerCase()}`));
    expect(await lastBackupLine()).toBe(before);
    expect(JSON.parse((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).metadata.annotations['kubectl-odoo.io/last-backup']).path).not.toContain(ts);
  });
});
