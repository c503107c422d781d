// `kubectl odoo list -A` over 10,000 seeded instances (30,000+ objects) against the real
// `kubectl get deploy,pvc,pods -A -l <selector> -o json` on the same data in the same run
// (target: at most 1.5x kubectl's time), with the peak memory of both (/usr/bin/time -v).
// Runs are interleaved so machine noise hits both sides alike; reports medians.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const INSTANCES = Number(process.env.BENCH_LIST_INSTANCES ?? 10_000);
const RUNS = 3;

/** Bundles the test cluster (TypeScript) and imports it: { startTestCluster, seedInstances }. */
export async function loadTestCluster(root) {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-bench-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `export { startTestCluster } from ${JSON.stringify(join(root, 'test/cluster/index.ts'))};\nexport { seedInstances } from ${JSON.stringify(join(root, 'test/cluster/seed.ts'))};\n`);
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  const outfile = join(dir, 'cluster.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  const mod = await import(pathToFileURL(outfile).href);
  return { ...mod, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a command under /usr/bin/time -v; resolves with wall time (ms) and peak RSS (MiB). */
export function timed(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.split('\n').slice(0, 3).join(' ')}`));
      const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? NaN);
      resolve({ ms, mib: kb / 1024 });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run({ root }) {
  const { startTestCluster, seedInstances, cleanup } = await loadTestCluster(root);
  const cluster = await startTestCluster({ kubelet: false, controllers: false });
  try {
    seedInstances(cluster, INSTANCES, { states: { stopped: 0.1, crashing: 0.02, pvcPending: 0.01 } });
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, PATH: `${join(root, 'dist')}:${process.env.PATH}`, NO_COLOR: '1' };
    const kubectlArgs = ['get', 'deploy,pvc,pods', '-A', '-l', 'app in (odoo,odoo-instance)', '-o', 'json'];
    const pluginArgs = ['odoo', 'list', '-A'];
    // Warm-up (API server caches, page cache for the binaries).
    await timed('/usr/bin/kubectl', kubectlArgs, env);
    await timed('/usr/bin/kubectl', pluginArgs, env);
    const base = [];
    const plug = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(await timed('/usr/bin/kubectl', kubectlArgs, env));
      plug.push(await timed('/usr/bin/kubectl', pluginArgs, env));
    }
    const b = median(base.map((r) => r.ms));
    const v = median(plug.map((r) => r.ms));
    const bm = Math.max(...base.map((r) => r.mib));
    const vm = Math.max(...plug.map((r) => r.mib));
    return [
      { name: `list -A over ${INSTANCES} instances (time)`, baseline: `${b.toFixed(0)} ms (kubectl get deploy,pvc,pods -o json)`, value: `${v.toFixed(0)} ms`, ratio: v / b, target: '<= 1.5x', note: `median of ${RUNS}` },
      { name: `list -A over ${INSTANCES} instances (peak memory)`, baseline: `${bm.toFixed(0)} MiB (kubectl)`, value: `${vm.toFixed(0)} MiB`, ratio: vm / bm, target: '', note: 'max RSS, /usr/bin/time -v' },
    ];
  } finally {
    await cluster.stop();
    cleanup();
  }
}
