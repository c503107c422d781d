// `npm run cluster`: the playground (test/cluster/playground.ts) in the foreground, until Ctrl-C.
import { LEGACY_INSTANCE, startPlayground } from './playground.js';
import { seedInstances } from './seed.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seed = Number(flag('seed') ?? process.env.CLUSTER_SEED ?? 0);
  const playground = await startPlayground({
    port: flag('port') ? Number(flag('port')) : undefined,
    configDir: flag('dir'),
    tickMs: flag('tick-ms') ? Number(flag('tick-ms')) : undefined,
  });
  const { cluster, database: db } = playground;
  if (db) console.log(`PostgreSQL ${db.pg.host}:${db.pg.port} (pid ${db.pg.pid}) is Service postgres in ${db.namespace}; Secret ${db.secret} holds its role "${db.username}"`);
  else {
    console.log(`no database for the playground: ${playground.missing}`);
    console.log('  Odoo pods will wait for one, and backups cannot run. On Debian: sudo apt-get install postgresql, then start the cluster again.');
  }
  console.log(`legacy instance ${LEGACY_INSTANCE.database}: its data on the shared tree (hostPath), for kubectl odoo migrate-storage`);
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
  console.log(`Press Ctrl-C to stop, or from another shell: kill -INT ${process.pid}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the test cluster');
    await playground.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
