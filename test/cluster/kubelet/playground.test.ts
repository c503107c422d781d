// The playground `npm run cluster` gives: a real PostgreSQL behind the Service `postgres`, Service names
// that resolve inside pods and Jobs, and Odoo pods whose stand-in does what the images do at first start
// (odoo.conf from the environment, the database with Odoo's base tables, the filestore folder,
// /web/health only while the database answers) and reads odoo.conf again on restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../index.js';
import { kubectl, kubectlOdoo } from '../../harness/plugin.js';
import { startPostgres, type TestPostgres } from '../../fixtures/postgres.js';
import { providePlaygroundDatabase, type PlaygroundDatabase } from '../../fixtures/playgroundDatabase.js';
import { pvDataDir } from '../volumes.js';
import { waitFor } from './testing.js';

let cluster: TestCluster;
let pg: TestPostgres;
let db: PlaygroundDatabase;
const ns = 'saasodoo';

beforeAll(async () => {
  pg = await startPostgres();
  cluster = await startTestCluster({ tickMs: 50, odooStandIn: true });
  db = await providePlaygroundDatabase(cluster, pg);
});

afterAll(async () => {
  await cluster?.stop();
  await pg?.stop();
});

const kc = (args: string[], timeoutMs?: number) => kubectl(args, { kubeconfig: cluster.kubeconfigPath, timeoutMs });
const odoo = (args: string[]) => kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath, timeoutMs: 120_000 });

/** Runs a script as a Job in `namespace` with the database Secret in its env; resolves with its log. */
async function runJob(name: string, namespace: string, script: string): Promise<{ succeeded: boolean; log: string }> {
  if (!cluster.store.peek('namespaces', undefined, namespace)) cluster.store.create('namespaces', { metadata: { name: namespace } });
  cluster.store.create('jobs', {
    metadata: { name, namespace },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'postgres:15',
              command: ['sh', '-c', script],
              env: namespace === ns ? [{ name: 'PGUSER', valueFrom: { secretKeyRef: { name: db.secret, key: 'username' } } }, { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: db.secret, key: 'password' } } }] : [],
            },
          ],
        },
      },
    },
  });
  const job = await waitFor(`Job ${name} to finish`, () => {
    const j = cluster.store.get('jobs', namespace, name);
    return (j?.status?.succeeded ?? 0) + (j?.status?.failed ?? 0) > 0 ? j : undefined;
  });
  const log = await kc(['logs', '-n', namespace, `job/${name}`]);
  return { succeeded: job.status.succeeded === 1, log: log.stdout };
}

describe('Service names inside pods', () => {
  it('postgres, postgres.saasodoo and postgres.saasodoo.svc.cluster.local reach the playground PostgreSQL from a Job', async () => {
    const r = await runJob('resolve', ns, 'for h in postgres postgres.saasodoo postgres.saasodoo.svc.cluster.local; do psql -h "$h" -d postgres -XAtc "select current_user || \' via $h\'" || exit 1; done');
    expect(r.log).toBe(`${db.username} via postgres\n${db.username} via postgres.saasodoo\n${db.username} via postgres.saasodoo.svc.cluster.local\n`);
    expect(r.succeeded).toBe(true);
  });

  it('from another namespace only the qualified names resolve, as with the cluster DNS search path', async () => {
    const r = await runJob('elsewhere', 'other', 'getent hosts postgres >/dev/null && echo short; getent hosts postgres.saasodoo | grep -c "postgres.saasodoo.svc.cluster.local"');
    expect(r.log).toBe('1\n');
  });
});

describe('an Odoo instance on the playground', () => {
  let pvDir: string;

  it('writes conf/odoo.conf from its environment, creates its database with the base tables and its filestore folder, and answers /web/health', async () => {
    const created = await odoo(['create', 'acme', '--customer', 'c1', '--storage', '1Gi', '--wait']);
    expect(created.code, created.stderr).toBe(0);
    const pvc = cluster.store.get('persistentvolumeclaims', ns, 'odoo-instance-acme');
    pvDir = pvDataDir(cluster.dataDir, pvc.spec.volumeName);
    const confFile = join(pvDir, 'conf', 'odoo.conf');
    await waitFor('odoo.conf', () => existsSync(confFile));
    const conf = readFileSync(confFile, 'utf8');
    expect(conf).toMatch(/^\[options\]\n/);
    expect(conf).toContain('\ndb_host = postgres\n');
    expect(conf).toContain('\ndb_port = 5432\n');
    expect(conf).toContain('\ndb_name = acme\n');
    expect(conf).toContain(`\ndb_user = ${db.username}\n`);
    expect(conf).toContain('\ndata_dir = /opt/bitnami/odoo/data\n');

    await waitFor('the filestore folder', () => existsSync(join(pvDir, 'data', 'filestore', 'acme')));
    const tables = await pg.psql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('ir_attachment', 'res_users', 'ir_module_module') ORDER BY 1", { database: 'acme' });
    expect(tables).toBe('ir_attachment\nir_module_module\nres_users\n');
    expect(await pg.psql("SELECT data_type FROM information_schema.columns WHERE table_name = 'ir_attachment' AND column_name = 'store_fname'", { database: 'acme' })).toBe('character varying\n');
    expect(await pg.psql("SELECT state FROM ir_module_module WHERE name = 'base'", { database: 'acme' })).toBe('installed\n');
    expect(await pg.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'acme'")).toBe(`${db.username}\n`);

    const health = await runJob('health', ns, 'for i in $(seq 1 300); do curl -sf -o /dev/null http://acme:8069/web/health && break; sleep 0.1; done; curl -sS -w " %{http_code}" http://acme:8069/web/health');
    expect(health.log).toBe('{"status": "pass"} 200');
    const logs = await kc(['logs', '-n', ns, 'deploy/acme']);
    expect(logs.stdout).toMatch(/INFO  ==> Generating configuration file\n/);
    expect(logs.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} 1 INFO acme odoo\.modules\.loading: init db$/m);
  });

  it('reads odoo.conf again on restart: a wrong password keeps /web/health from answering, the right one brings it back', async () => {
    expect((await odoo(['config', 'set', 'acme', 'db_password=not-the-password'])).code).toBe(0);
    expect((await odoo(['restart', 'acme'])).code).toBe(0);
    await waitFor('the stand-in to report the refused login', async () => (await kc(['logs', '-n', ns, 'deploy/acme'])).stdout.includes('Could not connect to the database'));
    const refused = await runJob('health-refused', ns, 'curl -sS -o /dev/null http://acme:8069/web/health; echo "exit $?"');
    expect(refused.log).toMatch(/exit [1-9]\d*\n$/);

    expect((await odoo(['config', 'set', 'acme', `db_password=${db.password}`])).code).toBe(0);
    expect((await odoo(['restart', 'acme', '--wait'])).code).toBe(0);
    // Odoo answers once its start-up found the database: the Job asks until then.
    const back = await runJob('health-back', ns, 'for i in $(seq 1 300); do curl -sf http://acme:8069/web/health && exit 0; sleep 0.1; done; exit 1');
    expect(back.log).toBe('{"status": "pass"}');
    // Its database was kept, not created again.
    expect(await pg.psql("SELECT count(*) FROM ir_module_module WHERE name = 'base'", { database: 'acme' })).toBe('1\n');
  });
});
