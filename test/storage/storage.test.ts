// kubectl odoo storage NAME and storage -A against the test cluster: usage comes from the kubelet stats
// summary (computed from the real PV directories), largest directories from `du` run in the pod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { pvDataDir } from '../cluster/volumes.js';
import { kubectlOdoo } from '../harness/plugin.js';
import { deploymentName, ensureNamespace, pvcDir, pvcName, readyPods, seedInstance, waitFor, waitReady, type SeedInstance } from './instanceFixture.js';

let cluster: TestCluster;
const ns = 'saasodoo';
const odoo = (args: string[], c = cluster) => kubectlOdoo(args, { kubeconfig: c.kubeconfigPath });

const healthy: SeedInstance = { namespace: ns, db: 'acme', id: 'a1c2c3d4e5f60718293a4b5c6d7e8f90' };
const full: SeedInstance = { namespace: ns, db: 'full', id: 'b1c2c3d4e5f60718293a4b5c6d7e8f90', size: '1Mi' };
const pending: SeedInstance = { namespace: ns, db: 'lost', id: 'c1c2c3d4e5f60718293a4b5c6d7e8f90', storageClass: 'no-such-class' };
const stopped: SeedInstance = { namespace: ns, db: 'sleepy', id: 'd1c2c3d4e5f60718293a4b5c6d7e8f90', replicas: 0 };
const shared: SeedInstance = { namespace: ns, db: 'twin', id: 'e1c2c3d4e5f60718293a4b5c6d7e8f90', sharedPvc: pvcName(healthy) };

function fillFilestore(dir: string, db: string, files: number, size: number): void {
  for (let i = 0; i < files; i++) {
    const sub = join(dir, 'filestore', db, String(i % 4).padStart(2, '0'));
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}`), Buffer.alloc(size, i));
  }
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  writeFileSync(join(dir, 'sessions', 's1'), 'x');
}

beforeAll(async () => {
  cluster = await startTestCluster();
  for (const s of [healthy, full, pending, stopped]) seedInstance(cluster, s);
  fillFilestore(await pvcDir(cluster, healthy), 'acme', 20, 100_000);
  writeFileSync(join(await pvcDir(cluster, full), 'big'), Buffer.alloc(1_020_000, 1));
  fillFilestore(await pvcDir(cluster, stopped), 'sleepy', 4, 50_000);
  await waitReady(cluster, healthy);
  await waitReady(cluster, full);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('storage NAME', () => {
  it('a Bound volume: PVC, PV, subvolume path, mount, usage from the kubelet and what is big inside', async () => {
    const pod = readyPods(cluster, healthy)[0];
    const pvc = cluster.store.get('persistentvolumeclaims', ns, pvcName(healthy));
    const pv = cluster.store.get('persistentvolumes', undefined, pvc.spec.volumeName);
    const r = await odoo(['storage', deploymentName(healthy)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 10)).toEqual([
      `Instance:     ${ns}/${deploymentName(healthy)}`,
      `PVC:          ${pvcName(healthy)}  Bound`,
      '  Requested:    10Gi',
      '  Capacity:     10Gi',
      '  Class:        rook-cephfs',
      '  Access:       ReadWriteOnce',
      `  Volume:       ${pv.metadata.name} (rook-ceph.cephfs.csi.ceph.com)`,
      `  Subvolume:    ${pv.spec.csi.volumeAttributes.subvolumePath}`,
      '  Resize:       -',
      `Mounted by:   ${pod.metadata.name} on ${pod.spec.nodeName} (Running)`,
    ]);
    // 20 files of 100,000 bytes plus directories: about 1.9Mi of 10Gi.
    expect(lines[10]).toMatch(new RegExp(`^Usage:        1\\.9Mi used of 10Gi \\(0%\\), 10Gi available  \\[kubelet stats summary of node ${pod.spec.nodeName}\\]$`));
    expect(lines[11]).toBe('Largest directories:');
    // du counts allocated blocks: 20 files of 100,000 bytes take about 2Mi.
    expect(lines[12]).toMatch(/^\s+(1\.9|2)Mi  filestore$/);
    expect(lines[13]).toMatch(/^\s+(1\.9|2)Mi  filestore\/acme$/);
    expect(r.stdout).toMatch(/\n\s+8Ki  sessions\n/);
    expect(lines.at(-2)).toBe('Warnings:     none');
  });

  it('a full volume is a critical warning', async () => {
    const r = await odoo(['storage', deploymentName(full)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nUsage:        1(\.0)?Mi used of 1Mi \(9[6-9]%\), 0 available|\nUsage:        .* used of 1Mi \(9[6-9]%\)/);
    expect(r.stdout).toMatch(/\nWarnings:\n  ✗ volume is 9[6-9]% full \(above 95%\)\n$/);
  });

  it('a Pending PVC shows why, from its StorageClass and events', async () => {
    await waitFor('the ProvisioningFailed event', () => cluster.store.list('events', ns).some((e: any) => e.involvedObject?.name === pvcName(pending)));
    const r = await odoo(['storage', deploymentName(pending)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`PVC:          ${pvcName(pending)}  Pending\n`);
    expect(r.stdout).toContain('Usage:        unknown\n');
    expect(r.stdout).toContain(
      `Warnings:\n  ✗ PVC ${pvcName(pending)} is Pending: StorageClass "no-such-class" does not exist\n    event: ProvisioningFailed: storageclass.storage.k8s.io "no-such-class" not found\n`,
    );
  });

  it('a stopped instance: no figure and why; --measure looks through a short-lived pod', async () => {
    const r = await odoo(['storage', deploymentName(stopped)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Mounted by:   no pod\n');
    expect(r.stdout).toContain('Usage:        no figure: no running pod mounts the volume (the kubelet reports usage only for mounted volumes); --measure starts a short-lived pod to measure it\n');
    expect(r.stdout).toContain('Largest directories: instance not running: --measure looks inside through a short-lived pod\n');
    const m = await odoo(['storage', deploymentName(stopped), '--measure']);
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/\nUsage:        .* used of .*\[measured by short-lived pod odoo-sleepy-d1c2c3d4-f[0-9a-f]{6}\]\n/);
    expect(m.stdout).toMatch(/\n\s+2\d\dKi  filestore\/sleepy\n/);
    expect(m.stderr).toContain('is not running: starting pod');
  });

  it('--measure on a file system bigger than the PVC (no quota): use against the PVC, used from du, and a warning', async () => {
    const s: SeedInstance = { namespace: ns, db: 'noquota', id: 'f7c2c3d4e5f60718293a4b5c6d7e8f90', replicas: 0, size: '5Mi' };
    seedInstance(cluster, s);
    // df in the pod sees the whole host file system, as on a CephFS without a quota on the subvolume.
    fillFilestore(await pvcDir(cluster, s), 'noquota', 4, 500_000);
    const m = await odoo(['storage', deploymentName(s), '--measure']);
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/\nUsage: {8}(1\.9|2)Mi used of 5Mi \((38|39|40)%\), 3(\.\d)?Mi available \(the file system reports [\d.]+[GTP]i: see the warning\) {2}\[measured by short-lived pod [a-z0-9-]+\]\n/);
    expect(m.stdout).toMatch(new RegExp(`\\n {2}! the file system reports [\\d.]+[GTP]i but PVC ${pvcName(s)} has 5Mi: its size is not enforced, nothing stops it growing past 5Mi .*, used is the data directory's total \\(du\\)\\n`));
    const j = JSON.parse((await odoo(['storage', deploymentName(s), '--measure', '-o', 'json'])).stdout);
    expect(j.usage.capacityBytes).toBe(5 * 2 ** 20);
    expect(j.usage.filesystemCapacityBytes).toBeGreaterThan(5 * 2 ** 20);
    // Its volume goes too: a volume left without its instance is listed as kept (see storage -A).
    cluster.store.delete('deployments', ns, deploymentName(s));
    cluster.store.delete('persistentvolumeclaims', ns, pvcName(s));
  });

  it('a legacy instance: its hostPath directory, no capacity of its own, and what is big inside', async () => {
    const legacyDir = mkdtempSync(join(tmpdir(), 'odoo_data_legacy_'));
    try {
      fillFilestore(legacyDir, 'old', 8, 40_000);
      const s: SeedInstance = { namespace: ns, db: 'old', id: 'a8c2c3d4e5f60718293a4b5c6d7e8f90', hostPath: legacyDir };
      seedInstance(cluster, s);
      const pod = await waitReady(cluster, s);
      const r = await odoo(['storage', deploymentName(s)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Volume:       legacy hostPath ${legacyDir} (shared CephFS tree; "kubectl odoo migrate-storage ${deploymentName(s)}" moves it to its own PVC)\n`);
      expect(r.stdout).toContain(`Mounted by:   ${pod.metadata.name} on ${pod.spec.nodeName} (Running)\n`);
      expect(r.stdout).toMatch(/\nUsage: {8}3\d\dKi in the directory \(du\); a directory of the shared CephFS tree has no capacity of its own\n/);
      expect(r.stdout).toMatch(/\n\s+3\d\dKi  filestore\/old\n/);
      // -o name names only PersistentVolumeClaims: the legacy tree is none.
      const names = await odoo(['storage', '-o', 'name']);
      expect(names.code, names.stderr).toBe(0);
      expect(names.stdout.split('\n').filter(Boolean).every((l) => /^persistentvolumeclaim\/[a-z0-9][-a-z0-9.]*$/.test(l)), names.stdout).toBe(true);
      expect(names.stdout).not.toContain('hostPath');
      cluster.store.delete('deployments', ns, deploymentName(s));
    } finally {
      rmSync(legacyDir, { recursive: true, force: true });
    }
  });

  it('-o json carries the same facts', async () => {
    const r = await odoo(['storage', deploymentName(full), '-o', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.pvc).toMatchObject({ phase: 'Bound', requested: '1Mi', capacity: '1Mi', accessModes: ['ReadWriteOnce'] });
    expect(j.usage.capacityBytes).toBe(1 << 20);
    expect(j.warnings[0].level).toBe('critical');
  });

  it('prefers a fresh node agent summary over the kubelet', async () => {
    const pod = readyPods(cluster, healthy)[0];
    ensureNamespace(cluster, 'kubectl-odoo');
    const report = {
      node: pod.spec.nodeName,
      collectedAt: new Date().toISOString(),
      source: 'agent',
      ready: true,
      devices: [],
      prerequisites: [],
      usage: { filesystems: [], errors: [], volumes: [{ namespace: ns, pod: pod.metadata.name, pvc: pvcName(healthy), pv: 'x', path: '/x', sizeBytes: 10 * 2 ** 30, usedBytes: 9.2 * 2 ** 30, availableBytes: 0.8 * 2 ** 30 }] },
    };
    cluster.store.create('configmaps', {
      metadata: {
        name: `kubectl-odoo-node-${pod.spec.nodeName}`,
        namespace: 'kubectl-odoo',
        labels: { 'app.kubernetes.io/name': 'odoo-node-agent', 'app.kubernetes.io/component': 'node-summary' },
        annotations: { 'kubectl-odoo.io/node': pod.spec.nodeName },
      },
      data: { 'summary.json': JSON.stringify(report) },
    });
    try {
      const r = await odoo(['storage', deploymentName(healthy)]);
      expect(r.stdout).toMatch(/\nUsage: {8}9\.2Gi used of 10Gi \(92%\), 819\.2Mi available {2}\[node agent on node-\d, \d+s ago\]\n/);
      expect(r.stdout).toContain('Warnings:\n  ! volume is 92% full (above 85%)\n');
    } finally {
      cluster.store.delete('configmaps', 'kubectl-odoo', `kubectl-odoo-node-${pod.spec.nodeName}`);
    }
  });

  it('a ReadWriteOnce volume mounted from two nodes is a warning', async () => {
    const pod = readyPods(cluster, healthy)[0];
    const other = cluster.nodes.find((n) => n !== pod.spec.nodeName)!;
    cluster.store.create('pods', {
      metadata: { name: 'stray-writer', namespace: ns },
      spec: {
        nodeName: other,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: 'debian:bookworm-slim', command: ['sleep', '300'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: pvcName(healthy) } }],
      },
    });
    try {
      await waitFor('the stray pod to run', () => cluster.store.get('pods', ns, 'stray-writer')?.status?.phase === 'Running');
      const r = await odoo(['storage', deploymentName(healthy)]);
      expect(r.stdout).toContain(`Mounted by:   ${pod.metadata.name} on ${pod.spec.nodeName} (Running), stray-writer on ${other} (Running)\n`);
      expect(r.stdout).toContain(
        `  ! volume is mounted by pods on 2 nodes (${pod.metadata.name} on ${pod.spec.nodeName}, stray-writer on ${other}) although it is ReadWriteOnce: CephFS does not enforce ReadWriteOnce, so both write the same files\n`,
      );
    } finally {
      cluster.store.delete('pods', ns, 'stray-writer');
    }
  });
});

describe('storage -A', () => {
  it('one row per volume, a shared volume once, sorted by use', async () => {
    seedInstance(cluster, shared);
    await waitReady(cluster, shared);
    ensureNamespace(cluster, 'other');
    const elsewhere: SeedInstance = { namespace: 'other', db: 'zeta', id: 'f1c2c3d4e5f60718293a4b5c6d7e8f90' };
    seedInstance(cluster, elsewhere);
    await waitReady(cluster, elsewhere);
    await waitFor('the stray pod to be gone', () => !cluster.store.get('pods', ns, 'stray-writer'));
    const r = await odoo(['storage', '-A']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((x) => [x[0], x[1], x[2], x[3]])).toEqual([
      [ns, deploymentName(full), pvcName(full), 'Bound'],
      [ns, `${deploymentName(healthy)},${deploymentName(shared)}`, pvcName(healthy), 'Bound'],
      ['other', deploymentName(elsewhere), pvcName(elsewhere), 'Bound'],
      [ns, deploymentName(pending), pvcName(pending), 'Pending'],
      [ns, deploymentName(stopped), pvcName(stopped), 'Bound'],
    ]);
    expect(rows[0][6]).toMatch(/^9[6-9]%$/);
    expect(rows[1][4]).toBe('1.9Mi');
    expect(rows[4].slice(4, 7)).toEqual(['-', '10Gi', '-']);

    const byName = await odoo(['storage', '-n', ns, '--sort', 'name']);
    expect(byName.stdout.trim().split('\n').map((l) => l.split('\t')[0])).toEqual([
      deploymentName(healthy) + ',' + deploymentName(shared),
      deploymentName(full),
      deploymentName(pending),
      deploymentName(stopped),
    ]);
  });
});

describe('storage -A and volumes kept after delete', () => {
  it('lists a volume kept by "delete" as "deleted (volume kept)", with its size and no usage figure', async () => {
    const id = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
    const pvc = `odoo-instance-${id}`;
    ensureNamespace(cluster, 'other');
    cluster.store.create('persistentvolumeclaims', {
      metadata: {
        name: pvc,
        namespace: 'other',
        labels: { app: 'odoo-instance', 'managed-by': 'saasodoo', 'saasodoo.io/instance-id': id, 'saasodoo.io/instance-name': 'gone', 'saasodoo.io/customer-id': 'cust-1' },
        annotations: { 'kubectl-odoo.io/kept-after-delete': '2025-01-15T10:30:00Z' },
      },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '5Gi' } } },
    });
    const r = await odoo(['storage', '-A']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.find((x) => x[2] === pvc)).toEqual(['other', 'gone', pvc, 'deleted (volume kept)', '-', '5Gi', '-', '-']);
    // Volumes in use are not listed as kept: every PVC has one row.
    expect(rows.filter((x) => x[3] === 'deleted (volume kept)').map((x) => x[2])).toEqual([pvc]);
    expect(new Set(rows.map((x) => x[2])).size).toBe(rows.length);
    const json = JSON.parse((await odoo(['storage', '-n', 'other', '-o', 'json'])).stdout);
    expect(json.find((x: any) => x.pvc === pvc)).toMatchObject({ namespace: 'other', instances: ['gone'], phase: 'deleted (volume kept)' });
  });
});

describe('storage of a volume whose resize waits for the file system', () => {
  let frozen: TestCluster;
  beforeAll(async () => {
    // No controllers: the PVC stays exactly in the state it is put in.
    frozen = await startTestCluster({ controllers: false, kubelet: false });
  });
  afterAll(async () => {
    await frozen?.stop();
  });

  it('shows requested vs capacity, the conditions and what to do', async () => {
    const s: SeedInstance = { namespace: ns, db: 'grow', id: 'a9c2c3d4e5f60718293a4b5c6d7e8f90', replicas: 0 };
    seedInstance(frozen, { ...s, sharedPvc: pvcName(s) });
    mkdirSync(pvDataDir(frozen.dataDir, 'pv-grow'), { recursive: true });
    frozen.store.create('persistentvolumes', {
      metadata: { name: 'pv-grow' },
      spec: { capacity: { storage: '20Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', claimRef: { namespace: ns, name: pvcName(s) }, csi: { driver: 'rook-ceph.cephfs.csi.ceph.com', volumeHandle: 'h', volumeAttributes: { subvolumePath: '/volumes/csi/csi-vol-grow/1' } } },
    });
    const updated = frozen.store.create('persistentvolumeclaims', {
      metadata: { name: pvcName(s), namespace: ns },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', volumeName: 'pv-grow', resources: { requests: { storage: '20Gi' } } },
    });
    frozen.store.update('persistentvolumeclaims', {
      ...updated,
      status: {
        phase: 'Bound',
        capacity: { storage: '10Gi' },
        allocatedResourceStatuses: { storage: 'NodeResizePending' },
        conditions: [{ type: 'FileSystemResizePending', status: 'True', message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.' }],
      },
    });
    const r = await odoo(['storage', deploymentName(s)], frozen);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  Requested:    20Gi\n  Capacity:     10Gi\n');
    expect(r.stdout).toContain('  Resize:       pending 10Gi -> 20Gi (FileSystemResizePending, NodeResizePending)\n');
    expect(r.stdout).toContain(
      'Warnings:\n  ! resize pending: requested 20Gi, capacity 10Gi [FileSystemResizePending (Waiting for user to (re-)start a pod to finish file system resize of volume on node.), NodeResizePending]: the file system grows when a pod mounts the volume again (restart the instance)\n',
    );
  });
});

describe('bad input', () => {
  it.each([
    [['storage', 'x', '-A'], 'error: storage NAME acts on one instance: use -n NAMESPACE instead of -A (or -A without a NAME, for every namespace)'],
    [['storage', '--measure'], 'error: --measure goes with an instance NAME'],
    [['storage', 'Bad/Name'], 'error: invalid instance name "Bad/Name": give the Deployment name, instance id, platform instance name or database name (letters, digits, "-", "_" and ".", e.g. acme or odoo-acme-1a2b3c4d)'],
    [['storage', 'x', '-o', 'name'], 'error: -o name is for the table of volumes ("kubectl odoo storage -o name"); for one instance use -o json or yaml'],
  ])('%j', async (args, message) => {
    const r = await odoo(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });
});
