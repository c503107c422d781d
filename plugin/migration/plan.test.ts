import { describe, expect, it } from 'vitest';
import { buildCopyJob, buildDropJob, buildMeasureJob, buildTargetPvc, buildVerifyJob, chooseSize, instanceDirectoryProblem, legacyInstanceOf, parseDuSizes, parseMigrationRecord, splitLegacyPath, switchToHostPath, switchToPvc } from './plan.js';
import { deriveInstanceFacts } from '../instances/facts.js';
import { UsageError } from '../../lib/errors.js';

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
      hostPath: '/mnt/cephfs/odoo_instances/odoo_data_acme_1a2b3c4d',
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
    ['/mnt/cephfs/odoo_instances/odoo_data_a_1a2b3c4d', { parent: '/mnt/cephfs/odoo_instances', base: 'odoo_data_a_1a2b3c4d' }],
    ['/mnt/cephfs/odoo_instances/odoo_data_a_b_1a2b3c4d/', { parent: '/mnt/cephfs/odoo_instances', base: 'odoo_data_a_b_1a2b3c4d' }],
  ])('%s', (p, want) => expect(splitLegacyPath(p, '1a2b3c4d5e6f')).toEqual(want));
  it.each([
    '/',
    '/mnt',
    'relative/odoo_data_a_1a2b3c4d',
    '/mnt/cephfs/..',
    // The shared roots of the legacy tree are never one instance's data.
    '/mnt/cephfs',
    '/mnt/cephfs/odoo_instances',
    '/mnt/cephfs/odoo_backups',
    '/odoo_data_a_1a2b3c4d',
    '/mnt/cephfs/odoo_instances/odoo_data_a_1a2b3c4d/../odoo_data_b_ffff0000',
    '/mnt/cephfs/odoo_instances/odoo_data_a_1a2b3c4d/filestore',
    // Another instance's directory.
    '/mnt/cephfs/odoo_instances/odoo_data_a_ffff0000',
  ])('refuses %s', (p) => expect(() => splitLegacyPath(p, '1a2b3c4d5e6f')).toThrow(UsageError));
  it('says why', () => {
    expect(instanceDirectoryProblem('/mnt/cephfs', undefined)).toBe(`"/mnt/cephfs" is not an instance's own data directory (expected .../odoo_data_<db>_<id8>); it may hold other instances' data`);
    expect(instanceDirectoryProblem('/x/odoo_data_a_ffff0000', '1a2b3c4d5e6f')).toBe('"/x/odoo_data_a_ffff0000" belongs to another instance (its id starts with ffff0000, this instance\'s with 1a2b3c4d)');
    expect(instanceDirectoryProblem('/x/odoo_data_a_ffff0000', undefined)).toBeUndefined();
  });
});

describe('legacy instances on the shared tree (hostPath /mnt/cephfs + subPath)', () => {
  const shared = (mounts: any[], extraContainers: any[] = []) => ({
    ...deployment,
    spec: {
      ...deployment.spec,
      template: {
        spec: {
          containers: [{ name: 'odoo', image: 'odoo:17', volumeMounts: mounts }, ...extraContainers],
          volumes: [{ name: 'cephfs', hostPath: { path: '/mnt/cephfs', type: 'Directory' } }],
        },
      },
    },
  });
  const dataMount = { name: 'cephfs', mountPath: '/var/lib/odoo', subPath: 'odoo_instances/odoo_data_acme_1a2b3c4d' };

  it('the legacy directory is the hostPath joined with the subPath', () => {
    const l = legacyInstanceOf(inst(shared([dataMount])))!;
    expect(l).toMatchObject({ legacyPath: '/mnt/cephfs/odoo_instances/odoo_data_acme_1a2b3c4d', hostPath: '/mnt/cephfs', subPath: 'odoo_instances/odoo_data_acme_1a2b3c4d' });
    expect(l.problem).toBeUndefined();
    expect(buildCopyJob(l, 'ab12', 60).spec!.template.spec!.volumes![0].hostPath!.path).toBe('/mnt/cephfs/odoo_instances/odoo_data_acme_1a2b3c4d');
    expect(buildDropJob(l, 'ab12').spec!.template.spec!.volumes![0].hostPath!.path).toBe('/mnt/cephfs/odoo_instances');
  });
  it.each([
    [{ name: 'cephfs', mountPath: '/var/lib/odoo' }, /"\/mnt\/cephfs" is not an instance's own data directory/],
    [{ name: 'cephfs', mountPath: '/var/lib/odoo', subPath: 'odoo_instances' }, /"\/mnt\/cephfs\/odoo_instances" is not an instance's own data directory/],
    [{ name: 'cephfs', mountPath: '/var/lib/odoo', subPath: 'odoo_instances/odoo_data_other_ffff0000' }, /belongs to another instance/],
    [{ name: 'cephfs', mountPath: '/var/lib/odoo', subPath: '../etc' }, /is not a path inside the volume/],
    [{ name: 'cephfs', mountPath: '/var/lib/odoo', subPathExpr: 'odoo_instances/$(DIR)' }, /uses subPathExpr "odoo_instances\/\$\(DIR\)", which only the kubelet can expand/],
  ])('%j cannot be migrated, and no Job can be built for it', (mount, why) => {
    const l = legacyInstanceOf(inst(shared([mount])))!;
    expect(l.problem).toMatch(why);
    expect(() => buildCopyJob(l, 'ab12', 60)).toThrow(UsageError);
    expect(() => buildVerifyJob(l, 'ab12', 60)).toThrow(UsageError);
    expect(() => buildDropJob(l, 'ab12')).toThrow(UsageError);
  });
  it('switching moves only the data mounts to the PVC and keeps the shared volume for the other mounts', () => {
    const backups = { name: 'cephfs', mountPath: '/mnt/cephfs/odoo_backups', subPath: 'odoo_backups' };
    const addons = { name: 'cephfs', mountPath: '/mnt/extra-addons', subPath: 'odoo_instances/odoo_data_acme_1a2b3c4d/addons', readOnly: true };
    const d = shared([dataMount, backups], [{ name: 'sidecar', volumeMounts: [addons] }]);
    const l = legacyInstanceOf(inst(d))!;
    const on = switchToPvc(d, l);
    const spec = on.spec!.template!.spec!;
    expect(spec.volumes).toEqual([d.spec.template.spec.volumes[0], { name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-instance-1a2b3c4d5e6f' } }]);
    expect(spec.containers![0].volumeMounts).toEqual([{ name: 'odoo-data', mountPath: '/var/lib/odoo' }, backups]);
    expect(spec.containers![1].volumeMounts).toEqual([{ name: 'odoo-data', mountPath: '/mnt/extra-addons', subPath: 'addons', readOnly: true }]);
    expect(JSON.parse(on.metadata!.annotations!['kubectl-odoo.io/migration']!)).toEqual({ hostPath: '/mnt/cephfs', subPath: 'odoo_instances/odoo_data_acme_1a2b3c4d', legacyPath: l.legacyPath, pvc: l.pvcName });
    expect(legacyInstanceOf(inst(on))).toBeUndefined();
    const back = switchToHostPath(on, d);
    expect(back.spec!.template!.spec).toEqual(d.spec.template.spec);
    expect(back.metadata!.annotations).toEqual({});
  });
  it('a volume used only by the data mount is replaced under its name, without the subPath', () => {
    const d = shared([dataMount]);
    const spec = switchToPvc(d, legacyInstanceOf(inst(d))!).spec!.template!.spec!;
    expect(spec.volumes).toEqual([{ name: 'cephfs', persistentVolumeClaim: { claimName: 'odoo-instance-1a2b3c4d5e6f' } }]);
    expect(spec.containers![0].volumeMounts).toEqual([{ name: 'cephfs', mountPath: '/var/lib/odoo' }]);
  });
});

describe('migration record', () => {
  it.each([
    [undefined, undefined],
    ['not json', undefined],
    ['{"hostPath":"/a"}', undefined],
    ['{"hostPath":"/mnt/cephfs","subPath":"x","legacyPath":"/mnt/cephfs/x","pvc":"p"}', { hostPath: '/mnt/cephfs', subPath: 'x', legacyPath: '/mnt/cephfs/x', pvc: 'p' }],
  ])('%s', (text, want) => expect(parseMigrationRecord(text)).toEqual(want));
});

describe('objects', () => {
  it('the PVC follows the seeds: name, class, RWO, size, labels, and records its source', () => {
    const pvc = buildTargetPvc(legacy, '12Gi', 'rook-cephfs');
    expect(pvc.metadata).toMatchObject({ name: 'odoo-instance-1a2b3c4d5e6f', annotations: { 'kubectl-odoo.io/migrated-from': legacy.legacyPath }, labels: { app: 'odoo-instance', 'managed-by': 'saasodoo' } });
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '12Gi' } } });
  });
  it('the copy Job mounts the legacy directory read-only and never retries silently', () => {
    const job = buildCopyJob(legacy, 'ab12', 3600);
    const pod = job.spec!.template.spec!;
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600 });
    expect(pod.volumes).toEqual([
      { name: 'legacy', hostPath: { path: legacy.legacyPath, type: 'Directory' } },
      { name: 'target', persistentVolumeClaim: { claimName: 'odoo-instance-1a2b3c4d5e6f' } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'legacy', mountPath: '/legacy', readOnly: true },
      { name: 'target', mountPath: '/target' },
    ]);
    expect(job.spec!.template.metadata!.labels!['kubectl-odoo.io/job']).toBe(job.metadata!.name);
  });
  it('measure and drop pass directory names as argv, never through a shell', () => {
    const names = ['odoo_data_a b_1a2b3c4d', 'odoo_data_$(x)_1a2b3c4d'];
    expect(buildMeasureJob(legacy, '/mnt/cephfs/odoo_instances', names, 'cd34').spec!.template.spec!.containers[0].command).toEqual(['du', '-sk', '--', ...names.map((n) => `/legacy/${n}`)]);
    expect(() => buildMeasureJob(legacy, '/mnt/cephfs', ['odoo_instances'], 'cd34')).toThrow(UsageError);
    const drop = buildDropJob(legacy, 'ef56').spec!.template.spec!;
    expect(drop.containers[0].command).toEqual(['rm', '-rf', '--', '/legacy/odoo_data_acme_1a2b3c4d']);
    expect(drop.volumes![0].hostPath!.path).toBe('/mnt/cephfs/odoo_instances');
  });
  it('switching keeps the volume name and other volumes, and switching back restores the original', () => {
    const on = switchToPvc(deployment, legacy);
    expect(on.spec!.template!.spec!.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, { name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-instance-1a2b3c4d5e6f' } }]);
    expect(on.metadata!.annotations).toEqual({
      'kubectl-odoo.io/migrated-from': legacy.legacyPath,
      'kubectl-odoo.io/migration': JSON.stringify({ hostPath: legacy.legacyPath, legacyPath: legacy.legacyPath, pvc: legacy.pvcName }),
    });
    expect(on.metadata!.resourceVersion).toBe('7');
    const back = switchToHostPath(on, deployment);
    expect(back.spec!.template!.spec!.volumes).toEqual(deployment.spec.template.spec.volumes);
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
