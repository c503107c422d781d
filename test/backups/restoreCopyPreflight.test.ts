// restore --to NEW where NEW's database already exists on the server: refused before anything is created
// (not created and removed again), with what to do; the existing database is left as it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { startBackupWorld, readyPods, waitFor, NS, type BackupWorld } from './clusterFixture.js';

let pg: TestPostgres;
let w: BackupWorld;

let set: string;

beforeAll(async () => {
  pg = await startPostgres();
  w = await startBackupWorld(pg, { attachments: 3 });
  await waitFor('the instance to be ready', () => readyPods(w).length > 0);
  const b = await w.odoo(['backup', w.name, '--wait']);
  expect(b.code, b.stderr).toBe(0);
  set = /\/(\d{8}T\d{6}Z) complete: /.exec(b.stdout)![1];
}, 180_000);

afterAll(async () => {
  await w?.cluster.stop();
  await pg?.stop();
});

describe('restore --to NEW', { timeout: 180_000 }, () => {
  it('refuses before creating anything when NEW\'s database already exists, and says how to proceed', async () => {
    await pg.psql(`CREATE DATABASE copy5 OWNER "${w.owner}"`);
    await pg.psql('CREATE TABLE precious (id int); INSERT INTO precious VALUES (1)', { database: 'copy5' });
    w.cluster.faults.clear();
    const r = await w.odoo(['restore', w.name, '--from', 'latest', '--to', 'copy5', '--yes']);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    const error = lines.findIndex((l) => l.startsWith('error: '));
    expect(lines[error]).toBe(`error: database copy5 on 127.0.0.1:${pg.port} already exists, and a new instance never takes over an existing database; nothing was created`);
    expect(lines[error + 1]).toBe(`choose another --to name (the copy's database is named after it), or, if copy5 is a leftover nobody uses, drop it on that server and run "kubectl odoo restore ${w.name} --from ${set} --to copy5" again`);
    // Nothing was created, not even for a moment: no instance object, no volume, no lock.
    // (Dry runs store nothing: the Pod Security check of each helper Job is one.)
    const posts = w.cluster.faults.requestLog.filter((e) => e.method === 'POST' && !/[?&]dryRun=All/.test(e.query)).map((e) => e.path);
    expect(posts.filter((p) => !p.includes('/jobs'))).toEqual([]);
    expect(w.cluster.store.get('deployments', NS, 'copy5')).toBeUndefined();
    expect(w.cluster.store.list('persistentvolumeclaims', NS).map((p: any) => p.metadata.name)).not.toContain('odoo-instance-copy5');
    await waitFor('the check Job to be gone', () => w.cluster.store.list('jobs', NS).every((j: any) => j.metadata.deletionTimestamp));
    expect((await pg.psql('select count(*) from precious', { database: 'copy5' })).trim()).toBe('1');
  });
});
