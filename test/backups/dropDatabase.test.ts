// delete --delete-data --drop-database against the test cluster and a real PostgreSQL: asked for on its
// own, it takes a final backup first (a complete set on the backups volume), deletes the instance and
// its volume, then drops the database with the instance's own credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { startBackupWorld, readyPods, waitFor, NS, DB_PASSWORD, type BackupWorld } from './clusterFixture.js';

let pg: TestPostgres;
let w: BackupWorld;
const PVC = 'odoo-instance-1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6';
const databases = async () => (await pg.psql("select datname from pg_database where datname = 'acme'")).trim();

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { attachments: 5 });
  await waitFor('the instance to be ready', () => readyPods(w).length > 0);
}, 120_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('delete --drop-database', { timeout: 180_000 }, () => {
  it('is asked for on its own: declining it changes nothing', async () => {
    const r = await w.odoo(['delete', w.name, '--delete-data', '--drop-database'], { stdin: `${w.name}\n${PVC}\nno\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--drop-database: database acme on 127.0.0.1:${pg.port} will be dropped for good, after a final backup to the backups volume. Type "acme" to confirm:`);
    expect(r.stderr).toContain('error: not confirmed; nothing was deleted');
    expect(await databases()).toBe('acme');
    expect(w.cluster.store.get('deployments', NS, w.name)?.spec.replicas).toBe(1);
    expect(w.cluster.store.get('persistentvolumeclaims', NS, PVC)).toBeDefined();
  });

  it('takes a final backup, deletes the instance and its volume, and drops the database', async () => {
    const r = await w.odoo(['delete', w.name, '--delete-data', '--drop-database'], { stdin: `${w.name}\n${PVC}\nacme\n`, timeoutMs: 170_000 });
    expect(r.code, r.stderr).toBe(0);
    const m = new RegExp(`^instance/${w.name} deleted; database acme on 127\\.0\\.0\\.1:${pg.port} dropped \\(final backup (active/cust-7/${w.name}/\\d{8}T\\d{6}Z)\\)\\n$`).exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(r.stdout + r.stderr).not.toContain(DB_PASSWORD);
    // The final backup is a complete, checksummed set.
    const set = join(w.backupsDir, m![1]);
    expect(readdirSync(set)).toEqual(expect.arrayContaining(['SHA256SUMS', 'manifest.json', 'db.dump.zst', 'data.tar.zst']));
    execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: set });
    expect(await databases()).toBe('');
    await waitFor('the instance objects and volume to be gone', () => !w.cluster.store.get('deployments', NS, w.name) && !w.cluster.store.get('persistentvolumeclaims', NS, PVC));
    // No Job is left behind.
    await waitFor('the Jobs to be gone', () => w.cluster.store.list('jobs', NS).every((j: any) => j.metadata.deletionTimestamp));
  });
});
