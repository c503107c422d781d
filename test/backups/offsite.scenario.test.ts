// Off-site copies through the real kubectl against the test cluster, to real rclone targets on loopback:
// a WebDAV server (`rclone serve webdav`, with a password) and an SFTP server (the suite's sshd, with a
// key). Per target: a copy interrupted after its files and before its manifest is listed as partial,
// then resumed and verified; a remote file damaged with its size and time kept is caught by the
// read-back and copied again by the next sync; a set deleted from the backups volume is restored from
// the remote through the same checks and swap. The remote's credentials never show.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { startBackupWorld, readyPods, waitFor, CUSTOMER, DB_PASSWORD, NS, type BackupWorld } from './clusterFixture.js';
import { databaseSnapshot } from './odooFixture.js';
import { startOdooInBackground } from './background.js';
import { freePort, startSshd, type Sshd } from '../nodes/sshd.js';

const WEBDAV_PASSWORD = 'dav-pass-never-printed-9131';
let pg: TestPostgres;
let w: BackupWorld;
let work: string;
let webdav: ChildProcess | undefined;
let sshd: Sshd | undefined;


const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const setsDir = () => join(w.backupsDir, 'active', CUSTOMER, w.name);

/** The Secret the plugin reads: rclone.conf and the remote. */
function putSecret(conf: string, remote: string) {
  const old = w.cluster.store.get('secrets', NS, 'odoo-backups-offsite');
  if (old) w.cluster.store.delete('secrets', NS, 'odoo-backups-offsite');
  w.cluster.store.create('secrets', { metadata: { name: 'odoo-backups-offsite', namespace: NS }, stringData: { 'rclone.conf': conf, remote } });
}

const startOdoo = (args: string[], pause?: { point: string; file: string }) => startOdooInBackground(w, args, pause);

interface Target {
  name: string;
  /** Where the remote's files land on this machine. */
  root: string;
  setup(): Promise<void>;
}

const targets: Target[] = [
  {
    name: 'WebDAV (rclone serve webdav, password)',
    root: '',
    async setup() {
      this.root = mkdtempSync(join(work, 'dav-'));
      const port = await freePort();
      const htpasswd = join(work, 'htpasswd');
      const hash = execFileSync('openssl', ['passwd', '-apr1', '-stdin'], { input: WEBDAV_PASSWORD }).toString().trim();
      writeFileSync(htpasswd, `odoo:${hash}\n`);
      // The test changes the served files behind the server's back: no directory cache, so it sees them.
      webdav = spawn('rclone', ['serve', 'webdav', this.root, '--addr', `127.0.0.1:${port}`, '--htpasswd', htpasswd, '--dir-cache-time', '0s'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      webdav.stderr!.on('data', (d) => (log += d));
      await waitFor('the WebDAV server', () => /Serving|WebDav Server started/i.test(log), 20_000);
      const obscured = execFileSync('rclone', ['obscure', '-'], { input: WEBDAV_PASSWORD }).toString().trim();
      putSecret(`[offsite]\ntype = webdav\nurl = http://127.0.0.1:${port}\nvendor = other\nuser = odoo\npass = ${obscured}\n`, 'offsite:odoo');
      this.root = join(this.root, 'odoo');
    },
  },
  {
    name: 'SFTP (the suite\'s sshd, key)',
    root: '',
    async setup() {
      sshd = await startSshd(join(work, 'ssh'), ['Subsystem sftp /usr/lib/openssh/sftp-server']);
      this.root = mkdtempSync(join(work, 'sftp-'));
      const pem = readFileSync(sshd.userKey, 'utf8').trim().split('\n').join('\\n');
      putSecret(`[offsite]\ntype = sftp\nhost = 127.0.0.1\nport = ${sshd.port}\nuser = root\nkey_pem = ${pem}\nshell_type = unix\n`, `offsite:${this.root}`);
    },
  },
];

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { attachments: 8 });
  work = mkdtempSync(join(tmpdir(), 'kubectl-odoo-offsite-'));
  await waitFor('the instance to be ready', () => readyPods(w).length > 0, 120_000);
  const r = await w.odoo(['backup', w.name, '--wait']);
  expect(r.code).toBe(0);
}, 240_000);

afterAll(async () => {
  webdav?.kill();
  await sshd?.stop();
  await w?.cluster.stop();
  await pg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('without the Secret: one line that says what it needs (the operator may not read Secrets: the Job says it), exit 1', async () => {
  const r = await w.odoo(['backups', 'sync', w.name]);
  expect(r.stderr.split('\n')[0]).toBe('error: off-site copy failed: off-site copies need the Secret odoo-backups-offsite in this namespace with the keys rclone.conf and remote');
  expect(r.code).toBe(1);
  const bad = await w.odoo(['backups', 'sync']);
  expect(bad.stderr.split('\n')[0]).toBe('error: backups sync takes one of: an instance NAME, --customer ID or --all');
  expect(bad.code).toBe(2);
});

describe.each(targets)('$name', (target) => {
  let ts: string;

  beforeAll(async () => {
    if (webdav) webdav.kill();
    webdav = undefined;
    await target.setup();
    // The oldest set: a sync copies the sets oldest first, so it is the one the pause holds.
    ts = readdirSync(setsDir()).filter((d) => /^\d{8}T\d{6}Z$/.test(d)).sort()[0];
  }, 60_000);

  it('a copy cut short before its manifest is partial; resumed, it is copied, read back and whole', async () => {
    const pause = join(work, 'pause');
    writeFileSync(pause, '');
    const run = startOdoo(['backups', 'sync', w.name], { point: 'copied', file: pause });
    // The Job whose pod is paused (failed sync Jobs of earlier cases are kept for their logs).
    const jobName = await waitFor('the copy to pause after its files', async () => {
      for (const pod of w.cluster.store.list('pods', NS)) {
        if (!pod.metadata.name.startsWith('odoo-offsite-sync') || pod.metadata.deletionTimestamp) continue;
        if ((await w.kubectl(['logs', pod.metadata.name])).stdout.includes('PAUSED copied')) return pod.metadata.labels['kubectl-odoo.io/job'] as string;
      }
      return undefined;
    }, 120_000);
    run.child.kill('SIGKILL');
    await run.exited;
    const job = w.cluster.store.get('jobs', NS, jobName);
    expect((await w.kubectl(['delete', 'job', job.metadata.name, '--wait=true'])).code).toBe(0);
    // The pause is lifted only once the pod is gone (a deleted pod lives until its container exits).
    await waitFor('the sync pod to be gone', () => !w.cluster.store.list('pods', NS).some((p: any) => p.metadata.labels?.['kubectl-odoo.io/job'] === job.metadata.name), 120_000);
    rmSync(pause);
    const remoteSet = join(target.root, 'active', CUSTOMER, w.name, ts);
    expect(existsSync(join(remoteSet, 'data.tar.zst'))).toBe(true);
    expect(existsSync(join(remoteSet, 'manifest.json'))).toBe(false);
    const listed = await w.odoo(['backups', '--remote', '-o', 'json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((s: any) => [s.path, s.state])).toEqual([[`active/${CUSTOMER}/${w.name}/${ts}`, 'partial']]);
    // Cut short mid-file too: the archive on the remote is half its size.
    const remoteData = join(remoteSet, 'data.tar.zst');
    writeFileSync(remoteData, readFileSync(remoteData).subarray(0, Math.floor(statSync(remoteData).size / 2)));

    // Every set of the backups volume is copied (the cases before made several): a slow machine gets time.
    const r = await w.odoo(['backups', 'sync', w.name], { timeoutMs: 360_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`active/${CUSTOMER}/${w.name}/${ts}\tcopied, verified\n`);
    for (const f of readdirSync(join(setsDir(), ts))) expect(sha256(join(remoteSet, f)), f).toBe(sha256(join(setsDir(), ts, f)));
    const whole = await w.odoo(['backups', '--remote', w.name]);
    expect(whole.stdout).toMatch(new RegExp(`^active/${CUSTOMER}/${w.name}/${ts}\\t\\S+\\tcomplete$`, 'm'));
    expect(whole.stdout).not.toContain('partial');
    const again = await w.odoo(['backups', 'sync', w.name, '-o', 'json']);
    const results = JSON.parse(again.stdout).sets;
    expect(results.map((x: any) => x.backup)).toContain(`active/${CUSTOMER}/${w.name}/${ts}`);
    expect(new Set(results.map((x: any) => x.result))).toEqual(new Set(['already on the remote']));
    expect(r.stdout + r.stderr + listed.stdout + listed.stderr).not.toContain(WEBDAV_PASSWORD);
  }, 600_000);

  it('a remote file damaged with its size and time kept is caught by the read-back, and copied again by the next sync', async () => {
    const remoteSet = join(target.root, 'active', CUSTOMER, w.name, ts);
    // The manifest goes (so the set is not whole) and a byte of the dump flips, size and mtime kept.
    rmSync(join(remoteSet, 'manifest.json'));
    const dump = join(remoteSet, 'db.dump.zst');
    const st = statSync(dump);
    const bytes = readFileSync(dump);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(dump, bytes);
    utimesSync(dump, st.atime, st.mtime);
    const r = await w.odoo(['backups', 'sync', w.name]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: off-site copy failed: active/${CUSTOMER}/${w.name}/${ts}/db.dump.zst on the remote does not match its checksum`));
    expect(existsSync(join(remoteSet, 'manifest.json'))).toBe(false);
    const fixed = await w.odoo(['backups', 'sync', w.name]);
    expect(fixed.code).toBe(0);
    expect(sha256(dump)).toBe(sha256(join(setsDir(), ts, 'db.dump.zst')));
    expect(existsSync(join(remoteSet, 'manifest.json'))).toBe(true);
  }, 240_000);

  it('restore --from remote:SET brings a set back that the backups volume lost, through the same checks and swap', async () => {
    const before = await databaseSnapshot(pg, w.db);
    await pg.psql(`DELETE FROM res_partner WHERE id > 100`, { database: w.db });
    rmSync(join(setsDir(), ts), { recursive: true });
    // The set named by the instance's database and id8 (its folder is its Deployment name).
    const r = await w.odoo(['restore', w.db, '--from', `remote:1a2b3c4d/${ts}`, '--yes'], { timeoutMs: 300_000 });
    const fetchLog = async () => {
      const j = w.cluster.store.list('jobs', NS).find((x: any) => x.metadata.name.startsWith('odoo-offsite-fetch'));
      return j ? (await w.kubectl(['logs', `job/${j.metadata.name}`])).stdout : '';
    };
    expect(r.code, r.stderr + (r.code ? await fetchLog() : '')).toBe(0);
    expect(r.stderr).toContain(`fetched active/${CUSTOMER}/${w.name}/${ts} from the remote; its checksums match`);
    expect(await databaseSnapshot(pg, w.db)).toBe(before);
    expect(existsSync(join(setsDir(), ts, 'manifest.json'))).toBe(true);
    execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: join(setsDir(), ts) });
    expect(r.stdout + r.stderr).not.toContain(DB_PASSWORD);
    // Nothing of the remote's credentials in any Job the plugin made.
    const jobs = JSON.stringify(w.cluster.store.list('jobs', NS));
    expect(jobs).not.toContain(WEBDAV_PASSWORD);
    expect(jobs).not.toContain('PRIVATE KEY');
  }, 400_000);

  it('backup NAME --wait --offsite (what a schedule with --offsite runs): the new set is copied and whole on the remote', async () => {
    const r = await w.odoo(['backup', w.name, '--wait', '--offsite']);
    expect(r.code, r.stderr).toBe(0);
    const made = /\/(\d{8}T\d{6}Z) complete: /.exec(r.stdout)![1];
    expect(r.stderr).toMatch(/off-site: [1-9]\d* set\(s\) copied and verified, \d+ already there/);
    expect(existsSync(join(target.root, 'active', CUSTOMER, w.name, made, 'manifest.json'))).toBe(true);
    const remote = JSON.parse((await w.odoo(['backups', '--remote', w.name, '-o', 'json'])).stdout);
    expect(remote.find((x: any) => x.timestamp === made)?.state).toBe('complete');
  }, 240_000);

  it('retention on the remote (prune --remote, backup --offsite --keep-remote): pinned, the newest safety backup and the newest set stay; the backups volume is not touched', async () => {
    const remoteDir = join(target.root, 'active', CUSTOMER, w.name);
    const setNames = (dir: string) => readdirSync(dir).filter((d) => /^\d{8}T\d{6}Z$/.test(d)).sort();
    const isSafety = (d: string) => existsSync(join(remoteDir, d, 'manifest.json')) && JSON.parse(readFileSync(join(remoteDir, d, 'manifest.json'), 'utf8')).reason === 'safety-before-restore';
    // The oldest set is pinned on the backups volume; a copy cut short of a set long gone lies on the remote.
    expect((await w.odoo(['backup', 'pin', `${w.name}/${ts}`])).code).toBe(0);
    onTestFinished(async () => {
      // The next target's cases compare the set's files with the remote's: the marker goes again.
      await w.odoo(['backup', 'unpin', `${w.name}/${ts}`]);
    });
    const stray = '20200101T000000Z';
    mkdirSync(join(remoteDir, stray));
    writeFileSync(join(remoteDir, stray, 'db.dump.zst'), 'cut short');
    const safety = setNames(remoteDir).filter(isSafety);
    expect(safety.length).toBeGreaterThan(0);
    const newestSafety = safety[safety.length - 1];
    const newest = setNames(remoteDir).filter((d) => !isSafety(d) && d !== stray).pop()!;

    const dry = await w.odoo(['backups', 'prune', w.name, '--remote', '--keep-last', '1', '--dry-run', '-o', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = new Map<string, string>(JSON.parse(dry.stdout).decisions.map((d: any) => [d.backup.split('/').pop(), `${d.action}: ${d.reason}`]));
    expect(plan.get(ts)).toBe('keep: pinned');
    expect(plan.get(newestSafety)).toBe('keep: newest safety backup');
    expect(plan.get(newest)).toBe('keep: newest complete, last 1');
    expect(plan.get(stray)).toBe('would delete: partial, not restorable');
    expect([...plan.keys()].sort()).toEqual(setNames(remoteDir));
    expect(setNames(remoteDir)).toContain(stray);

    const localBefore = setNames(setsDir());
    const pruned = await w.odoo(['backups', 'prune', w.name, '--remote', '--keep-last', '1', '--yes', '-o', 'json'], { timeoutMs: 360_000 });
    expect(pruned.code, pruned.stderr).toBe(0);
    const doomed = [...plan.values()].filter((v) => v.startsWith('would delete')).length;
    expect(JSON.parse(pruned.stdout).decisions.filter((d: any) => d.action === 'deleted')).toHaveLength(doomed);
    expect(setNames(remoteDir)).toEqual([ts, newestSafety, newest].sort());

    // What a scheduled run with --offsite --keep-remote does: the new set is copied, then the one it replaces goes.
    const r = await w.odoo(['backup', w.name, '--offsite', '--keep-remote', 'last=1'], { timeoutMs: 360_000 });
    expect(r.code, r.stderr).toBe(0);
    const made = /\/(\d{8}T\d{6}Z) complete: /.exec(r.stdout)![1];
    expect(r.stderr).toContain('off-site retention last=1: 1 older set(s) deleted from the remote, 3 kept');
    expect(setNames(remoteDir)).toEqual([ts, newestSafety, made].sort());
    expect(existsSync(join(remoteDir, made, 'manifest.json'))).toBe(true);
    // Only the remote: every set of the backups volume is still there.
    expect(setNames(setsDir())).toEqual([...localBefore, made].sort());

    const bad = await w.odoo(['backup', w.name, '--keep-remote', 'last=1']);
    expect(bad.stderr.split('\n')[0]).toBe('error: --keep-remote is retention for the off-site copies: give it with --offsite');
    expect(bad.code).toBe(2);
    const platform = await w.odoo(['backups', 'prune', '--remote', '--keep-last', '1', '--include-platform', '--yes']);
    expect(platform.stderr.split('\n')[0]).toBe("error: --include-platform is for the backups volume: the platform's archives are never copied off-site");
    expect(platform.code).toBe(2);
  }, 900_000);
});
