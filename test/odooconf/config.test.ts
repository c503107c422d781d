// kubectl odoo config get|set against the test cluster: exec really runs in the instance's pod (with
// its PVC directory at /var/lib/odoo), and a stopped instance is edited through a short-lived pod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { kubectlOdoo } from '../harness/plugin.js';
import { confDir, deploymentName, pvcDir, readyPods, seedInstance, waitFor, waitReady, type SeedInstance } from '../storage/instanceFixture.js';

let cluster: TestCluster;
// Where a value's `$(touch ...)` would leave its mark if it ever ran as shell.
const scratch = mkdtempSync(join(tmpdir(), 'odooconf-'));
const running: SeedInstance = { namespace: 'saasodoo', db: 'acme', id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' };
const stopped: SeedInstance = { namespace: 'saasodoo', db: 'globex', id: 'b1b2c3d4e5f60718293a4b5c6d7e8f90', replicas: 0 };
const ORIGINAL = [
  '; written by the instance-service',
  '[options]',
  'admin_passwd = MasterPw1',
  'db_host = postgres',
  'db_port = 5432',
  'db_password = DbPw1',
  'addons_path = /mnt/extra-addons',
  '',
].join('\n');
const files: Record<string, string> = {};

const odoo = (args: string[], stdin?: string) => kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath, stdin });

async function writeConf(s: SeedInstance): Promise<string> {
  const file = join(confDir(await pvcDir(cluster, s)), 'odoo.conf');
  writeFileSync(file, ORIGINAL);
  chownSync(file, 101, 101);
  chmodSync(file, 0o640);
  return file;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  seedInstance(cluster, running);
  seedInstance(cluster, stopped);
  files.running = await writeConf(running);
  files.stopped = await writeConf(stopped);
  await waitReady(cluster, running);
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('config get', () => {
  it('lists the options with secrets masked', async () => {
    const r = await odoo(['config', 'get', deploymentName(running)]);
    expect(r.stderr).toBe('note: admin_passwd, db_password are secrets, shown as ********; --show-secrets prints them\n');
    expect(r.stdout).toBe('admin_passwd\t********\ndb_host\tpostgres\ndb_port\t5432\ndb_password\t********\naddons_path\t/mnt/extra-addons\n');
    expect(r.code).toBe(0);
  });

  it('prints one value, a secret only with --show-secrets', async () => {
    expect((await odoo(['config', 'get', deploymentName(running), 'db_host'])).stdout).toBe('postgres\n');
    expect((await odoo(['config', 'get', deploymentName(running), 'admin_passwd', '--show-secrets'])).stdout).toBe('MasterPw1\n');
  });

  it.each([[[]], [['-o', 'json']]])('one secret without --show-secrets is refused (exit 2), never a mask a script would take for the value %j', async (extra) => {
    const r = await odoo(['config', 'get', deploymentName(running), 'db_password', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('error: db_password is a secret: add --show-secrets to print its value');
  });

  it('a secret-looking name that is not in odoo.conf is not found (exit 1), not called a secret', async () => {
    const r = await odoo(['config', 'get', deploymentName(running), 'nosuchkey']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`error: odoo.conf of ${deploymentName(running)} has no option nosuchkey (Odoo uses its default)`);
  });

  it('reads a stopped instance through a short-lived pod that is removed afterwards', async () => {
    const r = await odoo(['config', 'get', deploymentName(stopped), 'db_port', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).options).toEqual([{ section: 'options', key: 'db_port', value: '5432' }]);
    expect(r.stderr).toMatch(/is not running: starting pod .* that mounts its volume/);
    await waitFor('helper pods to be gone', () => cluster.store.list('pods', 'saasodoo').every((p: any) => p.metadata.labels?.['app.kubernetes.io/component'] !== 'volume-access'));
  });

  it('an unknown option is a clear not-found', async () => {
    const r = await odoo(['config', 'get', deploymentName(running), 'db_hots']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: odoo.conf of ${deploymentName(running)} has no option db_hots (Odoo uses its default)\n`);
  });
});

describe('config set', () => {
  // Each of these broke or would break the platform's `sh -c "cat > odoo.conf <<'EOF' ... EOF"`.
  const pwned = () => join(scratch, 'pwned');
  const hostile = {
    db_password: `it's "q" $(touch ${join(scratch, 'pwned')}) \`touch ${join(scratch, 'pwned')}\``,
    db_host: 'EOF',
    email_from: 'Ünïcødé ☃ <odoo@例え.jp>',
    dbfilter: '^%d$',
  };
  const args = Object.entries(hostile).map(([k, v]) => `${k}=${v}`);
  const expected = [
    '; written by the instance-service',
    '[options]',
    'admin_passwd = MasterPw1',
    'db_host = EOF',
    'db_port = 5432',
    `db_password = ${hostile.db_password}`,
    'addons_path = /mnt/extra-addons',
    `email_from = ${hostile.email_from}`,
    'dbfilter = ^%d$',
    '',
  ].join('\n');

  it('--dry-run shows only the masked diff and writes nothing', async () => {
    const r = await odoo(['config', 'set', deploymentName(running), ...args, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '--- /var/lib/odoo/conf/odoo.conf',
        '+++ /var/lib/odoo/conf/odoo.conf (new)',
        '@@ -2,6 +2,8 @@',
        ' [options]',
        ' admin_passwd = ********',
        '-db_host = postgres',
        '+db_host = EOF',
        ' db_port = 5432',
        '-db_password = ********',
        '+db_password = ******** (changed)',
        ' addons_path = /mnt/extra-addons',
        `+email_from = ${hostile.email_from}`,
        '+dbfilter = ^%d$',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toContain('dry run: nothing written');
    expect(readFileSync(files.running, 'utf8')).toBe(ORIGINAL);
  });

  it('writes hostile values exactly on a running instance, keeping owner, mode and a .bak', async () => {
    const r = await odoo(['config', 'set', deploymentName(running), ...args]);
    expect(r.code).toBe(0);
    expect(readFileSync(files.running, 'utf8')).toBe(expected);
    expect(readFileSync(`${files.running}.bak`, 'utf8')).toBe(ORIGINAL);
    const st = statSync(files.running);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([101, 101, 0o640]);
    expect(existsSync(pwned())).toBe(false);
    expect(r.stdout).not.toContain('DbPw1');
    expect(r.stderr).toContain('Odoo reads odoo.conf only at start');
    // Reading back gives the values as given.
    const back = await odoo(['config', 'get', deploymentName(running), 'db_password', '--show-secrets']);
    expect(back.stdout).toBe(`${hostile.db_password}\n`);
  });

  it('writes the same on a stopped instance through a short-lived pod', async () => {
    const r = await odoo(['config', 'set', deploymentName(stopped), ...args]);
    expect(r.code).toBe(0);
    expect(readFileSync(files.stopped, 'utf8')).toBe(expected);
    expect(readFileSync(`${files.stopped}.bak`, 'utf8')).toBe(ORIGINAL);
    expect(existsSync(pwned())).toBe(false);
    expect(r.stderr).toContain('is stopped; Odoo reads the new odoo.conf when it starts');
    expect(cluster.store.get('deployments', 'saasodoo', deploymentName(stopped)).spec.replicas).toBe(0);
  });

  it('setting the same values again changes nothing', async () => {
    const before = statSync(files.running).mtimeMs;
    const r = await odoo(['config', 'set', deploymentName(running), ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nothing to change');
    expect(statSync(files.running).mtimeMs).toBe(before);
  });

  it.each([
    [['db_host=a\nadmin_passwd=x'], 'error: the value of db_host contains a line break: odoo.conf values are one line'],
    [['db host=x'], 'error: "db host" is not a valid odoo.conf key: use letters, digits and underscores, starting with a letter or underscore'],
    [['db_host'], 'error: "db_host" is not KEY=VALUE (e.g. db_host=pg-dedicated-1)'],
    [['db_host\n=evil'], 'error: "db_host\\n" is not a valid odoo.conf key: use letters, digits and underscores, starting with a letter or underscore'],
    [['db_host=pg\r'], 'error: the value of db_host contains a line break: odoo.conf values are one line'],
    [['admin_passwd='], 'error: admin_passwd= would empty the master password (admin_passwd); give a value, or add --allow-empty if that is really meant'],
    [['db_password='], 'error: db_password= would empty the secret db_password; give a value, or add --allow-empty if that is really meant'],
  ])('refuses %j with one line, exit 2, and touches nothing', async (bad, message) => {
    const before = readFileSync(files.running, 'utf8');
    const r = await odoo(['config', 'set', deploymentName(running), ...bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(r.stderr).not.toMatch(/\n.+\n.+\n/);
    expect(readFileSync(files.running, 'utf8')).toBe(before);
  });

  it('--allow-empty empties the master password when that is meant', async () => {
    const r = await odoo(['config', 'set', deploymentName(running), 'admin_passwd=', '--allow-empty', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\n-admin_passwd = ********\n+admin_passwd = \n');
  });

  it('warns about a key Odoo does not read, and still shows it', async () => {
    const r = await odoo(['config', 'set', deploymentName(running), 'db_hots=pg', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: db_hots is not an option Odoo itself reads (did you mean db_host?); it is written anyway for modules that read it\n');
    expect(r.stdout).toContain('\n+db_hots = pg\n');
  });

  it('-o json reports what changed, secrets masked; -o name is refused before anything is read', async () => {
    const r = await odoo(['config', 'set', deploymentName(running), 'db_password=Another1', 'db_port=5433', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ instance: deploymentName(running), changed: true, written: false, restarted: false });
    expect(j.changes).toEqual([
      { key: 'db_port', from: '5432', to: '5433' },
      { key: 'db_password', from: '********', to: '******** (changed)' },
    ]);
    expect(r.stdout).not.toContain('Another1');
    const name = await odoo(['config', 'set', deploymentName(running), 'db_port=1', '-o', 'name']);
    expect(name.code).toBe(2);
    expect(name.stderr.split('\n')[0]).toMatch(/^error: -o name is not supported by "kubectl odoo config set.*": use -o table or -o json or -o yaml$/);
  });

  it('a stopped legacy instance on the shared tree (hostPath + subPath): the short-lived pod sees only its directory', async () => {
    const tree = join(scratch, 'cephfs');
    const sub = 'odoo_instances/odoo_data_legacy_c1b2c3d4';
    mkdirSync(join(tree, sub, 'conf'), { recursive: true });
    writeFileSync(join(tree, sub, 'conf', 'odoo.conf'), ORIGINAL);
    const legacy: SeedInstance = { namespace: 'saasodoo', db: 'legacy', id: 'c1b2c3d4e5f60718293a4b5c6d7e8f90', replicas: 0, hostPath: tree, subPath: sub };
    seedInstance(cluster, legacy);
    const r = await odoo(['config', 'set', deploymentName(legacy), 'db_host=pg-dedicated-1']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(tree, sub, 'conf', 'odoo.conf'), 'utf8')).toBe(ORIGINAL.replace('db_host = postgres', 'db_host = pg-dedicated-1'));
    expect(existsSync(join(tree, 'conf'))).toBe(false);
  });

  it('--restart starts a new pod that reads the new file', async () => {
    const oldPod = readyPods(cluster, running)[0].metadata.name;
    const r = await odoo(['config', 'set', deploymentName(running), 'db_host=pg-dedicated-1', '--restart']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('is ready with the new odoo.conf');
    const pods = readyPods(cluster, running);
    expect(pods.map((p: any) => p.metadata.name)).not.toContain(oldPod);
    expect(readFileSync(files.running, 'utf8')).toContain('\ndb_host = pg-dedicated-1\n');
  });
});
