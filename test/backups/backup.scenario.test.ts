// kubectl odoo backup / backups / restore / verify / prune against the test cluster, whose kubelet runs
// the Jobs for real (real tar, zstd, pg_dump, psql) and a real PostgreSQL holding an Odoo-shaped
// database with attachments whose files are on the instance's volume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, unlinkSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { addAttachments, databaseSnapshot, treeSnapshot } from './odooFixture.js';
import { startBackupWorld, readyPods, waitFor, CUSTOMER, DB_PASSWORD, NS, type BackupWorld } from './clusterFixture.js';

let pg: TestPostgres;
let w: BackupWorld;
let first: { path: string; ts: string; rows: string; files: Record<string, string> };

const setDir = (path: string) => join(w.backupsDir, path);
const instanceDir = () => join(w.backupsDir, 'active', CUSTOMER, w.name);
// Jobs not being deleted (a finished Job's foreground deletion takes a moment).
const jobs = () => w.cluster.store.list('jobs', NS).filter((j: any) => !j.metadata.deletionTimestamp);

async function listSets(): Promise<any[]> {
  const r = await w.odoo(['backups', w.name, '-o', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg);
  await waitFor('the instance to be ready', () => readyPods(w).length > 0);
}, 120_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('backup', () => {
  it('backup --wait writes one complete set: dump, data archive, manifest, checksums', async () => {
    const rows = await databaseSnapshot(pg, w.db);
    const files = treeSnapshot(w.dataDir);
    const r = await w.odoo(['backup', w.name, '--wait']);
    expect(r.stderr).toMatch(/database\.\.\./);
    expect(r.code).toBe(0);
    const m = /^backup\/(active\/cust-7\/odoo-acme-1a2b3c4d\/(\d{8}T\d{6}Z)) complete: /.exec(r.stdout);
    expect(m).not.toBeNull();
    first = { path: m![1], ts: m![2], rows, files };
    expect(readdirSync(setDir(first.path)).sort()).toEqual(['SHA256SUMS', 'data.tar.zst', 'db.dump.zst', 'manifest.json']);
    execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: setDir(first.path) });
    const manifest = JSON.parse(readFileSync(join(setDir(first.path), 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ instance: w.name, database: 'acme', customerId: CUSTOMER, image: 'odoo:17', odooVersion: '17.0.1.3', consistency: 'live' });
    // The password never shows: not in output, not in the Job, not on the backups volume's manifest.
    expect(r.stdout + r.stderr).not.toContain(DB_PASSWORD);
    expect(readFileSync(join(setDir(first.path), 'manifest.json'), 'utf8')).not.toContain(DB_PASSWORD);
    // A successful Job is cleaned up.
    await waitFor('the backup Job to be deleted', () => !w.cluster.store.list('jobs', NS).some((j: any) => j.metadata.labels?.['kubectl-odoo.io/operation'] === 'backup'));
    const sets = await listSets();
    expect(sets.map((s) => [s.path, s.state])).toEqual([[first.path, 'complete']]);
    // status shows it as the last backup.
    const status = await w.odoo(['status', w.name]);
    expect(status.stdout).toMatch(new RegExp(`Last backup:\\s+${first.path}, .* ago \\(complete\\)`));
  }, 120_000);

  it('a backup whose Job is deleted midway is never listed as complete and cannot be restored', async () => {
    // Hold a lock pg_dump waits for, so the Job is surely mid-way when it is deleted.
    const blocker: ChildProcess = spawn('psql', ['-X', '-q', '-d', w.db], { env: { ...process.env, ...pg.env(pg.superuser, pg.superPassword) }, stdio: ['pipe', 'ignore', 'ignore'] });
    blocker.stdin!.write('BEGIN; LOCK TABLE res_partner IN ACCESS EXCLUSIVE MODE;\n');
    await new Promise((r) => setTimeout(r, 300));
    try {
      await new Promise((r) => setTimeout(r, 1000)); // a distinct timestamp from the first set
      const r = await w.odoo(['backup', w.name]);
      expect(r.code).toBe(0);
      const ts = /\/(\d{8}T\d{6}Z) started/.exec(r.stdout)![1];
      const job = jobs().find((j: any) => j.metadata.labels?.['kubectl-odoo.io/backup-set'] === ts.toLowerCase());
      await waitFor('the backup to reach its database dump', () => existsSync(join(instanceDir(), `.partial-${ts}`)) && pg.psql("select count(*) from pg_stat_activity where application_name = 'pg_dump'").then((n) => Number(n) > 0));
      expect((await listSets()).find((s) => s.timestamp === ts)?.state).toBe('running');
      const del = await w.kubectl(['delete', 'job', job.metadata.name, '--wait=true']);
      expect(del.code).toBe(0);
      await waitFor('the Job pod to be gone', () => !w.cluster.store.list('pods', NS).some((p: any) => p.metadata.labels?.['kubectl-odoo.io/job'] === job.metadata.name));
      const sets = await listSets();
      const set = sets.find((s) => s.timestamp === ts);
      expect(['partial', 'failed']).toContain(set.state);
      expect(existsSync(join(instanceDir(), ts))).toBe(false);
      const restore = await w.odoo(['restore', w.name, '--from', ts]);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(new RegExp(`error: backup active/cust-7/odoo-acme-1a2b3c4d/${ts} is (partial|failed) .*cannot be used`));
    } finally {
      blocker.kill();
    }
  }, 120_000);
});

describe('restore', () => {
  it('round trip: after changes, restore brings back the same rows and the same files byte for byte', async () => {
    await addAttachments(pg, { database: w.db, owner: w.owner, password: DB_PASSWORD, dataDir: w.dataDir }, 4);
    await pg.psql('DELETE FROM res_partner WHERE id % 3 = 0', { database: w.db });
    unlinkSync(join(w.dataDir, 'filestore', w.db, w.inst.attachments[0].storeFname));
    writeFileSync(join(w.dataDir, 'conf', 'odoo.conf'), '[options]\nchanged = 1\n');
    expect(await databaseSnapshot(pg, w.db)).not.toBe(first.rows);

    const r = await w.odoo(['restore', w.name, '--from', first.ts], { timeoutMs: 180_000 });
    expect(r.stderr).toMatch(/safety backup: active\/cust-7\//);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`instance/${w.name} restored from ${first.path} and ready \\(safety backup: active/cust-7/${w.name}/\\d{8}T\\d{6}Z\\)`));
    expect(await databaseSnapshot(pg, w.db)).toBe(first.rows);
    expect(treeSnapshot(w.dataDir)).toEqual(first.files);
    expect(readyPods(w).length).toBe(1);
    // No scratch database, staging folder or lock is left.
    expect((await pg.psql("select datname from pg_database where datname like 'acme\\_\\_%'")).trim()).toBe('');
    expect(readdirSync(w.dataDir).filter((n) => n.startsWith('.odoo-restore'))).toEqual([]);
    // The replaced files and database are removed once the instance runs again, not while it is down.
    expect(r.stderr.indexOf(`starting ${w.name}`)).toBeGreaterThan(-1);
    expect(r.stderr.indexOf(`removing the replaced files and database of ${w.name}`)).toBeGreaterThan(r.stderr.indexOf(`starting ${w.name}`));
    expect(w.cluster.store.get('configmaps', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    // The safety backup holds the state from before the restore (with the 4 new attachments).
    const safety = /safety backup: (active\/\S+)\)/.exec(r.stdout)![1];
    const sets = await listSets();
    expect(sets.find((s) => s.path === safety)?.state).toBe('complete');
  }, 200_000);

  it('a restore that fails leaves the old database and files in place and the instance running', async () => {
    const rows = await databaseSnapshot(pg, w.db);
    const files = treeSnapshot(w.dataDir);
    // A set that passes its checksums but whose dump is not a PostgreSQL dump.
    const badTs = '20200101T000000Z';
    const bad = join(instanceDir(), badTs);
    cpSync(setDir(first.path), bad, { recursive: true });
    execFileSync('sh', ['-c', 'printf "not a dump" | zstd -q -c > db.dump.zst && sha256sum db.dump.zst data.tar.zst > SHA256SUMS'], { cwd: bad });
    const manifest = JSON.parse(readFileSync(join(bad, 'manifest.json'), 'utf8'));
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...manifest, timestamp: badTs }));

    const r = await w.odoo(['restore', w.name, '--from', `${w.name}/${badTs}`], { timeoutMs: 180_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: restore of odoo-acme-1a2b3c4d failed: restoring the database dump failed.*keeps its previous database and files \(safety backup: active\//);
    expect(await databaseSnapshot(pg, w.db)).toBe(rows);
    expect(treeSnapshot(w.dataDir)).toEqual(files);
    expect(readyPods(w).length).toBe(1);
    expect(w.cluster.store.get('configmaps', NS, `odoo-lock-${w.name}`)).toBeUndefined();
  }, 200_000);

  it('refuses while another operation holds the instance', async () => {
    w.cluster.store.create('configmaps', {
      metadata: { name: `odoo-lock-${w.name}`, namespace: NS },
      data: { holder: 'ann@laptop', operation: 'restore', acquiredAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 600_000).toISOString() },
    });
    try {
      const r = await w.odoo(['restore', w.name, '--from', 'latest']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: instance odoo-acme-1a2b3c4d is busy: restore by ann@laptop since/m);
      const b = await w.odoo(['backup', w.name, '--wait']);
      expect(b.code).toBe(1);
      expect(b.stderr).toMatch(/is busy: restore by ann@laptop/);
      expect(readyPods(w).length).toBe(1);
    } finally {
      w.cluster.store.delete('configmaps', NS, `odoo-lock-${w.name}`);
    }
  }, 120_000);
});

describe('verify, bad input, prune', () => {
  it('verify --restore-test restores into scratch space and matches every attachment to its file', async () => {
    const r = await w.odoo(['backup', 'verify', `${w.name}/${first.ts}`, '--restore-test'], { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sha256:data\.tar\.zst\s+ok/);
    expect(r.stdout).toMatch(/manifest-content\s+ok/);
    expect(r.stdout).toMatch(/attachments\s+ok\s+rows=30 ok=30 missing=0 mismatched=0/);
    expect((await pg.psql("select datname from pg_database where datname like '%verify%'")).trim()).toBe('');
  }, 200_000);

  it('verify reports a corrupt archive; bad backup names are usage errors that touch nothing', async () => {
    const ts = '20200102T000000Z';
    const bad = join(instanceDir(), ts);
    cpSync(setDir(first.path), bad, { recursive: true });
    execFileSync('sh', ['-c', 'printf "garbage" | dd of=data.tar.zst bs=1 seek=100 conv=notrunc 2>/dev/null'], { cwd: bad });
    const manifest = JSON.parse(readFileSync(join(bad, 'manifest.json'), 'utf8'));
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...manifest, timestamp: ts }));
    const r = await w.odoo(['backup', 'verify', `active/${CUSTOMER}/${w.name}/${ts}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sha256:data\.tar\.zst\s+FAIL\s+is [0-9a-f]{64}, expected/);
    expect(r.stdout).toMatch(/archive\s+FAIL\s+data archive is corrupt or truncated/);
    expect(r.stderr).toMatch(/error: backup active\/cust-7\/.* failed verification/);

    const before = jobs().length;
    for (const args of [
      ['restore', w.name, '--from', 'yesterday'],
      ['restore', w.name, '--from', '../../etc/20250101T000000Z'],
      ['backup', 'verify', '20250101T000000Z'],
      ['backup', 'verify', `${w.name}/20251399T000000Z`],
      ['backups', 'prune', w.name],
      ['backup', w.name, '--consistency', 'sometimes'],
    ]) {
      const bad = await w.odoo(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.split('\n')[0]).toMatch(/^error: /);
    }
    expect(jobs().length).toBe(before);
  }, 120_000);

  it('prune --dry-run changes nothing; prune keeps the newest complete and pinned sets', async () => {
    const pin = await w.odoo(['backup', 'pin', `${w.name}/${first.ts}`]);
    expect(pin.code).toBe(0);
    const before = await listSets();
    const newest = before.filter((s) => s.state === 'complete').sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
    const dry = await w.odoo(['backups', 'prune', w.name, '--keep-last', '1', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`${first.path}\\s+complete\\s+keep\\s+pinned`));
    expect(dry.stdout).toMatch(/would delete/);
    expect((await listSets()).length).toBe(before.length);

    const real = await w.odoo(['backups', 'prune', w.name, '--keep-last', '1']);
    expect(real.code).toBe(0);
    const after = await listSets();
    expect(after.map((s) => s.path).sort()).toEqual([first.path, newest.path].sort());
    expect(readdirSync(instanceDir()).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);
});
