// npm run bench: runs the benchmarks in scripts/bench/ and prints one table: each figure (the median of
// at least 3 runs, with min–max) beside the floor of the same work measured in the same run, the
// ratio between them, the target and whether it is met. Nothing here asserts a time.
//   npm run bench                          all benchmarks
//   npm run bench -- startup list          only those (file names without .mjs)
//   npm run bench -- --compare old.json    also print the change of each figure against an earlier run
// The results are written to bench/results.json (copy it away to compare a later run with it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let compareWith;
const only = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--compare') compareWith = args[++i];
  else if (args[i].startsWith('--compare=')) compareWith = args[i].slice('--compare='.length);
  else only.push(args[i]);
}
if (args.includes('--compare') && !compareWith) usage('--compare needs the path of an earlier results.json');
const available = readdirSync(join(root, 'scripts/bench')).filter((f) => f.endsWith('.mjs')).map((f) => f.replace(/\.mjs$/, ''));
for (const o of only) if (!available.includes(o)) usage(`unknown benchmark "${o}": use ${available.join(', ')}`);
let previous;
if (compareWith) {
  try {
    previous = JSON.parse(readFileSync(compareWith, 'utf8'));
  } catch (e) {
    usage(`cannot read ${compareWith}: ${e.code ?? e.message}`);
  }
}

function usage(msg) {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
}

const names = available
  .filter((n) => only.length === 0 || only.includes(n))
  .sort((a, b) => (a === 'startup' ? -1 : b === 'startup' ? 1 : a.localeCompare(b)));

const machine = {
  cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  date: new Date().toISOString(),
  // Other work on the machine moves every figure; the ratios, measured side by side, move less.
  loadAverageAtStart: loadavg()[0],
};

const rows = [];
let failed = false;
for (const name of names) {
  process.stderr.write(`bench: ${name}\n`);
  try {
    const mod = await import(pathToFileURL(join(root, 'scripts/bench', `${name}.mjs`)).href);
    for (const r of await mod.run({ root })) rows.push({ bench: name, ...r });
  } catch (e) {
    failed = true;
    rows.push({ bench: name, id: `${name}.error`, figure: `${name}: error`, inputs: '', note: String(e?.stack ?? e).split('\n')[0] });
  }
}

const num = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const measured = (s, unit) => (s ? `${num(s.median)} ${unit} (${num(s.min)}–${num(s.max)})` : '-');
const table = [['figure', 'inputs', 'floor', 'value', 'ratio', 'target', 'met']];
for (const r of rows) {
  table.push([
    r.figure,
    r.inputs ?? '',
    r.floor ? `${r.floor.what}: ${measured(r.floor, r.unit)}` : '-',
    measured(r.value, r.unit),
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '-',
    r.target ?? '',
    r.met === undefined ? '-' : r.met ? 'met' : 'NOT MET',
  ]);
}
machine.loadAverageAtEnd = loadavg()[0];
const load = `load average ${machine.loadAverageAtStart.toFixed(1)} at the start, ${machine.loadAverageAtEnd.toFixed(1)} at the end`;
console.log(`${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, Node ${machine.node}, ${load}; median of n runs (min–max)`);
printAligned(table);
const notes = rows.filter((r) => r.note);
if (notes.length) {
  console.log('\nnotes:');
  for (const r of notes) console.log(`  ${r.figure}: ${r.note}`);
}

if (previous) {
  const old = new Map((previous.figures ?? []).map((r) => [r.id, r]));
  const change = [['figure', 'before', 'now', 'change', 'ratio before', 'ratio now']];
  for (const r of rows) {
    const o = old.get(r.id);
    if (!r.value) continue;
    if (!o?.value) {
      change.push([r.figure, '-', measured(r.value, r.unit), 'new', '-', r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '-']);
      continue;
    }
    const pct = ((r.value.median - o.value.median) / o.value.median) * 100;
    const better = r.higherIsBetter ? pct > 0 : pct < 0;
    const word = Math.abs(pct) < 0.5 ? 'same' : `${pct > 0 ? '+' : ''}${pct.toFixed(1)}% (${better ? 'better' : 'worse'})`;
    change.push([r.figure, measured(o.value, o.unit), measured(r.value, r.unit), word, o.ratio !== undefined ? `${o.ratio.toFixed(2)}x` : '-', r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '-']);
  }
  console.log(`\nchange against ${compareWith} (${previous.machine?.date ?? 'unknown date'}):`);
  printAligned(change);
}

mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify({ machine, figures: rows }, null, 2)}\n`);
process.stderr.write('bench: results written to bench/results.json\n');
if (failed) process.exitCode = 1;

function printAligned(t) {
  const widths = t[0].map((_, i) => Math.max(...t.map((row) => String(row[i]).length)));
  for (const row of t) console.log(row.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd());
}
