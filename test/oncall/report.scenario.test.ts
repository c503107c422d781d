// report through the real kubectl against the test cluster: what the support bundle holds, that no
// secret value is anywhere in it (Secret data, odoo.conf passwords, a literal env password), that
// --include-secrets asks and needs --yes without a terminal, and that a part that cannot be read (a 403)
// is written down in the bundle instead of failing it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseYamlAll } from '../../lib/yaml.js';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { NS, DB_PASSWORD, addBackupInstance, readyPods, type BackupWorld } from '../backups/clusterFixture.js';
import { startOncallWorld } from './world.js';
import { kubectlOdooOnTerminal } from '../harness/plugin.js';

let pg: TestPostgres;
let w: BackupWorld;
let scratch: string;
const ADMIN_PASSWD = 'admin-master-pw-93817';
const SMTP_PASSWORD = 'smtp-pw-55120';
const API_KEY = 'api-key-value-77231';
const LITERAL_ENV = 'literal-env-secret-66102';
const SECRETS = [DB_PASSWORD, ADMIN_PASSWD, SMTP_PASSWORD, API_KEY, LITERAL_ENV];
const HOST = 'acme.odoo.example.com';

beforeAll(async () => {
  pg = await startPostgres();
  w = await startOncallWorld(pg);
  scratch = mkdtempSync(join(tmpdir(), 'kubectl-odoo-report-'));
  appendFileSync(join(w.dataDir, 'conf', 'odoo.conf'), `admin_passwd = ${ADMIN_PASSWD}\nsmtp_password = ${SMTP_PASSWORD}\nstripe_api_key = ${API_KEY}\nworkers = 2\n`);
  const node = readyPods(w)[0].spec.nodeName;
  w.cluster.store.create('namespaces', { metadata: { name: 'kubectl-odoo' } });
  w.cluster.store.create('configmaps', {
    metadata: { name: `kubectl-odoo-node-${node}`, namespace: 'kubectl-odoo', labels: { 'app.kubernetes.io/name': 'odoo-node-agent', 'app.kubernetes.io/component': 'node-summary' } },
    data: { 'summary.json': JSON.stringify({ node, devices: [{ path: '/dev/sda2', verdict: 'READY' }] }) },
  });
  // The platform's Service and Ingress in front of the instance.
  const selector = readyPods(w)[0].metadata.labels;
  w.cluster.store.create('services', {
    metadata: { name: w.name, namespace: NS, labels: { app: 'odoo' } },
    spec: { selector: { app: selector.app, 'saasodoo.io/instance-id': selector['saasodoo.io/instance-id'] }, ports: [{ name: 'http', port: 8069, targetPort: 8069 }] },
  });
  w.cluster.store.create('ingresses', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: w.name, namespace: NS },
    spec: { rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: w.name, port: { number: 8069 } } } }] } }] },
  });
}, 180_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function extract(file: string): string {
  const dir = mkdtempSync(join(scratch, 'x-'));
  if (file.endsWith('.zip')) execFileSync('unzip', ['-q', file, '-d', dir]);
  else execFileSync('tar', ['-xzf', file, '-C', dir]);
  return dir;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

describe('report NAME', () => {
  let root: string;
  let files: string[];
  const read = (p: string) => readFileSync(join(root, p), 'utf8');

  it('writes one zip with the instance\'s objects, events, screens, logs, odoo.conf, backups and node summary', async () => {
    const env = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'odoo', env: [{ name: 'SMTP_PASSWORD', value: LITERAL_ENV }] }] } } } });
    expect((await w.kubectl(['patch', 'deployment', w.name, '--type', 'strategic', '-p', env])).code).toBe(0);
    const { waitFor } = await import('../harness/waitFor.js');
    await waitFor('the new pod to be ready', () => readyPods(w).length === 1 && readyPods(w)[0].spec.containers[0].env.some((e: any) => e.name === 'SMTP_PASSWORD'), 120_000);
    const b = await w.odoo(['backup', w.name, '--wait'], { timeoutMs: 180_000 });
    expect(b.code, b.stderr).toBe(0);
    const file = join(scratch, 'bundle.zip');
    // As an admin, who can read the Secrets (an operator cannot: see the 403 test below): they show redacted.
    const r = await w.odoo(['report', w.name, '-f', file, '--logs', '--tail', '50'], { timeoutMs: 180_000, context: null });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${file}\n`);
    const dir = extract(file);
    root = join(dir, 'bundle');
    files = walk(root).map((f) => relative(root, f)).sort();
    const pod = readyPods(w)[0].metadata.name;
    const i = w.name;
    for (const f of ['README.txt', `${i}/objects/deployment.yaml`, `${i}/objects/replicasets.yaml`, `${i}/objects/pods.yaml`, `${i}/objects/service.yaml`, `${i}/objects/ingress.yaml`, `${i}/objects/pvc.yaml`, `${i}/objects/pv.yaml`, `${i}/objects/storageclass.yaml`, `${i}/objects/secrets.yaml`, `${i}/events.txt`, `${i}/events.yaml`, `${i}/status.txt`, `${i}/status.json`, `${i}/storage.txt`, `${i}/storage.json`, `${i}/logs/${pod}/odoo.log`, `${i}/odoo.conf`, `${i}/backups.txt`, `${i}/backups.json`, `${i}/node-summary.json`]) {
      expect(files, f).toContain(f);
    }
    expect(read('README.txt')).toMatch(/^kubectl-odoo support bundle\n\nCreated: {3}\d{4}-\d\d-\d\dT.*Z\nBy: {8}\S+@\S+ with kubectl-odoo /);
    expect(read('README.txt')).toContain(`Instances: ${i}\n`);
    expect(read(`${i}/status.txt`)).toMatch(/^Instance\n {2}Name: +odoo-acme-1a2b3c4d \(namespace saasodoo\)\n {2}Status: +running/);
    expect(JSON.parse(read(`${i}/status.json`)).instance.name).toBe(i);
    expect(read(`${i}/storage.txt`)).toMatch(/^Instance: +saasodoo\/odoo-acme-1a2b3c4d\nPVC: +odoo-instance-/);
    expect(read(`${i}/backups.txt`)).toMatch(/^BACKUP +TIME +SIZE +STATE[^\n]*\nactive\/cust-7\/odoo-acme-1a2b3c4d\/\S+ +\S+ +\S+ +complete/);
    expect(read(`${i}/events.txt`)).toMatch(/^LAST SEEN +TYPE +REASON +OBJECT +COUNT +MESSAGE\n/);
    expect(read(`${i}/objects/deployment.yaml`)).toMatch(/^kind: Deployment$/m);
    const [service] = parseYamlAll(read(`${i}/objects/service.yaml`)) as any[];
    expect([service.kind, service.metadata.name, service.spec.ports[0].port]).toEqual(['Service', i, 8069]);
    const [ingress] = parseYamlAll(read(`${i}/objects/ingress.yaml`)) as any[];
    expect([ingress.kind, ingress.metadata.name, ingress.spec.rules[0].host, ingress.spec.rules[0].http.paths[0].backend.service.name]).toEqual(['Ingress', i, HOST, i]);
    expect(JSON.parse(read(`${i}/node-summary.json`)).report.devices[0].verdict).toBe('READY');
    expect(read(`${i}/logs/${pod}/odoo.log`).length).toBeGreaterThan(0);
    expect(files.some((f) => f.endsWith('errors.txt'))).toBe(false);
    expect(read('README.txt')).toContain('Everything was collected.');
  }, 400_000);

  it('redacts: a Secret value shows as <redacted, N bytes>, odoo.conf passwords and keys masked, literal env passwords too', () => {
    const secrets = read(`${w.name}/objects/secrets.yaml`);
    expect(secrets).toContain(`password: <redacted, ${DB_PASSWORD.length} bytes>`);
    expect(secrets).toContain(`username: <redacted, ${w.owner.length} bytes>`);
    const conf = read(`${w.name}/odoo.conf`);
    expect(conf).toMatch(/^admin_passwd = \*{8}$/m);
    expect(conf).toMatch(/^smtp_password = \*{8}$/m);
    expect(conf).toMatch(/^stripe_api_key = \*{8}$/m);
    expect(conf).toMatch(/^workers = 2$/m);
    expect(read(`${w.name}/objects/deployment.yaml`)).toContain(`value: <redacted, ${LITERAL_ENV.length} bytes>`);
  });

  it('no secret value is anywhere in the extracted bundle, in clear or base64', () => {
    for (const f of files) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const s of SECRETS) {
        expect(text.includes(s), `${s} in ${f}`).toBe(false);
        expect(text.includes(Buffer.from(s).toString('base64')), `${s} (base64) in ${f}`).toBe(false);
      }
    }
  });

  it('without -f writes report-<name>-<time>.zip in the current folder', async () => {
    const cwd = realpathSync(mkdtempSync(join(scratch, 'cwd-')));
    const r = await w.odoo(['report', w.name], { cwd, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    const names = readdirSync(cwd);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^report-${w.name}-\\d{8}T\\d{6}Z\\.zip$`));
    expect(r.stdout).toBe(`${join(cwd, names[0])}\n`);
    const dir = extract(join(cwd, names[0]));
    const top = names[0].replace(/\.zip$/, '');
    expect(readdirSync(dir)).toEqual([top]);
    expect(readFileSync(join(dir, top, 'README.txt'), 'utf8')).toContain(`Instances: ${w.name}\n`);
    expect(existsSync(join(dir, top, w.name, 'objects', 'deployment.yaml'))).toBe(true);
  }, 240_000);
});

describe('report: bad usage, secrets, partial failures', () => {
  it('bad file names, an existing file and --tail without --logs exit 2 and write nothing', async () => {
    for (const [args, msg] of [
      [['report', w.name, '-f', join(scratch, 'b.rar')], /^error: -f .*b\.rar: the bundle is a \.zip or a \.tar\.gz \(or \.tgz\) file$/m],
      [['report', w.name, '-f', join(scratch, 'bundle.zip')], /^error: .*bundle\.zip exists: give another -f, or remove it first$/m],
      [['report', w.name, '-f', join(scratch, 'nodir', 'b.zip')], /^error: -f .*: folder .*nodir does not exist$/m],
      [['report', w.name, '--tail', '5', '-f', join(scratch, 't.zip')], /^error: --tail goes with --logs$/m],
      [['report', '-f', join(scratch, 't.zip')], /^error: report needs an instance: NAME, -l SELECTOR or --all$/m],
    ] as [string[], RegExp][]) {
      const r = await w.odoo(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(existsSync(join(scratch, 't.zip'))).toBe(false);
    expect(existsSync(join(scratch, 'b.rar'))).toBe(false);
  }, 60_000);

  it('--include-secrets is refused without a terminal unless --yes; with --yes the values are in clear', async () => {
    const file = join(scratch, 'clear.tar.gz');
    const r = await w.odoo(['report', w.name, '-f', file, '--include-secrets'], { context: null });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --include-secrets puts Secret values in clear into the bundle: it asks first, and without a terminal needs --yes$/m);
    expect(existsSync(file)).toBe(false);
    const y = await w.odoo(['report', w.name, '-f', file, '--include-secrets', '--yes'], { timeoutMs: 180_000, context: null });
    expect(y.code, y.stderr).toBe(0);
    const dir = join(extract(file), 'clear');
    expect(readFileSync(join(dir, w.name, 'odoo.conf'), 'utf8')).toMatch(new RegExp(`^admin_passwd = ${ADMIN_PASSWD}$`, 'm'));
    expect(readFileSync(join(dir, w.name, 'objects', 'secrets.yaml'), 'utf8')).toContain(Buffer.from(DB_PASSWORD).toString('base64'));
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain('SECRETS ARE INCLUDED IN CLEAR');
  }, 240_000);

  it('--include-secrets on a terminal asks: another answer writes nothing and exits 1; typing "yes" writes the bundle', async () => {
    const file = join(scratch, 'asked.zip');
    const args = ['-n', NS, 'report', w.name, '-f', file, '--include-secrets'];
    const question = new RegExp(`The bundle will hold the Secret values and odoo\\.conf passwords of ${w.name} in clear\\. Type "yes" to confirm: $`);
    const no = await kubectlOdooOnTerminal(args, { kubeconfig: w.cluster.kubeconfigPath, context: null, answers: [{ after: question, type: 'no' }] });
    expect(no.code, no.out).toBe(1);
    expect(no.out).toContain('error: not confirmed; no bundle was written\r\n');
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(scratch).filter((n) => n.includes('asked'))).toEqual([]);
    const yes = await kubectlOdooOnTerminal(args, { kubeconfig: w.cluster.kubeconfigPath, context: null, timeoutMs: 180_000, answers: [{ after: question, type: 'yes' }] });
    expect(yes.code, yes.out).toBe(0);
    expect(yes.out).toContain(`${file}\r\n`);
    const dir = join(extract(file), 'asked');
    expect(readFileSync(join(dir, w.name, 'odoo.conf'), 'utf8')).toMatch(new RegExp(`^admin_passwd = ${ADMIN_PASSWD}$`, 'm'));
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain('SECRETS ARE INCLUDED IN CLEAR');
  }, 240_000);

  it('a 403 on events and a missing node summary are written into the bundle; the rest is collected (--all, tar.gz)', async () => {
    w.cluster.store.delete('configmaps', 'kubectl-odoo', `kubectl-odoo-node-${readyPods(w)[0].spec.nodeName}`);
    const fault = w.cluster.faults.error(403, { method: 'GET', path: /\/namespaces\/saasodoo\/events$/ });
    const file = join(scratch, 'all.tgz');
    let r;
    try {
      r = await w.odoo(['report', '--all', '-f', file], { timeoutMs: 180_000 });
    } finally {
      fault.remove();
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^warning: not collected: ${w.name}: events: .*forbidden`, 'mi'));
    const dir = join(extract(file), 'all');
    const errors = readFileSync(join(dir, w.name, 'errors.txt'), 'utf8');
    expect(errors).toMatch(/^events: .*forbidden/im);
    expect(errors).toMatch(/^node summary of \S+: no summary ConfigMap kubectl-odoo-node-\S+ in namespace kubectl-odoo \(is the node agent installed\?\)$/m);
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toMatch(new RegExp(`^Not collected:\\n(  .*\\n)*  ${w.name}: events: `, 'm'));
    // The operator may not read Secrets: that is written down, and no value is in the bundle.
    expect(errors).toMatch(/^secret \S+: forbidden: secrets "\S+" is forbidden: User "operator" cannot get resource "secrets"/m);
    expect(existsSync(join(dir, w.name, 'objects', 'secrets.yaml'))).toBe(false);
    expect(existsSync(join(dir, w.name, 'objects', 'deployment.yaml'))).toBe(true);
    // --all lists the backups volume once, and each instance gets its own sets.
    expect(readFileSync(join(dir, w.name, 'backups.txt'), 'utf8')).toMatch(new RegExp(`^active/cust-7/${w.name}/\\S+ +\\S+ +\\S+ +complete`, 'm'));
    expect(existsSync(join(dir, w.name, 'odoo.conf'))).toBe(true);
    expect(existsSync(join(dir, w.name, 'events.txt'))).toBe(false);
    // No temporary file is left beside the bundle.
    expect(readdirSync(scratch).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 240_000);

  it('-l SELECTOR: only the instances whose Deployment matches are in the bundle; a selector that matches none writes nothing', async () => {
    const other = 'odoo-beta-9f8e7d6c';
    await addBackupInstance(w.cluster, pg, { name: other, db: 'beta', id: '9f8e7d6c5b4a43219876fedcba012345', customer: 'cust-8', attachments: 1 });
    const file = join(scratch, 'selected.zip');
    const r = await w.odoo(['report', '-l', 'saasodoo.io/customer-id=cust-7', '-f', file], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${file}\n`);
    const dir = join(extract(file), 'selected');
    expect(readdirSync(dir).sort()).toEqual(['README.txt', w.name]);
    const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
    expect(readme).toContain(`Instances: ${w.name}\n`);
    expect(readme).toContain('Command:   kubectl odoo report -l saasodoo.io/customer-id=cust-7\n');
    expect(existsSync(join(dir, w.name, 'objects', 'deployment.yaml'))).toBe(true);
    const none = join(scratch, 'none.zip');
    const n = await w.odoo(['report', '-l', 'saasodoo.io/customer-id=nobody', '-f', none]);
    expect(n.code, n.stderr).toBe(0);
    expect(n.stdout).toBe('');
    expect(n.stderr).toBe('No instances found in namespace saasodoo; no bundle was written.\n');
    expect(existsSync(none)).toBe(false);
  }, 240_000);

  it('in maintenance: the maintenance pod is in the bundle, odoo.conf read from the stopped instance\'s volume', async () => {
    const on = await w.odoo(['maintenance', 'on', w.name], { timeoutMs: 120_000 });
    expect(on.code, on.stderr).toBe(0);
    try {
      const file = join(scratch, 'maintenance.zip');
      const r = await w.odoo(['report', w.name, '-f', file, '--logs'], { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      const dir = join(extract(file), 'maintenance', w.name);
      expect(readFileSync(join(dir, 'objects', 'pods.yaml'), 'utf8')).toMatch(new RegExp(`^ {6}name: ${w.name}-maintenance$`, 'm'));
      expect(existsSync(join(dir, 'logs', `${w.name}-maintenance`, 'odoo.log'))).toBe(true);
      expect(readFileSync(join(dir, 'status.txt'), 'utf8')).toMatch(/maintenance/);
      expect(readFileSync(join(dir, 'odoo.conf'), 'utf8')).toMatch(/^admin_passwd = \*{8}$/m);
    } finally {
      const off = await w.odoo(['maintenance', 'off', w.name], { timeoutMs: 120_000 });
      expect(off.code, off.stderr).toBe(0);
    }
  }, 400_000);
});
