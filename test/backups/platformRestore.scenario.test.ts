// The platform's own volume-only archive, end to end: `tar czf` of a bitnami data volume onto the
// backups volume as the instance-service writes it, then `kubectl odoo backups`, `backup verify` and
// `restore --files-only` against the test cluster (real Jobs, real tar, a real PostgreSQL): the
// instance's volume afterwards is the archive, byte for byte, and its database is the one it had.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { databaseSnapshot, treeSnapshot } from './odooFixture.js';
import { bitnamiVolume } from './bitnamiVolume.js';
import { startBackupWorld, readyPods, waitFor, CUSTOMER, DB_PASSWORD, NS, type BackupWorld } from './clusterFixture.js';

let pg: TestPostgres;
let w: BackupWorld;
let scratch: string;
const ARCHIVE = `active/${CUSTOMER}/backup-2025-01-15.tar.gz`;
const EVIL = `active/${CUSTOMER}/backup-2025-01-16.tar.gz`;

/** uid:gid of every entry under dir (treeSnapshot has type, mode and content). */
function owners(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      out[relative(dir, p)] = `${st.uid}:${st.gid}`;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * A bitnami volume (/bitnami/odoo) of database `db`: odoo.conf with the settings the image renders (the
 * instance connects with them after a restore), attachments of several sizes, sessions, a custom addon,
 * an empty file, a private file, a relative link, and the instance's user (101) owning data/.
 */
function bitnamiTree(dir: string, db: string, variant: string): void {
  bitnamiVolume(dir, db);
  writeFileSync(
    join(dir, 'conf', 'odoo.conf'),
    `[options]\n; ${variant}\ndata_dir = /opt/bitnami/odoo/data\ndb_host = 127.0.0.1\ndb_port = ${pg.port}\ndb_name = ${db}\ndb_user = ${w.owner}\ndb_password = ${DB_PASSWORD}\n`,
  );
  chmodSync(join(dir, 'conf', 'odoo.conf'), 0o640);
  symlinkSync('odoo.conf', join(dir, 'conf', 'current.conf'));
  for (const size of [0, 1, 4096, 70_001, 300_000]) {
    const content = randomBytes(size);
    const sha1 = createHash('sha1').update(content).digest('hex');
    mkdirSync(join(dir, 'data', 'filestore', db, sha1.slice(0, 2)), { recursive: true });
    writeFileSync(join(dir, 'data', 'filestore', db, sha1.slice(0, 2), sha1), content);
  }
  writeFileSync(join(dir, 'data', 'sessions', `werkzeug_${variant}.sess`), `session ${variant}`);
  mkdirSync(join(dir, 'addons', `custom_${variant}`), { recursive: true });
  writeFileSync(join(dir, 'addons', `custom_${variant}`, '__init__.py'), '');
  writeFileSync(join(dir, 'addons', `custom_${variant}`, 'secret.key'), 'k');
  chmodSync(join(dir, 'addons', `custom_${variant}`, 'secret.key'), 0o600);
  execFileSync('chown', ['-R', '101:101', join(dir, 'data')]);
}

/** Replaces the instance's volume with `tree`'s contents (cp -a keeps modes, owners and links). */
function fillVolume(tree: string): void {
  for (const e of readdirSync(w.dataDir)) rmSync(join(w.dataDir, e), { recursive: true, force: true });
  execFileSync('cp', ['-a', `${tree}/.`, w.dataDir]);
}

/** The error line (progress lines come before it on stderr). */
const errorOf = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('error: '));
const jobNames = (): string[] => w.cluster.store.list('jobs', NS).map((j: any) => j.metadata.name);
const operationJobs = (op: string) => w.cluster.store.list('jobs', NS).filter((j: any) => j.metadata.labels?.['kubectl-odoo.io/operation'] === op);
const databaseOid = async () => (await pg.psql(`select oid from pg_database where datname = '${w.db}'`)).trim();

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { image: 'bitnami/odoo:17.0.20240105', attachments: 6 });
  await waitFor('the instance to be ready', () => readyPods(w).length > 0);
  scratch = mkdtempSync(join(tmpdir(), 'odoo-platform-restore-'));
  // What the instance holds now, and what the platform archived of it last night.
  const now = join(scratch, 'now');
  bitnamiTree(now, w.db, 'today');
  fillVolume(now);
  const archived = join(scratch, 'archived');
  bitnamiTree(archived, w.db, 'nightly');
  mkdirSync(join(w.backupsDir, 'active', CUSTOMER), { recursive: true });
  execFileSync('tar', ['czf', join(w.backupsDir, ARCHIVE), '-C', archived, '.']);
  execFileSync('touch', ['-d', '2025-01-15T02:13:07Z', join(w.backupsDir, ARCHIVE)]);
}, 180_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the platform's archive of a bitnami instance", { timeout: 300_000 }, () => {
  it('backups lists it as KIND platform, STATE volume only, and -o json says it has no database', async () => {
    const table = await w.odoo(['backups', w.name]);
    expect(table.code).toBe(0);
    const row = table.stdout.split('\n').find((l) => l.startsWith(`${ARCHIVE}\t`))!.split('\t');
    expect([row[1], row[3], row[6]]).toEqual(['2025-01-15T02:13:07Z', 'volume only', 'platform']);
    const json = await w.odoo(['backups', w.name, '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).find((b: any) => b.path === ARCHIVE)).toMatchObject({ kind: 'platform', database: false, state: 'volume only', instance: w.name, customerId: CUSTOMER });
  });

  it('backup verify checks it and says it holds no database', async () => {
    const r = await w.odoo(['backup', 'verify', ARCHIVE]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('layout\tok\tbitnami image (conf/, data/filestore/: acme)\n');
    expect(r.stdout).toContain('database\tok\tnone: volume only (no database dump in a platform archive)\n');
  });

  it('restore without --files-only is refused with exit 2, naming the flag; nothing changes', async () => {
    const files = treeSnapshot(w.dataDir);
    const rows = await databaseSnapshot(pg, w.db);
    const jobs = jobNames();
    const r = await w.odoo(['restore', w.name, '--from', ARCHIVE, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${ARCHIVE} is a platform archive: it holds the data volume and no database; restore its files with --files-only (the database stays as it is)\nSee "kubectl odoo restore --help" for usage.\n`);
    expect(r.stdout).toBe('');
    // No Job was created (one from before may have been cleaned up meanwhile).
    expect(jobNames().filter((n) => !jobs.includes(n))).toEqual([]);
    expect(treeSnapshot(w.dataDir)).toEqual(files);
    expect(await databaseSnapshot(pg, w.db)).toBe(rows);
  });

  it('asks first, saying the database is left as it is', async () => {
    const r = await w.odoo(['restore', w.name, '--from', ARCHIVE, '--files-only']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`This replaces the files of instance ${w.name} in namespace ${NS} with platform archive ${ARCHIVE} (taken 2025-01-15T02:13:07Z); its database is left as it is.`);
    expect(operationJobs('restore')).toEqual([]);
  });

  it('restore --files-only makes the volume the archive, byte for byte, and leaves the database as it was', async () => {
    const rows = await databaseSnapshot(pg, w.db);
    const oid = await databaseOid();
    const before = treeSnapshot(w.dataDir);
    const want = treeSnapshot(join(scratch, 'archived'));
    expect(before).not.toEqual(want);
    const r = await w.odoo(['restore', w.name, '--from', ARCHIVE, '--files-only', '--yes'], { timeoutMs: 240_000 });
    expect(r.stderr).toContain(`checking ${ARCHIVE}`);
    expect(r.code).toBe(0);
    const safety = new RegExp(`^instance/${w.name} restored from ${ARCHIVE} and ready \\(safety backup: (active/${CUSTOMER}/${w.name}/\\d{8}T\\d{6}Z)\\)\\n$`).exec(r.stdout);
    expect(safety, r.stdout).not.toBeNull();
    // Every file, directory and link, with its mode, content and owner; nothing left of the staging.
    expect(treeSnapshot(w.dataDir)).toEqual(want);
    expect(owners(w.dataDir)).toEqual(owners(join(scratch, 'archived')));
    // The same database, not a copy: same rows, same oid, no side database left.
    expect(await databaseSnapshot(pg, w.db)).toBe(rows);
    expect(await databaseOid()).toBe(oid);
    expect((await pg.psql("select datname from pg_database where datname like 'acme\\_\\_%'")).trim()).toBe('');
    expect(readyPods(w).length).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(DB_PASSWORD);
    // The safety backup is a complete set of the volume as it was before.
    const sets = JSON.parse((await w.odoo(['backups', w.name, '-o', 'json'])).stdout);
    expect(sets.find((s: any) => s.path === safety![1])).toMatchObject({ kind: 'set', state: 'complete', safety: true, manifest: { restoring: ARCHIVE } });
    const data = readdirSync(join(w.backupsDir, safety![1])).find((f) => f.startsWith('data.tar'))!;
    const listed = execFileSync('sh', ['-c', `zstd -dc '${join(w.backupsDir, safety![1], data)}' | tar -tf -`]).toString();
    expect(listed).toContain('werkzeug_today.sess');
    expect(listed).not.toContain('werkzeug_nightly.sess');
  });

  it('an archive with absolute or ".." entries is refused and nothing is extracted', async () => {
    const work = join(scratch, 'evil', 'volume');
    bitnamiTree(work, w.db, 'evil');
    const outside = join(scratch, 'evil', 'planted');
    const absolute = join(scratch, 'evil-absolute');
    writeFileSync(outside, 'planted\n');
    mkdirSync(absolute);
    writeFileSync(join(absolute, 'planted'), 'planted\n');
    execFileSync('tar', ['czf', join(w.backupsDir, EVIL), '-P', 'conf', 'data', 'addons', '../planted', join(absolute, 'planted')], { cwd: work });
    // What extraction would leave: the files outside, and the volume changed.
    rmSync(outside);
    rmSync(absolute, { recursive: true });
    const files = treeSnapshot(w.dataDir);
    const rows = await databaseSnapshot(pg, w.db);
    const sets = readdirSync(join(w.backupsDir, 'active', CUSTOMER, w.name)).length;
    const jobs = jobNames();
    const r = await w.odoo(['restore', w.name, '--from', EVIL, '--files-only', '--yes'], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(errorOf(r.stderr)).toBe(`error: ${EVIL} cannot be restored: paths: 2 absolute or ".." path(s): refused, never extracted; nothing was changed`);
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(absolute)).toBe(false);
    expect(existsSync(join(w.dataDir, '..', 'planted'))).toBe(false);
    expect(treeSnapshot(w.dataDir)).toEqual(files);
    expect(await databaseSnapshot(pg, w.db)).toBe(rows);
    // Refused before the instance was stopped: no safety backup, no restore Job, still running.
    expect(readdirSync(join(w.backupsDir, 'active', CUSTOMER, w.name)).length).toBe(sets);
    expect(operationJobs('restore').filter((j: any) => !jobs.includes(j.metadata.name))).toEqual([]);
    expect(readyPods(w).length).toBe(1);
    const verify = await w.odoo(['backup', 'verify', EVIL]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('  entry ../planted\n');
  });

  it("an archive of the official image's layout does not go into a bitnami volume", async () => {
    const official = join(scratch, 'official');
    mkdirSync(join(official, 'filestore', w.db, 'ab'), { recursive: true });
    writeFileSync(join(official, 'filestore', w.db, 'ab', 'abcdef'), 'x');
    mkdirSync(join(official, 'sessions'));
    const path = `active/${CUSTOMER}/official-2025-01-17.tar.gz`;
    execFileSync('tar', ['czf', join(w.backupsDir, path), '-C', official, '.']);
    const files = treeSnapshot(w.dataDir);
    const r = await w.odoo(['restore', w.name, '--from', path, '--files-only', '--yes']);
    expect(r.code).toBe(2);
    expect(errorOf(r.stderr)).toBe(
      `error: ${path} cannot be restored into ${w.name}: it holds the official image's volume (filestore/ at the top), but the instance's image keeps its data at /bitnami/odoo, where Odoo would not find that filestore; nothing was changed`,
    );
    expect(treeSnapshot(w.dataDir)).toEqual(files);
  });

  it("another customer's archive is refused", async () => {
    const other = 'active/cust-9/backup-2025-01-15.tar.gz';
    mkdirSync(join(w.backupsDir, 'active', 'cust-9'), { recursive: true });
    execFileSync('cp', [join(w.backupsDir, ARCHIVE), join(w.backupsDir, other)]);
    const r = await w.odoo(['restore', w.name, '--from', other, '--files-only', '--yes']);
    expect(r.code).toBe(2);
    expect(errorOf(r.stderr)).toBe(`error: ${other} is not an archive of instance ${w.name} (customer ${CUSTOMER}): it belongs to customer cust-9; nothing was changed`);
  });
});
