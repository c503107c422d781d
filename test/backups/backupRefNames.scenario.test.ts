// A backup set named the way a ticket names the instance: INSTANCE/TIMESTAMP and INSTANCE/latest (backup
// verify, pin, unpin, restore --from), and the instance of `restore NAME --from latest`, take every name
// the instance answers to, exactly, as every other command does: its Deployment name, the platform's
// instance-name, its database, its id as a UUID (either case), its 32-hex form and its id8, its PVC name.
// The full path names the folder as "backups" prints it. Real backup, real verify Jobs, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { startBackupWorld, readyPods, waitFor, CUSTOMER, NS, type BackupWorld } from './clusterFixture.js';

let pg: TestPostgres;
let w: BackupWorld;
let path: string;
let ts: string;

const DEPLOYMENT = 'odoo-shopeu-1a2b3c4d';
const HEX = '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6';
const FORMS: Record<string, string> = {
  'Deployment name': DEPLOYMENT,
  'instance name': 'Shop-EU.Webshop',
  database: 'shop_eu',
  'instance id, 32-hex': HEX,
  'instance id, UUID': '1a2b3c4d-5e6f-47a8-b9c0-d1e2f3a4b5c6',
  'instance id, UUID in upper case': '1A2B3C4D-5E6F-47A8-B9C0-D1E2F3A4B5C6',
  id8: '1a2b3c4d',
  'PVC name': `odoo-instance-${HEX}`,
};
const forms = Object.entries(FORMS);
const firstLine = (s: string) => s.split('\n')[0];
const setPath = (restoreJob: any) => restoreJob.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SET_PATH')?.value;

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { name: DEPLOYMENT, db: 'shop_eu', attachments: 4, labels: { 'saasodoo.io/instance-name': FORMS['instance name'] } });
  await waitFor('the instance to be ready', () => readyPods(w).length > 0);
  // Backed up by its database name, as the ticket names it.
  const r = await w.odoo(['backup', 'shop_eu', '--wait']);
  expect(r.code, r.stderr).toBe(0);
  const m = new RegExp(`^backup/(active/${CUSTOMER}/${DEPLOYMENT}/(\\d{8}T\\d{6}Z)) complete: `).exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  [, path, ts] = m!;
}, 240_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('a backup named by any name of its instance', { timeout: 600_000 }, () => {
  it('backup verify NAME/latest and NAME/TIMESTAMP check the instance\'s set', async () => {
    for (const [key, ref] of forms) {
      for (const which of ['latest', ts]) {
        const r = await w.odoo(['backup', 'verify', `${ref}/${which}`, '-o', 'json']);
        expect(r.code, `verify ${ref}/${which} (${key}): ${r.stderr}`).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ backup: path, kind: 'set', database: true, ok: true });
      }
    }
  });

  it('restore NAME --from latest and --from NAME/TIMESTAMP pick that set', async () => {
    for (const [key, ref] of forms) {
      const latest = await w.odoo(['restore', ref, '--from', 'latest', '--dry-run', '-o', 'json']);
      expect(latest.code, `restore ${ref} --from latest (${key}): ${latest.stderr}`).toBe(0);
      expect(setPath(JSON.parse(latest.stdout)), ref).toBe(path);
      expect(latest.stderr).toContain(`--from latest: ${path} (`);
      const bare = await w.odoo(['restore', ref, '--from', ts, '--dry-run', '-o', 'json']);
      expect(bare.code, `restore ${ref} --from ${ts} (${key}): ${bare.stderr}`).toBe(0);
      expect(setPath(JSON.parse(bare.stdout)), ref).toBe(path);
      const qualified = await w.odoo(['restore', DEPLOYMENT, '--from', `${ref}/${ts}`, '--dry-run', '-o', 'json']);
      expect(qualified.code, `restore --from ${ref}/${ts} (${key}): ${qualified.stderr}`).toBe(0);
      expect(setPath(JSON.parse(qualified.stdout)), ref).toBe(path);
    }
  });

  it('backup pin and unpin take them too', async () => {
    const pin = await w.odoo(['backup', 'pin', `${FORMS['instance name']}/${ts}`]);
    expect(pin.code, pin.stderr).toBe(0);
    expect(pin.stdout).toBe(`backup/${path} pinned\n`);
    expect(JSON.parse((await w.odoo(['backups', 'shop_eu', '-o', 'json'])).stdout).find((b: any) => b.path === path).pinned).toBe(true);
    const unpin = await w.odoo(['backup', 'unpin', `${FORMS['instance id, UUID in upper case']}/${ts}`]);
    expect(unpin.code, unpin.stderr).toBe(0);
    expect(unpin.stdout).toBe(`backup/${path} unpinned\n`);
    expect(JSON.parse((await w.odoo(['backups', FORMS.id8, '-o', 'json'])).stdout).find((b: any) => b.path === path).pinned).toBe(false);
  });

  it('no prefix names the instance; an unknown name is not found; a name no instance can have is exit 2', async () => {
    // A folder name no instance answers to is a deleted instance's: it has no sets here.
    for (const ref of [`${DEPLOYMENT}-old`, 'shop', '1a2b3c4d5', '1a2b3c4']) {
      const r = await w.odoo(['backup', 'verify', `${ref}/latest`]);
      expect(r.code, ref).toBe(1);
      expect(firstLine(r.stderr), ref).toBe(`error: instance ${ref} has no complete backup in namespace ${NS}`);
    }
    // A name that can be no folder (a database or platform name) and that no instance has: not found, like status says.
    for (const args of [['backup', 'verify', 'Nobody_DB/latest'], ['backups', 'Nobody_DB'], ['restore', DEPLOYMENT, '--from', 'Nobody_DB/latest', '--dry-run']]) {
      const r = await w.odoo(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(firstLine(r.stderr), args.join(' ')).toBe(`error: instance "Nobody_DB" not found in namespace ${NS}`);
    }
    for (const bad of ['shop eu/latest', 'a..b/latest', `active/${CUSTOMER}/Shop_EU/${ts}`]) {
      const r = await w.odoo(['backup', 'verify', bad]);
      expect(r.code, bad).toBe(2);
      expect(firstLine(r.stderr), bad).toMatch(/^error: invalid backup ".*": ".*" is not an instance('s folder| name) \(/);
    }
  });

  it('a name two instances answer to is refused with exit 2, each candidate and its key; nothing changes', async () => {
    // Another instance whose platform name is this one's database.
    w.cluster.store.create('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'odoo-twin-0a0b0c0d', namespace: NS, labels: { app: 'odoo', 'saasodoo.io/instance-id': '0a0b0c0d-2222-4000-a000-000000000009', 'saasodoo.io/instance-name': 'shop_eu', 'saasodoo.io/customer-id': 'customer-002' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': '0a0b0c0d-2222-4000-a000-000000000009' } },
        template: { metadata: { labels: { app: 'odoo', 'saasodoo.io/instance-id': '0a0b0c0d-2222-4000-a000-000000000009' } }, spec: { containers: [{ name: 'odoo', image: 'bitnami/odoo:17' }] } },
      },
    });
    const jobs = () => w.cluster.store.list('jobs', NS).map((j: any) => j.metadata.name).sort();
    const before = jobs();
    const message = `error: "shop_eu" is ambiguous in namespace ${NS}: it names 2 instances: ${DEPLOYMENT} (database), odoo-twin-0a0b0c0d (instance name)`;
    for (const args of [
      ['backup', 'verify', 'shop_eu/latest'],
      ['backup', 'pin', `shop_eu/${ts}`],
      ['restore', 'shop_eu', '--from', 'latest', '--yes'],
      ['restore', DEPLOYMENT, '--from', `shop_eu/${ts}`, '--yes'],
    ]) {
      const r = await w.odoo(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(firstLine(r.stderr), args.join(' ')).toBe(message);
      expect(r.stdout).toBe('');
    }
    expect(jobs()).toEqual(before);
    // Each of its other names still finds the set.
    const r = await w.odoo(['backup', 'verify', `${FORMS['instance name']}/latest`, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).backup).toBe(path);
  });
});
