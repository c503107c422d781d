// A fleet run against the same backups taken one after another, on the test cluster (its kubelet runs
// each backup Job for real, against a real PostgreSQL; three nodes):
//  - fleet      = `kubectl odoo backup --all` of BENCH_FLEET_INSTANCES instances (default 20), within
//    the default caps (1 backup per node, 4 in the cluster);
//  - one by one = `kubectl odoo backup NAME --wait` for each of the same instances, in a row.
// Each instance is small (BENCH_FLEET_ATTACHMENTS attachment files, default 20, and its database), so
// the figure is about what a fleet run saves around the backups themselves: Job start-up, waiting and
// proof, overlapped across nodes. Figures in backups per minute; ratio = the speed-up (higher is better).
// The two sides alternate over BENCH_FLEET_ROUNDS rounds (default 3, at least 3). Needs dist/ (npm run build).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { figure } from './lib/figures.mjs';
import { importBundled } from './lib/bundle.mjs';

// One level below the repository, as `npm run cluster` bundles the cluster: the test cluster finds
// manifests/ (the operators' RBAC) from there.
const loadFixtures = (root) =>
  importBundled(root, root, '.bench-fleet-', [
    ['startBackupWorld, addBackupInstance, NS', 'test/backups/clusterFixture.ts'],
    ['startPostgres', 'test/fixtures/postgres.ts'],
  ]);

/** `kubectl odoo ARGS` as the test cluster's operator; resolves with the wall time in seconds. */
function odoo(root, kubeconfig, ns, args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('kubectl', ['odoo', '--context', 'operator', '-n', ns, ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `${join(root, 'dist')}:${process.env.PATH}`, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`kubectl odoo ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-2).join(' ')}`));
      resolve(Number(process.hrtime.bigint() - t0) / 1e9);
    });
  });
}

export async function run({ root }) {
  const count = Math.max(2, Number(process.env.BENCH_FLEET_INSTANCES ?? 20));
  const attachments = Number(process.env.BENCH_FLEET_ATTACHMENTS ?? 20);
  const rounds = Math.max(3, Number(process.env.BENCH_FLEET_ROUNDS ?? 3));
  const fx = await loadFixtures(root);
  const pg = await fx.startPostgres();
  let w;
  try {
    w = await fx.startBackupWorld(pg, { attachments });
    const names = [w.name];
    for (let i = 1; i < count; i++) {
      const hex = (i + 0x10).toString(16).padStart(2, '0');
      const name = `odoo-fleet${i}-${hex}b3c4d5`;
      await fx.addBackupInstance(w.cluster, pg, { name, db: `fleet${i}`, id: `${hex}b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7`, attachments });
      names.push(name);
    }
    // Every instance's pod Ready (backups run on its node, beside it).
    const deadline = Date.now() + 180_000;
    for (;;) {
      const ready = w.cluster.store.list('pods', fx.NS).filter((p) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
      if (ready.length >= count) break;
      if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${count} instances became ready`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const nodes = new Set(w.cluster.store.list('pods', fx.NS).map((p) => p.spec?.nodeName).filter(Boolean)).size;
    const kubeconfig = w.cluster.kubeconfigPath;
    const fleet = [];
    const single = [];
    const fleetRound = async () => fleet.push(await odoo(root, kubeconfig, fx.NS, ['backup', '--all']));
    const singleRound = async () => {
      let secs = 0;
      for (const n of names) secs += await odoo(root, kubeconfig, fx.NS, ['backup', n, '--wait']);
      single.push(secs);
    };
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        await fleetRound();
        await singleRound();
      } else {
        await singleRound();
        await fleetRound();
      }
    }
    const perMin = (secs) => (count / secs) * 60;
    const secs = (xs) => xs.map((x) => x.toFixed(1)).join('/');
    return [
      figure({
        id: 'backup.fleet',
        figure: `fleet run: backup --all of ${count} instances`,
        inputs: `${count} instances (${attachments} files + database each) on ${nodes} nodes, caps 1/node, 4/cluster`,
        unit: 'backups/min',
        value: fleet.map(perMin),
        floor: single.map(perMin),
        floorWhat: `${count} single backups in a row`,
        higherIsBetter: true,
        target: { text: 'speed-up > 1x', ratioMin: 1 },
        note: `${rounds} rounds: fleet ${secs(fleet)}s vs one by one ${secs(single)}s; ratio = speed-up`,
      }),
    ];
  } finally {
    await w?.cluster.stop();
    await pg.stop();
    fx.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(new URL('.', import.meta.url).pathname, '..', '..');
  console.log(await run({ root }));
}
