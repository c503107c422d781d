// Instances at fleet size, on a test cluster seeded with 10,000 instances (BENCH_LIST_INSTANCES):
//  - `list -A`, time and peak memory, against its floor: a raw client (lib/rawList.mjs) that makes
//    the same five lists in pages of the same size over one keep-alive connection and only runs
//    JSON.parse on each page (targets: time <= 1.1x, peak RSS <= 1.5x); and, for users, against the
//    peer `kubectl get deploy,pvc,pods -A -l ... -o json`.
// `status NAME` on the same fleet: status.mjs.
// The sides run interleaved, so machine noise hits them alike; each figure is the median of the runs.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { figure, timed } from './lib/figures.mjs';
import { importBundled } from './lib/bundle.mjs';

const INSTANCES = Number(process.env.BENCH_LIST_INSTANCES ?? 10_000);
const RUNS = 3;

/** Bundles the test cluster (TypeScript) and imports it: { startTestCluster, seedInstances, ... }. */
export function loadTestCluster(root) {
  // Two levels below the repository, as test/cluster/ is: the cluster finds manifests/ from there.
  mkdirSync(join(root, 'bench'), { recursive: true });
  return importBundled(root, join(root, 'bench'), 'cluster-', [
    ['startTestCluster', 'test/cluster/index.ts'],
    ['seedInstances', 'test/cluster/seed.ts'],
    ['INSTANCE_SELECTOR, INSTANCE_PVC_SELECTOR', 'plugin/instances/labels.ts'],
    ['RESOURCES, resourcePath', 'lib/kube/resources.ts'],
    ['DEFAULT_LIST_PAGE_SIZE', 'plugin/instances/resolveFleet.ts'],
  ]);
}

export async function run({ root }) {
  const tc = await loadTestCluster(root);
  const cluster = await tc.startTestCluster({ kubelet: false, controllers: false });
  try {
    tc.seedInstances(cluster, INSTANCES, { states: { stopped: 0.1, crashing: 0.02, pvcPending: 0.01 } });
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, PATH: `${join(root, 'dist')}:${process.env.PATH}`, NO_COLOR: '1' };
    const objects = ['deployments', 'pods', 'persistentvolumeclaims'].map((t) => cluster.store.list(t).length).reduce((a, b) => a + b, 0);
    const pageSize = tc.DEFAULT_LIST_PAGE_SIZE;

    // The five lists listFleet makes, for the raw client.
    const { RESOURCES: R, resourcePath, INSTANCE_SELECTOR, INSTANCE_PVC_SELECTOR } = tc;
    const lists = [
      [R.deployments, INSTANCE_SELECTOR],
      [R.pods, INSTANCE_SELECTOR],
      [R.persistentvolumeclaims, INSTANCE_PVC_SELECTOR],
      [R.ingresses, INSTANCE_SELECTOR],
      [R.ingressroutes, undefined],
    ].map(([type, labelSelector]) => ({ path: resourcePath(type), labelSelector }));
    const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(cluster.kubeconfigPath, 'utf8'))[1], 'base64').toString();
    const rawEnv = { ...env, BENCH_RAW_LIST: JSON.stringify({ url: cluster.url, ca, token: cluster.token, pageSize, lists }) };
    const rawList = [process.execPath, join(root, 'scripts/bench/lib/rawList.mjs')];
    const plugin = [process.execPath, join(root, 'dist/kubectl-odoo'), 'list', '-A'];
    const kubectlList = ['/usr/bin/kubectl', 'get', 'deploy,pvc,pods', '-A', '-l', 'app in (odoo,odoo-instance)', '-o', 'json'];

    const run = ([cmd, ...args], e = env) => timed(cmd, args, e);
    // Warm-up: API server caches, page cache for the binaries, kubectl's discovery cache.
    await run(rawList, rawEnv);
    await run(plugin);
    const raw = [];
    const ours = [];
    const peer = [];
    for (let i = 0; i < RUNS; i++) {
      raw.push(await run(rawList, rawEnv));
      ours.push(await run(plugin));
      peer.push(await run(kubectlList));
    }
    const inputs = `${INSTANCES} instances (${objects} deployments, pods, PVCs), pages of ${pageSize}`;
    const ms = (xs) => xs.map((x) => x.ms);
    const mib = (xs) => xs.map((x) => x.mib);
    return [
      figure({ id: 'list.time', figure: 'list -A, time', inputs, unit: 'ms', value: ms(ours), floor: ms(raw), floorWhat: 'raw client', target: { text: '<= 1.1x', ratioMax: 1.1 } }),
      figure({ id: 'list.rss', figure: 'list -A, peak RSS', inputs, unit: 'MiB', value: mib(ours), floor: mib(raw), floorWhat: 'raw client', target: { text: '<= 1.5x', ratioMax: 1.5 } }),
      figure({
        id: 'list.time.kubectl',
        figure: 'list -A, time (peer)',
        inputs,
        unit: 'ms',
        value: ms(ours),
        floor: ms(peer),
        floorWhat: 'kubectl get -o json',
        target: { text: '<= 1.5x', ratioMax: 1.5 },
      }),
      figure({
        id: 'list.rss.kubectl',
        figure: 'list -A, peak RSS (peer)',
        inputs,
        unit: 'MiB',
        value: mib(ours),
        floor: mib(peer),
        floorWhat: 'kubectl get -o json',
        target: { text: '<= 1.5x', ratioMax: 1.5 },
      }),
    ];
  } finally {
    await cluster.stop();
    tc.cleanup();
  }
}
