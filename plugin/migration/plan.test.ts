import { describe, expect, it } from 'vitest';
import { buildCopyJob, buildDropJob, buildMeasureJob, buildTargetPvc, chooseSize, legacyInstanceOf, parseDuSizes, splitLegacyPath, switchToHostPath, switchToPvc } from './plan.js';
import { deriveInstanceFacts } from '../instances/facts.js';
import { UsageError } from '../core/errors.js';

const GI = 2 ** 30;
const hostPathVolume = { name: 'odoo-data', hostPath: { path: '/mnt/cephfs/odoo_instances/odoo_data_acme_1a2b3c4d/', type: 'DirectoryOrCreate' } };
const deployment = {
  metadata: { name: 'odoo-acme-1a2b3c4d', namespace: 'saasodoo', labels: { app: 'odoo', 'saasodoo.io/instance-id': '1a2b3c4d5e6f' }, resourceVersion: '7' },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [{ name: 'odoo', image: 'odoo:17', volumeMounts: [{ name: 'odoo-data', mountPath: '/var/lib/odoo' }] }],
        volumes: [{ name: 'tmp', emptyDir: {} }, hostPathVolume],
      },
    },
  },
};
const inst = (d: any) => ({ namespace: d.metadata.namespace, name: d.metadata.name, deployment: d, pods: [], facts: deriveInstanceFacts(d) }) as any;
const legacy = legacyInstanceOf(inst(deployment))!;

describe('legacyInstanceOf', () => {
  it('finds the hostPath data volume and names the PVC after the instance id', () => {
    expect(legacy).toEqual({
      name: 'odoo-acme-1a2b3c4d',
      namespace: 'saasodoo',
      instanceId: '1a2b3c4d5e6f',
      legacyPath: '/mnt/cephfs/odoo_instances/odoo_data_acme_1a2b3c4d',
      volumeName: 'odoo-data',
      image: 'odoo:17',
      replicas: 1,
      pvcName: 'odoo-instance-1a2b3c4d5e6f',
    });
  });
  it('is undefined for an instance on a PVC', () => {
    const onPvc = switchToPvc(deployment, legacy);
    expect(legacyInstanceOf(inst(onPvc))).toBeUndefined();
  });
});

describe('chooseSize', () => {
  it.each([
    [undefined, '10Gi', false, { size: '10Gi' }],
    [1 * GI, '10G', false, { size: '10Gi' }],
    [8 * GI, '10Gi', false, { size: '10Gi' }],
    [9 * GI, '10Gi', false, { size: '12Gi', note: 'the plan size 10Gi is too small for 9Gi of data: using 12Gi' }],
    [2 * GI, '5Gi', true, { size: '5Gi' }],
  ] as const)('%s used, plan %s, forced %s', (used, plan, forced, want) => {
    expect(chooseSize(used, plan, forced)).toEqual(want);
  });
  it('refuses a forced size too small for the data', () => {
    expect(() => chooseSize(9 * GI, '10Gi', true)).toThrow(new UsageError('--size 10Gi is too small: the legacy directory holds 9Gi (leave at least 25% free)'));
  });
});

describe('splitLegacyPath', () => {
  it.each([
    ['/mnt/cephfs/odoo_instances/odoo_data_a_1', { parent: '/mnt/cephfs/odoo_instances', base: 'odoo_data_a_1' }],
    ['/mnt/cephfs/odoo_instances/odoo_data_a_1/', { parent: '/mnt/cephfs/odoo_instances', base: 'odoo_data_a_1' }],
  ])('%s', (p, want) => expect(splitLegacyPath(p)).toEqual(want));
  it.each(['/', '/mnt', 'relative/dir', '/mnt/cephfs/..'])('refuses %s', (p) => expect(() => splitLegacyPath(p)).toThrow(UsageError));
});

describe('objects', () => {
  it('the PVC follows the seeds: name, class, RWO, size, labels, and records its source', () => {
    const pvc = buildTargetPvc(legacy, '12Gi', 'rook-cephfs');
    expect(pvc.metadata).toMatchObject({ name: 'odoo-instance-1a2b3c4d5e6f', annotations: { 'kubectl-odoo.io/migrated-from': legacy.legacyPath }, labels: { app: 'odoo-instance', 'managed-by': 'saasodoo' } });
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '12Gi' } } });
  });
  it('the copy Job mounts the legacy directory read-only and never retries silently', () => {
    const job = buildCopyJob(legacy, 'ab12', 3600);
    const pod = job.spec.template.spec;
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600 });
    expect(pod.volumes).toEqual([
      { name: 'legacy', hostPath: { path: legacy.legacyPath, type: 'Directory' } },
      { name: 'target', persistentVolumeClaim: { claimName: 'odoo-instance-1a2b3c4d5e6f' } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'legacy', mountPath: '/legacy', readOnly: true },
      { name: 'target', mountPath: '/target' },
    ]);
    expect(job.spec.template.metadata.labels['kubectl-odoo.io/job']).toBe(job.metadata.name);
  });
  it('measure and drop pass directory names as argv, never through a shell', () => {
    expect(buildMeasureJob(legacy, '/mnt/cephfs/odoo_instances', ['a b', '$(x)'], 'cd34').spec.template.spec.containers[0].command).toEqual(['du', '-sk', '--', '/legacy/a b', '/legacy/$(x)']);
    const drop = buildDropJob(legacy, 'ef56').spec.template.spec;
    expect(drop.containers[0].command).toEqual(['rm', '-rf', '--', '/legacy/odoo_data_acme_1a2b3c4d']);
    expect(drop.volumes[0].hostPath.path).toBe('/mnt/cephfs/odoo_instances');
  });
  it('switching keeps the volume name and other volumes, and switching back restores the original', () => {
    const on = switchToPvc(deployment, legacy);
    expect(on.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, { name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-instance-1a2b3c4d5e6f' } }]);
    expect(on.metadata.annotations).toEqual({ 'kubectl-odoo.io/migrated-from': legacy.legacyPath });
    expect(on.metadata.resourceVersion).toBe('7');
    const back = switchToHostPath(on, legacy, hostPathVolume);
    expect(back.spec.template.spec.volumes).toEqual(deployment.spec.template.spec.volumes);
    expect(deployment.spec.template.spec.volumes[1]).toBe(hostPathVolume);
  });
});

describe('parseDuSizes', () => {
  it('maps directory names to bytes', () => {
    expect(parseDuSizes('12\t/legacy/odoo_data_a_1\n4096\t/legacy/odoo data b\ndu: cannot access x\n')).toEqual(
      new Map([
        ['odoo_data_a_1', 12 * 1024],
        ['odoo data b', 4096 * 1024],
      ]),
    );
  });
});
