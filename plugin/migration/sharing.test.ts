import { describe, expect, it } from 'vitest';
import { describeUsers, findPathUsers, hostDirectoriesOfPodSpec, overlapOf } from './sharing.js';
import { ApiError } from '../../lib/kube/errors.js';

const L = '/mnt/cephfs/odoo_instances/odoo_data_shop_abcd1234';

describe('overlapOf', () => {
  it.each([
    [L, 'the same directory'],
    ['/mnt/cephfs', 'a directory above it'],
    ['/mnt/cephfs/odoo_instances', 'a directory above it'],
    ['/', 'a directory above it'],
    [`${L}/filestore`, 'a directory inside it'],
    ['/mnt/cephfs/odoo_instances/odoo_data_shop_abcd12345', undefined],
    ['/mnt/cephfs/odoo_backups', undefined],
  ])('%s', (dir, want) => expect(overlapOf(dir, L)).toBe(want));
});

describe('hostDirectoriesOfPodSpec', () => {
  it('joins each mount of a hostPath volume with its subPath; subPathExpr and unmounted volumes count whole', () => {
    const spec = {
      volumes: [
        { name: 'cephfs', hostPath: { path: '/mnt/cephfs/' } },
        { name: 'other', hostPath: { path: '/srv/x' } },
        { name: 'expr', hostPath: { path: '/mnt/expr' } },
        { name: 'pvc', persistentVolumeClaim: { claimName: 'p' } },
      ],
      initContainers: [{ name: 'i', volumeMounts: [{ name: 'cephfs', mountPath: '/b', subPath: 'odoo_backups' }] }],
      containers: [{ name: 'c', volumeMounts: [{ name: 'cephfs', mountPath: '/d', subPath: 'odoo_instances/odoo_data_x_11111111' }, { name: 'expr', mountPath: '/e', subPathExpr: '$(POD)' }, { name: 'pvc', mountPath: '/p' }] }],
    };
    expect(hostDirectoriesOfPodSpec(spec).sort()).toEqual(['/mnt/cephfs/odoo_backups', '/mnt/cephfs/odoo_instances/odoo_data_x_11111111', '/mnt/expr', '/srv/x']);
  });
});

/** A KubeClient that answers lists from a table; a type mapped to an Error fails. */
function fakeKube(objects: Record<string, any[] | Error>): any {
  return {
    async *listPages(type: { plural: string }) {
      const v = objects[type.plural];
      if (v instanceof Error) throw v;
      yield { items: v ?? [], resourceVersion: '1' };
    },
  };
}

const hostPathSpec = (path: string, subPath?: string) => ({ volumes: [{ name: 'v', hostPath: { path } }], containers: [{ name: 'c', volumeMounts: [{ name: 'v', mountPath: '/x', subPath }] }] });
const meta = (name: string, namespace = 'other-ns') => ({ name, namespace });

describe('findPathUsers', () => {
  it('finds every workload and PersistentVolume that reaches the directory, skipping what cannot start a pod any more', async () => {
    const kube = fakeKube({
      pods: [
        { metadata: meta('backup-agent'), spec: hostPathSpec('/mnt/cephfs'), status: { phase: 'Running' } },
        { metadata: meta('done'), spec: hostPathSpec('/mnt/cephfs'), status: { phase: 'Succeeded' } },
      ],
      deployments: [
        { metadata: meta('odoo-other-ffff0000', 'saasodoo'), spec: { template: { spec: hostPathSpec('/mnt/cephfs', 'odoo_instances/odoo_data_other_ffff0000') } } },
        { metadata: meta('same'), spec: { template: { spec: hostPathSpec('/mnt/cephfs', 'odoo_instances/odoo_data_shop_abcd1234') } } },
      ],
      replicasets: [{ metadata: meta('old'), spec: { replicas: 0, template: { spec: hostPathSpec(L) } } }],
      statefulsets: new ApiError(404, 'the server could not find the requested resource'),
      jobs: [
        { metadata: meta('finished'), spec: { template: { spec: hostPathSpec(L) } }, status: { conditions: [{ type: 'Complete', status: 'True' }] } },
        { metadata: meta('sizer'), spec: { template: { spec: hostPathSpec(`${L}/filestore`) } }, status: {} },
      ],
      cronjobs: [{ metadata: meta('nightly'), spec: { jobTemplate: { spec: { template: { spec: hostPathSpec('/mnt/cephfs', 'odoo_instances') } } } } }],
      persistentvolumes: [{ metadata: { name: 'pv-instances' }, spec: { hostPath: { path: '/mnt/cephfs/odoo_instances' }, claimRef: { namespace: 'x', name: 'odoo-instances-pvc' } } }],
    });
    const users = await findPathUsers(kube, L);
    expect(users.map((u) => `${u.what}: ${u.overlap}`)).toEqual([
      'pod other-ns/backup-agent: a directory above it',
      'deployment other-ns/same: the same directory',
      'job other-ns/sizer: a directory inside it',
      'cronjob other-ns/nightly: a directory above it',
      'persistentvolume pv-instances (claim x/odoo-instances-pvc): a directory above it',
    ]);
    expect(describeUsers(users, 2)).toBe('pod other-ns/backup-agent (/mnt/cephfs, a directory above it), deployment other-ns/same (' + L + ', the same directory) and 3 more');
  });

  it('a list that is refused is an error, not "nobody uses it"', async () => {
    const kube = fakeKube({ pods: new ApiError(403, 'pods is forbidden') });
    await expect(findPathUsers(kube, L)).rejects.toThrow(`cannot tell whether anything else uses ${L}: listing pods failed`);
  });
});
