// migrate-storage against the test cluster: the legacy directory is a real hostPath directory, the copy
// and verify Jobs really run (rsync, find, sha256sum) with it mounted read-only and the new PVC's
// directory mounted at /target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { KUBECTL, kubectlOdoo, pluginEnv, operatorArgs } from '../harness/plugin.js';
import { deploymentName, ensureNamespace, pvcDir, pvcName, seedInstance, waitFor, waitReady, type SeedInstance } from '../storage/instanceFixture.js';
import { compareTrees, parseVerifyOutput, VERIFY_TREES_SCRIPT } from '../../plugin/migration/verify.js';

let cluster: TestCluster;
const legacyRoot = mkdtempSync(join(tmpdir(), 'odoo_instances-'));
const ns = 'saasodoo';

const ensureNs = (name: string) => ensureNamespace(cluster, name);
const odoo = (args: string[], stdin?: string) => kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath, stdin, timeoutMs: 180_000 });

/** A legacy data directory shaped like Odoo's: conf, filestore with hashed dirs, sessions, odd names. */
function makeLegacyTree(db: string, id: string): string {
  const dir = join(legacyRoot, `odoo_data_${db}_${id.slice(0, 8)}`);
  mkdirSync(join(dir, 'conf'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'odoo.conf'), `[options]\ndb_name = ${db}\n`);
  for (let i = 0; i < 40; i++) {
    const h = (i * 2654435761).toString(16).padStart(8, '0');
    mkdirSync(join(dir, 'filestore', db, h.slice(0, 2)), { recursive: true });
    writeFileSync(join(dir, 'filestore', db, h.slice(0, 2), h), Buffer.alloc(1000 + i * 37, i));
  }
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  writeFileSync(join(dir, 'sessions', 'werkzeug_abc.sess'), 'session');
  mkdirSync(join(dir, 'addons', '17.0'), { recursive: true });
  writeFileSync(join(dir, 'filestore', 'naïve name with spaces.txt'), 'ünïcødé');
  symlinkSync('filestore', join(dir, 'fs-link'));
  for (const p of [dir, join(dir, 'filestore'), join(dir, 'conf', 'odoo.conf')]) chownSync(p, 101, 101);
  return dir;
}

/** Listing + checksums of a directory, as the verify Job computes them. */
function snapshot(dir: string) {
  const out = execFileSync('sh', ['-c', VERIFY_TREES_SCRIPT], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, SOURCE_DIR: dir, TARGET_DIR: dir } });
  return parseVerifyOutput(out).source;
}

function dataVolume(s: SeedInstance): any {
  const d = cluster.store.get('deployments', ns, deploymentName(s));
  return d.spec.template.spec.volumes.find((v: any) => v.name === 'odoo-data');
}

beforeAll(async () => {
  cluster = await startTestCluster();
});

afterAll(async () => {
  await cluster?.stop();
  // Files the copy made immutable in a failure test must not stop the clean-up.
  rmSync(legacyRoot, { recursive: true, force: true });
});

describe('migrate-storage of one instance', () => {
  const s: SeedInstance = { namespace: ns, db: 'acme', id: 'c1c2c3d4e5f60718293a4b5c6d7e8f90' };
  let legacy: string;

  beforeAll(async () => {
    legacy = makeLegacyTree(s.db, s.id);
    seedInstance(cluster, { ...s, hostPath: legacy });
    await waitReady(cluster, s);
  });

  it('--dry-run measures and shows the plan, creating nothing', async () => {
    const r = await odoo(['migrate-storage', deploymentName(s), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^dry run ${ns}/${deploymentName(s)}: ${legacy} \\(\\d+(\\.\\d)?Ki on disk\\) would move to PVC ${pvcName(s)} \\(10Gi\\); nothing changed \\(-o yaml shows the objects\\)\n$`));
    expect(r.stderr).toMatch(/\n✓ measure: .* uses \d+(\.\d)?Ki on disk \(du\)/);
    const y = await odoo(['migrate-storage', deploymentName(s), '--dry-run', '-o', 'json']);
    expect(JSON.parse(y.stdout).objects.map((o: any) => o.kind)).toEqual(['PersistentVolumeClaim', 'Job', 'Job', 'Deployment']);
    expect(cluster.store.get('persistentvolumeclaims', ns, pvcName(s))).toBeUndefined();
    expect(dataVolume(s).hostPath.path).toBe(legacy);
  });

  it('copies, verifies, switches the Deployment to the PVC and leaves the legacy directory untouched', async () => {
    const before = snapshot(legacy);
    const mtime = statSync(join(legacy, 'conf', 'odoo.conf')).mtimeMs;
    const r = await odoo(['migrate-storage', deploymentName(s)]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    // Each step once, as it happens, on stderr; stdout says how it ended without repeating them.
    const steps = r.stderr.split('\n').filter((l) => /^[✓✗] /.test(l)).map((l) => l.replace(/: .*/, ''));
    expect(steps).toEqual(['✓ measure', '✓ create PVC', '✓ copy', '✓ stop', '✓ copy delta', '✓ verify', '✓ switch', '✓ start']);
    const t = [...before.values()];
    const files = t.filter((e) => e.type === 'f').length;
    expect(r.stderr).toContain(`✓ verify: source and copy match: ${files} files`);
    expect(r.stdout).toMatch(new RegExp(`^migrated ${ns}/${deploymentName(s)}: ${legacy} -> PVC ${pvcName(s)} \\(10Gi\\), ${files} files and \\d+(\\.\\d)?Ki of file data verified\n  ${legacy} is left untouched; remove it with "kubectl odoo migrate-storage ${deploymentName(s)} --drop-legacy" once you are satisfied\n$`));

    // The Deployment now mounts the PVC under the same volume name, and runs.
    expect(dataVolume(s)).toEqual({ name: 'odoo-data', persistentVolumeClaim: { claimName: pvcName(s) } });
    await waitReady(cluster, s);
    const pvc = cluster.store.get('persistentvolumeclaims', ns, pvcName(s));
    expect(pvc.spec).toMatchObject({ storageClassName: 'rook-cephfs', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });

    // Every file, link and owner made it; the source is as it was.
    const dir = await pvcDir(cluster, s);
    expect(compareTrees(before, snapshot(dir)).differences).toEqual([]);
    expect(readFileSync(join(dir, 'filestore', 'naïve name with spaces.txt'), 'utf8')).toBe('ünïcødé');
    expect(statSync(join(dir, 'conf', 'odoo.conf')).uid).toBe(101);
    expect(compareTrees(before, snapshot(legacy)).differences).toEqual([]);
    expect(statSync(join(legacy, 'conf', 'odoo.conf')).mtimeMs).toBe(mtime);
    // No Jobs are left behind after a success.
    expect(cluster.store.list('jobs', ns).filter((j: any) => j.metadata.labels?.['app.kubernetes.io/instance'] === deploymentName(s))).toEqual([]);
  });

  it('a second run says there is nothing to migrate', async () => {
    const r = await odoo(['migrate-storage', deploymentName(s)]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: instance ${deploymentName(s)} was already migrated from ${legacy} to PVC ${pvcName(s)}`);
  });

  it('--drop-legacy asks first and removes only that directory', async () => {
    const sibling = join(legacyRoot, 'odoo_data_other_00000000');
    mkdirSync(sibling, { recursive: true });
    const refused = await odoo(['migrate-storage', deploymentName(s), '--drop-legacy'], 'no\n');
    expect(refused.code).toBe(1);
    expect(existsSync(legacy)).toBe(true);
    const r = await odoo(['migrate-storage', deploymentName(s), '--drop-legacy'], `${deploymentName(s)}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`removed ${legacy} (legacy directory of ${deploymentName(s)})\n`);
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(sibling)).toBe(true);
  });
});

describe('the shared tree mounted whole, each instance by subPath (seed 001, option 1)', () => {
  // /…/cephfs/odoo_instances/odoo_data_<db>_<id8> per tenant and odoo_backups beside them, all behind
  // one hostPath volume; each Deployment picks its directory with subPath.
  const cephfs = join(legacyRoot, 'cephfs');
  const shop: SeedInstance = { namespace: 'tenants', db: 'shop', id: 'abcd1234e5f60718293a4b5c6d7e8f90' };
  const other: SeedInstance = { namespace: 'tenants', db: 'other', id: 'ffff0000e5f60718293a4b5c6d7e8f90' };
  const shopSub = 'odoo_instances/odoo_data_shop_abcd1234';
  const otherSub = 'odoo_instances/odoo_data_other_ffff0000';
  const shopDir = join(cephfs, shopSub);
  const otherDir = join(cephfs, otherSub);
  const backups = join(cephfs, 'odoo_backups');
  let before: { other: ReturnType<typeof snapshot>; backups: ReturnType<typeof snapshot>; shop: ReturnType<typeof snapshot> };

  beforeAll(async () => {
    for (const [dir, tag] of [[shopDir, 'shop'], [otherDir, 'other']] as const) {
      mkdirSync(join(dir, 'filestore', tag), { recursive: true });
      mkdirSync(join(dir, 'conf'), { recursive: true });
      writeFileSync(join(dir, 'conf', 'odoo.conf'), `[options]\ndb_name = ${tag}\n`);
      for (let i = 0; i < 10; i++) writeFileSync(join(dir, 'filestore', tag, `${tag}-${i}`), Buffer.alloc(2000 + i, i));
    }
    mkdirSync(backups, { recursive: true });
    writeFileSync(join(backups, 'other_20240101.zip'), Buffer.alloc(5000, 9));
    before = { other: snapshot(otherDir), backups: snapshot(backups), shop: snapshot(shopDir) };
    seedInstance(cluster, { ...shop, hostPath: cephfs, subPath: shopSub, extraMounts: [{ mountPath: '/mnt/cephfs/odoo_backups', subPath: 'odoo_backups' }] });
    seedInstance(cluster, { ...other, hostPath: cephfs, subPath: otherSub });
    await waitReady(cluster, shop);
    await waitReady(cluster, other);
  });

  const untouched = () => {
    expect(compareTrees(before.other, snapshot(otherDir)).differences).toEqual([]);
    expect(compareTrees(before.backups, snapshot(backups)).differences).toEqual([]);
  };

  it('--plan shows each instance\'s own directory, measured on its own', async () => {
    const plan = await odoo(['migrate-storage', '--all', '--plan', '-n', 'tenants']);
    expect(plan.code).toBe(0);
    const rows = plan.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([
      [deploymentName(other), otherDir, pvcName(other)],
      [deploymentName(shop), shopDir, pvcName(shop)],
    ]);
    const du = (d: string) => Number(execFileSync('du', ['-sk', d], { encoding: 'utf8' }).split('\t')[0]) * 1024;
    const { formatBytes } = await import('../../lib/bytes.js');
    expect(rows.map((r) => r[2])).toEqual([formatBytes(du(otherDir)), formatBytes(du(shopDir))]);
  });

  it('copies only this instance\'s directory into its PVC and keeps the shared volume for its other mount', async () => {
    const r = await odoo(['migrate-storage', deploymentName(shop), '-n', 'tenants']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^migrated tenants/${deploymentName(shop)}: ${shopDir} -> PVC`));
    const dir = await pvcDir(cluster, shop);
    expect(compareTrees(before.shop, snapshot(dir)).differences).toEqual([]);
    expect(existsSync(join(dir, 'odoo_instances'))).toBe(false);
    expect(existsSync(join(dir, 'odoo_backups'))).toBe(false);
    untouched();
    expect(compareTrees(before.shop, snapshot(shopDir)).differences).toEqual([]);
    // The data mount is on the PVC without the subPath; odoo_backups still comes from the shared tree.
    const d = cluster.store.get('deployments', 'tenants', deploymentName(shop));
    expect(d.spec.template.spec.volumes).toEqual([
      { name: 'odoo-data', hostPath: { path: cephfs, type: 'DirectoryOrCreate' } },
      { name: 'odoo-data-pvc', persistentVolumeClaim: { claimName: pvcName(shop) } },
    ]);
    expect(d.spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: 'odoo-data-pvc', mountPath: '/var/lib/odoo' },
      { name: 'odoo-data', mountPath: '/mnt/cephfs/odoo_backups', subPath: 'odoo_backups' },
    ]);
    await waitReady(cluster, shop);
  });

  it('an instance whose data volume is the whole tree (no subPath) is not migrated: exit 2, nothing created', async () => {
    const whole: SeedInstance = { namespace: 'tenants-whole', db: 'whole', id: 'eeee0000e5f60718293a4b5c6d7e8f90', replicas: 0 };
    seedInstance(cluster, { ...whole, hostPath: cephfs });
    const r = await odoo(['migrate-storage', deploymentName(whole), '-n', 'tenants-whole']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: cannot migrate ${deploymentName(whole)}: "${cephfs}" is not an instance's own data directory (expected .../odoo_data_<db>_<id8>); it may hold other instances' data`);
    const plan = await odoo(['migrate-storage', '--all', '--plan', '-n', 'tenants-whole']);
    expect(plan.stdout.trim().split('\t').at(-1)).toMatch(/^cannot migrate: /);
    expect(cluster.store.list('jobs', 'tenants-whole')).toEqual([]);
    expect(cluster.store.get('persistentvolumeclaims', 'tenants-whole', pvcName(whole))).toBeUndefined();
    untouched();
    // While it exists it mounts the whole tree: nothing below could be dropped (see below).
    cluster.store.delete('deployments', 'tenants-whole', deploymentName(whole));
  });

  it('--drop-legacy refuses while anything else mounts the directory, a parent or a child of it', async () => {
    // A backup agent in another namespace mounts the whole tree.
    ensureNs('ops');
    cluster.store.create('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'backup-agent', namespace: 'ops' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'backup-agent' } },
        template: {
          metadata: { labels: { app: 'backup-agent' } },
          spec: { containers: [{ name: 'agent', image: 'debian:bookworm-slim', volumeMounts: [{ name: 'tree', mountPath: '/mnt/cephfs' }] }], volumes: [{ name: 'tree', hostPath: { path: cephfs } }] },
        },
      },
    });
    try {
      const r = await odoo(['migrate-storage', deploymentName(shop), '-n', 'tenants', '--drop-legacy', '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`error: refusing to remove ${shopDir}: it is still in use by deployment ops/backup-agent (${cephfs}, a directory above it); nothing removed`);
      expect(existsSync(shopDir)).toBe(true);
    } finally {
      cluster.store.delete('deployments', 'ops', 'backup-agent');
    }
  });

  it('--drop-legacy refuses when the recorded directory and the migration record disagree', async () => {
    const d = cluster.store.get('deployments', 'tenants', deploymentName(shop));
    const annotations = { ...d.metadata.annotations };
    // What a migration that ignored subPath recorded: the whole tree.
    cluster.store.update('deployments', { ...d, metadata: { ...d.metadata, annotations: { ...annotations, 'kubectl-odoo.io/migrated-from': cephfs } } });
    try {
      const r = await odoo(['migrate-storage', deploymentName(shop), '-n', 'tenants', '--drop-legacy', '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`error: refusing to remove ${cephfs}: the records disagree: kubectl-odoo.io/migrated-from says ${cephfs}, the migration record gives ${shopDir}; nothing removed`);
      expect(existsSync(shopDir)).toBe(true);
      untouched();
    } finally {
      const cur = cluster.store.get('deployments', 'tenants', deploymentName(shop));
      cluster.store.update('deployments', { ...cur, metadata: { ...cur.metadata, annotations } });
    }
  });

  it('--drop-legacy removes only this instance\'s directory: the other tenant and odoo_backups stay', async () => {
    const r = await odoo(['migrate-storage', deploymentName(shop), '-n', 'tenants', '--drop-legacy', '--yes']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`removed ${shopDir} (legacy directory of ${deploymentName(shop)})\n`);
    expect(existsSync(shopDir)).toBe(false);
    untouched();
    expect(readFileSync(join(otherDir, 'conf', 'odoo.conf'), 'utf8')).toBe('[options]\ndb_name = other\n');
  });
});

describe('migrate-storage failures keep the legacy volume', () => {
  it('an interrupted copy stops before the switch, and a second run resumes and finishes', async () => {
    const s: SeedInstance = { namespace: ns, db: 'initech', id: 'd1c2c3d4e5f60718293a4b5c6d7e8f90' };
    const legacy = makeLegacyTree(s.db, s.id);
    seedInstance(cluster, { ...s, hostPath: legacy });
    await waitReady(cluster, s);
    // An earlier run left the PVC; its copy gets cut off by a directory it cannot write into.
    cluster.store.create('persistentvolumeclaims', {
      metadata: { name: pvcName(s), namespace: ns, annotations: { 'kubectl-odoo.io/migrated-from': legacy } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '10Gi' } } },
    });
    const dir = await pvcDir(cluster, s);
    mkdirSync(join(dir, 'filestore'), { recursive: true });
    execFileSync('chattr', ['+i', join(dir, 'filestore')]);
    let r;
    try {
      r = await odoo(['migrate-storage', deploymentName(s)]);
    } finally {
      execFileSync('chattr', ['-i', join(dir, 'filestore')]);
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✓ create PVC: reusing PVC');
    expect(r.stderr).toMatch(/\n✗ copy: copy Job .* failed: exit code \d+/);
    expect(r.stdout).toMatch(new RegExp(`^failed ${ns}/${deploymentName(s)}: stopped at copy: copy Job .* failed: exit code \\d+.*\n  the Deployment still uses its legacy volume, with its replicas as before; nothing in ${legacy} was changed; PVC ${pvcName(s)} is kept and a new run resumes with it\n$`));
    expect(r.stderr.trim().split('\n').pop()).toBe(`error: migration of ${deploymentName(s)} stopped at copy`);
    expect(dataVolume(s).hostPath.path).toBe(legacy);
    expect(cluster.store.get('deployments', ns, deploymentName(s)).spec.replicas).toBe(1);

    const again = await odoo(['migrate-storage', deploymentName(s)]);
    expect(again.code).toBe(0);
    expect(dataVolume(s).persistentVolumeClaim.claimName).toBe(pvcName(s));
    expect(compareTrees(snapshot(legacy), snapshot(dir)).differences).toEqual([]);
  });

  it('Ctrl-C during the copy stops cleanly: Job deleted, Deployment as it was, exit 130', async () => {
    const s: SeedInstance = { namespace: ns, db: 'umbrella', id: 'a7c2c3d4e5f60718293a4b5c6d7e8f90' };
    const legacy = makeLegacyTree(s.db, s.id);
    seedInstance(cluster, { ...s, hostPath: legacy });
    await waitReady(cluster, s);
    // kubectl execs the plugin in its own process, so the signal reaches the plugin as Ctrl-C would.
    const child = spawn(KUBECTL, ['odoo', ...operatorArgs(cluster.kubeconfigPath), 'migrate-storage', deploymentName(s)], { env: pluginEnv({ KUBECONFIG: cluster.kubeconfigPath }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const isCopyJob = (j: any) => j.metadata.name.startsWith(`${deploymentName(s)}-copy-`);
    await waitFor('the copy Job', () => cluster.store.list('jobs', ns).some(isCopyJob), 60_000);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/\n✗ (copy|stop|copy delta|verify): interrupted\n/);
    expect(stdout).toMatch(/^failed .*: stopped at (copy|stop|copy delta|verify): interrupted\n/);
    // The interrupt says where it stopped and what state the instance is in.
    expect(stderr.trim().split('\n').pop()).toMatch(
      new RegExp(`^error: interrupted: migration of ${deploymentName(s)} stopped at (copy|stop|copy delta|verify); the Deployment still uses its legacy volume, with its replicas as before; nothing in ${legacy} was changed; PVC ${pvcName(s)} is kept and a new run resumes with it$`),
    );
    expect(dataVolume(s).hostPath.path).toBe(legacy);
    expect(cluster.store.get('deployments', ns, deploymentName(s)).spec.replicas).toBe(1);
    await waitFor('the copy Jobs to be gone', () => !cluster.store.list('jobs', ns).some(isCopyJob));
    await waitReady(cluster, s);
  });

  it('a file that changes between copy and verify fails the verification and restarts on the legacy volume', async () => {
    const s: SeedInstance = { namespace: ns, db: 'hooli', id: 'e1c2c3d4e5f60718293a4b5c6d7e8f90' };
    const legacy = makeLegacyTree(s.db, s.id);
    seedInstance(cluster, { ...s, hostPath: legacy });
    await waitReady(cluster, s);
    // Another writer on the shared tree keeps appending to one session file while the migration runs.
    const writer = spawn('sh', ['-c', `while :; do printf x >> '${join(legacy, 'sessions', 'werkzeug_abc.sess')}'; sleep 0.01; done`], { stdio: 'ignore' });
    let r;
    try {
      r = await odoo(['migrate-storage', deploymentName(s)]);
    } finally {
      writer.kill('SIGKILL');
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n✗ verify: the copy differs from .*: sessions\/werkzeug_abc\.sess: (size differs|checksum differs)/);
    expect(r.stdout).toMatch(/^failed .*: stopped at verify: the copy differs/);
    expect(r.stdout).toContain('\n  the Deployment still uses its legacy volume');
    expect(dataVolume(s).hostPath.path).toBe(legacy);
    expect(cluster.store.get('deployments', ns, deploymentName(s)).spec.replicas).toBe(1);
    await waitReady(cluster, s);
    // The PVC stays, marked as this directory's copy, so a run in a quiet moment resumes with it.
    expect(cluster.store.get('persistentvolumeclaims', ns, pvcName(s)).metadata.annotations['kubectl-odoo.io/migrated-from']).toBe(legacy);
  });
});

describe('migrate-storage --all', () => {
  it('--plan lists every legacy instance with its size and target PVC; --all migrates them with a summary', async () => {
    const a: SeedInstance = { namespace: 'fleet', db: 'alpha', id: 'f1c2c3d4e5f60718293a4b5c6d7e8f90' };
    const b: SeedInstance = { namespace: 'fleet', db: 'beta', id: 'f2c2c3d4e5f60718293a4b5c6d7e8f90', replicas: 0 };
    const c: SeedInstance = { namespace: 'fleet', db: 'gamma', id: 'f3c2c3d4e5f60718293a4b5c6d7e8f90' };
    const la = makeLegacyTree(a.db, a.id);
    const lb = makeLegacyTree(b.db, b.id);
    writeFileSync(join(lb, 'filestore', 'big.bin'), Buffer.alloc(3 << 20, 7));
    seedInstance(cluster, { ...a, hostPath: la });
    seedInstance(cluster, { ...b, hostPath: lb });
    seedInstance(cluster, c);
    await waitReady(cluster, a);

    const plan = await odoo(['migrate-storage', '--all', '--plan', '-n', 'fleet']);
    expect(plan.code).toBe(0);
    const rows = plan.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[1], r[3], r[4]])).toEqual([
      [deploymentName(a), la, pvcName(a), '10Gi'],
      [deploymentName(b), lb, pvcName(b), '10Gi'],
    ]);
    const du = (d: string) => Number(execFileSync('du', ['-sk', d], { encoding: 'utf8' }).split('\t')[0]) * 1024;
    const { formatBytes } = await import('../../lib/bytes.js');
    expect(rows.map((r) => r[2])).toEqual([formatBytes(du(la)), formatBytes(du(lb))]);

    const r = await odoo(['migrate-storage', '--all', '-n', 'fleet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`[1/2] fleet/${deploymentName(a)}`);
    expect(r.stderr).toContain(`[2/2] fleet/${deploymentName(b)}`);
    expect(r.stdout).toContain('summary: 2 migrated, 0 failed');
    expect(r.stdout).not.toMatch(/✓/);
    for (const s of [a, b]) {
      const d = cluster.store.get('deployments', 'fleet', deploymentName(s));
      expect(d.spec.template.spec.volumes[0]).toEqual({ name: 'odoo-data', persistentVolumeClaim: { claimName: pvcName(s) } });
    }
    // The stopped one stays stopped.
    expect(cluster.store.get('deployments', 'fleet', deploymentName(b)).spec.replicas).toBe(0);
    expect(readFileSync(join(await pvcDir(cluster, b), 'filestore', 'big.bin')).length).toBe(3 << 20);
  });
});

describe('bad input', () => {
  it.each([
    [['migrate-storage'], 'error: migrate-storage needs an instance NAME or --all'],
    [['migrate-storage', 'x', '--all'], 'error: give an instance NAME or --all, not both'],
    [['migrate-storage', 'x', '--plan'], 'error: --plan goes with --all (for one instance use --dry-run)'],
    [['migrate-storage', 'x', '--size', 'lots'], 'error: invalid --size "lots": use a size such as 10Gi or 500Mi (the platform\'s 10G means 10Gi)'],
  ])('%j', async (args, message) => {
    const r = await odoo(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });
});

describe('migrate-storage interrupted', () => {
  const s: SeedInstance = { namespace: ns, db: 'killed', id: 'a9a8a7a6a5a4a3a2a1a0b9b8b7b6b5b4' };
  let legacy: string;

  beforeAll(async () => {
    legacy = makeLegacyTree(s.db, s.id);
    seedInstance(cluster, { ...s, hostPath: legacy });
    await waitReady(cluster, s);
  });

  it('SIGKILL after the stop leaves it locked and stopped, status says so, recover starts it again on whole data', async () => {
    const before = snapshot(legacy);
    const child = spawn(KUBECTL, ['odoo', ...operatorArgs(cluster.kubeconfigPath), '-n', ns, 'migrate-storage', deploymentName(s)], { env: pluginEnv({ KUBECONFIG: cluster.kubeconfigPath }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise((r) => child.on('close', r));
    await waitFor('the migration to stop the instance', () => /✓ stop: /.test(stderr), 120_000);
    child.kill('SIGKILL');
    await exited;
    const name = deploymentName(s);
    expect(cluster.store.get('deployments', ns, name).spec.replicas).toBe(0);
    const start = await odoo(['-n', ns, 'start', name]);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(new RegExp(`^error: instance ${name} is busy: (an interrupted )?migrate-storage \\(phase [^)]+\\) by `, 'm'));
    await waitFor('the lock to be left behind', async () => /Interrupted:/.test((await odoo(['-n', ns, 'status', name])).stdout), 120_000);
    const status = await odoo(['-n', ns, 'status', name]);
    expect(status.stdout).toMatch(new RegExp(`Interrupted: +migrate-storage \\(phase [^)]+\\) by .*; it stopped ${name} \\(it had 1 replica\\); run "kubectl odoo recover ${name}"`));
    const r = await odoo(['-n', ns, 'recover', name, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^instance/${name}: started ${name} \\(1 replica\\); it is ready$`, 'm'));
    await waitReady(cluster, s);
    // The Deployment uses the legacy directory or the new PVC, never neither, and the legacy tree is whole.
    const vol = dataVolume(s);
    expect(vol.hostPath?.path === legacy || vol.persistentVolumeClaim?.claimName === pvcName(s)).toBe(true);
    expect(snapshot(legacy)).toEqual(before);
    expect(cluster.store.get('leases', ns, `odoo-lock-${name}`)).toBeUndefined();
  }, 300_000);
});

describe('migrate-storage in a namespace that enforces Pod Security baseline', () => {
  const s: SeedInstance = { namespace: 'pinned', db: 'wayne', id: 'b0c2c3d4e5f60718293a4b5c6d7e8f90', replicas: 0 };

  it('is refused before anything changes, with the namespace label its hostPath Jobs need', async () => {
    const legacy = makeLegacyTree(s.db, s.id);
    seedInstance(cluster, { ...s, hostPath: legacy });
    const ns = cluster.store.get('namespaces', undefined, 'pinned');
    ns.metadata.labels = { ...ns.metadata.labels, 'pod-security.kubernetes.io/enforce': 'baseline' };
    cluster.store.update('namespaces', ns);
    const r = await odoo(['-n', 'pinned', 'migrate-storage', deploymentName(s)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^✗ measure: measure Job \S+ cannot run in namespace pinned: its pod violates PodSecurity "baseline:latest" enforced there: hostPath volumes \(volume "legacy"\); it needs the namespace label pod-security.kubernetes.io\/enforce=privileged \(kubectl label namespace pinned pod-security.kubernetes.io\/enforce=privileged --overwrite\); nothing was changed\n/m,
    );
    expect(cluster.store.list('jobs', 'pinned')).toEqual([]);
    expect(cluster.store.list('persistentvolumeclaims', 'pinned').filter((p: any) => p.metadata.name === pvcName(s))).toEqual([]);
    expect(cluster.store.get('leases', 'pinned', `odoo-lock-${deploymentName(s)}`)).toBeUndefined();
    const d = cluster.store.get('deployments', 'pinned', deploymentName(s));
    expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'odoo-data').hostPath.path).toBe(legacy);
  });
});
