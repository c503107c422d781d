// The README's "On call" examples, run as written against the playground `npm run cluster` starts:
// every command in order must exit 0 and print no error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startPlayground, type Playground } from '../cluster/playground.js';
import { ROOT } from '../harness/plugin.js';
import { runReadmeLine, sectionCommands } from '../harness/readme.js';

const commands = sectionCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'), '## On call: report, maintenance, shell, psql, update');
let playground: Playground;

beforeAll(async () => {
  playground = await startPlayground();
});

afterAll(async () => {
  await playground?.stop();
  // The bundles the examples write.
  for (const c of commands) for (const f of c.matchAll(/-f (\/tmp\/\S+)/g)) rmSync(f[1], { force: true });
});

describe('README: On call', () => {
  it('has its examples, and the playground its database', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(playground.missing).toBeUndefined();
  });

  it.each(commands.map((c, i) => [i + 1, c]))('step %i: %s', async (_n, command) => {
    const r = await runReadmeLine(command, playground.cluster.kubeconfigPath);
    const errors = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^error:/.test(l));
    expect(errors, `${r.stdout}${r.stderr}`).toEqual([]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 300_000);
});
