// The Job scripts against real tar, real compression and a real PostgreSQL holding an Odoo-shaped
// database: what they leave on the backups volume, in the instance volume and in the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, unlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { addAttachments, createOdooInstance, databaseSnapshot, treeSnapshot, type OdooInstanceData } from './odooFixture.js';
import { runScript, startScript } from './scriptRunner.js';
import { BACKUP_SCRIPT, LIST_SCRIPT, RECOVER_SCRIPT, RESTORE_SCRIPT, SET_OPS_SCRIPT, VERIFY_SCRIPT } from '../../plugin/backups/scripts.js';
import { buildManifestBase, checkManifest, encodeManifestBase } from '../../plugin/backups/manifest.js';
import { parseBackupListing } from '../../plugin/backups/listing.js';
import { formatBackupTimestamp, sideDatabaseName } from '../../plugin/backups/naming.js';

let pg: TestPostgres;
let root: string;
let backupRoot: string;
let inst: OdooInstanceData;
const OWNER = 'odoo_acme';
const PASSWORD = 'acme-db-pass';
const DB = 'acme';
const CUSTOMER = 'cust-1';
const INSTANCE = 'acme';
let clockSeconds = Date.UTC(2025, 0, 15, 10, 30, 0) / 1000;

function nextTimestamp(): string {
  clockSeconds += 61;
  return formatBackupTimestamp(new Date(clockSeconds * 1000));
}

function dbEnv(database = DB): Record<string, string> {
  return pg.env(OWNER, PASSWORD, database);
}

async function backup(opts: { consistency?: 'stop' | 'live'; zip?: boolean; compression?: string; dataDir?: string } = {}) {
  const ts = nextTimestamp();
  const base = buildManifestBase({
    timestamp: ts,
    instance: INSTANCE,
    namespace: 'saasodoo',
    customerId: CUSTOMER,
    database: DB,
    image: 'odoo:17.0',
    dataMountPath: '/var/lib/odoo',
    consistency: opts.consistency ?? 'live',
    toolVersion: '0.1.0',
  });
  const run = await runScript(BACKUP_SCRIPT, {
    ...dbEnv(),
    SRC_DIR: opts.dataDir ?? inst.dataDir,
    BACKUP_ROOT: backupRoot,
    SET_PARENT: `active/${CUSTOMER}/${INSTANCE}`,
    SET_NAME: ts,
    MANIFEST_BASE: encodeManifestBase(base),
    CONSISTENCY: opts.consistency ?? 'live',
    EXPORT_ODOO_ZIP: opts.zip ? '1' : '0',
    ...(opts.compression ? { COMPRESSION: opts.compression } : {}),
  });
  return { ts, run, path: `active/${CUSTOMER}/${INSTANCE}/${ts}`, dir: join(backupRoot, 'active', CUSTOMER, INSTANCE, ts) };
}

function restoreEnv(setPath: string, target = DB, dataDir = inst.dataDir, sourceDb = DB): Record<string, string> {
  const op = nextTimestamp();
  return {
    ...dbEnv(target),
    BACKUP_ROOT: backupRoot,
    SET_PATH: setPath,
    DATA_DIR: dataDir,
    SOURCE_DB: sourceDb,
    SCRATCH_DB: sideDatabaseName(target, 'restore', op),
    OLD_DB: sideDatabaseName(target, 'old', op),
    OP_ID: op.toLowerCase(),
  };
}

async function databases(): Promise<string[]> {
  return (await pg.psql('select datname from pg_database order by 1')).trim().split('\n');
}

/** Nothing of a restore is left behind: no scratch or previous database, no staging folder. */
async function expectNoRestoreLeftovers(): Promise<void> {
  expect((await databases()).filter((d) => d.startsWith(`${DB}__`))).toEqual([]);
  expect(readdirSync(inst.dataDir).filter((n) => n.startsWith('.odoo-restore'))).toEqual([]);
}

/** A copy of a backup set filed under another instance, to damage on purpose; returns its folder. */
function copySet(dir: string, instance: string): string {
  const to = join(backupRoot, 'active', CUSTOMER, instance, nextTimestamp());
  mkdirSync(join(to, '..'), { recursive: true });
  execFileSync('cp', ['-a', dir, to]);
  return to;
}

function list(customer = '*', instance = '*') {
  const out = execFileSync('sh', ['-c', LIST_SCRIPT], { env: { PATH: process.env.PATH!, BACKUP_ROOT: backupRoot, CUSTOMER_GLOB: customer, INSTANCE_GLOB: instance }, encoding: 'utf8' });
  return parseBackupListing(out);
}

beforeAll(async () => {
  pg = await startPostgres();
  await pg.createRole(OWNER, PASSWORD, { createdb: true });
  root = mkdtempSync(join(tmpdir(), 'kubectl-odoo-backup-'));
  backupRoot = join(root, 'backups');
  mkdirSync(backupRoot);
  const dataDir = join(root, 'instance');
  mkdirSync(dataDir);
  inst = await createOdooInstance(pg, { database: DB, owner: OWNER, password: PASSWORD, dataDir, attachments: 40 });
});

afterAll(async () => {
  await pg?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('backup script', () => {
  it.each([
    ['live', undefined],
    ['stop', 'pigz'],
    ['live', 'gzip'],
  ] as const)('writes one complete, checksummed set (%s, %s)', async (consistency, compression) => {
    const b = await backup({ consistency, compression });
    expect(b.run.output).toContain(`DONE ${b.path}`);
    expect(b.run.code).toBe(0);
    const files = readdirSync(b.dir).sort();
    const ext = compression === 'pigz' || compression === 'gzip' ? 'gz' : 'zst';
    expect(files).toEqual(['SHA256SUMS', `data.tar.${ext}`, `db.dump.${ext}`, 'manifest.json']);
    // sha256sum agrees with the recorded sums, and the manifest with SHA256SUMS.
    execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: b.dir });
    const check = checkManifest(readFileSync(join(b.dir, 'manifest.json'), 'utf8'), {
      sha256sums: readFileSync(join(b.dir, 'SHA256SUMS'), 'utf8'),
      expect: { instance: INSTANCE, timestamp: b.ts },
    });
    expect(check).toMatchObject({ ok: true });
    if (!check.ok) return;
    expect(check.manifest).toMatchObject({ consistency, odooVersion: '17.0.1.3', database: DB, compression: compression ?? 'zstd' });
    expect(check.manifest.files.find((f) => f.role === 'data')!.size).toBe(Number(execFileSync('stat', ['-c', '%s', join(b.dir, `data.tar.${ext}`)], { encoding: 'utf8' })));
    // Nothing temporary stays behind.
    expect(readdirSync(join(backupRoot, 'active', CUSTOMER, INSTANCE)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('fails without leaving a complete-looking set when the database is unreachable', async () => {
    const ts = nextTimestamp();
    const run = await runScript(BACKUP_SCRIPT, {
      ...dbEnv(),
      PGPASSWORD: 'wrong',
      SRC_DIR: inst.dataDir,
      BACKUP_ROOT: backupRoot,
      SET_PARENT: `active/${CUSTOMER}/${INSTANCE}`,
      SET_NAME: ts,
      MANIFEST_BASE: '{}',
      CONSISTENCY: 'live',
    });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/ERROR cannot connect to database acme/);
    expect(run.output).not.toContain(PASSWORD);
    const sets = list(CUSTOMER, INSTANCE).filter((s) => s.timestamp === ts);
    expect(sets).toHaveLength(1);
    expect(sets[0].state).toBe('failed');
    expect(sets[0].error).toMatch(/cannot connect/);
    expect(existsSync(join(backupRoot, 'active', CUSTOMER, INSTANCE, ts))).toBe(false);
  });

  it('a data file that the volume changed after it was written fails the proof, and no set is made of it', async () => {
    // The volume loses the archive's last byte and damages its first (a lost write, a bad sector) as
    // the script flushes it: the read-back must catch it, however the size now looks.
    const shims = mkdtempSync(join(tmpdir(), 'odoo-proof-'));
    try {
      writeFileSync(
        join(shims, 'sync'),
        `#!/bin/sh\nfor a in "$@"; do case "$a" in */data.tar.*) truncate -s -1 "$a"; printf X | dd of="$a" conv=notrunc status=none ;; esac; done\nexec ${execFileSync('sh', ['-c', 'command -v sync'], { encoding: 'utf8' }).trim()} "$@"\n`,
        { mode: 0o755 },
      );
      const ts = nextTimestamp();
      const run = await runScript(BACKUP_SCRIPT, {
        ...dbEnv(),
        PATH: `${shims}:${process.env.PATH}`,
        SRC_DIR: inst.dataDir,
        BACKUP_ROOT: backupRoot,
        SET_PARENT: `active/${CUSTOMER}/${INSTANCE}`,
        SET_NAME: ts,
        MANIFEST_BASE: '{}',
        CONSISTENCY: 'live',
      });
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/ERROR data\.tar\.zst as read back from the backups volume does not match what was written \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\)/);
      const sets = list(CUSTOMER, INSTANCE).filter((s) => s.timestamp === ts);
      expect(sets.map((s) => s.state)).toEqual(['failed']);
      expect(existsSync(join(backupRoot, 'active', CUSTOMER, INSTANCE, ts))).toBe(false);
    } finally {
      rmSync(shims, { recursive: true, force: true });
    }
  });

  it('an interrupted backup (killed midway) leaves only a partial set', async () => {
    // A pg_dump that hangs after its output keeps the script mid-way long enough to kill it.
    const shim = join(root, 'slowbin');
    mkdirSync(shim, { recursive: true });
    writeFileSync(join(shim, 'pg_dump'), `#!/bin/sh\n${execFileSync('sh', ['-c', 'command -v pg_dump'], { encoding: 'utf8' }).trim()} "$@"\nsleep 60\n`);
    chmodSync(join(shim, 'pg_dump'), 0o755);
    const ts = nextTimestamp();
    let sawDatabasePhase: () => void = () => {};
    const started = new Promise<void>((r) => (sawDatabasePhase = r));
    const { child, done } = startScript(
      BACKUP_SCRIPT,
      {
        ...dbEnv(),
        PATH: `${shim}:${process.env.PATH}`,
        SRC_DIR: inst.dataDir,
        BACKUP_ROOT: backupRoot,
        SET_PARENT: `active/${CUSTOMER}/${INSTANCE}`,
        SET_NAME: ts,
        MANIFEST_BASE: '{}',
        CONSISTENCY: 'live',
      },
      (line) => line.startsWith('PHASE database') && sawDatabasePhase(),
    );
    await started;
    await new Promise((r) => setTimeout(r, 300));
    process.kill(-child.pid!, 'SIGKILL');
    await done;
    const sets = list(CUSTOMER, INSTANCE).filter((s) => s.timestamp === ts);
    expect(sets.map((s) => [s.state, s.folder])).toEqual([['partial', `active/${CUSTOMER}/${INSTANCE}/.partial-${ts}`]]);
    expect(existsSync(join(backupRoot, 'active', CUSTOMER, INSTANCE, ts))).toBe(false);
  });
});

describe('restore script', () => {
  it('round trip: backup, change everything, restore gives the same rows and the same files byte for byte', async () => {
    const rowsBefore = await databaseSnapshot(pg, DB);
    const filesBefore = treeSnapshot(inst.dataDir);
    const b = await backup({ consistency: 'stop' });
    expect(b.run.code).toBe(0);

    // Change the instance after the backup: new attachments, a deleted row, a rewritten file.
    await addAttachments(pg, { database: DB, owner: OWNER, password: PASSWORD, dataDir: inst.dataDir }, 3);
    await pg.psql('DELETE FROM res_partner WHERE id < 10', { database: DB });
    writeFileSync(join(inst.dataDir, 'conf', 'odoo.conf'), 'changed\n');
    unlinkSync(join(inst.dataDir, 'filestore', DB, inst.attachments[0].storeFname));
    expect(await databaseSnapshot(pg, DB)).not.toBe(rowsBefore);

    const run = await runScript(RESTORE_SCRIPT, restoreEnv(b.path));
    expect(run.output).toContain(`DONE ${b.path}`);
    expect(run.code).toBe(0);
    expect(await databaseSnapshot(pg, DB)).toBe(rowsBefore);
    expect(treeSnapshot(inst.dataDir)).toEqual(filesBefore);
    await expectNoRestoreLeftovers();
  });

  it('a restore whose database part fails leaves the old database and files in place', async () => {
    const good = await backup();
    // A set whose checksums are right but whose dump is not a PostgreSQL dump.
    const broken = copySet(good.dir, 'broken');
    execFileSync('sh', ['-c', 'printf "not a dump" | zstd -q -c > db.dump.zst && sha256sum db.dump.zst data.tar.zst > SHA256SUMS'], { cwd: broken });
    await pg.psql("INSERT INTO res_partner (name) VALUES ('after the backup')", { database: DB });
    const rowsBefore = await databaseSnapshot(pg, DB);
    const filesBefore = treeSnapshot(inst.dataDir);

    const run = await runScript(RESTORE_SCRIPT, restoreEnv(broken.slice(backupRoot.length + 1)));
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/ERROR restoring the database dump failed/);
    expect(run.output).toMatch(/^STATE untouched$/m);
    expect(await databaseSnapshot(pg, DB)).toBe(rowsBefore);
    expect(treeSnapshot(inst.dataDir)).toEqual(filesBefore);
    await expectNoRestoreLeftovers();
  });

  it('refuses a set whose files do not match their checksums, before swapping anything in', async () => {
    const b = await backup();
    const corrupt = copySet(b.dir, 'corrupt');
    execFileSync('sh', ['-c', 'printf "garbage" | dd of=data.tar.zst bs=1 seek=100 conv=notrunc 2>/dev/null'], { cwd: corrupt });
    const rowsBefore = await databaseSnapshot(pg, DB);
    const run = await runScript(RESTORE_SCRIPT, restoreEnv(corrupt.slice(backupRoot.length + 1)));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/ERROR checksums of backup .* do not match SHA256SUMS \( data\.tar\.zst \): the backup is damaged/);
    expect(await databaseSnapshot(pg, DB)).toBe(rowsBefore);
  });

  it('with REPLACED=keep the replaced files and database wait aside, out of backups, until removed', async () => {
    const b = await backup({ consistency: 'stop' });
    const rowsAtBackup = await databaseSnapshot(pg, DB);
    await pg.psql("INSERT INTO res_partner (name) VALUES ('replaced by the restore')", { database: DB });
    writeFileSync(join(inst.dataDir, 'conf', 'odoo.conf'), 'replaced by the restore\n');
    const filesReplaced = treeSnapshot(inst.dataDir);
    const env = restoreEnv(b.path);
    const run = await runScript(RESTORE_SCRIPT, { ...env, REPLACED: 'keep' });
    expect(run.code).toBe(0);
    expect(run.output).toContain(`REPLACED .odoo-restore-${env.OP_ID} ${env.OLD_DB}`);
    // The instance has the backup's state; the previous one waits aside, whole.
    expect(readFileSync(join(inst.dataDir, 'conf', 'odoo.conf'), 'utf8')).not.toContain('replaced by the restore');
    expect(await databaseSnapshot(pg, DB)).toBe(rowsAtBackup);
    const aside = join(inst.dataDir, `.odoo-restore-${env.OP_ID}`);
    expect(treeSnapshot(join(aside, 'old'))).toEqual(filesReplaced);
    expect(await databaseSnapshot(pg, env.OLD_DB)).toContain('replaced by the restore');
    // A backup taken meanwhile leaves it out.
    const later = await backup();
    const listing = execFileSync('sh', ['-c', 'zstd -dc data.tar.zst | tar -tf -'], { cwd: later.dir, encoding: 'utf8' });
    expect(listing).not.toContain('.odoo-restore');

    const removal = await runScript(RECOVER_SCRIPT, { ...dbEnv(), DATA_DIR: inst.dataDir, MODE: 'cleanup', OP_ID: env.OP_ID });
    expect(removal.output).toContain(`REMOVED ${env.OP_ID}`);
    expect(removal.output).toContain('DONE cleanup');
    expect(removal.code).toBe(0);
    expect(existsSync(aside)).toBe(false);
    expect((await databases()).filter((d) => d.startsWith(`${DB}__`))).toEqual([]);
    expect(await databaseSnapshot(pg, DB)).toBe(rowsAtBackup);
  });

  it('a failure in the middle of the swap puts the old database and files back', async () => {
    const b = await backup({ consistency: 'stop' });
    expect(b.run.code).toBe(0);
    await pg.psql("INSERT INTO res_partner (name) VALUES ('after the backup, before the swap')", { database: DB });
    writeFileSync(join(inst.dataDir, 'conf', 'odoo.conf'), 'changed before the swap\n');
    const rowsBefore = await databaseSnapshot(pg, DB);
    const filesBefore = treeSnapshot(inst.dataDir);
    // An mv that fails on the third entry moved in from staging (addons, conf, filestore, sessions):
    // the database is already renamed and two new entries are in place when it fails.
    const shim = join(root, 'failing-mv');
    mkdirSync(shim, { recursive: true });
    const mv = execFileSync('sh', ['-c', 'command -v mv'], { encoding: 'utf8' }).trim();
    writeFileSync(join(shim, 'mv'), `#!/bin/sh\ncase "$*" in *"/new/filestore "*) echo "mv: No space left on device" >&2; exit 1 ;; esac\nexec ${mv} "$@"\n`);
    chmodSync(join(shim, 'mv'), 0o755);
    const run = await runScript(RESTORE_SCRIPT, { ...restoreEnv(b.path), PATH: `${shim}:${process.env.PATH}` });
    expect(run.output).toContain('PHASE swap');
    expect(run.output).toContain('No space left on device');
    expect(run.code).not.toBe(0);
    console.log(run.output);
    expect(run.output).toMatch(/^STATE rolled-back$/m);
    expect(await databaseSnapshot(pg, DB)).toBe(rowsBefore);
    expect(treeSnapshot(inst.dataDir)).toEqual(filesBefore);
    await expectNoRestoreLeftovers();
  });

  it('a fast sha256 tool that prints nothing useful neither spoils a backup nor blocks its restore', async () => {
    // The scripts prefer openssl for sha256; sha256sum has the last word on every digest.
    const shim = join(root, 'broken-openssl');
    mkdirSync(shim, { recursive: true });
    writeFileSync(join(shim, 'openssl'), '#!/bin/sh\ncat > /dev/null\necho "0000 *stdin"\n');
    chmodSync(join(shim, 'openssl'), 0o755);
    const ts = nextTimestamp();
    const setPath = `active/${CUSTOMER}/${INSTANCE}/${ts}`;
    const made = await runScript(BACKUP_SCRIPT, {
      ...dbEnv(),
      PATH: `${shim}:${process.env.PATH}`,
      SRC_DIR: inst.dataDir,
      BACKUP_ROOT: backupRoot,
      SET_PARENT: `active/${CUSTOMER}/${INSTANCE}`,
      SET_NAME: ts,
      MANIFEST_BASE: '{}',
      CONSISTENCY: 'stop',
    });
    expect(made.code).toBe(0);
    execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: join(backupRoot, setPath) });
    const filesBefore = treeSnapshot(inst.dataDir);
    const run = await runScript(RESTORE_SCRIPT, { ...restoreEnv(setPath), PATH: `${shim}:${process.env.PATH}` });
    expect(run.output).toContain(`DONE ${setPath}`);
    expect(run.code).toBe(0);
    expect(treeSnapshot(inst.dataDir)).toEqual(filesBefore);
  });

  it('restores into another instance, renaming the filestore folder to its database', async () => {
    const b = await backup();
    const copyDir = join(root, 'copy');
    mkdirSync(copyDir);
    writeFileSync(join(copyDir, 'stale.txt'), 'from before');
    const run = await runScript(RESTORE_SCRIPT, restoreEnv(b.path, 'acme_copy', copyDir, DB));
    expect(run.code).toBe(0);
    expect(await databaseSnapshot(pg, 'acme_copy')).toBe(await databaseSnapshot(pg, DB));
    expect(existsSync(join(copyDir, 'filestore', 'acme_copy', inst.attachments[1].storeFname))).toBe(true);
    expect(existsSync(join(copyDir, 'filestore', DB))).toBe(false);
    expect(existsSync(join(copyDir, 'stale.txt'))).toBe(false);
  });
});

describe('verify script', () => {
  const verifyEnv = (setPath: string, restoreTest: boolean) => {
    const op = nextTimestamp();
    return {
      ...dbEnv('postgres'),
      BACKUP_ROOT: backupRoot,
      SET_PATH: setPath,
      RESTORE_TEST: restoreTest ? '1' : '0',
      SOURCE_DB: DB,
      SCRATCH_DB: sideDatabaseName(DB, 'verify', op),
      STAGE_DIR: join(backupRoot, 'staging', `verify-${op.toLowerCase()}`),
    };
  };

  it('passes a good set, with a restore test that matches every attachment row to its file', async () => {
    const b = await backup();
    const run = await runScript(VERIFY_SCRIPT, verifyEnv(b.path, true));
    expect(run.output).toMatch(/CHECK sha256:data\.tar\.zst ok/);
    expect(run.output).toMatch(/CHECK archive ok \d+ entries/);
    expect(run.output).toMatch(/CHECK dump ok [1-9]\d* tables with data/);
    const rows = Number((await pg.psql('select count(*) from ir_attachment', { database: DB })).trim());
    expect(run.output).toContain(`CHECK attachments ok rows=${rows} ok=${rows} missing=0 mismatched=0`);
    expect(run.code).toBe(0);
    expect((await databases()).filter((d) => d.includes('__verify'))).toEqual([]);
    expect(existsSync(join(backupRoot, 'staging')) ? readdirSync(join(backupRoot, 'staging')) : []).toEqual([]);
  });

  it('the restore test finds attachment rows whose files are missing from the backup', async () => {
    // An instance whose filestore lost a file: the rows point at nothing.
    const lost = inst.attachments[2].storeFname;
    const saved = readFileSync(join(inst.dataDir, 'filestore', DB, lost));
    unlinkSync(join(inst.dataDir, 'filestore', DB, lost));
    const b = await backup();
    mkdirSync(join(inst.dataDir, 'filestore', DB, lost.slice(0, 2)), { recursive: true });
    writeFileSync(join(inst.dataDir, 'filestore', DB, lost), saved);
    const run = await runScript(VERIFY_SCRIPT, verifyEnv(b.path, true));
    expect(run.code).toBe(1);
    expect(run.output).toContain(`MISSING ${lost}`);
    expect(run.output).toMatch(/CHECK attachments fail rows=\d+ ok=\d+ missing=1 mismatched=0/);
  });

  it('reports a corrupt archive and a truncated dump clearly', async () => {
    const b = await backup();
    const bad = copySet(b.dir, 'damaged');
    execFileSync('sh', ['-c', 'printf "garbage" | dd of=data.tar.zst bs=1 seek=200 conv=notrunc 2>/dev/null; head -c 100 db.dump.zst > x && mv x db.dump.zst'], { cwd: bad });
    const run = await runScript(VERIFY_SCRIPT, verifyEnv(bad.slice(backupRoot.length + 1), false));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/CHECK sha256:data\.tar\.zst fail is [0-9a-f]{64}, expected/);
    expect(run.output).toMatch(/CHECK archive fail data archive is corrupt or truncated/);
    expect(run.output).toMatch(/CHECK dump fail database dump is corrupt or truncated/);
  });
});

describe('Odoo database manager export', () => {
  it('writes odoo.zip with dump.sql, filestore/ and manifest.json that restores the way Odoo does it', async () => {
    const b = await backup({ zip: true });
    expect(b.run.code).toBe(0);
    const names = execFileSync('unzip', ['-Z1', join(b.dir, 'odoo.zip')], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toContain('dump.sql');
    expect(names).toContain('manifest.json');
    expect(names).toContain(`filestore/${inst.attachments[3].storeFname}`);
    const odooManifest = JSON.parse(execFileSync('unzip', ['-p', join(b.dir, 'odoo.zip'), 'manifest.json'], { encoding: 'utf8' }));
    expect(odooManifest).toMatchObject({ odoo_dump: '1', db_name: DB, version: '17.0', major_version: '17.0', modules: { base: '17.0.1.3', web: '17.0.1.0' } });
    // What odoo/service/db.py restore_db does: psql -f dump.sql into an empty database.
    const x = join(root, 'unzipped');
    execFileSync('unzip', ['-q', '-o', join(b.dir, 'odoo.zip'), '-d', x]);
    await pg.psql('CREATE DATABASE from_zip OWNER odoo_acme');
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'from_zip', '-f', join(x, 'dump.sql')], { env: { ...process.env, ...dbEnv('from_zip') } });
    expect(await databaseSnapshot(pg, 'from_zip')).toBe(await databaseSnapshot(pg, DB));
    const manifest = checkManifest(readFileSync(join(b.dir, 'manifest.json'), 'utf8'), { sha256sums: readFileSync(join(b.dir, 'SHA256SUMS'), 'utf8') });
    expect(manifest.ok && manifest.manifest.files.map((f) => f.role)).toEqual(['database', 'data', 'odoo-zip']);
  });
});

describe('list and set operations', () => {
  it('lists sets with their state, pins, and never deletes a pinned set', async () => {
    const a = await backup();
    const b = await backup();
    const ops = (op: string, sets: string[]) =>
      execFileSync('sh', ['-c', SET_OPS_SCRIPT], { env: { PATH: process.env.PATH!, BACKUP_ROOT: backupRoot, OP: op, SETS: sets.join('\n') }, encoding: 'utf8' });
    expect(ops('pin', [a.path])).toContain(`PINNED ${a.path}`);
    const listed = list(CUSTOMER, INSTANCE);
    expect(listed.find((s) => s.timestamp === a.ts)).toMatchObject({ state: 'complete', pinned: true });
    expect(listed.find((s) => s.timestamp === b.ts)).toMatchObject({ state: 'complete', pinned: false });
    const out = ops('delete', [a.path, b.path]);
    expect(out).toContain(`SKIPPED ${a.path} pinned`);
    expect(out).toContain(`DELETED ${b.path}`);
    expect(existsSync(a.dir)).toBe(true);
    expect(existsSync(b.dir)).toBe(false);
    expect(readdirSync(join(backupRoot, 'active', CUSTOMER, INSTANCE)).filter((n) => n.startsWith('.deleting'))).toEqual([]);
    expect(() => ops('delete', ['../etc'])).toThrow();
  });
});

describe('restore script on a platform archive (volume only)', () => {
  const archive = (name: string) => `active/${CUSTOMER}/${name}.tar.gz`;
  /** A bitnami volume as the instance holds it, in a folder of its own. */
  function bitnamiInstance(name: string, marker: string): string {
    const dir = join(root, name);
    mkdirSync(join(dir, 'conf'), { recursive: true });
    writeFileSync(join(dir, 'conf', 'odoo.conf'), `[options]\n; ${marker}\ndb_name = ${DB}\n`);
    mkdirSync(join(dir, 'data', 'filestore', DB, 'ab'), { recursive: true });
    writeFileSync(join(dir, 'data', 'filestore', DB, 'ab', `ab${marker}`), marker);
    return dir;
  }

  it('needs FILES_ONLY: a platform archive holds no database, so nothing is touched without it', async () => {
    const src = bitnamiInstance('archived-1', 'archived');
    const target = bitnamiInstance('target-1', 'current');
    mkdirSync(join(backupRoot, 'active', CUSTOMER), { recursive: true });
    execFileSync('tar', ['czf', join(backupRoot, archive('backup-2025-01-15')), '-C', src, '.']);
    const files = treeSnapshot(target);
    const run = await runScript(RESTORE_SCRIPT, restoreEnv(archive('backup-2025-01-15'), DB, target));
    expect(run.code).toBe(1);
    expect(run.output).toContain(`ERROR ${archive('backup-2025-01-15')} holds no database: restore it with --files-only`);
    expect(treeSnapshot(target)).toEqual(files);
  });

  it('restores the files of a tar of /bitnami (wrapped in odoo/) and leaves the database as it is', async () => {
    const bitnamiRoot = join(root, 'bitnami-root');
    const src = bitnamiInstance(join('bitnami-root', 'odoo'), 'wrapped');
    execFileSync('tar', ['czf', join(backupRoot, archive('backup-2025-01-16')), '-C', bitnamiRoot, 'odoo']);
    const target = bitnamiInstance('target-2', 'current');
    const rows = await databaseSnapshot(pg, DB);
    const before = await databases();
    const run = await runScript(RESTORE_SCRIPT, { ...restoreEnv(archive('backup-2025-01-16'), DB, target), FILES_ONLY: '1' });
    expect(run.output).toContain(`DONE ${archive('backup-2025-01-16')}`);
    expect(run.code).toBe(0);
    expect(treeSnapshot(target, (rel) => rel.startsWith('.odoo-restore'))).toEqual(treeSnapshot(src));
    expect(readdirSync(target).filter((n) => n.startsWith('.odoo-restore'))).toEqual([]);
    expect(await databaseSnapshot(pg, DB)).toBe(rows);
    expect(await databases()).toEqual(before);
  });

  it('FILES_ONLY with one of our sets restores its files and keeps the database as it is now', async () => {
    const b = await backup({ consistency: 'stop' });
    expect(b.run.code).toBe(0);
    const files = treeSnapshot(inst.dataDir);
    await pg.psql("INSERT INTO res_partner (name) VALUES ('kept by a files-only restore')", { database: DB });
    writeFileSync(join(inst.dataDir, 'conf', 'odoo.conf'), 'changed after the backup\n');
    const rows = await databaseSnapshot(pg, DB);
    const run = await runScript(RESTORE_SCRIPT, { ...restoreEnv(b.path), FILES_ONLY: '1' });
    expect(run.output).toContain(`DONE ${b.path}`);
    expect(run.code).toBe(0);
    expect(treeSnapshot(inst.dataDir)).toEqual(files);
    expect(await databaseSnapshot(pg, DB)).toBe(rows);
    await expectNoRestoreLeftovers();
  });

  it('refuses entries and links with absolute or ".." paths before extracting anything', async () => {
    const work = bitnamiInstance(join('evil', 'volume'), 'evil');
    const planted = join(root, 'evil', 'planted');
    const absolute = join(root, 'evil-absolute', 'planted');
    writeFileSync(planted, 'x');
    mkdirSync(join(absolute, '..'), { recursive: true });
    writeFileSync(absolute, 'x');
    execFileSync('ln', ['-s', '../../../etc', join(work, 'conf', 'up')]);
    const target = bitnamiInstance('target-3', 'current');
    const files = treeSnapshot(target);
    const archives = [
      ['dotdot', ['conf', 'data', '../planted']],
      ['absolute', ['conf', 'data', absolute]],
      ['link', ['data', 'conf/up']],
    ] as const;
    for (const [name, members] of archives) execFileSync('tar', ['czf', join(backupRoot, archive(name)), '-P', ...members], { cwd: work });
    // What an extraction would bring back.
    rmSync(planted);
    rmSync(absolute);
    for (const [name] of archives) {
      const run = await runScript(RESTORE_SCRIPT, { ...restoreEnv(archive(name), DB, target), FILES_ONLY: '1' });
      expect(run.code, name).toBe(1);
      expect(run.output, name).toContain(`ERROR the archive ${archive(name)} has entries or links with absolute or ".." paths: refused, nothing extracted`);
      expect(existsSync(planted), name).toBe(false);
      expect(existsSync(absolute), name).toBe(false);
      expect(treeSnapshot(target), name).toEqual(files);
    }
  });
});
