// `status NAME` on a test cluster seeded with 10,000 instances (BENCH_LIST_INSTANCES), against
// `kubectl get deploy,pvc,pods,svc,ingress -l instance-id=<id>` for the same instance (target <= 1.2x),
// and, for reference, against what resolving a name must read at the least: a raw client
// (lib/rawList.mjs) reading every instance Deployment of the namespace. The sides run interleaved.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTestCluster } from './list.mjs';
import { figure, timed } from './lib/figures.mjs';

const INSTANCES = Number(process.env.BENCH_LIST_INSTANCES ?? 10_000);
const RUNS = 5;

export async function run({ root }) {
  const tc = await loadTestCluster(root);
  const cluster = await tc.startTestCluster({ kubelet: false, controllers: false });
  try {
    const seeded = tc.seedInstances(cluster, INSTANCES, { states: { stopped: 0.1, crashing: 0.02, pvcPending: 0.01 } });
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, PATH: `${join(root, 'dist')}:${process.env.PATH}`, NO_COLOR: '1' };
    const { RESOURCES: R, resourcePath, INSTANCE_SELECTOR } = tc;
    const pageSize = tc.DEFAULT_LIST_PAGE_SIZE;
    const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(cluster.kubeconfigPath, 'utf8'))[1], 'base64').toString();
    const resolveEnv = {
      ...env,
      BENCH_RAW_LIST: JSON.stringify({ url: cluster.url, ca, token: cluster.token, pageSize, lists: [{ path: resourcePath(R.deployments, { namespace: 'saasodoo' }), labelSelector: INSTANCE_SELECTOR }] }),
    };
    const rawList = [process.execPath, join(root, 'scripts/bench/lib/rawList.mjs')];
    // An instance in the middle of the listing, by its Deployment name.
    const target = seeded[Math.floor(seeded.length / 2)];
    const status = ['/usr/bin/kubectl', 'odoo', 'status', target.deployment, '-n', 'saasodoo'];
    const kubectlGet = ['/usr/bin/kubectl', 'get', 'deploy,pvc,pods,svc,ingress', '-n', 'saasodoo', '-l', `instance-id=${target.id}`];
    const run = ([cmd, ...args], e = env) => timed(cmd, args, e);
    // Warm-up: API server caches, page cache for the binaries, kubectl's discovery cache.
    await run(status);
    await run(kubectlGet);
    await run(rawList, resolveEnv);
    const st = [];
    const kg = [];
    const rs = [];
    for (let i = 0; i < RUNS; i++) {
      st.push(await run(status));
      kg.push(await run(kubectlGet));
      rs.push(await run(rawList, resolveEnv));
    }
    const inputs = `1 of ${INSTANCES} instances, by its Deployment name, through kubectl`;
    const ms = (xs) => xs.map((x) => x.ms);
    return [
      figure({
        id: 'status.time',
        figure: 'status NAME',
        inputs,
        unit: 'ms',
        value: ms(st),
        floor: ms(kg),
        floorWhat: 'kubectl get deploy,pvc,pods,svc,ingress -l',
        target: { text: '<= 1.2x', ratioMax: 1.2 },
      }),
      figure({
        id: 'status.time.resolve',
        figure: 'status NAME (its name resolution)',
        inputs,
        unit: 'ms',
        value: ms(st),
        floor: ms(rs),
        floorWhat: "raw client reading the namespace's Deployments",
        target: { text: 'for reference' },
        note: 'a name may be a database (from the env), an id without dashes or an id8 prefix, which no label selector finds: status reads every instance Deployment of the namespace to refuse a name two instances answer to, and parses only the pages whose text may hold the name',
      }),
    ];
  } finally {
    await cluster.stop();
    tc.cleanup();
  }
}
