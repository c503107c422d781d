// watch streams status transitions, and keeps its chain of transitions intact through dropped watch
// connections and 410 Gone (history compacted while it was reconnecting).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { LiveCommand, NS, clusterWithNamespace, odoo } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  expect((await run(['create', 'acme', '--customer', '42', '--wait', '--timeout', '60s'])).code).toBe(0);
});
afterAll(async () => cluster?.stop());

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l));
const last = (lines: string[], name: string) => parse(lines).filter((t) => t.name === name).at(-1);

describe('watch', () => {
  it('-o json streams one object per transition, through dropped watches and 410 Gone, without gaps or repeats', { timeout: 240_000 }, async () => {
    const watch = new LiveCommand(cluster, ['watch', '-n', NS, '-o', 'json']);
    try {
      await watch.waitFor((l) => l.length >= 1, 60_000);
      expect(parse(watch.lines)[0]).toMatchObject({ namespace: NS, name: 'acme', from: null, to: 'running', ready: '1/1', customerId: '42' });

      // From now on every watch stream is cut after one event, and history is compacted after each step,
      // so resuming watches hit 410 Gone and must list again.
      cluster.faults.dropWatches({ afterEvents: 1 });
      const step = async (args: string[], name: string, to: string) => {
        expect((await run(args)).code).toBe(0);
        cluster.store.compact();
        await watch.waitFor((l) => last(l, name)?.to === to, 60_000);
      };
      await step(['stop', 'acme'], 'acme', 'stopped');
      await step(['start', 'acme'], 'acme', 'running');
      await step(['create', 'beta', '--customer', '7'], 'beta', 'running');
      // --wait: the new pod is ready before the next step (and the next test) looks at beta.
      await step(['set-resources', 'beta', '--memory', '1Gi', '--wait', '--timeout', '120s'], 'beta', 'running');
      await step(['delete', 'acme', '--yes'], 'acme', 'deleted');

      const all = parse(watch.lines);
      for (const name of ['acme', 'beta']) {
        const chain = all.filter((t) => t.name === name);
        expect(chain[0].from).toBe(null);
        for (let i = 1; i < chain.length; i++) {
          // Each line starts where the previous one ended (none missing) and changes something (none repeated).
          expect(chain[i].from).toBe(chain[i - 1].to);
          expect(`${chain[i].to}/${chain[i].reason}`).not.toBe(`${chain[i - 1].to}/${chain[i - 1].reason}`);
        }
      }
      expect(all.filter((t) => t.name === 'acme').map((t) => t.to)).toContain('stopped');
      const relists = cluster.faults.requestLog.filter((e) => e.method === 'GET' && !e.watch && e.path.endsWith('/deployments')).length;
      expect(relists).toBeGreaterThan(1);
    } finally {
      // Also when an expectation failed: the next test must not inherit dropped watches.
      cluster.faults.clear();
      expect(await watch.stop()).toBe(0);
    }
  });

  it('prints lines for people and honours selectors', { timeout: 180_000 }, async () => {
    const watch = new LiveCommand(cluster, ['watch', '-A', '-l', 'saasodoo.io/customer-id=7', '--v=6']);
    try {
      await watch.waitFor((l) => l.length >= 1, 60_000);
      expect(watch.lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}saasodoo\/beta {2}running {2}ready 1\/1$/);
      expect((await run(['stop', 'beta'])).code).toBe(0);
      await watch.waitFor((l) => l.some((x) => / saasodoo\/beta {2}\w+ -> stopped /.test(x)), 60_000);
      // A stopped instance has nothing ready: 0/0, not the Deployment's stale 1/0.
      expect(watch.lines.find((x) => / -> stopped /.test(x))).toMatch(/ -> stopped {2}ready 0\/0/);
      expect(watch.lines.every((l) => l.includes('saasodoo/beta'))).toBe(true);
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  });

  it('rejects formats it cannot stream', async () => {
    const r = await run(['watch', '-o', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: -o yaml is not supported by "kubectl odoo watch": use -o table or -o json');
  });
});
