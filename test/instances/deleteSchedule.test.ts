// delete NAME takes the instance's backup schedule with it: a CronJob left behind would go on firing
// against an instance that no longer exists. The confirmation and --dry-run name it; the backups the
// schedule made stay (the backups volume is not touched).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlAll } from '../../lib/yaml.js';
import { ROOT } from '../harness/plugin.js';
import { NS, applyObjects, clusterWithNamespace, odoo } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;
const small = ['--storage', '1Gi', '--ingress', 'none'];
const cronJobs = () => cluster.store.list('cronjobs', NS).filter((c: any) => !c.metadata.deletionTimestamp).map((c: any) => c.metadata.name).sort();

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  await applyObjects(cluster, [
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'odoo-backups-pvc', namespace: NS }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } } } },
  ]);
  // Whoever sets up schedules holds the scheduler's ClusterRole (README: Access control).
  const role = parseYamlAll(readFileSync(join(ROOT, 'manifests', 'backup-scheduler-rbac.yaml'), 'utf8')).find((o: any) => o?.kind === 'ClusterRole');
  cluster.store.create('clusterroles', role);
  cluster.store.create('rolebindings', {
    metadata: { name: 'kubectl-odoo-backup-scheduler', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubectl-odoo-backup-scheduler' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'kubectl-odoo-operators' }],
  });
  for (const name of ['s1', 's2']) {
    expect((await run(['create', name, '--customer', '1', ...small])).code).toBe(0);
    const r = await run(['backup', 'schedule', name, '--every', 'daily', '--window', '01:00-05:00']);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => cluster?.stop());

describe('delete and the backup schedule', { timeout: 120_000 }, () => {
  it('--dry-run lists the schedule with the objects and deletes nothing', async () => {
    const r = await run(['delete', 's1', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('cronjob/odoo-backup-s1 deleted (dry run)');
    expect(r.stdout).toContain('deployment/s1 deleted (dry run)');
    const json = JSON.parse((await run(['delete', 's1', '--dry-run', '-o', 'json'])).stdout);
    expect(json.backupSchedule).toEqual({ cronJob: 'odoo-backup-s1', deleted: false, backupsKept: true });
    expect(cronJobs()).toEqual(['odoo-backup-s1', 'odoo-backup-s2']);
  });

  it('asks with the schedule named, removes it with the instance and says so; the other instance\'s stays', async () => {
    const r = await run(['delete', 's1'], 's1\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('This deletes instance s1 in namespace saasodoo: CronJob odoo-backup-s1, Deployment s1');
    expect(r.stdout).toBe('instance/s1 deleted (volume kept: PVC odoo-instance-s1; delete it with --delete-data); backup schedule cronjob/odoo-backup-s1 removed (its backups are kept)\n');
    expect(cronJobs()).toEqual(['odoo-backup-s2']);
    expect(cluster.store.get('persistentvolumeclaims', NS, 'odoo-backups-pvc')).toBeTruthy();
    const left = await run(['backup', 'schedule', 'list', '-o', 'name']);
    expect(left.stdout).toBe('cronjob.batch/odoo-backup-s2\n');
  });

  it('an instance without a schedule is deleted as before', async () => {
    expect((await run(['create', 's3', '--customer', '1', ...small])).code).toBe(0);
    const r = await run(['delete', 's3', '--yes', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).backupSchedule).toBeUndefined();
    expect(cronJobs()).toEqual(['odoo-backup-s2']);
  });
});
