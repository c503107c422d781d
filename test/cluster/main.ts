// `npm run cluster`: the test cluster in the foreground, until Ctrl-C, with the playground's database: a
// real PostgreSQL in the cluster's folder behind the Service `postgres` in saasodoo (see
// test/fixtures/playgroundDatabase.ts), when Debian's PostgreSQL is installed.
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startTestCluster } from './index.js';
import { seedInstances } from './seed.js';
import { findPostgresBinDir, startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { providePlaygroundDatabase } from '../fixtures/playgroundDatabase.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seed = Number(flag('seed') ?? process.env.CLUSTER_SEED ?? 0);
  const cluster = await startTestCluster({
    port: flag('port') ? Number(flag('port')) : undefined,
    configDir: flag('dir'),
    tickMs: flag('tick-ms') ? Number(flag('tick-ms')) : undefined,
    odooStandIn: true,
  });
  let pg: TestPostgres | undefined;
  try {
    findPostgresBinDir();
    const dir = dirname(cluster.kubeconfigPath);
    // PostgreSQL runs as the postgres user, who must be able to reach its folder inside this one.
    if (process.getuid?.() === 0) chmodSync(dir, 0o711);
    pg = await startPostgres({ root: join(dir, 'postgres') });
    const db = await providePlaygroundDatabase(cluster, pg);
    console.log(`PostgreSQL ${pg.host}:${pg.port} (pid ${pg.pid}) is Service postgres in ${db.namespace}; Secret ${db.secret} holds its role "${db.username}"`);
  } catch (e) {
    console.log(`no database for the playground: ${(e as Error).message}`);
    console.log('  Odoo pods will wait for one, and backups cannot run. On Debian: sudo apt-get install postgresql, then start the cluster again.');
  }
  if (seed > 0) {
    const started = Date.now();
    seedInstances(cluster, seed, {});
    console.log(`seeded ${seed} Odoo instances in ${Date.now() - started} ms`);
  }
  console.log(`test cluster listening on ${cluster.url}`);
  console.log(`kubeconfig: ${cluster.kubeconfigPath}`);
  console.log('');
  console.log(`  export KUBECONFIG=${cluster.kubeconfigPath}`);
  console.log('  kubectl get ns,pods,pvc -A');
  console.log('');
  console.log('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the test cluster');
    await pg?.stop();
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
