// The README's "Try it without a cluster" journey, run as written against the playground `npm run
// cluster` starts (started here in-process, the same way): every command in order must exit 0 and print
// no error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlayground, type Playground } from '../cluster/playground.js';
import { pluginEnv, ROOT } from '../harness/plugin.js';

/** The shell lines of a README section's code blocks, comments and blank lines left to the shell. */
function sectionCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const rest = readme.slice(start + heading.length + 2);
  const body = rest.slice(0, rest.search(/\n## /) >= 0 ? rest.search(/\n## /) : undefined);
  const lines: string[] = [];
  for (const block of body.matchAll(/```sh\n([\s\S]*?)```/g)) lines.push(...block[1].split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')));
  return lines;
}

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
    // Asynchronously: the cluster answers from this very process.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn('bash', ['-c', command], { cwd: ROOT, env: pluginEnv({ KUBECONFIG: playground.cluster.kubeconfigPath }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const errors = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^error:/.test(l));
    expect(errors, `${r.stdout}${r.stderr}`).toEqual([]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 300_000);
});
