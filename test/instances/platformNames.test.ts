// The names the platform gives its instances, on objects shaped exactly as each seed's client creates
// them: every form resolves on every command that takes an instance, exactly (no prefixes but the id8),
// a name two instances answer to is refused, and the platform's volume-only archives are listed and
// verified beside our sets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCluster } from '../cluster/index.js';
import { pvDataDir } from '../cluster/volumes.js';
import { kubectlOdoo } from '../harness/plugin.js';
import { waitFor } from '../harness/waitFor.js';
import { formatBytes } from '../../lib/bytes.js';
import { bitnamiVolume } from '../backups/bitnamiVolume.js';
import { NS, applyObjects, clusterWithNamespace, getJson, kc, odoo, seed000Instance, seed002Instance, seed004Instance, seedStorageClasses } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;
let k: ReturnType<typeof kc>;
const scratch = mkdtempSync(join(tmpdir(), 'odoo-platform-names-'));

const A = { id: '5b6c7d8e-1111-4000-a000-000000000007', db: 'acmeshop', name: 'acme-webshop', customer: 'customer-001', password: 'pw-seed4-literal-9931' };
const B = { id8: '7c1d9e0a', db: 'shop', subdomain: 'shop' };
const C = { hex: '9f8e7d6c5b4a39281706f5e4d3c2b1a0', db: 'initech' };

interface Shape {
  seed: string;
  dep: string;
  pvc: string;
  running: boolean;
  dbHost: string;
  /** Every name the instance answers to, by the key it is. */
  forms: Record<string, string>;
}

const shapes: Shape[] = [
  {
    seed: 'seed 004 client (saasodoo.io labels, bitnami, Ingress)',
    dep: 'odoo-acmeshop-5b6c7d8e',
    pvc: 'odoo-data-5b6c7d8e',
    running: true,
    dbHost: 'pg-acme.internal',
    forms: {
      'Deployment name': 'odoo-acmeshop-5b6c7d8e',
      'instance name': 'acme-webshop',
      database: 'acmeshop',
      'instance id': A.id,
      '32-hex id': '5b6c7d8e11114000a000000000000007',
      id8: '5b6c7d8e',
    },
  },
  {
    seed: 'seed 002 guide (app/instance-id/database labels, IngressRoute, -storage PVC)',
    dep: 'odoo-shop-7c1d9e0a',
    pvc: 'odoo-shop-7c1d9e0a-storage',
    running: true,
    dbHost: 'pg-shop.internal',
    forms: { 'Deployment name': 'odoo-shop-7c1d9e0a', database: 'shop', 'instance id': '7c1d9e0a', 'PVC name': 'odoo-shop-7c1d9e0a-storage' },
  },
  {
    seed: 'seed 000/003 plan (odoo-instance-<hex> PVC, <name>-service, stopped)',
    dep: 'odoo-initech-9f8e7d6c',
    pvc: `odoo-instance-${C.hex}`,
    running: false,
    dbHost: 'pg-initech.internal',
    forms: {
      'Deployment name': 'odoo-initech-9f8e7d6c',
      database: 'initech',
      // Only the PVC name holds the id, as 32 hex digits; the ticket shows it as a UUID.
      'instance id': '9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0',
      '32-hex id': C.hex,
      id8: '9f8e7d6c',
      'PVC name': `odoo-instance-${C.hex}`,
    },
  },
];

function pvDir(pvc: string): string {
  const claim = cluster.store.get('persistentvolumeclaims', NS, pvc);
  return pvDataDir(cluster.dataDir, claim.spec.volumeName);
}

/** `tar czf` onto the backups volume, as the platform writes its archives. */
function platformArchive(path: string, tarArgs: string[], mtime?: string): void {
  const file = join(pvDir('odoo-backups-pvc'), path);
  mkdirSync(join(file, '..'), { recursive: true });
  execFileSync('tar', ['czf', file, ...tarArgs]);
  if (mtime) execFileSync('touch', ['-d', mtime, file]);
}

const objectVersions = async () => {
  const list = await getJson(cluster, ['-n', NS, 'get', 'deployments,persistentvolumeclaims,services,jobs,pods']);
  return list.items.map((o: any) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
};

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  k = kc(cluster);
  await applyObjects(cluster, [
    ...seedStorageClasses(),
    ...seed004Instance(A),
    ...seed002Instance(B),
    ...seed000Instance(C),
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'odoo-backups-pvc', namespace: NS }, spec: { accessModes: ['ReadWriteMany'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '50Gi' } } } },
  ]);
  for (const s of shapes.filter((x) => x.running)) expect((await k(['-n', NS, 'rollout', 'status', `deployment/${s.dep}`, '--timeout=60s'])).code).toBe(0);
  await waitFor('every PVC to be bound', () => cluster.store.list('persistentvolumeclaims', NS).every((p: any) => p.status?.phase === 'Bound'));
  // odoo.conf where each image keeps it (<mount>/conf/odoo.conf), as the instance's user (101) owns it.
  for (const s of shapes) {
    const conf = join(pvDir(s.pvc), 'conf');
    mkdirSync(conf, { recursive: true });
    writeFileSync(join(conf, 'odoo.conf'), `[options]\ndb_host = ${s.dbHost}\n`);
    chownSync(conf, 101, 101);
    chownSync(join(conf, 'odoo.conf'), 101, 101);
  }
  // The platform's archives: the customer's nightly ones, one naming the database, one of the
  // refactoring guide's instance (no customer label) matched by its database, and an unrelated one.
  const tree = join(scratch, 'volume');
  bitnamiVolume(tree, 'acmeshop');
  platformArchive('active/customer-001/backup-2025-01-15.tar.gz', ['-C', tree, '.'], '2025-01-15T02:13:07Z');
  platformArchive('active/customer-001/backup-2025-01-14.tar.gz', ['-C', tree, '.'], '2025-01-14T02:10:00Z');
  platformArchive('active/customer-001/acmeshop-2025-01-13.tar.gz', ['-C', tree, '.'], '2025-01-13T02:10:00Z');
  platformArchive('active/legacy/shop-2025-01-10.tar.gz', ['-C', tree, '.'], '2025-01-10T01:00:00Z');
  platformArchive('active/customer-777/nightly.tar.gz', ['-C', tree, '.'], '2025-01-09T01:00:00Z');
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('every name form on every command', { timeout: 600_000 }, () => {
  for (const s of shapes) {
    describe(s.seed, () => {
      const forms = Object.entries(s.forms);
      it('status, logs and storage', async () => {
        for (const [key, ref] of forms) {
          const status = await run(['status', ref, '-o', 'json']);
          expect(status.code, `status ${ref} (${key})`).toBe(0);
          expect(JSON.parse(status.stdout).instance.name, `status ${ref}`).toBe(s.dep);
          const logs = await run(['logs', ref, '--tail', '1']);
          if (s.running) {
            expect(logs.code, `logs ${ref}`).toBe(0);
            expect(logs.stdout).toContain(` INFO ${s.forms.database} `);
          } else {
            expect(logs.stderr.split('\n')[0], `logs ${ref}`).toBe(`error: instance ${s.dep} has no pod: it is stopped`);
          }
          const storage = await run(['storage', ref, '-o', 'json']);
          expect(storage.code, `storage ${ref}`).toBe(0);
          expect(JSON.parse(storage.stdout)).toMatchObject({ instance: s.dep, pvcName: s.pvc });
        }
      });

      it('stop, start, restart, resize, set-resources and delete (dry run)', async () => {
        const before = await objectVersions();
        for (const [key, ref] of forms) {
          for (const args of [['stop', ref], ['start', ref], ['restart', ref], ['resize', ref, '--storage', '20Gi'], ['set-resources', ref, '--cpu', '2']]) {
            const r = await run([...args, '--dry-run', '-o', 'name']);
            if (args[0] === 'restart' && !s.running) {
              expect(r.stderr, `restart ${ref}`).toBe(`error: instance ${s.dep} is stopped; start it with "kubectl odoo start ${s.dep}"\n`);
              continue;
            }
            expect(r.code, `${args.join(' ')} (${key}): ${r.stderr}`).toBe(0);
            expect(r.stdout).toBe(`instance/${s.dep}\n`);
          }
          const del = await run(['delete', ref, '--dry-run']);
          expect(del.code, `delete ${ref}`).toBe(0);
          expect(del.stdout.split('\n')[0]).toBe(`deployment/${s.dep} deleted (dry run)`);
          expect(del.stdout).toContain(`persistentvolumeclaim/${s.pvc} kept (dry run)`);
        }
        expect(await objectVersions()).toEqual(before);
      });

      it('config get reads the instance\'s own odoo.conf', async () => {
        for (const [key, ref] of forms) {
          const r = await run(['config', 'get', ref, 'db_host']);
          expect(r.code, `config get ${ref} (${key}): ${r.stderr}`).toBe(0);
          expect(r.stdout).toBe(`${s.dbHost}\n`);
        }
      });

      it('backup and restore pick the instance\'s volume and folder', async () => {
        for (const [key, ref] of forms) {
          const b = await run(['backup', ref, '--dry-run', '-o', 'json']);
          expect(b.code, `backup ${ref} (${key}): ${b.stderr}`).toBe(0);
          const job = JSON.parse(b.stdout);
          expect(job.metadata.labels['kubectl-odoo.io/instance']).toBe(s.dep);
          expect(job.spec.template.spec.volumes.map((v: any) => v.persistentVolumeClaim?.claimName)).toContain(s.pvc);
          const from = `active/none/${s.dep}/20250101T000000Z`;
          const r = await run(['restore', ref, '--from', from, '--dry-run']);
          expect(r.code, `restore ${ref} (${key})`).toBe(1);
          expect(r.stderr).toBe(`error: backup ${from} not found\ninstance ${s.dep} has no complete backups\n`);
        }
      });
    });
  }

  it('no prefix resolves, apart from the id8', async () => {
    for (const ref of ['odoo-acmeshop-5b6c7d8e-old', 'acme-web', 'acmesho', '5b6c7d8', '5b6c7d8e1', 'odoo-instance-9f8e7d6c', 'sho']) {
      const r = await run(['status', ref]);
      expect(r.code, ref).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`error: instance "${ref}" not found in namespace ${NS}`);
    }
    // The dashed form of a 32-hex id is exact too: cut short or run on, it is no id.
    for (const ref of ['9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a', '9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0-x']) {
      const r = await run(['status', ref]);
      expect(r.code, ref).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`error: instance "${ref}" not found in namespace ${NS}`);
    }
    const del = await run(['delete', 'odoo-shop-7c1d9e0a-old', '--yes']);
    expect(del.code).toBe(1);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'odoo-shop-7c1d9e0a'])).metadata.name).toBe('odoo-shop-7c1d9e0a');
  });
});

describe('an id typed in upper case', () => {
  it('is the same id, as a UUID, its 32-hex form or its id8; other names keep their case', async () => {
    for (const ref of [A.id.toUpperCase(), C.hex.toUpperCase(), '9F8E7D6C-5B4A-3928-1706-F5E4D3C2B1A0', '5B6C7D8E']) {
      const r = await run(['status', ref, '-o', 'json']);
      expect(r.code, `${ref}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).instance.name, ref).toBe(ref.startsWith('5') ? 'odoo-acmeshop-5b6c7d8e' : 'odoo-initech-9f8e7d6c');
    }
    for (const ref of ['ODOO-SHOP-7C1D9E0A', 'SHOP', 'ACME-WEBSHOP']) {
      const r = await run(['status', ref]);
      expect(r.code, ref).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`error: instance "${ref}" not found in namespace ${NS}`);
    }
  });
});

describe('list and completion', () => {
  it('list shows the platform\'s name in its own column where it differs', async () => {
    const r = await run(['list']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 3));
    expect(rows).toEqual([
      ['odoo-acmeshop-5b6c7d8e', 'acme-webshop', 'customer-001'],
      ['odoo-initech-9f8e7d6c', '', '<none>'],
      ['odoo-shop-7c1d9e0a', '', '<none>'],
    ]);
    const wide = await run(['list', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toContain('\tacmeshop\todoo-data-5b6c7d8e\t');
  });

  it('completion offers every form with what it is', async () => {
    const r = await kubectlOdoo(['__complete', '-n', NS, 'status', ''], { kubeconfig: cluster.kubeconfigPath, direct: true });
    expect(r.code).toBe(0);
    const candidates = r.stdout.split('\n').filter((l) => l && !l.startsWith(':'));
    for (const s of shapes) for (const ref of Object.values(s.forms)) expect(candidates.map((c) => c.split('\t')[0]), ref).toContain(ref);
    expect(candidates).toContain('acme-webshop\tinstance name of odoo-acmeshop-5b6c7d8e');
    expect(candidates).toContain('shop\tdatabase of odoo-shop-7c1d9e0a');
    expect(candidates).toContain('odoo-initech-9f8e7d6c');
    const partial = await kubectlOdoo(['__complete', '-n', NS, 'stop', 'acme'], { kubeconfig: cluster.kubeconfigPath, direct: true });
    expect(partial.stdout.split('\n').filter((l) => l && !l.startsWith(':'))).toEqual(['acme-webshop\tinstance name of odoo-acmeshop-5b6c7d8e', 'acmeshop\tdatabase of odoo-acmeshop-5b6c7d8e']);
  });
});

describe('the platform\'s volume-only archives', { timeout: 300_000 }, () => {
  it('backups lists them beside our sets, matched by customer id and by the database in the name', async () => {
    const all = await run(['backups', '-o', 'json']);
    expect(all.code).toBe(0);
    const rows = JSON.parse(all.stdout).map((b: any) => [b.path, b.kind, b.database, b.state, b.instance, b.time]);
    expect(rows).toEqual([
      ['active/customer-001/backup-2025-01-15.tar.gz', 'platform', false, 'volume only', 'odoo-acmeshop-5b6c7d8e', '2025-01-15T02:13:07.000Z'],
      ['active/customer-001/backup-2025-01-14.tar.gz', 'platform', false, 'volume only', 'odoo-acmeshop-5b6c7d8e', '2025-01-14T02:10:00.000Z'],
      ['active/customer-001/acmeshop-2025-01-13.tar.gz', 'platform', false, 'volume only', 'odoo-acmeshop-5b6c7d8e', '2025-01-13T02:10:00.000Z'],
      ['active/customer-777/nightly.tar.gz', 'platform', false, 'volume only', '', '2025-01-09T01:00:00.000Z'],
      ['active/legacy/shop-2025-01-10.tar.gz', 'platform', false, 'volume only', 'odoo-shop-7c1d9e0a', '2025-01-10T01:00:00.000Z'],
    ]);
    // Every name of the instance lists the same archives.
    for (const ref of Object.values(shapes[0].forms)) {
      const r = JSON.parse((await run(['backups', ref, '-o', 'json'])).stdout);
      expect(r.map((b: any) => b.path), ref).toEqual(['active/customer-001/backup-2025-01-15.tar.gz', 'active/customer-001/backup-2025-01-14.tar.gz', 'active/customer-001/acmeshop-2025-01-13.tar.gz']);
    }
    for (const ref of Object.values(shapes[1].forms)) expect(JSON.parse((await run(['backups', ref, '-o', 'json'])).stdout).map((b: any) => b.path), ref).toEqual(['active/legacy/shop-2025-01-10.tar.gz']);
    const table = await run(['backups', 'shop']);
    const size = execFileSync('stat', ['-c', '%s', join(pvDir('odoo-backups-pvc'), 'active/legacy/shop-2025-01-10.tar.gz')]).toString().trim();
    const cols = table.stdout.trim().split('\t');
    expect([cols[0], cols[1], cols[3], cols[6]]).toEqual(['active/legacy/shop-2025-01-10.tar.gz', '2025-01-10T01:00:00Z', 'volume only', 'platform']);
    expect(cols[2]).toBe(formatBytes(Number(size)));
  });

  it('backup verify checks a platform archive and says it holds no database', async () => {
    const r = await run(['backup', 'verify', 'active/customer-001/backup-2025-01-15.tar.gz']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(['gzip ok', 'tar ok', 'paths ok', 'layout ok', 'database ok', expect.stringMatching(/^note: /)]);
    expect(r.stdout).toContain('layout\tok\tbitnami image (conf/, data/filestore/: acmeshop)\n');
    expect(r.stdout).toContain('database\tok\tnone: volume only (no database dump in a platform archive)\n');
    expect(lines.at(-1)).toBe('note: a platform archive holds the data volume only and no database: restoring it (restore --files-only) replaces the files and leaves the database as it is');
    const json = JSON.parse((await run(['backup', 'verify', 'active/customer-001/backup-2025-01-15.tar.gz', '-o', 'json'])).stdout);
    expect(json).toMatchObject({ backup: 'active/customer-001/backup-2025-01-15.tar.gz', kind: 'platform', database: false, ok: true, layout: 'bitnami' });
  });

  it('backup verify refuses an archive with absolute or ".." paths, and paths outside active/', async () => {
    const work = join(scratch, 'evil', 'w');
    bitnamiVolume(work, 'acmeshop');
    writeFileSync(join(scratch, 'evil', 'outside'), 'x\n');
    const file = join(pvDir('odoo-backups-pvc'), 'active/customer-001/evil-2025-01-12.tar.gz');
    execFileSync('tar', ['czf', file, '-P', 'conf', 'data', '../outside'], { cwd: work });
    const r = await run(['backup', 'verify', 'active/customer-001/evil-2025-01-12.tar.gz']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('paths\tFAIL\t1 absolute or ".." path(s): refused, never extracted\n');
    expect(r.stdout).toContain('  entry ../outside\n');
    expect(r.stderr).toBe('error: backup active/customer-001/evil-2025-01-12.tar.gz failed verification\n');
    execFileSync('rm', [file]);
    for (const bad of ['/backups/active/customer-001/x.tar.gz', 'active/../../etc/x.tar.gz']) {
      const b = await run(['backup', 'verify', bad]);
      expect(b.code, bad).toBe(2);
      expect(b.stderr, bad).toMatch(/^error: invalid platform archive ".*": (an absolute path|"\.\.") is not allowed; /);
    }
    const restoreTest = await run(['backup', 'verify', 'active/customer-001/backup-2025-01-15.tar.gz', '--restore-test']);
    expect(restoreTest.code).toBe(2);
    expect(restoreTest.stderr.split('\n')[0]).toBe('error: --restore-test needs a database dump; active/customer-001/backup-2025-01-15.tar.gz is a platform archive (volume only): verify it without --restore-test');
  });

  it('restore --files-only takes an archive matched to the instance by any of its names, and refuses another instance\'s', async () => {
    const legacy = 'active/legacy/shop-2025-01-10.tar.gz';
    for (const ref of Object.values(shapes[1].forms)) {
      const r = await run(['restore', ref, '--from', legacy, '--files-only', '--dry-run', '-o', 'json']);
      expect(r.code, `${ref}: ${r.stderr}`).toBe(0);
      const spec = JSON.parse(r.stdout).spec.template.spec;
      expect(spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'SET_PATH', value: legacy }, { name: 'FILES_ONLY', value: '1' }]));
      expect(spec.volumes.map((v: any) => v.persistentVolumeClaim?.claimName)).toContain(shapes[1].pvc);
    }
    const other = await run(['restore', 'acmeshop', '--from', legacy, '--files-only', '--dry-run']);
    expect(other.code).toBe(2);
    expect(other.stderr.split('\n').find((l) => l.startsWith('error: '))).toBe(
      `error: ${legacy} is not an archive of instance odoo-acmeshop-5b6c7d8e (customer customer-001): it is odoo-shop-7c1d9e0a's (customer legacy); nothing was changed`,
    );
  });

  it('prune never touches platform archives unless --include-platform', async () => {
    const dir = join(pvDir('odoo-backups-pvc'), 'active/customer-001');
    const archives = () => execFileSync('ls', [dir]).toString().split('\n').filter((f) => f.endsWith('.tar.gz'));
    const before = archives();
    const plain = await run(['backups', 'prune', 'acmeshop', '--keep-last', '1', '--yes']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('3 platform archive(s) left out: prune touches them only with --include-platform');
    expect(archives()).toEqual(before);
    const dry = await run(['backups', 'prune', 'acmeshop', '--keep-last', '1', '--include-platform', '--dry-run', '-o', 'json']);
    expect(JSON.parse(dry.stdout).decisions.map((d: any) => [d.backup, d.kind, d.action])).toEqual([
      ['active/customer-001/backup-2025-01-15.tar.gz', 'platform', 'keep'],
      ['active/customer-001/backup-2025-01-14.tar.gz', 'platform', 'would delete'],
      ['active/customer-001/acmeshop-2025-01-13.tar.gz', 'platform', 'would delete'],
    ]);
    expect(archives()).toEqual(before);
    const real = await run(['backups', 'prune', 'acmeshop', '--keep-last', '1', '--include-platform', '--yes']);
    expect(real.code).toBe(0);
    expect(archives()).toEqual(['backup-2025-01-15.tar.gz']);
    // Another customer's archives were not in scope.
    expect(execFileSync('ls', [join(pvDir('odoo-backups-pvc'), 'active/legacy')]).toString()).toBe('shop-2025-01-10.tar.gz\n');
  });
});

describe('a name two instances answer to', { timeout: 300_000 }, () => {
  it('is refused by every command with exit 2, each candidate and the key it matched; nothing changes', async () => {
    // Another seed-004 instance whose platform name is the seed-002 instance's database.
    await applyObjects(cluster, seed004Instance({ id: '0a0b0c0d-2222-4000-a000-000000000009', db: 'shopeu', name: 'shop', customer: 'customer-002', password: 'pw-2' }));
    expect((await k(['-n', NS, 'rollout', 'status', 'deployment/odoo-shopeu-0a0b0c0d', '--timeout=60s'])).code).toBe(0);
    const before = await objectVersions();
    const message = `error: "shop" is ambiguous in namespace ${NS}: it names 2 instances: odoo-shop-7c1d9e0a (database), odoo-shopeu-0a0b0c0d (instance name)`;
    const hint = 'name the one you mean by what only it answers to: odoo-shop-7c1d9e0a for odoo-shop-7c1d9e0a; odoo-shopeu-0a0b0c0d for odoo-shopeu-0a0b0c0d';
    for (const args of [
      ['status', 'shop'],
      ['logs', 'shop'],
      ['stop', 'shop'],
      ['start', 'shop'],
      ['restart', 'shop'],
      ['delete', 'shop', '--yes'],
      ['resize', 'shop', '--storage', '20Gi'],
      ['set-resources', 'shop', '--cpu', '2'],
      ['config', 'get', 'shop'],
      ['config', 'set', 'shop', 'db_host=x'],
      ['backup', 'shop'],
      ['restore', 'shop', '--from', 'latest', '--yes'],
      ['storage', 'shop'],
      ['backups', 'shop'],
      ['backups', 'prune', 'shop', '--keep-last', '1', '--yes'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`${message}\n${hint}\n`);
    }
    expect(await objectVersions()).toEqual(before);
    // Each still resolves by a name only it has.
    expect(JSON.parse((await run(['status', 'odoo-shop-7c1d9e0a', '-o', 'json'])).stdout).instance.name).toBe('odoo-shop-7c1d9e0a');
    expect(JSON.parse((await run(['status', 'shopeu', '-o', 'json'])).stdout).instance.name).toBe('odoo-shopeu-0a0b0c0d');
    // Completion no longer offers it.
    const c = await kubectlOdoo(['__complete', '-n', NS, 'status', 'sho'], { kubeconfig: cluster.kubeconfigPath, direct: true });
    expect(c.stdout.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => l.split('\t')[0])).toEqual(['shopeu']);
  });
});
