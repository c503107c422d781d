// Full volumes, as a user meets them through the real kubectl: a small real file system mounted over
// the backups PVC's directory (and, for the staging check, over the instance's own volume). A backup
// that cannot fit never becomes a complete set, a restore whose safety backup cannot be made restores
// nothing, prune keeps the good set, and a restore that cannot be staged is refused before anything
// changes. Needs root (loop devices).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { databaseSnapshot, treeSnapshot } from './odooFixture.js';
import { startBackupWorld, readyPods, waitFor, CUSTOMER, NS, type BackupWorld } from './clusterFixture.js';
import { mountSmallVolume, type SmallVolume } from './smallVolume.js';

let pg: TestPostgres;
let w: BackupWorld;
let good: string;
const held: SmallVolume[] = [];

/** Mounts a small file system over `dir`, with what `dir` held copied onto it. */
function mountOver(dir: string, bytes: number): SmallVolume {
  const keep = mkdtempSync(join(tmpdir(), 'kubectl-odoo-keep-'));
  execFileSync('cp', ['-a', `${dir}/.`, keep]);
  const vol = mountSmallVolume(dir, bytes);
  held.push(vol);
  execFileSync('cp', ['-a', `${keep}/.`, dir]);
  rmSync(keep, { recursive: true, force: true });
  return vol;
}

/** Unmounts it again, copying what it holds back onto the directory underneath. */
function unmount(vol: SmallVolume): void {
  const keep = mkdtempSync(join(tmpdir(), 'kubectl-odoo-keep-'));
  execFileSync('cp', ['-a', `${vol.mountPoint}/.`, keep]);
  rmSync(join(keep, '.filler'), { force: true });
  rmSync(join(keep, 'lost+found'), { recursive: true, force: true });
  vol.remove();
  held.splice(held.indexOf(vol), 1);
  execFileSync('cp', ['-a', `${keep}/.`, vol.mountPoint]);
  rmSync(keep, { recursive: true, force: true });
}

const state = async () => ({ rows: await databaseSnapshot(pg, w.db), files: treeSnapshot(w.dataDir, (rel) => rel === 'lost+found' || rel.startsWith('lost+found/')) });

async function sets(): Promise<any[]> {
  const r = await w.odoo(['backups', w.name, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg);
  // 24 MiB that do not compress.
  const big = join(w.dataDir, 'filestore', w.db, 'big');
  mkdirSync(big, { recursive: true });
  for (let i = 0; i < 6; i++) writeFileSync(join(big, `blob${i}`), randomBytes(4 << 20));
  await waitFor('the instance to be ready', () => readyPods(w).length > 0);
  const b = await w.odoo(['backup', w.name, '--wait'], { timeoutMs: 180_000 });
  expect(b.code, b.stderr).toBe(0);
  good = /^backup\/(active\/\S+) complete/.exec(b.stdout)![1];
}, 300_000);

afterAll(async () => {
  for (const v of [...held].reverse()) v.remove();
  await w?.cluster.stop();
  await pg?.stop();
});

describe('a full backups volume', () => {
  let vol: SmallVolume;
  beforeAll(() => {
    vol = mountOver(w.backupsDir, 96 << 20);
  });
  afterAll(() => unmount(vol));

  it('a backup that runs out of room fails in one line, is listed failed, and latest stays the good set', async () => {
    // Above the estimate from the good set's compression (0.9 of its size), below what it takes.
    vol.leaveFree(Math.round(24.5 * (1 << 20)));
    const r = await w.odoo(['backup', w.name, '--wait'], { timeoutMs: 180_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backup of odoo-acme-1a2b3c4d failed: no space left on device on the backups volume \(\d+(\.\d)?(B|Ki|Mi) free\)$/m);
    const listed = await sets();
    expect(listed.filter((s) => s.state === 'complete').map((s) => s.path)).toEqual([good]);
    expect(listed.find((s) => s.state === 'failed')?.error).toMatch(/^no space left on device on the backups volume/);
    const plan = await w.odoo(['restore', w.name, '--from', 'latest', '--dry-run']);
    expect(plan.stderr).toContain(`--from latest: ${good} `);
  }, 240_000);

  it('a backup that clearly cannot fit is refused before it starts, with the numbers', async () => {
    vol.leaveFree(1 << 20);
    const r = await w.odoo(['backup', w.name, '--wait'], { timeoutMs: 180_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backup of odoo-acme-1a2b3c4d failed: not enough space on the backups volume: about \d+(\.\d)?Mi needed \(files \d+(\.\d)?Mi and database \d+(\.\d)?[KM]i at the usual compression\), \d+(\.\d)?[KM]i free$/m);
  }, 240_000);

  it('a restore whose safety backup cannot be made restores nothing and says why', async () => {
    vol.leaveFree(16 << 20);
    const before = await state();
    const r = await w.odoo(['restore', w.name, '--from', 'latest', '--yes'], { timeoutMs: 300_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the safety backup of odoo-acme-1a2b3c4d failed, so nothing was restored: backup of odoo-acme-1a2b3c4d failed: (no space left on device on the backups volume|not enough space on the backups volume)/m);
    expect(await state()).toEqual(before);
    await waitFor('the instance to run again', () => readyPods(w).length === 1, 120_000);
    expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    expect((await sets()).filter((s) => s.state === 'complete' && s.safety)).toEqual([]);
  }, 400_000);

  it('prune --keep-last 1 keeps the good set and removes the failed ones', async () => {
    vol.leaveFree(40 << 20);
    const r = await w.odoo(['backups', 'prune', w.name, '--keep-last', '1', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const left = await sets();
    expect(left.map((s) => [s.path, s.state])).toEqual([[good, 'complete']]);
    expect(readdirSync(join(w.backupsDir, 'active', CUSTOMER, w.name))).toEqual([good.split('/').at(-1)]);
  }, 240_000);
});

describe("a restore that does not fit on the instance's volume", () => {
  it('is refused before the instance is stopped, with the numbers', async () => {
    const before = await state();
    // The volume holds its 24 MiB with little room left: not enough to stage the set beside them.
    const vol = mountOver(w.dataDir, 40 << 20);
    try {
      const r = await w.odoo(['restore', w.name, '--from', 'latest', '--yes'], { timeoutMs: 240_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: not enough space on odoo-acme-1a2b3c4d's volume to stage the restore: \d+(\.\d)?Mi needed, \d+(\.\d)?Mi free; nothing was changed$/m);
      expect(r.stderr).not.toMatch(/stopping/);
      expect(w.cluster.store.get('deployments', NS, w.name).spec.replicas).toBe(1);
      expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    } finally {
      unmount(vol);
    }
    expect(await state()).toEqual(before);
  }, 240_000);
});
