// `npm run cluster`: the test cluster in the foreground, until Ctrl-C.
import { startTestCluster } from './index.js';
import { seedInstances } from './seed.js';

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
  });
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
