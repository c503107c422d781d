// kubectl odoo backup / backups / restore / verify / prune against the test cluster, whose kubelet runs
// the Jobs for real (real tar, zstd, pg_dump, psql) and a real PostgreSQL holding an Odoo-shaped
// database with attachments whose files are on the instance's volume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, unlinkSync, cpSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { addAttachments, databaseSnapshot, treeSnapshot } from './odooFixture.js';
import { startBackupWorld, readyPods, waitFor, CUSTOMER, DB_PASSWORD, NS, type BackupWorld } from './clusterFixture.js';
import { KUBECTL, pluginEnv, operatorArgs } from '../harness/plugin.js';
import { formatBytes } from '../../lib/bytes.js';
import { pvDataDir } from '../cluster/volumes.js';

let pg: TestPostgres;
let w: BackupWorld;
let first: { path: string; ts: string; rows: string; files: Record<string, string> };

const setDir = (path: string) => join(w.backupsDir, path);
const instanceDir = () => join(w.backupsDir, 'active', CUSTOMER, w.name);
// Jobs not being deleted (a finished Job's foreground deletion takes a moment).
const jobs = () => w.cluster.store.list('jobs', NS).filter((j: any) => !j.metadata.deletionTimestamp);

/** The lock of an instance, a Lease (or a ConfigMap written by an earlier version). */
const lockOf = (name: string) => w.cluster.store.get('leases', NS, name) ?? w.cluster.store.get('configmaps', NS, name);

/**
 * A copy of the first set filed as `ts`, whose dump is not a PostgreSQL dump but whose manifest and
 * SHA256SUMS agree with its files: it passes every check before the restore itself. Returns its folder.
 */
function setWithBadDump(ts: string): string {
  const bad = join(instanceDir(), ts);
  cpSync(setDir(first.path), bad, { recursive: true });
  execFileSync('sh', ['-c', 'printf "not a dump" | zstd -q -c > db.dump.zst && sha256sum db.dump.zst data.tar.zst > SHA256SUMS'], { cwd: bad });
  const manifest = JSON.parse(readFileSync(join(bad, 'manifest.json'), 'utf8'));
  const sums = new Map(readFileSync(join(bad, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/).reverse() as [string, string]));
  const files = manifest.files.map((f: any) => ({ ...f, size: statSync(join(bad, f.name)).size, sha256: sums.get(f.name) }));
  writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...manifest, timestamp: ts, files }));
  return bad;
}

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
    // One size everywhere: the files in the set's folder, as backup reports it and backups lists it.
    const onVolume = readdirSync(setDir(first.path)).reduce((n, f) => n + statSync(join(setDir(first.path), f)).size, 0);
    expect(sets[0].bytes).toBe(onVolume);
    expect(r.stdout).toContain(` complete: ${formatBytes(onVolume)} on the backups volume (db.dump.zst `);
    const table = await w.odoo(['backups', w.name]);
    expect(table.stdout.split('\t')[2]).toBe(formatBytes(onVolume));
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
      expect(set.state).toBe('partial');
      expect(existsSync(join(instanceDir(), ts))).toBe(false);
      const restore = await w.odoo(['restore', w.name, '--from', ts, '--yes']);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(new RegExp(`error: backup active/cust-7/odoo-acme-1a2b3c4d/${ts} is partial .*cannot be used`));
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

    const r = await w.odoo(['restore', w.name, '--from', first.ts, '--yes'], { timeoutMs: 180_000 });
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
    expect(lockOf(`odoo-lock-${w.name}`)).toBeUndefined();
    // The safety backup holds the state from before the restore (with the 4 new attachments).
    const safety = /safety backup: (active\/\S+)\)/.exec(r.stdout)![1];
    const sets = await listSets();
    expect(sets.find((s) => s.path === safety)).toMatchObject({
      state: 'complete',
      safety: true,
      manifest: { reason: 'safety-before-restore', restoring: first.path },
    });
    expect(sets.find((s) => s.path === first.path)).toMatchObject({ safety: false });
    expect(sets.find((s) => s.path === first.path)?.manifest.reason).toBeUndefined();
    // backups marks it; -o wide says which restore it preceded.
    const wide = (await w.odoo(['backups', w.name, '-o', 'wide'])).stdout.split('\n').map((l) => l.split('\t'));
    expect(wide.find((c) => c[0] === safety)?.slice(6)).toEqual(['safety', 'stop', '17.0.1.3', `taken before restoring ${first.path}`]);
    expect(wide.find((c) => c[0] === first.path)?.[6]).toBe('');
    // A second "restore --from latest" (say, rerun because the first seemed to hang) restores the same
    // backup again, not the safety backup, which would undo the restore; it says which before asking.
    const again = await w.odoo(['restore', w.name, '--from', 'latest', '--dry-run', '-o', 'json']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`--from latest: ${first.path} (taken `);
    expect(JSON.parse(again.stdout).spec.template.spec.containers[0].env).toContainEqual({ name: 'SET_PATH', value: first.path });
  }, 200_000);

  it('asks before a restore overwrites anything: no answer is exit 2, a wrong one exit 1, and nothing changes', async () => {
    const rows = await databaseSnapshot(pg, w.db);
    const setsBefore = (await listSets()).length;
    const jobsBefore = jobs().filter((j: any) => j.metadata.labels?.['kubectl-odoo.io/operation'] === 'restore').length;
    const silent = await w.odoo(['restore', w.name, '--from', first.ts]);
    expect(silent.code).toBe(2);
    expect(silent.stderr).toContain(`This replaces the database and files of instance ${w.name} in namespace ${NS} with backup ${first.path} (taken `);
    expect(silent.stderr).toMatch(/error: confirmation needed but stdin gave no answer: pass --yes/);
    const wrong = await w.odoo(['restore', w.name, '--from', first.ts], { stdin: 'acme\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/error: not confirmed; nothing was restored or changed/);
    expect(jobs().filter((j: any) => j.metadata.labels?.['kubectl-odoo.io/operation'] === 'restore').length).toBe(jobsBefore);
    expect((await listSets()).length).toBe(setsBefore);
    expect(await databaseSnapshot(pg, w.db)).toBe(rows);
    expect(readyPods(w).length).toBe(1);
    expect(lockOf(`odoo-lock-${w.name}`)).toBeUndefined();
  }, 120_000);

  it('a restore that fails leaves the old database and files in place and the instance running', async () => {
    const rows = await databaseSnapshot(pg, w.db);
    const files = treeSnapshot(w.dataDir);
    // A set that passes its checksums but whose dump is not a PostgreSQL dump.
    const badTs = '20200101T000000Z';
    const bad = setWithBadDump(badTs);

    const r = await w.odoo(['restore', w.name, '--from', `${w.name}/${badTs}`, '--yes'], { timeoutMs: 180_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: restore of odoo-acme-1a2b3c4d failed: restoring the database dump failed.*keeps its previous database and files \(safety backup: active\//);
    expect(await databaseSnapshot(pg, w.db)).toBe(rows);
    expect(treeSnapshot(w.dataDir)).toEqual(files);
    expect(readyPods(w).length).toBe(1);
    expect(lockOf(`odoo-lock-${w.name}`)).toBeUndefined();
  }, 200_000);

  it('refuses while another operation holds the instance', async () => {
    w.cluster.store.create('configmaps', {
      metadata: { name: `odoo-lock-${w.name}`, namespace: NS },
      data: { holder: 'ann@laptop', operation: 'restore', acquiredAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 600_000).toISOString() },
    });
    try {
      const r = await w.odoo(['restore', w.name, '--from', 'latest', '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: instance odoo-acme-1a2b3c4d is busy: restore \(phase unknown\) by ann@laptop since \d\d:\d\d:\d\d; wait for it, or see "kubectl odoo recover odoo-acme-1a2b3c4d"$/m);
      const b = await w.odoo(['backup', w.name, '--wait']);
      expect(b.code).toBe(1);
      expect(b.stderr).toMatch(/is busy: restore \(phase unknown\) by ann@laptop/);
      expect(readyPods(w).length).toBe(1);
    } finally {
      w.cluster.store.delete('configmaps', NS, `odoo-lock-${w.name}`);
    }
  }, 120_000);
});

describe('an interrupted restore', () => {
  it('Ctrl-C during files+database: exit 130, a message that says the state, and the previous data in place', async () => {
    // Different from every set, so a restore that happened would show.
    await addAttachments(pg, { database: w.db, owner: w.owner, password: DB_PASSWORD, dataDir: w.dataDir }, 2);
    const rows = await databaseSnapshot(pg, w.db);
    const files = treeSnapshot(w.dataDir);
    const restoreJobs = () => jobs().filter((j: any) => j.metadata.labels?.['kubectl-odoo.io/operation'] === 'restore').map((j: any) => j.metadata.name);
    const jobsBefore = restoreJobs();
    // Holds the lock CREATE DATABASE ... TEMPLATE template0 needs: the restore Job then waits in its
    // files+database phase (creating the scratch database) until it is interrupted.
    const su = { ...process.env, ...pg.env(pg.superuser, pg.superPassword) };
    const blocker: ChildProcess = spawn('psql', ['-X', '-q', '-d', 'postgres'], { env: su, stdio: ['pipe', 'ignore', 'ignore'] });
    blocker.stdin!.write("BEGIN; COMMENT ON DATABASE template0 IS 'held by a test';\n");
    const waiting = "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'CREATE DATABASE%'";
    try {
      await waitFor('the blocker to hold its lock', async () => Number(await pg.psql("select count(*) from pg_locks l join pg_database d on d.oid = l.objid where d.datname = 'template0' and l.granted")) > 0);
      const child = spawn(KUBECTL, ['odoo', ...operatorArgs(w.cluster.kubeconfigPath), '-n', NS, 'restore', w.name, '--from', first.ts, '--yes'], { env: pluginEnv({ KUBECONFIG: w.cluster.kubeconfigPath }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number>((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1))));
      try {
        await waitFor('the restore Job to wait in files+database', async () => stderr.includes('files+database...') && Number(await pg.psql(waiting)) > 0, 120_000);
        child.kill('SIGINT');
        const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), 90_000))]);
        expect(code, stderr).toBe(130);
      } finally {
        child.kill('SIGKILL');
      }
      const safety = /safety backup: (active\/\S+)/.exec(stderr)![1];
      expect(stderr.trim().split('\n').at(-1)).toBe(
        `error: interrupted: restore of ${w.name} stopped during files+database, before the swap; ${w.name} keeps its database and files and was started again (safety backup: ${safety})`,
      );
      expect(stdout).toBe('');
    } finally {
      // The backend of the interrupted CREATE DATABASE waits for the lock whether or not its client is gone.
      await pg.psql("select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'CREATE DATABASE%' and pid <> pg_backend_pid()");
      blocker.stdin!.end('ROLLBACK;\n');
      blocker.kill();
    }
    // What the message says: the previous database and files, no staging left, unlocked, running again.
    expect(await databaseSnapshot(pg, w.db)).toBe(rows);
    expect(treeSnapshot(w.dataDir)).toEqual(files);
    expect(readdirSync(w.dataDir).filter((n) => n.startsWith('.odoo-restore'))).toEqual([]);
    expect((await pg.psql("select datname from pg_database where datname like 'acme\\_\\_%'")).trim()).toBe('');
    expect(lockOf(`odoo-lock-${w.name}`)).toBeUndefined();
    // Its Job is gone (the failed one of an earlier test is kept for its log).
    expect(restoreJobs()).toEqual(jobsBefore);
    await waitFor('the instance to be ready again', () => readyPods(w).length === 1, 60_000);
  }, 300_000);
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
      ['backup', 'pin', `${w.name}/${first.ts}`, '--consistency', 'stop'],
      ['restore', w.name, '--from', 'latest', '-o', 'wide'],
      ['backup', 'verify', `${w.name}/latest`, '-o', 'name'],
    ]) {
      const bad = await w.odoo(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.split('\n')[0]).toMatch(/^error: /);
    }
    // One clear line each, naming what was typed once.
    for (const [args, line] of [
      [['backups', 'prune', w.name, '--keep-last', 'abc'], 'error: invalid --keep-last "abc": give a whole number of backups, e.g. --keep-last 7'],
      [['backups', 'prune', '--keep-daily', '-1'], 'error: invalid --keep-daily "-1": give a whole number of backups, e.g. --keep-daily 7'],
      [['backups', 'prune', '-A', '--keep-last', '3'], 'error: backups prune works in one namespace at a time: use -n NAMESPACE instead of -A'],
      [['backup', 'verify', 'nope'], 'error: invalid backup "nope": it does not say which instance it belongs to; use INSTANCE/TIMESTAMP, INSTANCE/latest or active/CUSTOMER/INSTANCE/TIMESTAMP (as "kubectl odoo backups" lists them)'],
      [['restore', w.name, '--from', 'latest', '--to', 'acme.copy'], 'error: --to: invalid instance name "acme.copy": names are lower-case letters, digits and "-", at most 63 characters (e.g. acme or odoo-acme-1a2b3c4d)'],
    ] as const) {
      const bad = await w.odoo([...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.split('\n')[0]).toBe(line);
    }
    expect(jobs().length).toBe(before);
  }, 120_000);

  it('backup pin, unpin and verify show only their own flags; backup shows its own', async () => {
    for (const sub of ['pin', 'unpin', 'verify']) {
      const help = await w.odoo(['backup', sub, '--help']);
      expect(help.code).toBe(0);
      // verify has a --dry-run of its own, for --drill.
      for (const flag of ['--consistency', '--export-odoo-zip', ...(sub === 'verify' ? [] : ['--dry-run']), '--wait']) expect(help.stdout, `backup ${sub}`).not.toContain(flag);
    }
    const verify = (await w.odoo(['backup', 'verify', '--help'])).stdout;
    expect(verify).toContain('--restore-test');
    expect(verify).toMatch(/--dry-run +With --drill: print the plan/);
    const parent = (await w.odoo(['backup', '--help'])).stdout;
    for (const flag of ['--consistency', '--export-odoo-zip', '--dry-run', '--wait']) expect(parent).toContain(flag);
    const prune = (await w.odoo(['backups', 'prune', '--help'])).stdout;
    expect(prune).toContain('--yes');
    expect((await w.odoo(['restore', '--help'])).stdout).toContain('--yes');
  });

  it('prune --dry-run changes nothing; prune keeps the newest complete and pinned sets', async () => {
    const pin = await w.odoo(['backup', 'pin', `${w.name}/${first.ts}`]);
    expect(pin.code).toBe(0);
    const before = await listSets();
    const newest = before.filter((s) => s.state === 'complete').sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
    const dry = await w.odoo(['backups', 'prune', w.name, '--keep-last', '1', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`${first.path}\\s+complete\\s+keep\\s+newest complete, pinned`));
    expect(dry.stdout).toMatch(/would delete/);
    expect((await listSets()).length).toBe(before.length);

    const doomed = dry.stdout.split('\n').filter((l) => l.includes('would delete')).length;
    expect(doomed).toBeGreaterThan(0);
    // Without --yes it shows the plan and asks for the count; no answer is exit 2 and nothing is deleted.
    const silent = await w.odoo(['backups', 'prune', w.name, '--keep-last', '1']);
    expect(silent.code).toBe(2);
    expect(silent.stderr).toMatch(new RegExp(`${first.path}\\s+complete\\s+keep\\s+newest complete, pinned`));
    expect(silent.stderr).toContain(`This deletes ${doomed} backup set(s) of instance ${w.name} for good (marked "delete" above). Type "${doomed}" to confirm:`);
    expect((await listSets()).length).toBe(before.length);

    const real = await w.odoo(['backups', 'prune', w.name, '--keep-last', '1'], { stdin: `${doomed}\n` });
    expect(real.code).toBe(0);
    expect(real.stdout.split('\n').filter((l) => /\tdeleted\t/.test(l)).length).toBe(doomed);
    const after = await listSets();
    expect(after.map((s) => s.path).sort()).toEqual([first.path, newest.path].sort());
    expect(readdirSync(instanceDir()).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);
});

describe('restore --to a new instance (a copy)', () => {
  const copyDir = (name: string) => {
    const pvc = w.cluster.store.get('persistentvolumeclaims', NS, `odoo-instance-${name}`);
    return pvDataDir(w.cluster.dataDir, pvc.spec.volumeName);
  };
  const databases = async () => (await pg.psql("select datname from pg_database where datname not like 'template%' and datname <> 'postgres' order by 1")).trim().split('\n');
  const objectsOf = (name: string) =>
    ['deployments', 'services', 'ingresses', 'persistentvolumeclaims', 'jobs']
      .flatMap((r) => w.cluster.store.list(r, NS).map((o: any) => `${r}/${o.metadata.name}`))
      .filter((n) => n.endsWith(`/${name}`) || n.endsWith(`/odoo-instance-${name}`) || n.includes(`-${name}-`));

  it('creates the copy with its own database and volume, byte for byte the backup; the source is unchanged', async () => {
    const sourceRows = await databaseSnapshot(pg, w.db);
    const sourceFiles = treeSnapshot(w.dataDir);
    const r = await w.odoo(['restore', w.name, '--from', first.ts, '--to', 'copy1', '--yes'], { timeoutMs: 180_000 });
    expect(r.stderr).toContain('creating instance copy1 (stopped; database copy1');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`instance/copy1 created as a copy of ${w.name} from ${first.path} (database copy1) and ready\n`);
    // Its own database holds the backup's rows; the source's is as it was.
    expect(await databaseSnapshot(pg, 'copy1')).toBe(first.rows);
    expect(await databaseSnapshot(pg, w.db)).toBe(sourceRows);
    expect(treeSnapshot(w.dataDir)).toEqual(sourceFiles);
    // The files are the backup's, the filestore under the copy's database name, odoo.conf pointing at it.
    const rename = (rel: string) => rel.replace(/^filestore\/acme(\/|$)/, 'filestore/copy1$1');
    const expected = Object.fromEntries(Object.entries(first.files).map(([k, v]) => [rename(k), v]));
    const got = treeSnapshot(copyDir('copy1'));
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) if (k !== 'conf/odoo.conf') expect(got[k], k).toBe(v);
    expect(readFileSync(join(copyDir('copy1'), 'conf', 'odoo.conf'), 'utf8')).toBe('[options]\ndb_name = copy1\n');
    expect(got['conf/odoo.conf']).toMatch(/^file 640 /);
    // Each attachment row of the copy has its file in the copy's filestore.
    for (const fname of (await pg.psql('select store_fname from ir_attachment', { database: 'copy1' })).trim().split('\n')) {
      expect(existsSync(join(copyDir('copy1'), 'filestore', 'copy1', fname)), fname).toBe(true);
    }
    // The copy's objects: same customer, image, size, running, its own database; no ingress.
    const dep = w.cluster.store.get('deployments', NS, 'copy1');
    expect(dep.spec.replicas).toBe(1);
    expect(dep.metadata.labels['saasodoo.io/customer-id']).toBe(CUSTOMER);
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe('odoo:17');
    expect(c.env).toContainEqual({ name: 'ODOO_DATABASE_NAME', value: 'copy1' });
    expect(w.cluster.store.get('persistentvolumeclaims', NS, 'odoo-instance-copy1').spec).toMatchObject({ storageClassName: 'rook-cephfs', resources: { requests: { storage: '10Gi' } } });
    expect(w.cluster.store.get('services', NS, 'copy1')).toBeDefined();
    expect(w.cluster.store.list('ingresses', NS)).toEqual([]);
    expect((await w.odoo(['status', 'copy1', '-o', 'json'])).code).toBe(0);
    expect(await databases()).toEqual(['acme', 'copy1']);
    expect(lockOf('odoo-lock-copy1')).toBeUndefined();
    // Now it exists: a second --to copy1 restores into it (asking first), not a new one.
    const again = await w.odoo(['restore', w.name, '--from', first.ts, '--to', 'copy1']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('This replaces the database and files of instance copy1');
  }, 240_000);

  it('--dry-run prints the objects and the Job and changes nothing; bad --to names are exit 2', async () => {
    const dry = await w.odoo(['restore', w.name, '--from', first.ts, '--to', 'copy9', '--dry-run', '-o', 'json']);
    expect(dry.code).toBe(0);
    const list = JSON.parse(dry.stdout);
    expect(list.items.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual(['PersistentVolumeClaim/odoo-instance-copy9', 'Service/copy9', 'Deployment/copy9', `Job/${list.items[3].metadata.name}`]);
    expect(list.items[2].spec.replicas).toBe(0);
    expect(list.items[3].spec.template.spec.containers[0].env).toContainEqual({ name: 'SOURCE_DB', value: 'acme' });
    expect(list.items[3].spec.template.spec.containers[0].env).toContainEqual({ name: 'PGDATABASE', value: 'copy9' });
    const withHost = await w.odoo(['restore', w.name, '--from', first.ts, '--to', 'copy9', '--subdomain', 'copy9', '--dry-run', '-o', 'json']);
    expect(JSON.parse(withHost.stdout).items.map((o: any) => o.kind)).toEqual(['PersistentVolumeClaim', 'Service', 'Ingress', 'Deployment', 'Job']);
    for (const bad of ['Copy', '9copy', 'a'.repeat(50), 'x.y']) {
      const r = await w.odoo(['restore', w.name, '--from', first.ts, '--to', bad, '--yes']);
      expect(r.code, bad).toBe(2);
      expect(r.stderr.split('\n')[0], bad).toMatch(/^error: --to/);
    }
    expect(objectsOf('copy9')).toEqual([]);
    expect(w.cluster.store.get('deployments', NS, '9copy')).toBeUndefined();
    expect(await databases()).toEqual(['acme', 'copy1']);
  }, 120_000);

  it('a copy whose database restore fails leaves no objects and no database of it', async () => {
    const badTs = '20200202T000000Z';
    const bad = setWithBadDump(badTs);
    const sourceRows = await databaseSnapshot(pg, w.db);
    try {
      const r = await w.odoo(['restore', w.name, '--from', `${w.name}/${badTs}`, '--to', 'copy2', '--yes'], { timeoutMs: 180_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error: making instance copy2 from .* failed: .*restoring the database dump failed.*what it created was removed \(copy2's objects\); odoo-acme-1a2b3c4d was not changed/);
      await waitFor('the copy2 objects to be gone', () => objectsOf('copy2').length === 0, 60_000);
      expect(await databases()).toEqual(['acme', 'copy1']);
      expect(await databaseSnapshot(pg, w.db)).toBe(sourceRows);
    } finally {
      execFileSync('rm', ['-rf', bad]);
    }
  }, 240_000);

  it('a copy that fails after its database was restored drops that database and removes its objects', async () => {
    // The first attempt to start copy3 is refused by the API server, after the restore Job committed.
    const fault = w.cluster.faults.error(422, { method: 'PATCH', path: `/apis/apps/v1/namespaces/${NS}/deployments/copy3`, times: 1 });
    try {
      const r = await w.odoo(['restore', w.name, '--from', first.ts, '--to', 'copy3', '--yes'], { timeoutMs: 180_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('dropping database copy3');
      expect(r.stderr).toMatch(/error: making instance copy3 from .* failed: .*what it created was removed \(copy3's objects and database copy3\)/);
      expect(fault.hits).toBe(1);
      await waitFor('the copy3 objects to be gone', () => objectsOf('copy3').length === 0, 60_000);
      expect(await databases()).toEqual(['acme', 'copy1']);
      expect(lockOf('odoo-lock-copy3')).toBeUndefined();
    } finally {
      fault.remove();
    }
  }, 240_000);
});
