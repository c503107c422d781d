// npm run bench: runs every benchmark in scripts/bench/ and prints each figure as a ratio to a
// baseline measured in the same run (never an absolute time compared against a constant).
//   npm run bench                 all benchmarks
//   npm run bench -- startup list only those (file names without .mjs)
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const files = readdirSync(join(root, 'scripts/bench'))
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.mjs$/, '')))
  .sort((a, b) => (a === 'startup.mjs' ? -1 : b === 'startup.mjs' ? 1 : a.localeCompare(b)));

const rows = [];
let failed = false;
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  try {
    const mod = await import(pathToFileURL(join(root, 'scripts/bench', f)).href);
    for (const r of await mod.run({ root })) rows.push({ file: f, ...r });
  } catch (e) {
    failed = true;
    rows.push({ file: f, name: 'error', baseline: '', value: '', ratio: NaN, note: String(e?.stack ?? e).split('\n')[0] });
  }
}

const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? ''));
const table = [['benchmark', 'baseline', 'value', 'ratio', 'target', 'note']];
for (const r of rows) {
  const ratio = Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '-';
  table.push([r.name, fmt(r.baseline), fmt(r.value), ratio, r.target ?? '', r.note ?? '']);
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
for (const row of table) console.log(row.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd());
if (failed) process.exitCode = 1;
