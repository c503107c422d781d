// Faults the backup and restore Jobs must survive without losing data, against real tar, zstd,
// PostgreSQL and a real small file system: a backups volume that fills up, and a signal (the kubelet's
// SIGTERM to PID 1, or SIGKILL once the grace period is over) at every step of a backup and a restore.
// After each: the database holds wholly the old or wholly the new rows, the files are wholly old or
// wholly new, no attachment row lacks its file, and recover (RECOVER_SCRIPT) leaves one whole state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { addAttachments, createOdooInstance, databaseSnapshot, treeSnapshot, type OdooInstanceData } from './odooFixture.js';
import { runScript, startScript } from './scriptRunner.js';
import { mountSmallVolume, type SmallVolume } from './smallVolume.js';
import { BACKUP_SCRIPT, LIST_SCRIPT, RECOVER_SCRIPT, RESTORE_SCRIPT } from '../../plugin/backups/scripts.js';
import { buildManifestBase, encodeManifestBase } from '../../plugin/backups/manifest.js';
import { parseBackupListing } from '../../plugin/backups/listing.js';
import { planPrune } from '../../plugin/backups/retention.js';
import { formatBackupTimestamp, sideDatabaseName } from '../../plugin/backups/naming.js';
import { waitFor } from '../harness/waitFor.js';

const OWNER = 'odoo_faults';
const PASSWORD = 'faults-db-pass';
const DB = 'faults';
const CUSTOMER = 'cust-f';
let pg: TestPostgres;
let root: string;
let inst: OdooInstanceData;
let seconds = Date.UTC(2025, 2, 1, 8, 0, 0) / 1000;
const nextTs = () => formatBackupTimestamp(new Date((seconds += 61) * 1000));

function backupEnv(backupRoot: string, ts: string, consistency: 'live' | 'stop' = 'stop'): Record<string, string> {
  const base = buildManifestBase({ timestamp: ts, instance: DB, namespace: 'saasodoo', customerId: CUSTOMER, database: DB, image: 'odoo:17.0', dataMountPath: '/var/lib/odoo', consistency, toolVersion: '0.2.0' });
  return {
    ...pg.env(OWNER, PASSWORD, DB),
    SRC_DIR: inst.dataDir,
    BACKUP_ROOT: backupRoot,
    SET_PARENT: `active/${CUSTOMER}/${DB}`,
    SET_NAME: ts,
    MANIFEST_BASE: encodeManifestBase(base),
    CONSISTENCY: consistency,
  };
}

function restoreEnv(backupRoot: string, setPath: string): Record<string, string> {
  const op = nextTs().toLowerCase();
  return {
    ...pg.env(OWNER, PASSWORD, DB),
    BACKUP_ROOT: backupRoot,
    SET_PATH: setPath,
    DATA_DIR: inst.dataDir,
    SOURCE_DB: DB,
    SCRATCH_DB: sideDatabaseName(DB, 'restore', op),
    OLD_DB: sideDatabaseName(DB, 'old', op),
    OP_ID: op,
    REPLACED: 'keep',
  };
}

const recover = (mode: 'apply' | 'cleanup' | 'inspect') => runScript(RECOVER_SCRIPT, { ...pg.env(OWNER, PASSWORD, DB), DATA_DIR: inst.dataDir, MODE: mode });

function listSets(backupRoot: string) {
  const out = execFileSync('sh', ['-c', LIST_SCRIPT], { env: { PATH: process.env.PATH!, BACKUP_ROOT: backupRoot, CUSTOMER_GLOB: CUSTOMER, INSTANCE_GLOB: DB }, encoding: 'utf8' });
  return parseBackupListing(out);
}

/** The instance as a restore must leave it: its rows, its files (without restore bookkeeping). */
async function instanceState(): Promise<{ rows: string; files: Record<string, string> }> {
  return { rows: await databaseSnapshot(pg, DB), files: treeSnapshot(inst.dataDir, (rel) => rel.startsWith('.odoo-restore-')) };
}

/** Every attachment row has its file in the filestore. */
async function attachmentsWithoutFiles(): Promise<string[]> {
  const names = (await pg.psql("select store_fname from ir_attachment where coalesce(store_fname, '') <> ''", { database: DB })).trim().split('\n').filter(Boolean);
  return names.filter((n) => !existsSync(join(inst.dataDir, 'filestore', DB, n)));
}

async function sideDatabases(): Promise<string[]> {
  return (await pg.psql(`select datname from pg_database where datname like '${DB}\\_\\_%' order by 1`)).trim().split('\n').filter(Boolean);
}

/** Restores the set byte for byte into a fresh folder and database: what "complete" must mean. */
async function restoresByteForByte(backupRoot: string, setPath: string, expected: { rows: string; files: Record<string, string> }): Promise<void> {
  const set = join(backupRoot, setPath);
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-check-'));
  const db = `${DB}_check_${Date.now()}`;
  try {
    const data = readdirSync(set).find((f) => f.startsWith('data.tar.'))!;
    const dump = readdirSync(set).find((f) => f.startsWith('db.dump.'))!;
    execFileSync('sh', ['-c', `zstd -dc "$1" | tar -C "$2" --numeric-owner -xpf -`, 'sh', join(set, data), dir]);
    expect(treeSnapshot(dir)).toEqual(expected.files);
    await pg.psql(`CREATE DATABASE "${db}" OWNER "${OWNER}" TEMPLATE template0`);
    execFileSync('sh', ['-c', `zstd -dc "$1" | pg_restore --no-owner --no-privileges --exit-on-error --dbname="$2"`, 'sh', join(set, dump), db], { env: { ...process.env, ...pg.env(OWNER, PASSWORD, DB) } });
    expect(await databaseSnapshot(pg, db)).toBe(expected.rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pg.psql(`DROP DATABASE IF EXISTS "${db}"`);
  }
}

beforeAll(async () => {
  pg = await startPostgres();
  await pg.createRole(OWNER, PASSWORD, { createdb: true });
  root = mkdtempSync(join(tmpdir(), 'kubectl-odoo-faults-'));
  const dataDir = join(root, 'instance');
  mkdirSync(dataDir);
  inst = await createOdooInstance(pg, { database: DB, owner: OWNER, password: PASSWORD, dataDir, attachments: 30 });
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a backups volume that fills up', () => {
  let vol: SmallVolume;
  const mnt = () => vol.mountPoint;
  beforeAll(async () => {
    // 24 MiB that do not compress: the set needs about that much room.
    const big = join(inst.dataDir, 'filestore', DB, 'big');
    mkdirSync(big, { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(big, `blob${i}`), randomBytes(4 << 20));
    const dir = join(root, 'small-backups');
    mkdirSync(dir);
    vol = mountSmallVolume(dir, 48 << 20);
  });
  afterAll(() => {
    vol?.remove();
    rmSync(join(inst.dataDir, 'filestore', DB, 'big'), { recursive: true, force: true });
  });

  it.each([
    ['1 MiB free: refused before it starts, with the numbers', 1 << 20, 'refused'],
    ['16 MiB free: runs out of space midway', 16 << 20, 'no-space'],
    ['40 MiB free: fits', 40 << 20, 'complete'],
  ] as const)('%s', async (_what, free, outcome) => {
    rmSync(join(mnt(), 'active'), { recursive: true, force: true });
    vol.leaveFree(free);
    const expected = await instanceState();
    const ts = nextTs();
    const run = await runScript(BACKUP_SCRIPT, backupEnv(mnt(), ts));
    const sets = listSets(mnt());
    expect(sets).toHaveLength(1);
    if (outcome === 'complete') {
      expect(run.code, run.output).toBe(0);
      expect(sets[0].state).toBe('complete');
      await restoresByteForByte(mnt(), sets[0].path, expected);
      return;
    }
    expect(run.code).toBe(1);
    expect(sets[0].state).toBe('failed');
    const line = run.output.split('\n').find((l) => l.startsWith('ERROR '))!;
    if (outcome === 'refused') {
      expect(line).toMatch(/^ERROR not enough space on the backups volume: about \d+(\.\d)?Mi needed \(files \d+(\.\d)?Mi and database \d+(\.\d)?[KM]i at the usual compression\), \d+(\.\d)?[KM]i free$/);
    } else {
      expect(line).toMatch(/^ERROR no space left on device on the backups volume \(\d+(\.\d)?(B|Ki|Mi) free\)$/);
      expect(sets[0].error).toBe(line.slice('ERROR '.length));
      // The partial files are gone: only the FAILED note is left, and the space is back.
      expect(readdirSync(join(mnt(), sets[0].folder))).toEqual(['FAILED']);
      expect(vol.freeBytes()).toBeGreaterThan(free - (1 << 20));
    }
  });

  it('prune keeps the newest proven set and never counts a failed one', async () => {
    rmSync(join(mnt(), 'active'), { recursive: true, force: true });
    vol.leaveFree(40 << 20);
    const good = await runScript(BACKUP_SCRIPT, backupEnv(mnt(), nextTs()));
    expect(good.code).toBe(0);
    vol.leaveFree(16 << 20);
    const full = await runScript(BACKUP_SCRIPT, backupEnv(mnt(), nextTs()));
    expect(full.code).toBe(1);
    const sets = listSets(mnt());
    const plan = planPrune(sets, { keepLast: 1 });
    expect(plan.map((d) => [d.set.state, d.keep])).toEqual([
      ['failed', false],
      ['complete', true],
    ]);
  });
});

describe('signals during a backup', () => {
  const backups = () => join(root, 'backups');
  it.each([
    ['database', 'SIGTERM'],
    ['data', 'SIGTERM'],
    ['prove', 'SIGTERM'],
    ['rename', 'SIGTERM'],
    ['data', 'SIGKILL'],
    ['rename', 'SIGKILL'],
  ] as const)('%s, %s: never a complete set, the instance untouched', async (point, signal) => {
    const before = await instanceState();
    const pause = join(root, `pause-${point}`);
    writeFileSync(pause, '');
    const ts = nextTs();
    const { child, done } = startScript(BACKUP_SCRIPT, { ...backupEnv(backups(), ts, 'live'), PAUSE_AT: point, PAUSE_FILE: pause });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor(`the backup to pause at ${point}`, () => out.includes(`PAUSED ${point}`), 30_000);
    // The kubelet signals PID 1 only; SIGKILL ends the whole container.
    if (signal === 'SIGTERM') process.kill(child.pid!, 'SIGTERM');
    else process.kill(-child.pid!, 'SIGKILL');
    rmSync(pause, { force: true });
    const r = await done;
    expect(r.code === 0).toBe(false);
    const set = listSets(backups()).find((s) => s.timestamp === ts)!;
    expect(set.state).not.toBe('complete');
    expect(existsSync(join(backups(), set.path))).toBe(false);
    expect(await instanceState()).toEqual(before);
  });
});

/**
 * Runs the restore script until it pauses at `point`, then signals it as the kubelet would (SIGTERM to
 * PID 1, or SIGKILL to the whole container) and lets it end.
 */
async function restoreInterruptedAt(env: Record<string, string>, point: string, signal: 'SIGTERM' | 'SIGKILL') {
  const pause = join(root, `pause-restore-${point}`);
  writeFileSync(pause, '');
  const { child, done } = startScript(RESTORE_SCRIPT, { ...env, PAUSE_AT: point, PAUSE_FILE: pause });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await waitFor(`the restore to pause at ${point}`, () => out.includes(`PAUSED ${point}`), 60_000);
  if (signal === 'SIGTERM') process.kill(child.pid!, 'SIGTERM');
  else process.kill(-child.pid!, 'SIGKILL');
  rmSync(pause, { force: true });
  return done;
}

describe('signals at every step of a restore', () => {
  const backups = () => join(root, 'backups');
  let fromSet: string;
  let backSet: string;
  let stateNew: { rows: string; files: Record<string, string> };
  let stateOld: { rows: string; files: Record<string, string> };

  /** Back to the "old" state, by an uninterrupted restore of the set taken of it. */
  async function resetToOld(): Promise<void> {
    const r = await runScript(RESTORE_SCRIPT, restoreEnv(backups(), backSet));
    expect(r.code, r.output).toBe(0);
    expect((await recover('cleanup')).code).toBe(0);
    expect(await instanceState()).toEqual(stateOld);
  }

  beforeAll(async () => {
    // "new": what the restore brings; "old": what the instance has when the restore starts.
    stateNew = await instanceState();
    const a = nextTs();
    expect((await runScript(BACKUP_SCRIPT, backupEnv(backups(), a))).code).toBe(0);
    fromSet = `active/${CUSTOMER}/${DB}/${a}`;
    await addAttachments(pg, { database: DB, owner: OWNER, password: PASSWORD, dataDir: inst.dataDir }, 4);
    await pg.psql("UPDATE res_partner SET name = 'changed after the backup' WHERE id < 20", { database: DB });
    writeFileSync(join(inst.dataDir, 'conf', 'odoo.conf'), '[options]\ndb_name = faults\nworkers = 4\n');
    mkdirSync(join(inst.dataDir, 'extra-addons'));
    writeFileSync(join(inst.dataDir, 'extra-addons', 'README'), 'only in the old state');
    stateOld = await instanceState();
    const b = nextTs();
    expect((await runScript(BACKUP_SCRIPT, backupEnv(backups(), b))).code).toBe(0);
    backSet = `active/${CUSTOMER}/${DB}/${b}`;
    expect(stateOld).not.toEqual(stateNew);
  }, 120_000);

  // Before the swap: untouched. During it: a SIGTERM waits for the swap, so it completes.
  it.each([
    ['check', 'SIGTERM', 'old', 'untouched'],
    ['files+database', 'SIGTERM', 'old', 'untouched'],
    ['swap', 'SIGTERM', 'new', 'committed'],
    ['db-swapped', 'SIGTERM', 'new', 'committed'],
    ['out-1', 'SIGTERM', 'new', 'committed'],
    ['in-1', 'SIGTERM', 'new', 'committed'],
    ['check', 'SIGKILL', 'old', 'killed'],
    ['files+database', 'SIGKILL', 'old', 'killed'],
    ['swap', 'SIGKILL', 'old', 'killed'],
    ['db-swapped', 'SIGKILL', 'new', 'killed'],
    ['out-1', 'SIGKILL', 'new', 'killed'],
    ['in-1', 'SIGKILL', 'new', 'killed'],
  ] as const)('%s, %s: wholly %s after recover (STATE %s)', async (point, signal, after, stateLine) => {
    const r = await restoreInterruptedAt(restoreEnv(backups(), fromSet), point, signal);
    expect(r.code === 0).toBe(false);
    if (stateLine !== 'killed') expect(r.output).toMatch(new RegExp(`^STATE ${stateLine}$`, 'm'));
    else expect(r.output).not.toMatch(/^STATE /m);
    // Whatever was left, recover makes it whole (and is idempotent).
    const applied = await recover('apply');
    expect(applied.code, applied.output).toBe(0);
    expect((await recover('apply')).code).toBe(0);
    expect(await instanceState()).toEqual(after === 'new' ? stateNew : stateOld);
    expect(await attachmentsWithoutFiles()).toEqual([]);
    // Once the instance runs again, what was replaced goes; nothing else is left.
    expect((await recover('cleanup')).code).toBe(0);
    expect(readdirSync(inst.dataDir).filter((n) => n.startsWith('.odoo-restore-'))).toEqual([]);
    expect(await sideDatabases()).toEqual([]);
    expect(await instanceState()).toEqual(after === 'new' ? stateNew : stateOld);
    if (after === 'new') await resetToOld();
  });

  it('an interrupted restore blocks the next one until recover resolves it', async () => {
    const pause = join(root, 'pause-block');
    writeFileSync(pause, '');
    const { child, done } = startScript(RESTORE_SCRIPT, { ...restoreEnv(backups(), fromSet), PAUSE_AT: 'out-1', PAUSE_FILE: pause });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor('the restore to pause in its swap', () => out.includes('PAUSED out-1'), 60_000);
    process.kill(-child.pid!, 'SIGKILL');
    rmSync(pause, { force: true });
    await done;
    const again = await runScript(RESTORE_SCRIPT, restoreEnv(backups(), fromSet));
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/^ERROR an earlier restore left \.odoo-restore-\S+ on the volume \(state out\): run kubectl odoo recover first$/m);
    const inspected = await recover('inspect');
    expect(inspected.output).toMatch(/^RESTORE \S+ out faults__restore_\S+ faults__old_\S+$/m);
    expect((await recover('apply')).output).toMatch(/^FINISHED \S+$/m);
    expect(await instanceState()).toEqual(stateNew);
    expect((await recover('cleanup')).code).toBe(0);
    await resetToOld();
  });
});

describe('signals at every step of a files-only restore of a platform archive', () => {
  const backups = () => join(root, 'backups');
  let toNew: string;
  let toOld: string;
  let filesNew: Record<string, string>;
  let filesOld: Record<string, string>;

  /** `tar czf` of a copy of the volume, changed by `change`, as the platform writes its archives. */
  function platformArchive(name: string, change: (dir: string) => void): { path: string; files: Record<string, string> } {
    const dir = join(root, `archived-${name}`);
    execFileSync('cp', ['-a', inst.dataDir, dir]);
    for (const e of readdirSync(dir).filter((n) => n.startsWith('.odoo-restore-'))) rmSync(join(dir, e), { recursive: true, force: true });
    change(dir);
    const path = `active/${CUSTOMER}/${name}.tar.gz`;
    mkdirSync(join(backups(), 'active', CUSTOMER), { recursive: true });
    execFileSync('tar', ['czf', join(backups(), path), '-C', dir, '.']);
    return { path, files: treeSnapshot(dir) };
  }
  const filesOnlyEnv = (path: string) => ({ ...restoreEnv(backups(), path), FILES_ONLY: '1' });

  beforeAll(() => {
    ({ path: toOld, files: filesOld } = platformArchive('platform-old', () => undefined));
    ({ path: toNew, files: filesNew } = platformArchive('platform-new', (dir) => {
      writeFileSync(join(dir, 'conf', 'odoo.conf'), '[options]\ndb_name = faults\n; from the platform archive\n');
      writeFileSync(join(dir, 'filestore', DB, 'only-in-the-archive'), randomBytes(70_000));
      rmSync(join(dir, 'sessions'), { recursive: true, force: true });
    }));
    expect(filesNew).not.toEqual(filesOld);
  });

  it.each([
    ['check', 'SIGKILL', 'old'],
    ['files+database', 'SIGTERM', 'old'],
    ['swap', 'SIGKILL', 'old'],
    ['out-1', 'SIGTERM', 'new'],
    ['out-1', 'SIGKILL', 'new'],
    ['in-1', 'SIGKILL', 'new'],
  ] as const)('%s, %s: wholly the %s files after recover, the database never touched', async (point, signal, after) => {
    const rows = await databaseSnapshot(pg, DB);
    expect(treeSnapshot(inst.dataDir, (rel) => rel.startsWith('.odoo-restore-'))).toEqual(filesOld);
    expect((await restoreInterruptedAt(filesOnlyEnv(toNew), point, signal)).code === 0).toBe(false);
    const applied = await recover('apply');
    expect(applied.code, applied.output).toBe(0);
    expect((await recover('cleanup')).code).toBe(0);
    expect(treeSnapshot(inst.dataDir)).toEqual(after === 'new' ? filesNew : filesOld);
    expect(await databaseSnapshot(pg, DB)).toBe(rows);
    expect(await sideDatabases()).toEqual([]);
    if (after === 'new') {
      const back = await runScript(RESTORE_SCRIPT, filesOnlyEnv(toOld));
      expect(back.code, back.output).toBe(0);
      expect((await recover('cleanup')).code).toBe(0);
    }
  });
});
