// The plugin interrupted mid-operation, as a user sees it through the real kubectl: every other change
// refused while a restore runs, the plugin killed (SIGKILL) or stopped (Ctrl-C) in the middle of the
// restore's swap and of a stopped backup, then status telling the truth and recover bringing the instance
// back to a running, whole state in one command. The restore Job is held at an exact step by the
// scripts' pause hook (KUBECTL_ODOO_PAUSE=<point>:<file>), so each case is deterministic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { addAttachments, databaseSnapshot, treeSnapshot } from './odooFixture.js';
import { startBackupWorld, readyPods, waitFor, NS, type BackupWorld } from './clusterFixture.js';
import { KUBECTL, pluginEnv, operatorArgs } from '../harness/plugin.js';

let pg: TestPostgres;
let w: BackupWorld;
let pauses: string;
let setTs: string;
let stateNew: { rows: string; files: Record<string, string> };
let stateOld: { rows: string; files: Record<string, string> };

const instanceState = async () => ({ rows: await databaseSnapshot(pg, w.db), files: treeSnapshot(w.dataDir, (rel) => rel.startsWith('.odoo-restore-')) });
const lockOf = () => w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`);
const replicas = () => w.cluster.store.get('deployments', NS, w.name)?.spec?.replicas;

/** `kubectl odoo ...` started in the background, with the pause hook set; its output as it comes. */
function startOdoo(args: string[], pause?: { point: string; file: string }): { child: ChildProcess; out: () => string; exited: Promise<number> } {
  const env = pluginEnv({ KUBECONFIG: w.cluster.kubeconfigPath, ...(pause ? { KUBECTL_ODOO_PAUSE: `${pause.point}:${pause.file}` } : {}) });
  const child = spawn(KUBECTL, ['odoo', ...operatorArgs(w.cluster.kubeconfigPath), '-n', NS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig === 'SIGKILL' ? 137 : 128))));
  return { child, out: () => text, exited };
}

/** The pod of the running Job of an operation, once it printed "PAUSED <point>". */
async function waitPaused(point: string): Promise<void> {
  await waitFor(`a Job to pause at ${point}`, async () => {
    for (const pod of w.cluster.store.list('pods', NS)) {
      if (!pod.metadata.labels?.['kubectl-odoo.io/job']) continue;
      const r = await w.kubectl(['logs', pod.metadata.name]);
      if (r.stdout.includes(`PAUSED ${point}`)) return true;
    }
    return false;
  }, 180_000);
}

function pauseFile(name: string): string {
  const f = join(pauses, name);
  writeFileSync(f, '');
  return f;
}

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg);
  pauses = mkdtempSync(join(tmpdir(), 'kubectl-odoo-pause-'));
  await waitFor('the instance to be ready', () => readyPods(w).length > 0);
  stateNew = await instanceState();
  const b = await w.odoo(['backup', w.name, '--wait']);
  expect(b.code, b.stderr).toBe(0);
  setTs = /\/(\d{8}T\d{6}Z) complete/.exec(b.stdout)![1];
  // What the instance has when each restore starts: different from the set.
  await addAttachments(pg, { database: w.db, owner: w.owner, password: 'pw-never-printed-4711', dataDir: w.dataDir }, 3);
  writeFileSync(join(w.dataDir, 'conf', 'odoo.conf'), '[options]\nworkers = 2\n');
  stateOld = await instanceState();
}, 240_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
  if (pauses) rmSync(pauses, { recursive: true, force: true });
});

describe('while a restore runs', () => {
  it('every other change is refused with the holder, and status says what runs', async () => {
    const file = pauseFile('busy');
    const restore = startOdoo(['restore', w.name, '--from', setTs, '--yes'], { point: 'files+database', file });
    try {
      await waitPaused('files+database');
      const busy = new RegExp(`^error: instance ${w.name} is busy: restore \\(phase files\\+database\\) by \\S+@\\S+ since \\d\\d:\\d\\d:\\d\\d, Job odoo-restore-\\S+; wait for it, or see "kubectl odoo recover ${w.name}"$`, 'm');
      for (const args of [
        ['start', w.name],
        ['stop', w.name],
        ['restart', w.name],
        ['set-resources', w.name, '--cpu', '2'],
        ['resize', w.name, '--storage', '20Gi'],
        ['config', 'set', w.name, 'workers=4'],
        ['delete', w.name, '--yes'],
        ['restore', w.name, '--from', setTs, '--yes'],
        ['backup', w.name, '--consistency', 'stop'],
      ]) {
        const r = await w.odoo(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr, args.join(' ')).toMatch(busy);
      }
      const status = await w.odoo(['status', w.name]);
      expect(status.stdout).toMatch(/^Operation\n {2}In progress: {2}restore \(phase files\+database\) by \S+ since \d\d:\d\d:\d\d, Job odoo-restore-\S+; other changes are refused until it ends$/m);
      // Nothing changed meanwhile: the PVC request and the Deployment are as they were.
      expect(w.cluster.store.get('persistentvolumeclaims', NS, w.cluster.store.list('persistentvolumeclaims', NS).find((p: any) => p.metadata.name.startsWith('odoo-instance-')).metadata.name).spec.resources.requests.storage).toBe('10Gi');
    } finally {
      rmSync(file, { force: true });
    }
    expect(await restore.exited, restore.out()).toBe(0);
    expect(await instanceState()).toEqual(stateNew);
    expect(lockOf()).toBeUndefined();
    // Back to the state the next cases start from.
    await restoreState(stateOld);
  }, 300_000);
});

/** Restores the newest safety backup (the state before the last restore) uninterrupted. */
async function restoreState(expected: { rows: string; files: Record<string, string> }): Promise<void> {
  const sets = JSON.parse((await w.odoo(['backups', w.name, '-o', 'json'])).stdout);
  const safety = sets.find((s: any) => s.safety && s.state === 'complete');
  const r = await w.odoo(['restore', w.name, '--from', safety.timestamp, '--yes'], { timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(await instanceState()).toEqual(expected);
}

describe('the plugin killed during the swap', () => {
  it('SIGKILL: the Job finishes the swap, status says it was interrupted, start is refused, recover brings it back whole', async () => {
    const file = pauseFile('kill');
    const restore = startOdoo(['restore', w.name, '--from', setTs, '--yes'], { point: 'out-1', file });
    await waitPaused('out-1');
    restore.child.kill('SIGKILL');
    await restore.exited;
    // The Job still runs and keeps the lock: nothing may start the instance under it.
    const early = await w.odoo(['start', w.name]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/is busy: restore \(phase swap\) by .*, Job odoo-restore-/);
    rmSync(file, { force: true });
    await waitFor('the restore Job to end', () => !w.cluster.store.list('pods', NS).some((p: any) => p.metadata.labels?.['kubectl-odoo.io/operation'] === 'restore' && !['Succeeded', 'Failed'].includes(p.status?.phase)), 120_000);
    // Its holder is gone with it: an interrupted restore, which status names with the way out.
    await waitFor('the lock to be left behind', async () => /Interrupted:/.test((await w.odoo(['status', w.name])).stdout), 60_000);
    const status = await w.odoo(['status', w.name]);
    expect(status.stdout).toMatch(new RegExp(`Interrupted: +restore \\(phase swap\\) by \\S+ since \\d\\d:\\d\\d:\\d\\d, Job odoo-restore-\\S+; it stopped ${w.name} \\(it had 1 replica\\); run "kubectl odoo recover ${w.name}"`));
    expect(status.stdout).toMatch(/Leftovers: +restore \S+ left \.odoo-restore-\S+ on the volume and may have left database acme__old_\S+; "kubectl odoo recover odoo-acme-1a2b3c4d" removes what it replaced/);
    const start = await w.odoo(['start', w.name]);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(new RegExp(`^error: instance ${w.name} is busy: an interrupted restore \\(phase swap\\) by .* left it locked; see "kubectl odoo recover ${w.name}"$`, 'm'));
    expect(replicas()).toBe(0);

    const dry = await w.odoo(['recover', w.name, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/recover will:\n {2}1\. /);
    expect(replicas()).toBe(0);
    const r = await w.odoo(['recover', w.name, '--yes'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: started odoo-acme-1a2b3c4d \(1 replica\); it is ready$/m);
    expect(r.stdout).toMatch(/: removed what restore \S+ replaced$/m);
    expect(r.stdout).toMatch(/: removed the lock of the interrupted restore$/m);
    // Wholly the restored state, running, nothing left behind.
    expect(await instanceState()).toEqual(stateNew);
    expect(readyPods(w).length).toBe(1);
    expect(readdirSync(w.dataDir).filter((n) => n.startsWith('.odoo-restore-'))).toEqual([]);
    expect((await pg.psql("select datname from pg_database where datname like 'acme\\_\\_%'")).trim()).toBe('');
    expect(lockOf()).toBeUndefined();
    const clean = await w.odoo(['status', w.name]);
    expect(clean.stdout).not.toMatch(/^Operation$/m);
    const again = await w.odoo(['recover', w.name]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`instance/${w.name}: nothing to recover\n`);
    await restoreState(stateOld);
  }, 400_000);

  it('Ctrl-C: the swap in progress is completed, the message says so, the instance runs on the restored state', async () => {
    const file = pauseFile('int');
    const restore = startOdoo(['restore', w.name, '--from', setTs, '--yes'], { point: 'in-1', file });
    await waitPaused('in-1');
    restore.child.kill('SIGINT');
    // The Job's pod got SIGTERM; it holds it until the swap is complete.
    setTimeout(() => rmSync(file, { force: true }), 1000);
    const code = await restore.exited;
    expect(code, restore.out()).toBe(130);
    const last = restore.out().trim().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^error: interrupted: restore of ${w.name} stopped after active/\\S+/${setTs} was swapped in: ${w.name} has the restored database and files and was started again; "kubectl odoo recover ${w.name}" removes what the restore replaced \\(safety backup: active/\\S+\\)$`));
    await waitFor('the instance to be ready', () => readyPods(w).length === 1, 120_000);
    expect(await instanceState()).toEqual(stateNew);
    expect(lockOf()).toBeUndefined();
    const r = await w.odoo(['recover', w.name, '--yes'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: removed what restore \S+ replaced$/m);
    expect(readdirSync(w.dataDir).filter((n) => n.startsWith('.odoo-restore-'))).toEqual([]);
    expect(await instanceState()).toEqual(stateNew);
  }, 400_000);
});

describe('the plugin killed during backup --consistency stop', () => {
  it('the instance is left stopped; status says by what; recover starts it again', async () => {
    const file = pauseFile('backup');
    const backup = startOdoo(['backup', w.name, '--consistency', 'stop'], { point: 'database+data', file });
    await waitPaused('database+data');
    backup.child.kill('SIGKILL');
    await backup.exited;
    rmSync(file, { force: true });
    await waitFor('the lock to be left behind', async () => /Interrupted:/.test((await w.odoo(['status', w.name])).stdout), 120_000);
    const status = await w.odoo(['status', w.name]);
    expect(status.stdout).toMatch(new RegExp(`Interrupted: +backup \\(phase backup\\) by \\S+ since .*; it stopped ${w.name} \\(it had 1 replica\\); run "kubectl odoo recover ${w.name}"`));
    expect(replicas()).toBe(0);
    const r = await w.odoo(['recover', w.name, '--yes'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: started odoo-acme-1a2b3c4d \(1 replica\); it is ready$/m);
    expect(readyPods(w).length).toBe(1);
    expect(lockOf()).toBeUndefined();
    expect(existsSync(join(w.dataDir, 'conf'))).toBe(true);
  }, 300_000);
});
