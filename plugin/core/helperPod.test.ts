// Every pod the plugin starts beside an instance schedules and pulls as the instance does: its
// tolerations, node rules, pull secrets, priority class and fsGroup, through the one builder.
import { describe, expect, it } from 'vitest';
import { buildBackupJob, backupTargetOf, buildListJob, buildSetOpsJob, buildVerifyJob } from '../backups/jobSpecs.js';
import { buildManifestBase } from '../backups/manifest.js';
import { deriveInstanceFacts } from '../instances/facts.js';
import { buildCopyJob, buildVerifyJob as buildTreeVerifyJob, type LegacyInstance } from '../migration/plan.js';
import { buildVolumePod } from '../storage/volumePod.js';
import { buildMaintenancePod } from '../oncall/maintenance.js';
import { buildPsqlPod, dbEnvironmentOf } from '../oncall/psql.js';
import { helperImage, helperPodSpec, placementOf } from './helperPod.js';

const toleration = { key: 'dedicated', operator: 'Equal', value: 'odoo', effect: 'NoSchedule' };
const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['odoo'] }] }] } };

function instance() {
  const deployment: any = {
    metadata: { name: 'odoo-shop', namespace: 'saasodoo', labels: { 'saasodoo.io/customer-id': 'c1', 'saasodoo.io/instance-id': '7c1d9e0a-0000-4000-8000-000000000000' } },
    spec: {
      replicas: 1,
      template: {
        spec: {
          tolerations: [toleration],
          nodeSelector: { 'node-role/odoo': 'true' },
          imagePullSecrets: [{ name: 'registry-cred' }],
          priorityClassName: 'tenant',
          securityContext: { fsGroup: 1001 },
          affinity: { nodeAffinity, podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'odoo' } } }] } },
          containers: [
            {
              name: 'odoo',
              image: 'registry.example/odoo:17',
              env: [
                { name: 'ODOO_DATABASE_NAME', value: 'shop' },
                { name: 'ODOO_DATABASE_HOST', value: 'postgres' },
                { name: 'ODOO_DATABASE_USER', value: 'odoo' },
                { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
              ],
              volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
            },
          ],
          volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-shop-data' } }],
        },
      },
    },
  };
  return { namespace: 'saasodoo', name: 'odoo-shop', deployment, pvcName: 'odoo-shop-data', pods: [], facts: deriveInstanceFacts(deployment) } as any;
}

const settings = { image: '', backupsPvc: 'odoo-backups', jobDeadlineSeconds: 600 } as any;
const legacy: LegacyInstance = { name: 'odoo-shop', namespace: 'saasodoo', instanceId: '7c1d9e0a', legacyPath: '/mnt/cephfs/odoo_instances/odoo_data_shop_7c1d9e0a', hostPath: '/mnt/cephfs', subPath: 'odoo_instances/odoo_data_shop_7c1d9e0a', volumeName: 'data', image: 'registry.example/odoo:17', replicas: 1, pvcName: 'odoo-shop-data' } as any;

const builders: [string, () => any][] = [
  ['backup Job', () => { const t = backupTargetOf(instance()); const base = buildManifestBase({ timestamp: '20250115T103000Z', instance: t.name, namespace: t.namespace, customerId: t.customerId, database: t.database, image: t.image, dataMountPath: t.dataMountPath, consistency: 'live', toolVersion: '0.1.0' });
    return buildBackupJob(t, base, settings, { exportOdooZip: false }).spec.template.spec; }],
  ['verify Job', () => buildVerifyJob({ namespace: 'saasodoo', setPath: 'active/c1/i/20250115T103000Z', opId: 'x', placement: placementOf(instance().deployment) } as any, settings, 'registry.example/odoo:17').spec.template.spec],
  ['list Job', () => buildListJob({ namespace: 'saasodoo', customerGlob: 'c1', instanceGlob: 'odoo-shop', opId: 'x', placement: placementOf(instance().deployment) }, settings, 'registry.example/odoo:17').spec.template.spec],
  ['prune Job', () => buildSetOpsJob({ namespace: 'saasodoo', op: 'delete', folders: ['active/c1/odoo-shop/20250115T103000Z'], opId: 'x', instance: 'odoo-shop', placement: placementOf(instance().deployment) }, settings, 'registry.example/odoo:17').spec.template.spec],
  ['migration copy Job', () => buildCopyJob(legacy, 'abcd', 600, instance().deployment.spec.template.spec)!.spec!.template.spec],
  ['migration verify Job', () => buildTreeVerifyJob(legacy, 'abcd', 600, instance().deployment.spec.template.spec)!.spec!.template.spec],
  ['volume pod', () => buildVolumePod(instance(), 'abcd').spec],
  ['maintenance pod', () => buildMaintenancePod(instance()).spec],
  ['psql pod', () => { const i = instance(); return buildPsqlPod(i, dbEnvironmentOf(i.deployment), 'postgres:16', 'abcd').spec; }],
];

describe('helper pods', () => {
  it.each(builders)('the %s tolerates the NoSchedule taint, follows the node rules and pulls with the pull secret', (_name, build) => {
    const spec = build();
    expect(spec.tolerations).toEqual([toleration]);
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry-cred' }]);
    expect(spec.nodeSelector).toEqual({ 'node-role/odoo': 'true' });
    expect(spec.priorityClassName).toBe('tenant');
    expect(spec.securityContext.fsGroup).toBe(1001);
    expect(spec.restartPolicy).toBe('Never');
    // Node rules yes; pod anti-affinity no (it would keep the helper off the instance's own node).
    expect(spec.affinity).toEqual({ nodeAffinity });
  });

  it('pins to the node of an RWO volume in place of the node rules', () => {
    const spec = helperPodSpec({ container: { name: 'x', image: 'i' }, placement: placementOf(instance().deployment), nodeName: 'node-b' });
    expect(spec.affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } } });
    expect(spec.tolerations).toEqual([toleration]);
  });

  it('takes the configured helper image, else the instance image', () => {
    expect(helperImage('tools:1', 'odoo:17')).toBe('tools:1');
    expect(helperImage('', 'odoo:17')).toBe('odoo:17');
    expect(helperImage(undefined, undefined)).toBe('');
  });

  it('an instance with no placement gives helpers none', () => {
    const spec = helperPodSpec({ container: { name: 'x', image: 'i' }, placement: placementOf({ spec: { template: { spec: {} } } }) });
    expect(spec).toEqual({ restartPolicy: 'Never', containers: [{ name: 'x', image: 'i' }] });
  });
});
