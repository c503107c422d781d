import { describe, expect, it } from 'vitest';
import { againstPvcCapacity, derivePvcFacts, directoryTotal, largestDirectories, mountsOf, storageWarnings, usageByPvc, usageFromAgentReports, usageLevel } from './facts.js';

const GI = 2 ** 30;
const pvc = (over: any = {}) => ({
  metadata: { name: 'odoo-instance-acme', namespace: 'saasodoo' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '10Gi' } }, volumeName: 'pvc-1', ...over.spec },
  status: { phase: 'Bound', capacity: { storage: '10Gi' }, ...over.status },
});
const pod = (name: string, node: string, claim = 'odoo-instance-acme', phase = 'Running') => ({
  metadata: { name },
  spec: { nodeName: node, volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: claim } }] },
  status: { phase },
});

describe('derivePvcFacts', () => {
  it('reads the CephFS subvolume path from the PV', () => {
    const f = derivePvcFacts(pvc(), { spec: { csi: { driver: 'rook-ceph.cephfs.csi.ceph.com', volumeAttributes: { subvolumePath: '/volumes/csi/csi-vol-1/2' } } } });
    expect(f).toMatchObject({ phase: 'Bound', requested: '10Gi', capacity: '10Gi', subvolumePath: '/volumes/csi/csi-vol-1/2', resizePending: false });
  });
  it.each([
    ['requested above capacity', { spec: { resources: { requests: { storage: '20Gi' } } } }, true],
    ['FileSystemResizePending condition', { status: { phase: 'Bound', capacity: { storage: '10Gi' }, conditions: [{ type: 'FileSystemResizePending', status: 'True' }] } }, true],
    ['same size, no conditions', {}, false],
    ['1024Mi equals 1Gi', { spec: { resources: { requests: { storage: '1024Mi' } } }, status: { phase: 'Bound', capacity: { storage: '1Gi' } } }, false],
  ])('resize pending: %s', (_n, over, pending) => {
    expect(derivePvcFacts(pvc(over)).resizePending).toBe(pending);
  });
});

describe('usage', () => {
  it.each([
    [50, 'ok'],
    [85, 'ok'],
    [85.1, 'warning'],
    [95, 'warning'],
    [96, 'critical'],
  ] as const)('%s%% is %s', (p, level) => expect(usageLevel(p)).toBe(level));

  it('counts a volume reported by several pods once (the newest figure)', () => {
    const vol = (used: number, time: string) => ({ name: 'odoo-data', pvcRef: { name: 'odoo-instance-acme', namespace: 'saasodoo' }, usedBytes: used, capacityBytes: 10 * GI, availableBytes: 10 * GI - used, time });
    const m = usageByPvc([
      { node: 'node-1', summary: { pods: [{ podRef: { name: 'a', namespace: 'saasodoo' }, volume: [vol(GI, '2025-01-01T00:00:00Z')] }] } },
      { node: 'node-2', summary: { pods: [{ podRef: { name: 'b', namespace: 'saasodoo' }, volume: [vol(2 * GI, '2025-01-01T00:00:05Z'), { name: 'tmp', usedBytes: 5 }] }] } },
    ]);
    expect([...m.keys()]).toEqual(['saasodoo/odoo-instance-acme']);
    expect(m.get('saasodoo/odoo-instance-acme')).toMatchObject({ usedBytes: 2 * GI, source: 'kubelet stats summary of node node-2' });
  });
});

describe('usageFromAgentReports', () => {
  const now = new Date('2025-01-01T00:10:00Z');
  const vol = (used: number) => ({ namespace: 'saasodoo', pvc: 'odoo-instance-acme', sizeBytes: 10 * GI, usedBytes: used });
  it('takes fresh reports, the newest once per volume, and says which nodes were fresh', () => {
    const { usage, freshNodes } = usageFromAgentReports(
      [
        { node: 'node-1', collectedAt: '2025-01-01T00:09:00Z', usage: { volumes: [vol(GI)] } },
        { node: 'node-2', collectedAt: '2025-01-01T00:09:30Z', usage: { volumes: [vol(2 * GI)] } },
        { node: 'node-3', collectedAt: '2025-01-01T00:00:00Z', usage: { volumes: [{ ...vol(5 * GI), pvc: 'old' }] } },
      ],
      now,
      5 * 60_000,
    );
    expect([...freshNodes].sort()).toEqual(['node-1', 'node-2']);
    expect([...usage.keys()]).toEqual(['saasodoo/odoo-instance-acme']);
    expect(usage.get('saasodoo/odoo-instance-acme')).toEqual({ usedBytes: 2 * GI, capacityBytes: 10 * GI, availableBytes: 8 * GI, source: 'node agent on node-2, 30s ago' });
  });
});

describe('storageWarnings', () => {
  const base = { pvcName: 'odoo-instance-acme', events: [], mounts: [] };
  it('none for a healthy bound volume', () => {
    expect(storageWarnings({ ...base, pvc: pvc(), usage: { usedBytes: GI, capacityBytes: 10 * GI, availableBytes: 9 * GI, source: 'x' } })).toEqual([]);
  });
  it('full volume', () => {
    expect(storageWarnings({ ...base, pvc: pvc(), usage: { usedBytes: 9.7 * GI, capacityBytes: 10 * GI, availableBytes: 0.3 * GI, source: 'x' } })).toEqual([
      { level: 'critical', message: 'volume is 97% full (above 95%)' },
    ]);
  });
  it('Pending because the StorageClass does not exist, with the event', () => {
    const w = storageWarnings({
      ...base,
      pvc: pvc({ status: { phase: 'Pending' } }),
      storageClass: null,
      events: [{ type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "rook-cephfs" not found' }],
    });
    expect(w).toEqual([
      { level: 'critical', message: 'PVC odoo-instance-acme is Pending: StorageClass "rook-cephfs" does not exist\n  event: ProvisioningFailed: storageclass.storage.k8s.io "rook-cephfs" not found' },
    ]);
  });
  it('Pending because the provisioner never answers', () => {
    const msg = 'waiting for a volume to be created, either by external provisioner "rook-ceph.cephfs.csi.ceph.com" or manually created by system administrator';
    const w = storageWarnings({ ...base, pvc: pvc({ status: { phase: 'Pending' } }), storageClass: { provisioner: 'rook-ceph.cephfs.csi.ceph.com' }, events: [{ type: 'Normal', reason: 'ExternalProvisioning', message: msg }] });
    expect(w[0].message).toContain('the provisioner rook-ceph.cephfs.csi.ceph.com has not created the volume');
    expect(w[0].message).toContain(`event: ExternalProvisioning: ${msg}`);
  });
  it('Pending with a no-provisioner class and a quota', () => {
    const w = storageWarnings({
      ...base,
      pvc: pvc({ status: { phase: 'Pending' } }),
      storageClass: { provisioner: 'kubernetes.io/no-provisioner' },
      events: [{ type: 'Warning', reason: 'ProvisioningFailed', message: 'exceeded quota: storage, requested: requests.storage=10Gi' }],
    });
    expect(w[0].message).toMatch(/has no provisioner.*ResourceQuota of the namespace is exhausted/);
  });
  it('resize pending on a class without expansion', () => {
    const w = storageWarnings({ ...base, pvc: pvc({ spec: { resources: { requests: { storage: '20Gi' } } } }), storageClass: { allowVolumeExpansion: false } });
    expect(w).toEqual([{ level: 'warning', message: 'resize pending: requested 20Gi, capacity 10Gi; StorageClass "rook-cephfs" does not allow expansion' }]);
  });
  it('file system resize waits for a remount', () => {
    const w = storageWarnings({ ...base, pvc: pvc({ status: { phase: 'Bound', capacity: { storage: '10Gi' }, conditions: [{ type: 'FileSystemResizePending', status: 'True', message: 'Waiting for user to (re-)start a pod' }] } }) });
    expect(w[0].message).toBe('resize pending: requested 10Gi, capacity 10Gi [FileSystemResizePending (Waiting for user to (re-)start a pod)]: the file system grows when a pod mounts the volume again (restart the instance)');
  });
  it('RWO volume mounted on two nodes; finished pods do not count', () => {
    const mounts = mountsOf([pod('a', 'node-1'), pod('b', 'node-2'), pod('c', 'node-3', 'odoo-instance-acme', 'Succeeded'), pod('d', 'node-3', 'other')], 'odoo-instance-acme');
    expect(mounts).toEqual([{ pod: 'a', node: 'node-1', phase: 'Running' }, { pod: 'b', node: 'node-2', phase: 'Running' }]);
    expect(storageWarnings({ ...base, pvc: pvc(), mounts })[0].message).toMatch(/mounted by pods on 2 nodes \(a on node-1, b on node-2\) although it is ReadWriteOnce/);
    expect(storageWarnings({ ...base, pvc: pvc({ spec: { accessModes: ['ReadWriteMany'] } }), mounts })).toEqual([]);
  });
  it('missing PVC', () => {
    expect(storageWarnings({ ...base })[0]).toEqual({ level: 'critical', message: 'PVC odoo-instance-acme does not exist: the instance has no volume to mount' });
  });
});

describe('largestDirectories', () => {
  it('sorts du output and makes paths relative', () => {
    const du = '4\t/var/lib/odoo/sessions\n2048\t/var/lib/odoo/filestore/acme\n2052\t/var/lib/odoo/filestore\n8\t/var/lib/odoo/conf\n2064\t/var/lib/odoo\n';
    expect(largestDirectories(du, '/var/lib/odoo', 3)).toEqual([
      { path: 'filestore', bytes: 2052 * 1024 },
      { path: 'filestore/acme', bytes: 2048 * 1024 },
      { path: 'conf', bytes: 8 * 1024 },
    ]);
    expect(directoryTotal(du, '/var/lib/odoo')).toBe(2064 * 1024);
    expect(directoryTotal(du, '/elsewhere')).toBeUndefined();
  });
});

describe('againstPvcCapacity', () => {
  const fs252 = { capacityBytes: 252 * GI, usedBytes: 22 * GI, availableBytes: 230 * GI, source: 'df' };
  it('a file system far bigger than the PVC: capacity is the PVC, used is the directory (du)', () => {
    expect(againstPvcCapacity(fs252, 25 * GI, 20 * GI)).toEqual({ capacityBytes: 25 * GI, usedBytes: 20 * GI, availableBytes: 5 * GI, source: 'df', filesystemCapacityBytes: 252 * GI });
  });
  it('without a du figure the used bytes are marked as the whole file system\'s', () => {
    expect(againstPvcCapacity(fs252, 25 * GI)).toMatchObject({ capacityBytes: 25 * GI, usedBytes: 22 * GI, availableBytes: 3 * GI, usedIsFilesystemWide: true });
  });
  it.each([
    ['a quota-enforced CephFS (same size)', { ...fs252, capacityBytes: 25 * GI }],
    ['ext4 on RBD (a little smaller)', { ...fs252, capacityBytes: 24.5 * GI }],
    ['within 5%', { ...fs252, capacityBytes: 26 * GI }],
  ])('%s: unchanged', (_n, u) => expect(againstPvcCapacity(u, 25 * GI, 1)).toBe(u));
  it('warns, and the percentage is against the PVC', () => {
    const usage = againstPvcCapacity(fs252, 25 * GI, 22 * GI);
    expect(storageWarnings({ pvcName: 'odoo-instance-acme', pvc: pvc({ status: { capacity: { storage: '25Gi' } } }), events: [], mounts: [], usage }).map((w) => w.message)).toEqual([
      'the file system reports 252Gi but PVC odoo-instance-acme has 25Gi: its size is not enforced, nothing stops it growing past 25Gi (on CephFS: no quota on the subvolume, a kernel client older than 4.17, or the noquotadf mount option; else the provisioner ignored the size). Use is shown against the PVC\'s 25Gi, used is the data directory\'s total (du)',
      'volume is 88% full (above 85%)',
    ]);
  });
});
