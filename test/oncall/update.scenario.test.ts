// update through the real kubectl against the test cluster, with the Odoo stand-in's `odoo -u` changing
// ir_module_module in the real PostgreSQL: the dry run changes nothing; an update takes a backup, runs
// the Job, changes the module rows and starts the instance again; a failing one leaves it stopped with
// the last log lines and a restore command that, run as printed, brings back the state from before.
// Also what update and restore do while the instance is in maintenance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { CUSTOMER, NS, readyPods, serveThroughStandIn, waitFor, type BackupWorld } from '../backups/clusterFixture.js';
import { startOncallWorld } from './world.js';
import { KUBECTL, kubectlOdoo, kubectlOdooOnTerminal, pluginEnv } from '../harness/plugin.js';

let pg: TestPostgres;
let w: BackupWorld;
const dep = () => w.cluster.store.get('deployments', NS, w.name);
const updateJobs = () => w.cluster.store.list('jobs', NS).filter((j: any) => j.metadata.labels?.['kubectl-odoo.io/operation'] === 'update');
const backupSets = () => readdirSync(join(w.backupsDir, 'active', CUSTOMER, w.name)).filter((n) => /^\d{8}T\d{6}Z$/.test(n)).sort();

async function modules(): Promise<Record<string, string>> {
  const out = await pg.psql("select name || '|' || state || '|' || coalesce(latest_version, '') from ir_module_module order by name", { database: w.db, args: ['-At'] });
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.split('|')[0], l.split('|').slice(1).join(' ')]));
}

beforeAll(async () => {
  pg = await startPostgres();
  w = await startOncallWorld(pg, { odooStandIn: true });
  await serveThroughStandIn(w, pg);
}, 180_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('update: usage and --dry-run', () => {
  it('bad module lists and missing modules exit 2 and change nothing', async () => {
    for (const [args, msg] of [
      [['update', w.name], /^error: update needs modules: -m MOD\[,MOD\.\.\.\], --all-modules or -i MOD\[,MOD\.\.\.\] \(or --list-pending\)$/m],
      [['update', w.name, '-m', 'sale,'], /^error: -m "sale,": an empty module name \(technical names such as sale_stock, separated by commas\)$/m],
      [['update', w.name, '-m', 'sale;rm -rf /'], /^error: -m "sale;rm -rf \/": "sale;rm -rf \/" is not a module name/m],
      [['update', w.name, '-m', 'sale', '--all-modules'], /^error: -m and --all-modules cannot be used together/m],
      [['update', w.name, '--list-pending', '-m', 'sale'], /^error: --list-pending only reads/m],
    ] as [string[], RegExp][]) {
      const r = await w.odoo(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(dep().spec.replicas).toBe(1);
  }, 60_000);

  it('--dry-run prints the plan and the Job, and creates nothing', async () => {
    const r = await w.odoo(['update', w.name, '-m', 'web', '-i', 'sale', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^plan for ${w.name} \\(database acme\\):\\n  1\\. take the lock of ${w.name}\\n  2\\. stop ${w.name} \\(1 replica\\)\\n  3\\. back up its database and files \\(the instance stopped\\)\\n  4\\. run Job odoo-update-${w.name}-\\S+: odoo -d acme -u web -i sale --stop-after-init \\(update web and install sale\\)\\n  5\\. start ${w.name} again and wait until /web/health answers\\n`,
      ),
    );
    expect(r.stdout).toMatch(/^kind: Job$/m);
    expect(r.stdout).toMatch(/^ +- '?--stop-after-init'?$/m);
    expect(r.stdout).toContain('secretKeyRef');
    expect(updateJobs()).toEqual([]);
    expect(dep().spec.replicas).toBe(1);
  }, 60_000);
});

describe('update', () => {
  it('backs up, runs odoo -u/-i in a Job, changes the module rows and starts the instance again', async () => {
    const before = await modules();
    expect(before).toMatchObject({ web: 'installed 17.0.1.0', sale: 'uninstalled 17.0.1.2' });
    const setsBefore = (() => {
      try {
        return backupSets();
      } catch {
        return [];
      }
    })();
    const r = await w.odoo(['update', w.name, '-m', 'web', '-i', 'sale'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const sets = backupSets();
    expect(sets.length).toBe(setsBefore.length + 1);
    const backup = `active/${CUSTOMER}/${w.name}/${sets[sets.length - 1]}`;
    expect(r.stdout).toBe(`instance/${w.name}: updated web, installed sale (backup before: ${backup}); started again, /web/health answers\n`);
    // The Job's log streamed, as Odoo wrote it.
    expect(r.stderr).toMatch(/^ {2}\| .* INFO acme odoo\.modules\.loading: Loading module web \(1\/2\)$/m);
    expect(r.stderr).toMatch(/^ {2}\| .* INFO acme odoo\.modules\.loading: 2 modules loaded/m);
    expect(await modules()).toMatchObject({ base: 'installed 17.0.1.3', web: 'installed 17.0.1.0.1', sale: 'installed 17.0.1.2.1' });
    expect(dep().spec.replicas).toBe(1);
    expect(readyPods(w).length).toBe(1);
    expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    await waitFor('the finished update Job to be deleted', () => updateJobs().length === 0);
    const pending = await w.odoo(['update', w.name, '--list-pending']);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/^ name \| state \| latest_version \n-+\+-+\+-+\n\(0 rows\)\n/);
  }, 400_000);

  it('a failing update leaves the instance stopped, prints the last log lines and a restore command that brings back the state before', async () => {
    await pg.psql("insert into ir_module_module (name, latest_version, state) values ('broken_report', '17.0.1.0', 'installed')", { database: w.db });
    const r = await w.odoo(['update', w.name, '-m', 'broken_report,web'], { timeoutMs: 300_000 });
    expect(r.code).toBe(1);
    const sets = backupSets();
    const backup = `active/${CUSTOMER}/${w.name}/${sets[sets.length - 1]}`;
    const job = updateJobs()[0]?.metadata?.name;
    expect(job).toMatch(/^odoo-update-odoo-acme-1a2b3c4d-/);
    expect(r.stderr).toContain('last lines of the log:\n');
    expect(r.stderr).toMatch(/^ {2}odoo\.tools\.convert\.ParseError: while parsing \/mnt\/extra-addons\/broken_report\/views\/views\.xml:12$/m);
    expect(r.stderr).toMatch(/^error: module update of odoo-acme-1a2b3c4d failed: exit code 1/m);
    const restore = `kubectl odoo restore ${w.name} -n ${NS} --from ${backup} --yes`;
    expect(r.stderr).toContain(
      `${w.name} is left stopped: its database may be half updated. The whole log: kubectl logs job/${job} -n ${NS}\nto go back to the state before the update (it starts the instance again):\n  ${restore}\n`,
    );
    expect(dep().spec.replicas).toBe(0);
    expect(readyPods(w)).toEqual([]);
    expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    // What the half-done update left, read through psql (a short-lived pod: the instance is stopped).
    const pending = await w.odoo(['update', w.name, '--list-pending']);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/^ broken_report \| to upgrade \| 17\.0\.1\.0 *$/m);
    expect(pending.stdout).toMatch(/^ web +\| to upgrade \| 17\.0\.1\.0\.1 *$/m);
    // The printed command, run as printed.
    const back = await kubectlOdoo(restore.split(' ').slice(2), { kubeconfig: w.cluster.kubeconfigPath, timeoutMs: 400_000 });
    expect(back.code, back.stderr).toBe(0);
    expect(await modules()).toMatchObject({ broken_report: 'installed 17.0.1.0', web: 'installed 17.0.1.0.1' });
    expect(dep().spec.replicas).toBe(1);
    await waitFor('the instance to be ready', () => readyPods(w).length === 1);
  }, 900_000);
});

describe('update --no-backup', () => {
  it('on a terminal asks first; another answer than the instance name changes nothing', async () => {
    const setsBefore = backupSets();
    const jobsBefore = updateJobs();
    const before = await modules();
    const r = await kubectlOdooOnTerminal(['-n', NS, 'update', w.name, '-m', 'web', '--no-backup'], {
      kubeconfig: w.cluster.kubeconfigPath,
      answers: [{ after: new RegExp(`Update ${w.name} without a backup first\\? A failed update then has nothing to go back to\\. Type "${w.name}" to confirm: $`), type: 'no' }],
    });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('error: not confirmed; nothing was changed\r\n');
    expect(updateJobs()).toEqual(jobsBefore);
    expect(dep().spec.replicas).toBe(1);
    expect(readyPods(w).length).toBe(1);
    expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    expect(backupSets()).toEqual(setsBefore);
    expect(await modules()).toEqual(before);
  }, 120_000);

  it('without a terminal does not ask; a failure then says there is no backup to go back to', async () => {
    const setsBefore = backupSets();
    const r = await w.odoo(['update', w.name, '-m', 'broken_report', '--no-backup'], { timeoutMs: 300_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/Type "/);
    expect(r.stderr).toMatch(/^ {2}odoo\.tools\.convert\.ParseError: /m);
    expect(r.stderr).toContain(`no backup was taken (--no-backup); "kubectl odoo backups ${w.name}" lists earlier ones\n`);
    expect(r.stderr).not.toContain('kubectl odoo restore');
    expect(backupSets()).toEqual(setsBefore);
    expect(dep().spec.replicas).toBe(0);
    const start = await w.odoo(['start', w.name, '--wait'], { timeoutMs: 120_000 });
    expect(start.code, start.stderr).toBe(0);
  }, 400_000);
});

describe('update interrupted', () => {
  it('Ctrl-C while odoo runs: the Job is deleted, the instance stays stopped with the restore command, and recover does not start it', async () => {
    const pauses = mkdtempSync(join(tmpdir(), 'kubectl-odoo-pause-'));
    const pause = join(pauses, 'update');
    writeFileSync(pause, '');
    const env = pluginEnv({ KUBECONFIG: w.cluster.kubeconfigPath, KUBECTL_ODOO_PAUSE: `update:${pause}` });
    const child = spawn(KUBECTL, ['odoo', '-n', NS, 'update', w.name, '-m', 'web'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)));
    try {
      await waitFor('odoo to pause in the update Job', () => out.includes('  | PAUSED update'), 180_000);
      child.kill('SIGINT');
      expect(await exited, out).toBe(130);
    } finally {
      rmSync(pauses, { recursive: true, force: true });
    }
    const sets = backupSets();
    const backup = `active/${CUSTOMER}/${w.name}/${sets[sets.length - 1]}`;
    expect(out).toMatch(new RegExp(`^error: interrupted: module update of ${w.name} stopped \\(Job odoo-update-\\S+ deleted\\)$`, 'm'));
    expect(out).toContain(`to go back to the state before the update (it starts the instance again):\n  kubectl odoo restore ${w.name} -n ${NS} --from ${backup} --yes\n`);
    // Deleted is not ended: until its pod has stopped, the Job still runs odoo, and recover (rightly)
    // refuses while it does.
    await waitFor('the update Job to be gone', () => updateJobs().every((j: any) => j.status?.failed || j.status?.succeeded), 120_000);
    expect(dep().spec.replicas).toBe(0);
    expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    const rec = await w.odoo(['recover', w.name, '--yes'], { timeoutMs: 240_000 });
    expect(rec.code, rec.stderr).toBe(0);
    expect(dep().spec.replicas).toBe(0);
    const start = await w.odoo(['start', w.name, '--wait'], { timeoutMs: 120_000 });
    expect(start.code, start.stderr).toBe(0);
  }, 400_000);
});

describe('while in maintenance', () => {
  it('update, restore and start are refused with the way out, and start no Job', async () => {
    const jobNames = () => w.cluster.store.list('jobs', NS).map((j: any) => j.metadata.name);
    const jobsBefore = jobNames();
    const on = await w.odoo(['maintenance', 'on', w.name], { timeoutMs: 120_000 });
    expect(on.code, on.stderr).toBe(0);
    try {
      const hint = `end it with "kubectl odoo maintenance off ${w.name}": that removes the maintenance pod and starts the instance again`;
      const u = await w.odoo(['update', w.name, '-m', 'web']);
      expect(u.code).toBe(1);
      expect(u.stderr).toMatch(new RegExp(`^error: instance ${w.name} is in maintenance \\(by \\S+ since \\S+\\)\\n${hint.replace(/[.()"]/g, '\\$&')}\\n$`));
      const rs = await w.odoo(['restore', w.name, '--from', 'latest', '--yes']);
      expect(rs.code).toBe(1);
      expect(rs.stderr).toContain(`is in maintenance`);
      expect(rs.stderr).toContain(hint);
      const s = await w.odoo(['start', w.name]);
      expect(s.code).toBe(1);
      expect(s.stderr).toContain(hint);
      // No Job was started.
      expect(jobNames().filter((n: string) => !jobsBefore.includes(n))).toEqual([]);
      expect(dep().spec.replicas).toBe(0);
    } finally {
      const off = await w.odoo(['maintenance', 'off', w.name], { timeoutMs: 120_000 });
      expect(off.code, off.stderr).toBe(0);
    }
  }, 300_000);
});

describe('update --all-modules', () => {
  it('runs odoo -u all: every installed module is updated, the others are left alone', async () => {
    // The broken module of the failing update is uninstalled first.
    await pg.psql("update ir_module_module set state = 'uninstalled' where name = 'broken_report'", { database: w.db });
    const before = await modules();
    const r = await w.odoo(['update', w.name, '--all-modules', '--no-backup'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`instance/${w.name}: updated all modules; started again, /web/health answers\n`);
    const installed = Object.keys(before).filter((m) => before[m].startsWith('installed '));
    expect(installed).toEqual(expect.arrayContaining(['base', 'web', 'sale']));
    expect(r.stderr).toMatch(new RegExp(`^ {2}\\| .* INFO acme odoo\\.modules\\.loading: ${installed.length} modules loaded`, 'm'));
    const after = await modules();
    for (const m of Object.keys(before)) expect(after[m], m).toBe(installed.includes(m) ? `${before[m]}.1` : before[m]);
    expect(dep().spec.replicas).toBe(1);
    expect(readyPods(w).length).toBe(1);
  }, 400_000);
});

describe('update: /web/health after the Job', () => {
  it('when /web/health does not answer, update fails after the wait and says so; the instance is left updated and started', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'kubectl-odoo-config-')), 'config.yaml');
    writeFileSync(config, 'waitTimeout: 30s\n');
    const before = await modules();
    // /web/health is reached through port-forward: refused, the health check gets no answer.
    const fault = w.cluster.faults.error(503, { path: /\/pods\/[^/]+\/portforward$/ });
    let r;
    try {
      r = await kubectlOdoo(['-n', NS, 'update', w.name, '-m', 'web', '--no-backup'], { kubeconfig: w.cluster.kubeconfigPath, env: { KUBECTL_ODOO_CONFIG: config }, timeoutMs: 300_000 });
    } finally {
      fault.remove();
      rmSync(dirname(config), { recursive: true, force: true });
    }
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^error: ${w.name} was updated and started, but /web/health did not answer 200 \\(port-forward to pod \\S+ port 8069 failed: the server is currently unable to handle the request\\)$`, 'm'));
    expect(r.stderr).toMatch(/^ {2}waiting for \/web\/health: port-forward to pod /m);
    expect((await modules()).web).toBe(`${before.web}.1`);
    expect(dep().spec.replicas).toBe(1);
    expect(readyPods(w).length).toBe(1);
    expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
  }, 400_000);
});
