// Cold start of `kubectl-odoo --help` and `kubectl-odoo version --client`, and of the single executable's
// `--help`, against `node -e 0` (target: at most 1.5x). Runs interleaved so machine noise hits every side
// alike; reports medians, and the single executable's size against the Node binary it was made from.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { buildBinaries, parseTargets } from '../build-binary.mjs';

const RUNS = 30;

function timeOnce(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run({ root }) {
  const plugin = join(root, 'dist/kubectl-odoo');
  const [binary] = await buildBinaries(parseTargets([]));
  const cases = [
    ['kubectl-odoo --help', process.execPath, [plugin, '--help']],
    ['kubectl-odoo version --client', process.execPath, [plugin, 'version', '--client']],
    ['single executable --help', binary, ['--help']],
  ];
  const base = [];
  const samples = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    base.push(timeOnce(process.execPath, ['-e', '0']));
    cases.forEach(([, cmd, argv], j) => samples[j].push(timeOnce(cmd, argv)));
  }
  const b = median(base);
  const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const size = statSync(binary).size;
  const nodeSize = statSync(process.execPath).size;
  return [
    ...cases.map(([name], j) => {
      const v = median(samples[j]);
      return { name: `cold start: ${name}`, baseline: `${b.toFixed(1)} ms (node -e 0)`, value: `${v.toFixed(1)} ms`, ratio: v / b, target: '<= 1.5x' };
    }),
    { name: 'single executable size', baseline: `${mib(nodeSize)} (node)`, value: mib(size), ratio: size / nodeSize, target: '<= 1.5x', note: 'Node itself plus the bundled plugin' },
  ];
}
