// The shape every benchmark returns: one figure per row, each the median of at least 3 runs with its
// spread, beside the floor measured in the same run, the ratio between them and the target.
import { spawn } from 'node:child_process';

/** Median, min and max of a list of samples (at least 3 for a figure). */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/** Runs fn `runs` times in a row and returns the samples. */
export async function repeat(runs, fn) {
  const out = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

/**
 * A row of the table.
 *  - id: stable key, for --compare;
 *  - inputs: what was measured (object counts, page size, bytes, files);
 *  - unit: of value and floor ("ms", "MiB", "lines/s", ...);
 *  - value / floor: samples (numbers); floor is optional (an absolute target has none);
 *  - floorWhat: what the floor is;
 *  - target: { text, ratioMax | ratioMin | max | min }: what "met" means;
 *  - higherIsBetter: for the change printed by --compare.
 */
export function figure({ id, figure: name, inputs, unit, value, floor, floorWhat, target, higherIsBetter = false, note }) {
  const v = stats(value);
  const f = floor ? stats(floor) : undefined;
  const ratio = f && f.median > 0 ? v.median / f.median : undefined;
  const checks = [];
  if (target.ratioMax !== undefined) checks.push(ratio !== undefined && ratio <= target.ratioMax);
  if (target.ratioMin !== undefined) checks.push(ratio !== undefined && ratio >= target.ratioMin);
  if (target.max !== undefined) checks.push(v.median < target.max);
  if (target.min !== undefined) checks.push(v.median >= target.min);
  return {
    id,
    figure: name,
    inputs,
    unit,
    floor: f ? { what: floorWhat, ...f } : undefined,
    value: v,
    ratio,
    target: target.text,
    met: checks.length ? checks.every(Boolean) : undefined,
    higherIsBetter,
    ...(note ? { note } : {}),
  };
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
