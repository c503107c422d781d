// The README's "Try it without a cluster" journey, run as written against the playground `npm run
// cluster` starts (started here in-process, the same way): every command in order must exit 0 and print
// no error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlayground, type Playground } from '../cluster/playground.js';
import { ROOT } from '../harness/plugin.js';
import { runReadmeLine, sectionCommands } from '../harness/readme.js';

const commands = sectionCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'), '## Try it without a cluster');
let playground: Playground;

beforeAll(async () => {
  playground = await startPlayground();
});

afterAll(async () => {
  await playground?.stop();
});

describe('README: Try it without a cluster', () => {
  it('starts with npm run cluster and sets KUBECONFIG to the printed path', () => {
    expect(commands[0]).toBe('npm run cluster');
    expect(commands[1]).toBe('export KUBECONFIG=/path/printed/above');
    expect(playground.missing).toBeUndefined();
  });

  it.each(commands.slice(2).map((c, i) => [i + 1, c]))('step %i: %s', async (_n, command) => {
    const r = await runReadmeLine(command, playground.cluster.kubeconfigPath);
    const errors = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^error:/.test(l));
    expect(errors, `${r.stdout}${r.stderr}`).toEqual([]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 300_000);
});
