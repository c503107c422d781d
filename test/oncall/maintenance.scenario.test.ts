// maintenance on/off/shell through the real kubectl: the instance fenced (stopped, start refused,
// status and list say maintenance), a maintenance pod with its volume and database environment, backups
// and config set still working, and off giving back the replicas from before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { readyPods, waitFor, NS, type BackupWorld } from '../backups/clusterFixture.js';
import { startOncallWorld } from './world.js';

let pg: TestPostgres;
let w: BackupWorld;
const POD = 'odoo-acme-1a2b3c4d-maintenance';
const dep = () => w.cluster.store.get('deployments', NS, w.name);
const maintenancePod = () => w.cluster.store.get('pods', NS, POD);

beforeAll(async () => {
  pg = await startPostgres();
  w = await startOncallWorld(pg);
}, 180_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('maintenance on', () => {
  it('stops the instance, records it and starts a waiting pod from its image with its volume and database environment', async () => {
    const r = await w.odoo(['maintenance', 'on', w.name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`instance/${w.name} is in maintenance: stopped (it had 1 replica); "kubectl odoo maintenance shell ${w.name}" opens a shell in pod ${POD}\n`);
    expect(dep().spec.replicas).toBe(0);
    expect(readyPods(w)).toEqual([]);
    const record = JSON.parse(dep().metadata.annotations['kubectl-odoo.io/maintenance']);
    expect(record).toMatchObject({ replicas: 1, pod: POD });
    const pod = maintenancePod();
    expect(pod.status.phase).toBe('Running');
    const c = pod.spec.containers[0];
    expect(c.image).toBe('odoo:17');
    expect(c.env.find((e: any) => e.name === 'ODOO_DATABASE_PASSWORD')).toEqual({ name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-db', key: 'password' } } });
    expect(pod.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName).toBe('odoo-instance-1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6');
    // The lock was held only while the instance changed.
    expect(w.cluster.store.get('leases', NS, `odoo-lock-${w.name}`)).toBeUndefined();
    const again = await w.odoo(['maintenance', 'on', w.name]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`instance/${w.name} is already in maintenance (pod ${POD})\n`);
  }, 120_000);

  it('status and list show maintenance; start is refused with the way out', async () => {
    const status = await w.odoo(['status', w.name, '-o', 'json']);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(JSON.stringify(s)).toContain('"maintenance"');
    const text = await w.odoo(['status', w.name]);
    expect(text.stdout).toMatch(/maintenance/);
    expect(text.stdout).toContain(`"kubectl odoo maintenance off ${w.name}" ends it`);
    const list = await w.odoo(['list']);
    expect(list.stdout.split('\n').find((l) => l.startsWith(w.name))).toMatch(/\tmaintenance\t|\smaintenance\s/);
    for (const verb of ['start', 'restart']) {
      const r = await w.odoo([verb, w.name]);
      expect(r.code, verb).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error: instance ${w.name} is in maintenance \\(by \\S+ since \\S+\\)\\nend it with "kubectl odoo maintenance off ${w.name}": that removes the maintenance pod and starts the instance again\\n$`));
    }
    expect(dep().spec.replicas).toBe(0);
  }, 60_000);

  it('maintenance shell reaches the volume and the database settings; shell says where to go', async () => {
    const r = await w.odoo(['maintenance', 'shell', w.name, '-c', 'cat /var/lib/odoo/conf/odoo.conf; echo "db=$ODOO_DATABASE_NAME"; test -n "$ODOO_DATABASE_PASSWORD"']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('[options]\ndb_name = acme\ndb=acme\n');
    const s = await w.odoo(['shell', w.name, '-c', 'true']);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`it is in maintenance: "kubectl odoo maintenance shell ${w.name}" opens a shell in its maintenance pod`);
  }, 60_000);

  it('backups and config set work during the maintenance', async () => {
    const b = await w.odoo(['backup', w.name, '--wait'], { timeoutMs: 180_000 });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/ complete/);
    const c = await w.odoo(['config', 'set', w.name, 'workers=3'], { timeoutMs: 120_000 });
    expect(c.code, c.stderr).toBe(0);
    expect(readFileSync(join(w.dataDir, 'conf', 'odoo.conf'), 'utf8')).toMatch(/^workers = 3$/m);
    // Still fenced afterwards.
    expect(dep().spec.replicas).toBe(0);
    expect(maintenancePod()?.status?.phase).toBe('Running');
  }, 240_000);
});

describe('maintenance off', () => {
  it('removes the pod, gives back the replicas from before and lets start work again', async () => {
    const r = await w.odoo(['maintenance', 'off', w.name], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`instance/${w.name}: maintenance ended, pod ${POD} removed, started again (1 replica)\n`);
    expect(maintenancePod()).toBeUndefined();
    expect(dep().spec.replicas).toBe(1);
    expect(dep().metadata.annotations?.['kubectl-odoo.io/maintenance']).toBeUndefined();
    expect(readyPods(w).length).toBe(1);
    const again = await w.odoo(['maintenance', 'off', w.name]);
    expect(again.stdout).toBe(`instance/${w.name} is not in maintenance\n`);
    const start = await w.odoo(['start', w.name]);
    expect(start.code, start.stderr).toBe(0);
  }, 120_000);
});

describe('maintenance off after a scale-out', () => {
  it('gives back the 2 replicas the instance had when it went into maintenance', async () => {
    const scale = await w.kubectl(['scale', 'deployment', w.name, '--replicas=2']);
    expect(scale.code, scale.stderr).toBe(0);
    await waitFor('2 ready pods', () => readyPods(w).length === 2, 120_000);
    const on = await w.odoo(['maintenance', 'on', w.name], { timeoutMs: 120_000 });
    expect(on.code, on.stderr).toBe(0);
    expect(dep().spec.replicas).toBe(0);
    const off = await w.odoo(['maintenance', 'off', w.name], { timeoutMs: 120_000 });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toBe(`instance/${w.name}: maintenance ended, pod ${POD} removed, started again (2 replicas)\n`);
    expect(dep().spec.replicas).toBe(2);
    await waitFor('2 ready pods again', () => readyPods(w).length === 2, 120_000);
    const back = await w.kubectl(['scale', 'deployment', w.name, '--replicas=1']);
    expect(back.code, back.stderr).toBe(0);
    await waitFor('1 ready pod', () => readyPods(w).length === 1, 120_000);
  }, 400_000);
});

describe('many instances', () => {
  it('-l lists the instances and asks first; without a terminal it needs --yes; --all --yes ends them', async () => {
    const bad = await w.odoo(['maintenance', 'on']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: maintenance on needs an instance: NAME, -l SELECTOR or --all$/m);
    const both = await w.odoo(['maintenance', 'on', w.name, '--all']);
    expect(both.code).toBe(2);
    const asked = await w.odoo(['maintenance', 'on', '-l', 'saasodoo.io/customer-id=cust-7']);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain(`Put in maintenance 1 instance(s) in namespace ${NS}:\n  ${w.name}  running\n`);
    expect(asked.stderr).toMatch(/pass --yes to confirm without a prompt/);
    expect(dep().spec.replicas).toBe(1);
    const no = await w.odoo(['maintenance', 'on', '-l', 'saasodoo.io/customer-id=cust-7'], { stdin: 'no\n' });
    expect(no.code).toBe(1);
    expect(dep().spec.replicas).toBe(1);
    const yes = await w.odoo(['maintenance', 'on', '-l', 'saasodoo.io/customer-id=cust-7'], { stdin: 'yes\n', timeoutMs: 120_000 });
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/is in maintenance: stopped/);
    const none = await w.odoo(['maintenance', 'on', '-l', 'saasodoo.io/customer-id=nobody', '--yes']);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe(`No instances found in namespace ${NS}.\n`);
    const off = await w.odoo(['maintenance', 'off', '--all', '--yes', '-o', 'json'], { timeoutMs: 120_000 });
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toEqual([{ instance: w.name, namespace: NS, maintenance: false, changed: true, pod: POD, replicas: 1 }]);
    await waitFor('the instance to be ready', () => readyPods(w).length === 1);
  }, 240_000);
});
