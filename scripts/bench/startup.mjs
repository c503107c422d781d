// Cold start of `kubectl-odoo --help` and `kubectl-odoo version --client` against `node -e 0`
// (target: at most 1.5x). Runs interleaved so machine noise hits both sides alike; reports medians.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

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
  const cases = [
    ['kubectl-odoo --help', [plugin, '--help']],
    ['kubectl-odoo version --client', [plugin, 'version', '--client']],
  ];
  const base = [];
  const samples = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    base.push(timeOnce(process.execPath, ['-e', '0']));
    cases.forEach(([, argv], j) => samples[j].push(timeOnce(process.execPath, argv)));
  }
  const b = median(base);
  return cases.map(([name], j) => {
    const v = median(samples[j]);
    return { name: `cold start: ${name}`, baseline: `${b.toFixed(1)} ms (node -e 0)`, value: `${v.toFixed(1)} ms`, ratio: v / b, target: '<= 1.5x' };
  });
}
