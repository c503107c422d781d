// backup verify NAME/SET --drill through the real kubectl against the test cluster, with a real
// PostgreSQL, real tar and the Odoo stand-in (it serves /web/health from the drill's own pod): a good set
// passes and leaves nothing behind, and so does one whose start the API server refuses; a set whose filestore lacks an attachment's file fails naming it; a
// drill stopped by Ctrl-C (paused in its Job, after neutralizing) removes what it made, and fleet runs
// and schedules meanwhile leave its throwaway instance alone; --dry-run shows
// the plan and makes nothing; status shows the last drill; a schedule with --drill runs the drill.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { IR_CONFIG_PARAMETER_DDL, IR_MODEL_DATA_DDL, MAIL_AND_CRON_DDL } from '../cluster/kubelet/odooImage.js';
import { CUSTOMER, DB_PASSWORD, grantScheduler, NS, readyPods, serveThroughStandIn, startBackupWorld, waitFor, type BackupWorld } from './clusterFixture.js';
import { KUBECTL, pluginEnv } from '../harness/plugin.js';

let pg: TestPostgres;
let w: BackupWorld;
let good: string;

const DRILL_KINDS = ['deployments', 'services', 'ingresses', 'persistentvolumeclaims', 'jobs', 'pods'];
/** Every object of a drill still in the cluster (by its label, or by name for Jobs and pods). */
const drillObjects = () =>
  DRILL_KINDS.flatMap((r) =>
    w.cluster.store
      .list(r, NS)
      .filter((o: any) => o.metadata.labels?.['kubectl-odoo.io/drill-of'] === w.name || o.metadata.name.includes('-drill-'))
      .map((o: any) => `${r}/${o.metadata.name}`),
  );
const drillDatabases = async () => (await pg.psql("select datname from pg_database where datname like '%drill%' order by 1", { args: ['-At'] })).trim();
const deployment = () => w.cluster.store.get('deployments', NS, w.name);

async function backup(): Promise<string> {
  const r = await w.odoo(['backup', w.name, '--wait'], { timeoutMs: 180_000 });
  expect(r.code, r.stderr).toBe(0);
  return /^backup\/(\S+) complete/m.exec(r.stdout)![1];
}

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { attachments: 6, odooStandIn: true });
  // What neutralize changes, as an Odoo database has it: an outgoing and an incoming mail server, a
  // cron and the autovacuum cron (kept, as Odoo keeps it), and the parameters.
  await pg.psql(
    `${IR_MODEL_DATA_DDL}\n${IR_CONFIG_PARAMETER_DDL}\n${MAIL_AND_CRON_DDL}
     INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_authentication, smtp_encryption, active) VALUES ('Production SMTP', 'smtp.acme.example', 587, 'login', 'starttls', true);
     INSERT INTO fetchmail_server (name, server, port, server_type, active, state) VALUES ('Support inbox', 'imap.acme.example', 993, 'imap', true, 'done');
     INSERT INTO ir_cron (ir_actions_server_id, cron_name, user_id, active, interval_number, interval_type, nextcall) VALUES
       (1, 'Mail: Email Queue Manager', 1, true, 1, 'minutes', now()), (2, 'Base: Auto-vacuum internal data', 1, true, 1, 'days', now());
     INSERT INTO ir_model_data (name, module, model, res_id) VALUES ('autovacuum_job', 'base', 'ir.cron', 2);
     INSERT INTO ir_config_parameter (key, value) VALUES ('web.base.url', 'https://acme.example.com');`,
    { database: w.db, user: w.owner, password: DB_PASSWORD },
  );
  await serveThroughStandIn(w, pg);
  good = await backup();
}, 300_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('backup verify --drill', () => {
  it('--dry-run shows the plan and the objects, with no Ingress, and makes nothing', async () => {
    const r = await w.odoo(['backup', 'verify', `${w.name}/latest`, '--drill', '--dry-run', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^drill of ${good} into the throwaway instance ${w.name}-drill-[a-z0-9]+ \\(database odoo_acme_1a2b3c4d_drill_[a-z0-9]+, 10Gi on rook-cephfs, no Ingress\\):$`, 'm'));
    expect(r.stderr).toMatch(/^ {2}2\. neutralize its database \(mail servers and crons off, web\.base\.url http:\/\/odoo-acme-1a2b3c4d-drill-[a-z0-9]+\.saasodoo\.svc\.cluster\.local:8069\)/m);
    expect(r.stderr).toMatch(/^ {2}4\. remove everything it made: Deployment, Service, PVC, Jobs and database /m);
    const list = JSON.parse(r.stdout);
    expect(list.items.map((o: any) => o.kind)).toEqual(['PersistentVolumeClaim', 'Service', 'Deployment', 'Job', 'Job']);
    for (const o of list.items.slice(0, 3)) expect(o.metadata.labels['kubectl-odoo.io/drill-of']).toBe(w.name);
    const drillJob = list.items[4];
    // Values only in the environment; the password stays a secretKeyRef.
    const env = drillJob.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef).toEqual({ name: `${w.db}-db`, key: 'password' });
    expect(JSON.stringify(list)).not.toContain(DB_PASSWORD);
    expect(drillObjects()).toEqual([]);
    expect(await drillDatabases()).toBe('');
  });

  it('a good set passes: restored, neutralized, serving, every attachment present; nothing is left and status shows it', async () => {
    const r = await w.odoo(['backup', 'verify', `${w.name}/latest`, '--drill'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    // Piped: tab-separated, no header.
    expect(rows.map((c) => c.slice(0, 2))).toEqual([
      ['restore', 'ok'],
      ['neutralize', 'ok'],
      ['attachments', 'ok'],
      ['web-health', 'ok'],
      ['cleanup', 'ok'],
      [`drill of ${good}: PASSED in ${/PASSED in (\d+)s/.exec(r.stdout)![1]}s`],
    ]);
    expect(rows[2][2]).toMatch(/^6 file\(s\) of 6 attachment row\(s\) present in filestore\/odoo_acme_1a2b3c4d_drill_[a-z0-9]+$/);
    expect(r.stderr).toMatch(/^ {2}outgoing-mail 1 server\(s\) turned off$/m);
    expect(r.stderr).toMatch(/^ {2}incoming-mail 1 server\(s\) turned off$/m);
    expect(r.stderr).toMatch(/^ {2}crons 1 turned off$/m);
    await waitFor('the drill objects to be gone', () => drillObjects().length === 0, 60_000);
    expect(await drillDatabases()).toBe('');
    // The instance itself is untouched and still serving.
    expect(readyPods(w).length).toBe(1);
    expect(await pg.psql("select value from ir_config_parameter where key = 'web.base.url'", { database: w.db, args: ['-At'] })).toBe('https://acme.example.com\n');
    const status = await w.odoo(['status', w.name]);
    expect(status.stdout).toMatch(new RegExp(`^ {2}Last drill: +${good}, \\d+s ago \\(passed\\)$`, 'm'));
    const json = JSON.parse((await w.odoo(['status', w.name, '-o', 'json'])).stdout);
    expect(json.lastDrill).toMatchObject({ backup: good, ok: true });
  }, 400_000);

  it('a drill whose start is refused by the API server fails at web-health and still removes everything', async () => {
    const fault = w.cluster.faults.error(422, { method: 'PATCH', path: /\/deployments\/odoo-acme-1a2b3c4d-drill-[a-z0-9]+(\/scale)?$/, times: 1 });
    try {
      const r = await w.odoo(['backup', 'verify', `${w.name}/latest`, '--drill', '-o', 'json'], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(1);
      const v = JSON.parse(r.stdout);
      expect(v.checks.map((c: any) => `${c.check}:${c.ok}`)).toEqual(['restore:true', 'neutralize:true', 'attachments:true', 'web-health:false', 'cleanup:true']);
      expect(fault.hits).toBe(1);
    } finally {
      fault.remove();
    }
    await waitFor('the drill objects to be gone', () => drillObjects().length === 0, 60_000);
    expect(await drillDatabases()).toBe('');
  }, 400_000);

  it('a set whose filestore lacks an attachment\'s file fails, naming the file, and removes everything', async () => {
    const lost = w.inst.attachments[2].storeFname;
    unlinkSync(join(w.dataDir, 'filestore', w.db, lost));
    const bad = await backup();
    const r = await w.odoo(['backup', 'verify', `${w.name}/latest`, '--drill', '-o', 'json'], { timeoutMs: 300_000 });
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v.backup).toBe(bad);
    expect(v.ok).toBe(false);
    expect(v.missing).toEqual([lost]);
    expect(v.checks.find((c: any) => c.check === 'attachments')).toMatchObject({ ok: false, detail: expect.stringMatching(/^1 of 6 attachment row\(s\) have no file in filestore\//) });
    expect(v.checks.find((c: any) => c.check === 'cleanup').ok).toBe(true);
    expect(r.stderr).toMatch(/^error: the drill of .* failed: attachments$/m);
    const table = await w.odoo(['backup', 'verify', `${w.name}/latest`, '--drill'], { timeoutMs: 300_000 });
    expect(table.code).toBe(1);
    expect(table.stdout).toContain(`  MISSING ${lost}\n`);
    expect(table.stdout).toContain(`drill of ${bad}: FAILED in `);
    await waitFor('the drill objects to be gone', () => drillObjects().length === 0, 60_000);
    expect(await drillDatabases()).toBe('');
    expect((await w.odoo(['status', w.name])).stdout).toMatch(new RegExp(`^ {2}Last drill: +${bad}, \\d+s ago \\(FAILED: attachments: 1 of 6 `, 'm'));
  }, 600_000);

  it('Ctrl-C during the drill (after neutralizing) exits 130 and leaves nothing behind', async () => {
    const pauses = mkdtempSync(join(tmpdir(), 'kubectl-odoo-pause-'));
    const pause = join(pauses, 'attachments');
    writeFileSync(pause, '');
    const env = pluginEnv({ KUBECONFIG: w.cluster.kubeconfigPath, KUBECTL_ODOO_PAUSE: `attachments:${pause}` });
    const child = spawn(KUBECTL, ['odoo', '-n', NS, 'backup', 'verify', `${w.name}/${good.split('/').at(-1)}`, '--drill'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)));
    try {
      await waitFor('the drill Job to pause', () => out.includes('\n  attachments...'), 240_000);
      // Neutralized by then, in the drill's own database (the instance's is as it was).
      const db = (await drillDatabases()).split('\n')[0];
      const q = (sql: string) => pg.psql(sql, { database: db, args: ['-At'] });
      expect(await q('select active from ir_mail_server')).toBe('f\n');
      expect(await q('select active from fetchmail_server')).toBe('f\n');
      expect(await q('select cron_name, active from ir_cron order by id')).toBe('Mail: Email Queue Manager|f\nBase: Auto-vacuum internal data|t\n');
      expect(await q("select key || '=' || value from ir_config_parameter where key in ('web.base.url', 'database.is_neutralized') order by key")).toMatch(
        /^database\.is_neutralized=true\nweb\.base\.url=http:\/\/odoo-acme-1a2b3c4d-drill-[a-z0-9]+\.saasodoo\.svc\.cluster\.local:8069\n$/,
      );
      expect(drillObjects().length).toBeGreaterThan(0);
      // A fleet run and a fleet schedule leave the throwaway instance alone.
      const fleet = await w.odoo(['backup', '--all', '--dry-run', '-o', 'name']);
      expect(fleet.stdout).toMatch(new RegExp(`^job\\.batch/odoo-backup-${w.name}-\\S+\\n$`));
      const schedules = await w.odoo(['backup', 'schedule', '--all', '--every', 'daily', '--dry-run', '-o', 'json']);
      expect(JSON.parse(schedules.stdout).items.filter((o: any) => o.kind === 'CronJob').map((o: any) => o.metadata.name)).toEqual([`odoo-backup-${w.name}`]);
      // list shows it for what it is; maintenance on the whole namespace leaves it alone.
      const list = await w.odoo(['list', '-o', 'wide']);
      expect(list.stdout).toMatch(new RegExp(`^${w.name}-drill-[a-z0-9]+\\t.*\\tdrill of ${w.name}: (stopped|creating|starting|running)\\t`, 'm'));
      const listJson = JSON.parse((await w.odoo(['list', '-o', 'json'])).stdout);
      expect(listJson.filter((i: any) => i.drillOf).map((i: any) => i.drillOf)).toEqual([w.name]);
      const maintRun = await w.odoo(['maintenance', 'off', '--all', '--yes']);
      expect(maintRun.code, maintRun.stderr).toBe(0);
      expect(maintRun.stderr).toBe(`End the maintenance of 1 instance(s) in namespace ${NS}:\n  ${w.name}  running\n`);
      child.kill('SIGINT');
      expect(await exited, out).toBe(130);
    } finally {
      // A failed assertion above must not leave the drill paused for the tests after it.
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      rmSync(pauses, { recursive: true, force: true });
    }
    expect(out).toMatch(new RegExp(`^error: interrupted: the drill of ${good} was stopped; odoo-acme-1a2b3c4d-drill-[a-z0-9]+'s Deployment, Service, volume and Jobs and database odoo_acme_1a2b3c4d_drill_[a-z0-9]+ removed$`, 'm'));
    await waitFor('the drill objects to be gone', () => drillObjects().length === 0, 60_000);
    expect(await drillDatabases()).toBe('');
    expect(w.cluster.store.list('leases', NS).filter((l: any) => l.metadata.name.includes('drill'))).toEqual([]);
    expect(deployment().spec.replicas).toBe(1);
  }, 400_000);

  it('bad combinations are usage errors that touch nothing', async () => {
    for (const [args, line] of [
      [['backup', 'verify', `${w.name}/latest`, '--drill', '--restore-test'], 'error: --drill and --restore-test are two kinds of check: give one'],
      [['backup', 'verify', `active/${CUSTOMER}/acme.tar.gz`, '--drill'], `error: --drill needs a backup set with a database dump; active/${CUSTOMER}/acme.tar.gz is a platform archive (volume only)`],
      [['backup', 'verify', `${w.name}/latest`, '--dry-run'], 'error: --dry-run is for --drill: verify itself changes nothing'],
      [['backup', w.name, '--drill', 'fortnightly'], 'error: invalid --drill "fortnightly": use daily, weekly or monthly (how often a run also drills its new backup)'],
    ] as [string[], string][]) {
      const r = await w.odoo(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
    }
    expect(drillObjects()).toEqual([]);
  });
});

describe('scheduled drills', () => {
  it('backup schedule --drill weekly: the CronJob runs the backup with --drill weekly, and the Role may make the drill', async () => {
    const r = await w.odoo(['backup', 'schedule', w.name, '--every', 'daily', '--drill', 'weekly', '--dry-run', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout).items;
    const cj = items.find((o: any) => o.kind === 'CronJob');
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0].command.slice(-2)).toEqual(['--drill', 'weekly']);
    expect(JSON.parse(cj.metadata.annotations['kubectl-odoo.io/schedule'])).toMatchObject({ every: 'daily', drill: 'weekly' });
    const role = items.find((o: any) => o.kind === 'Role');
    const may = (group: string, resource: string, verb: string) => role.rules.some((x: any) => x.apiGroups.includes(group) && x.resources.includes(resource) && x.verbs.includes(verb));
    for (const [g, res] of [['apps', 'deployments'], ['', 'services'], ['', 'persistentvolumeclaims']]) {
      expect(may(g, res, 'create'), res).toBe(true);
      expect(may(g, res, 'delete'), res).toBe(true);
    }
  });

  it('backup NAME --drill weekly drills the new set when the last drill is older than a week, and not otherwise', async () => {
    // The last drill (from the tests above) is minutes old: this run backs up and does not drill.
    const fresh = await w.odoo(['backup', w.name, '--drill', 'weekly'], { timeoutMs: 300_000 });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toMatch(/^drill: the last one \(.*\) is less than a week old; next one due /m);
    // A week ago: this run drills the set it has just made.
    const old = JSON.parse(deployment().metadata.annotations['kubectl-odoo.io/last-drill']);
    const aged = JSON.stringify({ ...old, at: new Date(Date.now() - 8 * 86_400_000).toISOString() });
    const p = await w.kubectl(['annotate', '--overwrite', 'deployment', w.name, `kubectl-odoo.io/last-drill=${aged}`]);
    expect(p.code, p.stderr).toBe(0);
    const due = await w.odoo(['backup', w.name, '--drill', 'weekly'], { timeoutMs: 400_000 });
    const set = /^backup\/(\S+) complete/m.exec(due.stdout)![1];
    // The filestore still lacks the file removed above: the drill fails, and so does the run.
    expect(due.code).toBe(1);
    expect(due.stdout).toContain(`drill of ${set}: FAILED in `);
    expect(JSON.parse(deployment().metadata.annotations['kubectl-odoo.io/last-drill'])).toMatchObject({ backup: set, ok: false });
    await waitFor('the drill objects to be gone', () => drillObjects().length === 0, 60_000);
    expect(await drillDatabases()).toBe('');
  }, 600_000);

  it('a scheduled run (kubectl create job --from=cronjob/...) drills in the cluster with the runner\'s Role alone', async () => {
    grantScheduler(w);
    const applied = await w.odoo(['backup', 'schedule', w.name, '--every', 'daily', '--drill', 'weekly']);
    expect(applied.code, applied.stderr).toBe(0);
    // The filestore has its file again; the last drill was a week ago: this run drills and passes.
    const lost = w.inst.attachments[2];
    writeFileSync(join(w.dataDir, 'filestore', w.db, lost.storeFname), Buffer.alloc(0));
    const old = JSON.parse(deployment().metadata.annotations['kubectl-odoo.io/last-drill']);
    const aged = JSON.stringify({ ...old, at: new Date(Date.now() - 8 * 86_400_000).toISOString() });
    expect((await w.kubectl(['annotate', '--overwrite', 'deployment', w.name, `kubectl-odoo.io/last-drill=${aged}`])).code).toBe(0);
    const run = await w.kubectl(['create', 'job', '--from', `cronjob/odoo-backup-${w.name}`, 'drill-now']);
    expect(run.code, run.stderr).toBe(0);
    const job = await waitFor('the run to finish', () => {
      const j = w.cluster.store.get('jobs', NS, 'drill-now');
      return (j?.status?.conditions ?? []).some((c: any) => ['Complete', 'Failed'].includes(c.type) && c.status === 'True') ? j : undefined;
    }, 400_000);
    const logs = await w.kubectl(['logs', 'job/drill-now']);
    expect(job.status.conditions.some((c: any) => c.type === 'Complete' && c.status === 'True'), logs.stdout + logs.stderr).toBe(true);
    const set = /^backup\/(\S+) complete/m.exec(logs.stdout)![1];
    expect(logs.stdout).toContain(`drill of ${set}: PASSED in `);
    expect(logs.stdout + logs.stderr).not.toContain(DB_PASSWORD);
    expect(JSON.parse(deployment().metadata.annotations['kubectl-odoo.io/last-drill'])).toMatchObject({ backup: set, ok: true });
    const status = await w.odoo(['status', w.name]);
    expect(status.stdout).toMatch(/Schedule:\s+daily at \d\d:\d\d UTC \(drill weekly\), next in /);
    expect(status.stdout).toMatch(new RegExp(`^ {2}Last drill: +${set}, \\d+s ago \\(passed\\)$`, 'm'));
    await waitFor('the drill objects to be gone', () => drillObjects().filter((o) => o !== 'jobs/drill-now' && !o.startsWith('pods/drill-now')).length === 0, 60_000);
    expect(await drillDatabases()).toBe('');
  }, 600_000);
});
