// The README's "Try it without a cluster" journey, run as written against the playground `npm run
// cluster` starts (started here in-process, the same way): every command in order must exit 0 and print
// no error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEGACY_INSTANCE, startPlayground, type Playground } from '../cluster/playground.js';
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
    // A line whose comment says it exits 1 (a check that finds these nodes unready) must do exactly that,
    // with its verdict as the only error line; every other line exits 0 and prints no error.
    const expected = Number(/#.*\bexits (\d+)\b/.exec(command)?.[1] ?? 0);
    if (expected === 0) expect(errors, `${r.stdout}${r.stderr}`).toEqual([]);
    else {
      expect(errors, `${r.stdout}${r.stderr}`).toHaveLength(1);
      expect(errors[0]).toMatch(/^error: not ready: node-1, node-2, node-3\b/);
    }
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(expected);
  }, 300_000);

  it('reached each node through its own agent', async () => {
    const r = await runReadmeLine('kubectl odoo nodes check -o json', playground.cluster.kubeconfigPath);
    const out = JSON.parse(r.stdout);
    expect(out.nodes.map((n: any) => [n.node, n.source, n.error, n.devices.map((d: any) => d.device)])).toEqual(
      ['node-1', 'node-2', 'node-3'].map((n) => [n, 'agent', undefined, ['/dev/sda2']]),
    );
  }, 120_000);

  it('moved the legacy instance to a PVC of its own', () => {
    const d = playground.cluster.store.list('deployments', 'saasodoo').find((x: any) => x.metadata.labels?.['saasodoo.io/instance-name'] === 'shop');
    expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'odoo-data')).toEqual({ name: 'odoo-data', persistentVolumeClaim: { claimName: `odoo-instance-${LEGACY_INSTANCE.id}` } });
  });
});
