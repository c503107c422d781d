// Fleet runs (backup --all | -l | --customer) through the real kubectl against the test cluster, whose
// kubelet runs each backup Job for real against a real PostgreSQL: the caps held by Leases (a backup
// waits for a slot instead of piling on), a summary per instance, a failure that fails the run but not
// the others, and Ctrl-C that stops starting new backups while the running one finishes. Jobs are held
// at an exact step by the scripts' pause hook, so nothing depends on timing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { addBackupInstance, startBackupWorld, waitFor, CUSTOMER, DB_PASSWORD, NS, type BackupWorld } from './clusterFixture.js';
import { startOdooInBackground } from './background.js';

let pg: TestPostgres;
let w: BackupWorld;
let pauses: string;

// acme (cust-7, from the world), beta (cust-7, gold), gamma (cust-9, gold), delta (cust-9, its database
// password in its Secret is wrong: its backups fail).
const BETA = 'odoo-beta-2b3c4d5e';
const GAMMA = 'odoo-gamma-3c4d5e6f';
const DELTA = 'odoo-delta-4d5e6f70';
const ALL = () => [w.name, BETA, GAMMA, DELTA];

/** The complete sets of an instance on the backups volume: their manifests. */
function setsOf(instance: string): any[] {
  for (const customer of readdirSync(join(w.backupsDir, 'active'))) {
    const dir = join(w.backupsDir, 'active', customer, instance);
    if (!existsSync(dir)) continue;
    return readdirSync(dir)
      .filter((d) => /^\d{8}T\d{6}Z$/.test(d) && existsSync(join(dir, d, 'manifest.json')))
      .map((d) => JSON.parse(readFileSync(join(dir, d, 'manifest.json'), 'utf8')));
  }
  return [];
}

const finished = (j: any) => (j.status?.conditions ?? []).some((c: any) => ['Complete', 'Failed'].includes(c.type) && c.status === 'True');
/** Backup Jobs that have not finished. */
const backupJobs = () => w.cluster.store.list('jobs', NS).filter((j: any) => j.metadata.labels?.['kubectl-odoo.io/operation'] === 'backup' && !j.metadata.deletionTimestamp && !finished(j));
const slotLeases = () => w.cluster.store.list('leases', NS).filter((l: any) => l.metadata.name.startsWith('odoo-backup-slot-'));

const startOdoo = (args: string[], pause?: { point: string; file: string }) => startOdooInBackground(w, args, pause);

async function pausedJobs(point: string): Promise<string[]> {
  const out: string[] = [];
  for (const pod of w.cluster.store.list('pods', NS)) {
    const job = pod.metadata.labels?.['kubectl-odoo.io/job'];
    if (!job || pod.metadata.deletionTimestamp) continue;
    const r = await w.kubectl(['logs', pod.metadata.name]);
    if (r.stdout.includes(`PAUSED ${point}`)) out.push(pod.metadata.labels['kubectl-odoo.io/instance']);
  }
  return out;
}

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { attachments: 5 });
  await addBackupInstance(w.cluster, pg, { name: BETA, db: 'beta', id: '2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7', labels: { tier: 'gold' }, attachments: 5 });
  await addBackupInstance(w.cluster, pg, { name: GAMMA, db: 'gamma', id: '3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8', customer: 'cust-9', labels: { tier: 'gold' }, attachments: 5 });
  await addBackupInstance(w.cluster, pg, { name: DELTA, db: 'delta', id: '4d5e6f7a8b9c40d1e2f3a4b5c6d7e8f9', customer: 'cust-9', attachments: 5 });
  const secret = w.cluster.store.get('secrets', NS, 'delta-db');
  w.cluster.store.update('secrets', { ...secret, data: { ...secret.data, password: Buffer.from('not-the-password').toString('base64') } });
  pauses = mkdtempSync(join(tmpdir(), 'kubectl-odoo-fleet-'));
  await waitFor('the instances to be ready', () => {
    const ready = w.cluster.store.list('pods', NS).filter((p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
    return ready.length >= 4;
  }, 120_000);
}, 240_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
  if (pauses) rmSync(pauses, { recursive: true, force: true });
});

describe('backup --all / -l / --customer', () => {
  it('refuses bad combinations and values with exit 2, creating nothing', async () => {
    for (const [args, msg] of [
      [['backup', 'acme', '--all'], /backup takes an instance NAME or --all/],
      [['backup', '--all', '-l', 'tier=gold'], /--all backs up every instance: use it without -l and --customer/],
      [['backup', '--all', '--max-cluster', '0'], /--max-cluster "0" must be a whole number from 1 to 256/],
      [['backup', '--all', '--max-per-node', 'two'], /--max-per-node "two" must be a whole number from 1 to 256/],
      [['backup', '-l', 'tier in (gold'], /selector/],
      [['backup', '--customer', 'a b'], /--customer "a b" is not a valid customer id/],
      [['backup', '--all', '--consistency', 'snap'], /invalid --consistency "snap"/],
    ] as const) {
      const r = await w.odoo([...args]);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(msg);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(backupJobs()).toEqual([]);
    expect(slotLeases()).toEqual([]);
  });

  it('--dry-run prints the Jobs it would create, one per selected instance, and creates none', async () => {
    const r = await w.odoo(['backup', '--customer', 'cust-9', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((j: any) => j.metadata.labels['kubectl-odoo.io/instance']).sort()).toEqual([DELTA, GAMMA]);
    expect(backupJobs()).toEqual([]);
  });

  it('-l SELECTOR backs up the matching instances one at a time with --max-cluster 1; piped, only the summary is printed', async () => {
    const r = await w.odoo(['backup', '-l', 'tier=gold', '--max-cluster', '1'], { timeoutMs: 300_000 });
    expect(r.code).toBe(0);
    // Piped: no progress lines, the summary on stdout (tab-separated), one row per instance.
    expect(r.stderr).toBe('2 of 2 instances backed up\n');
    const rows = r.stdout.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
    expect(rows.map((c) => c.length)).toEqual([6, 6]);
    expect(rows.map((c) => [c[0], c[1]]).sort()).toEqual([[BETA, 'complete'], [GAMMA, 'complete']]);
    const [beta, gamma] = [setsOf(BETA), setsOf(GAMMA)];
    expect([beta.length, gamma.length, setsOf(w.name).length]).toEqual([1, 1, 0]);
    // One at a time: the second began after the first had finished.
    const [a, b] = [beta[0], gamma[0]].sort((x, y) => x.startedAt.localeCompare(y.startedAt));
    expect(Date.parse(b.startedAt)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt));
    expect(slotLeases()).toEqual([]);
  }, 300_000);

  it('--all: a failed backup fails the run (exit 1) and not the others; -o json has a result per instance', async () => {
    const before = Object.fromEntries(ALL().map((n) => [n, setsOf(n).length]));
    const r = await w.odoo(['backup', '--all', '-o', 'json'], { timeoutMs: 300_000 });
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout);
    expect(results.map((x: any) => [x.instance, x.state]).sort()).toEqual([
      [DELTA, 'failed'],
      [BETA, 'complete'],
      [GAMMA, 'complete'],
      [w.name, 'complete'],
    ].sort());
    const failed = results.find((x: any) => x.instance === DELTA);
    expect(failed.error).toMatch(/backup of odoo-delta-4d5e6f70 failed: .*password authentication failed/);
    for (const x of results.filter((x: any) => x.state === 'complete')) {
      expect(x.backup).toMatch(new RegExp(`^active/(${CUSTOMER}|cust-9)/${x.instance}/\\d{8}T\\d{6}Z$`));
      expect(x.bytes).toBeGreaterThan(0);
      expect(setsOf(x.instance).length).toBe(before[x.instance] + 1);
    }
    expect(setsOf(DELTA).length).toBe(0);
    expect(r.stderr).toBe('error: 1 of 4 backups failed: odoo-delta-4d5e6f70\n');
    expect(r.stdout + r.stderr).not.toContain(DB_PASSWORD);
  }, 300_000);

  it('holds the caps with Leases: a backup waits for a slot rather than piling on; Ctrl-C stops starting new ones and names those running', async () => {
    const pause = join(pauses, 'prove');
    writeFileSync(pause, '');
    const before = Object.fromEntries(ALL().map((n) => [n, setsOf(n).length]));
    const fleet = startOdoo(['backup', '--customer', CUSTOMER, '--max-cluster', '1'], { point: 'prove', file: pause });
    try {
      await waitFor('the first backup to pause', async () => (await pausedJobs('prove')).length === 1, 180_000);
      const [first] = await pausedJobs('prove');
      const second = first === w.name ? BETA : w.name;
      // One Job, one cluster slot held by it.
      expect(backupJobs().map((j: any) => j.metadata.labels['kubectl-odoo.io/instance'])).toEqual([first]);
      const cluster = slotLeases().filter((l: any) => l.metadata.name === 'odoo-backup-slot-0');
      expect(cluster.map((l: any) => l.metadata.annotations['kubectl-odoo.io/instance'])).toEqual([first]);

      // Someone else's backup with the same cap waits; it creates no Job, and Ctrl-C ends its wait.
      const other = startOdoo(['backup', GAMMA, '--wait', '--max-cluster', '1']);
      await waitFor('the other backup to wait for a slot', () => other.out().includes('waiting for a backup slot'));
      expect(other.out()).toContain(`waiting for a backup slot: 1 backup(s) running (${first}), the most at once`);
      expect(backupJobs().length).toBe(1);
      other.child.kill('SIGINT');
      expect(await other.exited).toBe(130);
      expect(other.out()).toMatch(/error: interrupted.*waited for a backup slot/);

      fleet.child.kill('SIGINT');
      await waitFor('the fleet run to say what still runs', () => fleet.out().includes('still running'));
      expect(fleet.out()).toContain(`interrupted: no more backups start; still running: ${first}`);
      rmSync(pause);
      const code = await fleet.exited;
      expect(code).toBe(130);
      const rows = fleet.stdout().replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
      expect(rows.map((c) => [c[0], c[1]]).sort()).toEqual([[first, 'complete'], [second, 'not started']].sort());
      expect(fleet.out()).toContain(`error: interrupted: 1 of 2 backed up, 0 failed, 1 not started: ${second}`);
      expect(setsOf(first).length).toBe(before[first] + 1);
      expect(setsOf(second).length).toBe(before[second]);
      expect(setsOf(GAMMA).length).toBe(before[GAMMA]);
      await waitFor('the slot to be released', () => slotLeases().length === 0);
    } finally {
      if (existsSync(pause)) rmSync(pause);
      fleet.child.kill('SIGKILL');
    }
  }, 300_000);
});
