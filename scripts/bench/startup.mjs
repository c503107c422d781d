// Cold start of `kubectl-odoo --help` and `kubectl-odoo version --client` (target: at most 1.1x), and
// of the single executable's `--help` (at most 1.5x: it carries its own Node), against `node -e 0` run
// interleaved with them, so machine noise hits every side alike; and the single executable's size
// against the Node binary it was made from.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { buildBinaries, parseTargets } from '../build-binary.mjs';
import { figure } from './lib/figures.mjs';

const RUNS = 30;

function timeOnce(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function run({ root }) {
  const plugin = join(root, 'dist/kubectl-odoo');
  const [binary] = await buildBinaries(parseTargets([]));
  const cases = [
    { id: 'startup.help', name: '--help cold start', inputs: 'node dist/kubectl-odoo --help', cmd: process.execPath, argv: [plugin, '--help'], target: { text: '<= 1.1x', ratioMax: 1.1 } },
    { id: 'startup.version', name: 'version --client cold start', inputs: 'node dist/kubectl-odoo version --client', cmd: process.execPath, argv: [plugin, 'version', '--client'], target: { text: '<= 1.1x', ratioMax: 1.1 } },
    { id: 'startup.binary.help', name: 'single executable --help cold start', inputs: `${binary.split('/').pop()} --help`, cmd: binary, argv: ['--help'], target: { text: '<= 1.5x', ratioMax: 1.5 } },
  ];
  const base = [];
  const samples = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    base.push(timeOnce(process.execPath, ['-e', '0']));
    cases.forEach((c, j) => samples[j].push(timeOnce(c.cmd, c.argv)));
  }
  const mib = (n) => n / 2 ** 20;
  return [
    ...cases.map((c, j) => figure({ id: c.id, figure: c.name, inputs: `${c.inputs}, ${RUNS} runs`, unit: 'ms', value: samples[j], floor: base, floorWhat: 'node -e 0', target: c.target })),
    figure({
      id: 'startup.binary.size',
      figure: 'single executable size',
      inputs: binary.split('/').pop(),
      unit: 'MiB',
      // Sizes do not vary between runs; one measurement each is the figure.
      value: [mib(statSync(binary).size)],
      floor: [mib(statSync(process.execPath).size)],
      floorWhat: 'its node binary',
      target: { text: '<= 1.5x', ratioMax: 1.5 },
      note: 'Node itself plus the bundled plugin',
    }),
  ];
}
