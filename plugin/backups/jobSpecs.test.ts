import { describe, expect, it } from 'vitest';
import { backupTargetOf, buildBackupJob, buildListJob, buildRemoveReplacedJob, buildRestoreJob, buildSetOpsJob, buildVerifyJob, type BackupTarget } from './jobSpecs.js';
import { BACKUP_SCRIPT, LIST_SCRIPT, RECOVER_SCRIPT, RESTORE_SCRIPT, SET_OPS_SCRIPT, VERIFY_SCRIPT } from './scripts.js';
import { buildManifestBase } from './manifest.js';
import { JOB_POD_LABEL } from '../../lib/kube/jobs.js';
import { deriveInstanceFacts } from '../instances/facts.js';

const settings = { backupsPvc: 'odoo-backups-pvc', compression: 'auto', deadlineSeconds: 3600 };

function deployment(env: any[]): any {
  return {
    metadata: { name: 'zz-acme-7f3a', namespace: 'saasodoo', labels: { app: 'odoo', 'saasodoo.io/instance-id': '7f3a', 'saasodoo.io/customer-id': 'cust-9' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': '7f3a' } },
      template: {
        metadata: { labels: { app: 'odoo', 'saasodoo.io/instance-id': '7f3a' } },
        spec: {
          containers: [{ name: 'odoo', image: 'bitnami/odoo:17', env, volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }] }],
          volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-instance-7f3a' } }],
        },
      },
    },
  };
}

const secretEnv = [
  { name: 'ODOO_DATABASE_HOST', value: 'pg.db.svc' },
  { name: 'ODOO_DATABASE_PORT_NUMBER', value: '6432' },
  { name: 'ODOO_DATABASE_NAME', value: 'zzdb' },
  { name: 'ODOO_DATABASE_USER', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'username' } } },
  { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'password' } } },
];

function target(env = secretEnv, pods: any[] = []): BackupTarget {
  const d = deployment(env);
  return backupTargetOf({ namespace: 'saasodoo', name: d.metadata.name, deployment: d, pvcName: 'odoo-instance-7f3a', pods, facts: deriveInstanceFacts(d) } as any);
}

const base = (t: BackupTarget) =>
  buildManifestBase({ timestamp: '20250115T103000Z', instance: t.name, namespace: t.namespace, customerId: t.customerId, database: t.database, image: t.image, dataMountPath: t.dataMountPath, consistency: 'live', toolVersion: '0.1.0' });

const env = (job: any) => Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('backup Job', () => {
  const t = target();
  const job = buildBackupJob(t, base(t), settings, { exportOdooZip: false });
  const c = job.spec.template.spec.containers[0];

  it('runs the constant backup script; every value comes in through env', () => {
    expect(c.command).toEqual(['/bin/sh', '-c', BACKUP_SCRIPT]);
    expect(c.args).toBeUndefined();
    for (const s of [BACKUP_SCRIPT, RESTORE_SCRIPT, LIST_SCRIPT, VERIFY_SCRIPT, SET_OPS_SCRIPT]) {
      expect(s).not.toMatch(/zz-acme|zzdb|cust-9|odoo-backups-pvc/);
    }
    expect(env(job)).toMatchObject({
      PGHOST: 'pg.db.svc',
      PGPORT: '6432',
      PGDATABASE: 'zzdb',
      SRC_DIR: '/data',
      BACKUP_ROOT: '/backups',
      SET_PARENT: 'active/cust-9/zz-acme-7f3a',
      SET_NAME: '20250115T103000Z',
      CONSISTENCY: 'live',
    });
    expect(JSON.parse(env(job).MANIFEST_BASE)).toMatchObject({ instance: 'zz-acme-7f3a', database: 'zzdb', image: 'bitnami/odoo:17', dataMountPath: '/bitnami/odoo' });
  });

  it('credentials stay secretKeyRefs: no secret value in the Job', () => {
    expect(env(job).PGUSER).toEqual({ secretKeyRef: { name: 'odoo-db-credentials', key: 'username' } });
    expect(env(job).PGPASSWORD).toEqual({ secretKeyRef: { name: 'odoo-db-credentials', key: 'password' } });
    expect(c.env?.filter((e: any) => /PASSWORD/.test(e.name) && e.value !== undefined)).toEqual([]);
  });

  it('mounts the instance volume read-only and the backups volume read-write; never retries', () => {
    expect(job.spec.template.spec.volumes).toEqual([
      { name: 'instance-data', persistentVolumeClaim: { claimName: 'odoo-instance-7f3a', readOnly: true } },
      { name: 'backups', persistentVolumeClaim: { claimName: 'odoo-backups-pvc', readOnly: false } },
    ]);
    expect(c.volumeMounts).toEqual([
      { name: 'instance-data', mountPath: '/data', readOnly: true },
      { name: 'backups', mountPath: '/backups', readOnly: false },
    ]);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.metadata.labels[JOB_POD_LABEL]).toBe(job.metadata.name);
    expect(job.metadata.labels).toMatchObject({ 'kubectl-odoo.io/operation': 'backup', 'kubectl-odoo.io/instance': 'zz-acme-7f3a', 'kubectl-odoo.io/backup-set': '20250115t103000z' });
  });

  it('runs on the node of the running instance pod (an RWO volume is only mountable there)', () => {
    const t2 = target(secretEnv, [{ status: { phase: 'Running' }, spec: { nodeName: 'node-2' } }]);
    const j = buildBackupJob(t2, base(t2), settings, { exportOdooZip: true });
    expect(j.spec.template.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchExpressions?.[0]).toEqual({
      key: 'kubernetes.io/hostname',
      operator: 'In',
      values: ['node-2'],
    });
    expect(env(j).EXPORT_ODOO_ZIP).toBe('1');
    expect(job.spec.template.spec.affinity).toBeUndefined();
  });

  it.each([
    ['no database host', secretEnv.filter((e) => e.name !== 'ODOO_DATABASE_HOST'), /does not say where its database is/],
    ['no database user', secretEnv.filter((e) => e.name !== 'ODOO_DATABASE_USER'), /which database user/],
  ])('refuses an instance with %s', (_n, e, msg) => {
    expect(() => target(e)).toThrow(msg);
  });

  it("a backup Job schedules and pulls as the instance does: its tolerations, node rules and pull secrets", () => {
    const d = deployment(secretEnv);
    const toleration = { key: 'dedicated', operator: 'Equal', value: 'odoo', effect: 'NoSchedule' };
    const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['odoo'] }] }] } };
    Object.assign(d.spec.template.spec, {
      tolerations: [toleration],
      nodeSelector: { 'node-role/odoo': 'true' },
      imagePullSecrets: [{ name: 'registry-cred' }],
      priorityClassName: 'tenant',
      securityContext: { fsGroup: 1001 },
      affinity: { nodeAffinity, podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'odoo' } } }] } },
    });
    const t = backupTargetOf({ namespace: 'saasodoo', name: d.metadata.name, deployment: d, pvcName: 'p', pods: [], facts: deriveInstanceFacts(d) } as any);
    const spec = buildBackupJob(t, base(t), settings, { exportOdooZip: false }).spec.template.spec;
    expect(spec.tolerations).toEqual([toleration]);
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry-cred' }]);
    expect(spec.nodeSelector).toEqual({ 'node-role/odoo': 'true' });
    expect(spec.priorityClassName).toBe('tenant');
    expect(spec.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0, fsGroup: 1001 });
    // Node rules yes; pod anti-affinity no (it would keep the Job off the instance's own node).
    expect(spec.affinity).toEqual({ nodeAffinity });
    // Pinned to the node of a running instance's RWO volume, with the same tolerations and pull secret.
    const pinned = buildRestoreJob({ ...t, nodeName: 'node-b' }, { setPath: 'active/c/i/20250115T103000Z', sourceDatabase: 'd', scratchDatabase: 's', oldDatabase: 'o', opId: 'x' }, settings).spec.template.spec;
    expect(pinned.tolerations).toEqual([toleration]);
    expect(pinned.imagePullSecrets).toEqual([{ name: 'registry-cred' }]);
    expect(pinned.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchExpressions?.[0].values).toEqual(['node-b']);
  });

  it('instances without a customer label go to active/no-customer/', () => {
    const d = deployment(secretEnv);
    delete d.metadata.labels['saasodoo.io/customer-id'];
    expect(backupTargetOf({ namespace: 'saasodoo', name: d.metadata.name, deployment: d, pvcName: 'p', pods: [], facts: deriveInstanceFacts(d) } as any).customerId).toBe('no-customer');
  });
});

describe('other Jobs', () => {
  const t = target();
  it('restore mounts the instance volume read-write and the backups volume read-only', () => {
    const j = buildRestoreJob(t, { setPath: 'active/c/i/20250115T103000Z', sourceDatabase: 'zzdb', scratchDatabase: 's', oldDatabase: 'o', opId: '20250116T000000Z' }, settings);
    expect(j.spec.template.spec.containers[0].command).toEqual(['/bin/sh', '-c', RESTORE_SCRIPT]);
    expect(j.spec.template.spec.volumes?.map((v: any) => [v.name, v.persistentVolumeClaim.readOnly])).toEqual([
      ['instance-data', false],
      ['backups', true],
    ]);
    expect(env(j)).toMatchObject({ SET_PATH: 'active/c/i/20250115T103000Z', DATA_DIR: '/data', SCRATCH_DB: 's', OLD_DB: 'o', OP_ID: '20250116t000000z', REPLACED: 'keep' });
  });

  it('the removal of what a restore replaced runs beside the instance, on its node, with only its volume', () => {
    const j = buildRemoveReplacedJob({ ...t, nodeName: 'node-b' }, { opId: '20250116T000000Z' }, settings);
    expect(j.metadata.name).toBe(`odoo-cleanup-${t.name}-20250116t000000z`);
    expect(j.spec.template.spec.containers[0].command).toEqual(['/bin/sh', '-c', RECOVER_SCRIPT]);
    expect(j.spec.template.spec.volumes?.map((v: any) => [v.persistentVolumeClaim.claimName, v.persistentVolumeClaim.readOnly])).toEqual([[t.pvcName, false]]);
    expect(j.spec.template.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchExpressions?.[0].values).toEqual(['node-b']);
    expect(env(j)).toMatchObject({ DATA_DIR: '/data', MODE: 'cleanup', OP_ID: '20250116t000000z' });
    expect(j.metadata.labels['kubectl-odoo.io/operation']).toBe('recover');
  });

  it('list, verify and prune Jobs mount only the backups volume', () => {
    const list = buildListJob({ namespace: 'ns', customerGlob: '*', instanceGlob: 'acme', opId: '20250116T000000Z' }, settings, 'img');
    const verify = buildVerifyJob({ namespace: 'ns', setPath: 'active/c/acme/20250115T103000Z', instance: 'acme', opId: '20250116T000000Z' }, settings, 'img');
    const prune = buildSetOpsJob({ namespace: 'ns', op: 'delete', folders: ['active/c/acme/20250115T103000Z', 'active/c/acme/.partial-20250114T103000Z'], opId: '20250116T000000Z' }, settings, 'img');
    for (const j of [list, verify, prune]) expect(j.spec.template.spec.volumes?.map((v: any) => v.persistentVolumeClaim.claimName)).toEqual(['odoo-backups-pvc']);
    expect(list.spec.template.spec.volumes?.[0].persistentVolumeClaim?.readOnly).toBe(true);
    expect(env(prune).SETS).toBe('active/c/acme/20250115T103000Z\nactive/c/acme/.partial-20250114T103000Z');
    expect(env(verify).RESTORE_TEST).toBe('0');
    expect(env(verify).PGPASSWORD).toBeUndefined();
  });
});
