// Scheduled backups through the real kubectl against the test cluster: the CronJobs a schedule makes,
// their spread over the window, list and delete, and a run started the way users start one by hand
// (`kubectl create job --from=cronjob/...`): the CronJob's Job runs this plugin in the cluster with
// its service account's token, takes a complete backup of the instance (its Job run for real against
// PostgreSQL) and applies the retention, keeping the pinned set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { addBackupInstance, grantScheduler, startBackupWorld, readyPods, waitFor, CUSTOMER, DB_PASSWORD, NS, type BackupWorld } from './clusterFixture.js';

let pg: TestPostgres;
let w: BackupWorld;
const BETA = 'odoo-beta-2b3c4d5e';

const cronJobs = () => w.cluster.store.list('cronjobs', NS);
const completeSets = () => {
  const dir = join(w.backupsDir, 'active', CUSTOMER, w.name);
  return existsSync(dir) ? readdirSync(dir).filter((d) => /^\d{8}T\d{6}Z$/.test(d)).sort() : [];
};

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { attachments: 5 });
  await addBackupInstance(w.cluster, pg, { name: BETA, db: 'beta', id: '2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7', labels: { tier: 'gold' }, attachments: 5 });
  await waitFor('the instance to be ready', () => readyPods(w).length >= 2, 120_000);
  grantScheduler(w);
}, 240_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('backup schedule', () => {
  it('refuses bad values with exit 2 and creates nothing', async () => {
    for (const [args, msg] of [
      [['backup', 'schedule', w.name], /backup schedule needs --every daily, hourly or a cron schedule/],
      [['backup', 'schedule', w.name, '--every', 'weekly'], /^error: invalid --every "weekly": use daily, hourly, a cron schedule such as "30 2 \* \* \*" or a macro such as @weekly; did you mean "@weekly"\?$/m],
      [['backup', 'schedule', w.name, '--every', '61 * * * *'], /invalid --every "61 \* \* \* \*".*end of range \(61\) above maximum \(59\)/],
      [['backup', 'schedule', w.name, '--every', 'daily', '--window', '1-5'], /invalid --window "1-5": give HH:MM-HH:MM in UTC/],
      [['backup', 'schedule', w.name, '--every', '0 3 * * *', '--window', '01:00-05:00'], /--window spreads daily and hourly schedules/],
      [['backup', 'schedule', w.name, '--every', 'daily', '--keep', 'last=0'], /invalid --keep "last=0"/],
      [['backup', 'schedule', w.name, '--every', 'daily', '--keep', 'yearly=2'], /invalid --keep "yearly=2": give RULE=N/],
      [['backup', 'schedule', w.name, '--all', '--every', 'daily'], /takes one of: an instance NAME, -l SELECTOR or --all/],
      [['backup', 'schedule', w.name, '--every', 'daily', '--keep-remote', 'last=7'], /^error: --keep-remote is retention for the off-site copies: give it with --offsite$/],
      [['backup', 'schedule', w.name, '--every', 'daily', '--offsite', '--keep-remote', 'monthly=0'], /^error: invalid --keep-remote "monthly=0": monthly=0 keeps nothing/],
    ] as const) {
      const r = await w.odoo([...args]);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(msg);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(cronJobs()).toEqual([]);
  });

  it('--dry-run prints the runner objects and a CronJob per instance, and creates nothing', async () => {
    const r = await w.odoo(['backup', 'schedule', '--all', '--every', 'daily', '--window', '01:00-05:00', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.items.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/kubectl-odoo-backup',
      'Role/kubectl-odoo-backup',
      'RoleBinding/kubectl-odoo-backup',
      'ConfigMap/kubectl-odoo-bundle',
      `CronJob/odoo-backup-${w.name}`,
      `CronJob/odoo-backup-${BETA}`,
    ]);
    expect(cronJobs()).toEqual([]);
    expect(w.cluster.store.list('serviceaccounts', NS).map((s: any) => s.metadata.name)).not.toContain('kubectl-odoo-backup');
    // --offsite --keep-remote: each run copies the sets off-site, then applies the remote's retention.
    const off = await w.odoo(['backup', 'schedule', w.name, '--every', 'daily', '--keep', 'last=7', '--offsite', '--keep-remote', 'last=7,monthly=12', '--dry-run', '-o', 'json']);
    expect(off.code, off.stderr).toBe(0);
    const cj = JSON.parse(off.stdout).items.find((o: any) => o.kind === 'CronJob');
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0].command.slice(-4)).toEqual(['last=7', '--offsite', '--keep-remote', 'last=7,monthly=12']);
    expect(cronJobs()).toEqual([]);
  });

  it('spreads the instances over the window, stably, and lists them with their next run', async () => {
    const r = await w.odoo(['backup', 'schedule', '--all', '--every', 'daily', '--window', '01:00-05:00', '--keep', 'last=2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const first = Object.fromEntries(cronJobs().map((c: any) => [c.metadata.name, c.spec.schedule]));
    expect(Object.keys(first).sort()).toEqual([`odoo-backup-${w.name}`, `odoo-backup-${BETA}`]);
    for (const s of Object.values(first)) {
      const [min, hour, ...rest] = (s as string).split(' ');
      expect(rest).toEqual(['*', '*', '*']);
      const at = Number(hour) * 60 + Number(min);
      expect(at).toBeGreaterThanOrEqual(60);
      expect(at).toBeLessThan(300);
    }
    expect(r.stdout).toContain(`cronjob.batch/odoo-backup-${w.name} scheduled: "${first[`odoo-backup-${w.name}`]}" (UTC)`);
    // Applied again: the same minute for each instance.
    expect((await w.odoo(['backup', 'schedule', '--all', '--every', 'daily', '--window', '01:00-05:00', '--keep', 'last=2'])).code).toBe(0);
    expect(Object.fromEntries(cronJobs().map((c: any) => [c.metadata.name, c.spec.schedule]))).toEqual(first);
    const cj = w.cluster.store.get('cronjobs', NS, `odoo-backup-${w.name}`);
    expect(cj.spec).toMatchObject({ timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600 });

    const list = await w.odoo(['backup', 'schedule', 'list', '-o', 'json']);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout);
    expect(rows.map((x: any) => [x.instance, x.every, x.window, x.keep])).toEqual([
      [w.name, 'daily', '01:00-05:00', 'last=2'],
      [BETA, 'daily', '01:00-05:00', 'last=2'],
    ]);
    for (const x of rows) {
      const next = new Date(x.nextRun);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
      expect(`${next.getUTCMinutes()} ${next.getUTCHours()} * * *`).toBe(x.schedule);
    }
    const table = await w.odoo(['backup', 'schedule', 'list']);
    expect(table.stdout.split('\n')[0].split('\t').slice(0, 3)).toEqual([w.name, 'daily', '01:00-05:00']);

  }, 120_000);

  it('a run (kubectl create job --from=cronjob/...) backs up the instance in the cluster and applies the retention', async () => {
    // Three sets by hand, the oldest pinned: after the run and last=2, the pinned one and the two newest stay.
    for (let i = 0; i < 3; i++) {
      const r = await w.odoo(['backup', w.name, '--wait']);
      expect(r.code).toBe(0);
      await new Promise((res) => setTimeout(res, 1000)); // distinct timestamps
    }
    const before = completeSets();
    expect(before.length).toBe(3);
    expect((await w.odoo(['backup', 'pin', `${w.name}/${before[0]}`])).code).toBe(0);

    const run = await w.kubectl(['create', 'job', '--from', `cronjob/odoo-backup-${w.name}`, 'backup-now']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const job = await waitFor('the run to finish', () => {
      const j = w.cluster.store.get('jobs', NS, 'backup-now');
      return (j?.status?.conditions ?? []).some((c: any) => ['Complete', 'Failed'].includes(c.type) && c.status === 'True') ? j : undefined;
    }, 240_000);
    const logs = await w.kubectl(['logs', 'job/backup-now']);

    expect(job.status.conditions.some((c: any) => c.type === 'Complete' && c.status === 'True'), logs.stdout + logs.stderr).toBe(true);
    expect(logs.stdout).toMatch(new RegExp(`^backup/active/${CUSTOMER}/${w.name}/\\d{8}T\\d{6}Z complete: `, 'm'));
    expect(logs.stderr + logs.stdout).toMatch(/retention last=2: 1 older set\(s\) deleted, 3 kept/);
    expect(logs.stdout + logs.stderr).not.toContain(DB_PASSWORD);
    const after = completeSets();
    const made = /\/(\d{8}T\d{6}Z) complete: /.exec(logs.stdout)![1];
    expect(after).toEqual([before[0], before[2], made]);
    // status reads the schedule: when it runs next, and the newest complete backup.
    const status = await w.odoo(['status', w.name]);
    expect(status.stdout).toMatch(/Schedule:\s+daily at \d\d:\d\d UTC \(window 01:00-05:00, keep last=2\), next in /);
    expect(status.stdout).toMatch(new RegExp(`Last backup:\\s+active/${CUSTOMER}/${w.name}/${made}, `));
  }, 400_000);

  it('list -o wide shows each instance\'s last backup', async () => {
    const r = await w.odoo(['list', '-o', 'wide']);
    expect(r.code).toBe(0);
    // Piped: tab-separated, no header; LAST BACKUP is the last column.
    const rows = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('\t')).map((c) => [c[0], c.at(-1)]));
    expect(rows[w.name]).toMatch(/^\d+(s|m\d*s?|m) ago$/);
    expect(rows[BETA]).toBe('<none>');
  });

  it('schedule delete removes the CronJob and keeps the backups', async () => {
    const sets = completeSets();
    const dry = await w.odoo(['backup', 'schedule', 'delete', w.name, '--dry-run']);
    expect(dry.stdout).toBe(`cronjob.batch/odoo-backup-${w.name} deleted (dry run)\n`);
    expect(cronJobs().length).toBe(2);
    const r = await w.odoo(['backup', 'schedule', 'delete', w.name]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`cronjob.batch/odoo-backup-${w.name} deleted\n`);
    expect(cronJobs().map((c: any) => c.metadata.name)).toEqual([`odoo-backup-${BETA}`]);
    expect(completeSets()).toEqual(sets);
    const again = await w.odoo(['backup', 'schedule', 'delete', w.name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: instance ${w.name} has no backup schedule in namespace ${NS}\n`);
  });
});
