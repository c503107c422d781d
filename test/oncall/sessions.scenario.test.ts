// shell, psql and odoo-shell through the real kubectl against the test cluster, on an instance whose
// database is a real PostgreSQL: exit codes pass through, psql runs with the instance's own
// credentials, and its password shows up in no output and in no object the plugin writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { readyPods, waitFor, NS, DB_PASSWORD, type BackupWorld } from '../backups/clusterFixture.js';
import { startOncallWorld } from './world.js';
import { kubectlOdooOnTerminal } from '../harness/plugin.js';

let pg: TestPostgres;
let w: BackupWorld;
let scratch: string;
/** Every object version the API server stored during the tests (Secrets apart), as JSON. */
const written: string[] = [];
let stopRecording: () => void;

beforeAll(async () => {
  pg = await startPostgres();
  w = await startOncallWorld(pg);
  scratch = mkdtempSync(join(tmpdir(), 'kubectl-odoo-sessions-'));
  stopRecording = w.cluster.store.onChange(undefined, (c) => {
    if (c.plural !== 'secrets') written.push(JSON.stringify(c.snap.copy()));
  });
}, 180_000);

afterAll(async () => {
  stopRecording?.();
  await w?.cluster.stop();
  await pg?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe('shell', () => {
  it('-c runs one command in the Odoo container, which sees the instance volume; its exit code is ours', async () => {
    writeFileSync(join(w.dataDir, 'marker.txt'), 'on the volume\n');
    const r = await w.odoo(['shell', w.name, '-c', 'cat /var/lib/odoo/marker.txt; echo "db=$ODOO_DATABASE_NAME"; exit 7']);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toBe('on the volume\ndb=acme\n');
    expect(r.stderr).toBe('');
    const ok = await w.odoo(['shell', 'acme', '-c', 'true']);
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);

  it('without -c reads the commands from stdin when it is not a terminal', async () => {
    const r = await w.odoo(['shell', w.name], { stdin: 'echo from-stdin\nexit 3\n' });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('from-stdin\n');
  }, 60_000);

  it('on a terminal the command gets one too (as exec -it), with the terminal\'s size', async () => {
    const r = await kubectlOdooOnTerminal(['-n', NS, 'shell', w.name, '-c', 'test -t 0 && test -t 1 && echo has-a-tty; stty size; exit 6'], { kubeconfig: w.cluster.kubeconfigPath });
    expect(r.out).toContain('has-a-tty\r\n');
    // The size kubectl-odoo sent on the resize channel; one \r per line end: the local terminal adds none.
    expect(r.out).toBe('has-a-tty\r\n40 100\r\n');
    expect(r.code, r.out).toBe(6);
  }, 60_000);

  it('without -c on a terminal: an interactive shell on a TTY, typed into, whose exit code is ours', async () => {
    const r = await kubectlOdooOnTerminal(['-n', NS, 'shell', w.name], {
      kubeconfig: w.cluster.kubeconfigPath,
      answers: [{ after: /[#$] $/, type: 'test -t 0 && echo "tty-$ODOO_DATABASE_NAME"; exit 4' }],
    });
    expect(r.out).toContain('tty-acme\r\n');
    expect(r.code, r.out).toBe(4);
  }, 60_000);

  it('a stopped instance is refused with what to do instead', async () => {
    const stop = await w.odoo(['stop', w.name, '--wait']);
    expect(stop.code, stop.stderr).toBe(0);
    try {
      const r = await w.odoo(['shell', w.name, '-c', 'true']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: instance ${w.name} has no running Odoo container\nstart it with "kubectl odoo start ${w.name} --wait", or "kubectl odoo maintenance on ${w.name}" for a pod with its volume and database settings\n`,
      );
    } finally {
      expect((await w.odoo(['start', w.name, '--wait'])).code).toBe(0);
    }
  }, 120_000);

  it('an unknown instance is not found; -A is refused as bad usage', async () => {
    const r = await w.odoo(['shell', 'nosuch', '-c', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: instance "nosuch" not found in namespace saasodoo/);
    const a = await w.odoo(['shell', w.name, '-A', '-c', 'true']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error: shell acts on one instance: use -n NAMESPACE instead of -A$/m);
  });
});

describe('odoo-shell', () => {
  it('runs odoo shell on the instance\'s database with its odoo.conf', async () => {
    const r = await w.odoo(['odoo-shell', w.name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Odoo shell (test stand-in) on database acme\ninstalled modules: base,web\n');
  }, 60_000);
});

describe('psql', () => {
  it('-c runs SQL as the instance\'s own role on its own database', async () => {
    const r = await w.odoo(['psql', w.name, '-c', 'select current_user, current_database()']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ current_user \| current_database \n-+\+-+\n odoo_acme +\| acme\n\(1 row\)\n/);
  }, 60_000);

  it('-f FILE sends the script on stdin and stops at its first error with psql\'s exit code', async () => {
    const ok = join(scratch, 'ok.sql');
    writeFileSync(ok, "select count(*) as partners from res_partner;\nselect name from ir_module_module where name = 'base';\n");
    const r = await w.odoo(['psql', w.name, '-f', ok]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(' partners \n----------\n      200\n');
    expect(r.stdout).toContain(' base\n');
    const bad = join(scratch, 'bad.sql');
    writeFileSync(bad, 'select * from no_such_table;\nselect 1;\n');
    const f = await w.odoo(['psql', w.name, '-f', bad]);
    expect(f.code).toBe(3);
    expect(f.stderr).toMatch(/relation "no_such_table" does not exist/);
    const missing = await w.odoo(['psql', w.name, '-f', join(scratch, 'nope.sql')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read -f .*nope\.sql: no such file$/m);
    const both = await w.odoo(['psql', w.name, '-c', 'select 1', '-f', ok]);
    expect(both.code).toBe(2);
  }, 60_000);

  it('SQL on stdin without -c or -f', async () => {
    const r = await w.odoo(['psql', w.name], { stdin: "select 'piped' as how;\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(' piped\n');
  }, 60_000);

  it('an Odoo container without psql: a short-lived pod takes the password from the Secret by reference, and is deleted', async () => {
    // A PATH with only sh on it: the container has no psql.
    const bin = join(scratch, 'bin');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const patch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'odoo', env: [{ name: 'PATH', value: bin }] }] } } } });
    expect((await w.kubectl(['patch', 'deployment', w.name, '--type', 'strategic', '-p', patch])).code).toBe(0);
    // Ready, and the old pod gone (a deleted pod stays Terminating until its container has exited).
    const terminating = () => w.cluster.store.list('pods', NS).filter((p: any) => p.metadata.labels?.['saasodoo.io/customer-id'] && p.metadata.deletionTimestamp).length;
    // The pod before had a PATH too (the stand-in's): the new one is the one with this PATH.
    await waitFor('the new pod to be ready', () => readyPods(w).length === 1 && terminating() === 0 && readyPods(w)[0].spec.containers[0].env.some((e: any) => e.name === 'PATH' && e.value === bin), 90_000);
    const seen: any[] = [];
    const off = w.cluster.store.onChange('pods', (c) => {
      const p = c.snap.copy();
      if (p.metadata.labels?.['app.kubernetes.io/component'] === 'psql') seen.push(p);
    });
    try {
      const r = await w.odoo(['psql', w.name, '-c', 'select current_user']);
      expect(r.code, all(r)).toBe(0);
      expect(r.stdout).toMatch(/ odoo_acme\n/);
      expect(r.stderr).toMatch(/^the Odoo container of odoo-acme-1a2b3c4d has no psql: starting pod odoo-acme-1a2b3c4d-psql-[0-9a-f]{6} with psql$/m);
    } finally {
      off();
    }
    expect(seen.length).toBeGreaterThan(0);
    const env = seen[0].spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'ODOO_DATABASE_PASSWORD')).toEqual({ name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-db', key: 'password' } } });
    expect(env.some((e: any) => e.name === 'PATH')).toBe(false);
    await waitFor('the psql pod to be gone', () => !w.cluster.store.list('pods', NS).some((p: any) => p.metadata.labels?.['app.kubernetes.io/component'] === 'psql'), 30_000);
  }, 120_000);

  it('the password appeared in no output and in no object stored during these tests', async () => {
    // -v 9 logs every request and response body: the password is in none of them either.
    const r = await w.odoo(['psql', w.name, '-c', 'select 1', '-v', '9']);
    expect(r.code, r.stderr).toBe(0);
    expect(all(r)).not.toContain(DB_PASSWORD);
    expect(all(r)).not.toContain(Buffer.from(DB_PASSWORD).toString('base64'));
    expect(written.length).toBeGreaterThan(0);
    for (const o of written) {
      expect(o).not.toContain(DB_PASSWORD);
      expect(o).not.toContain(Buffer.from(DB_PASSWORD).toString('base64'));
    }
  }, 60_000);
});
