// collectInstanceBundle with a fake API: which logs it reads (the previous container's after a restart),
// and that what fails is written down while the rest is collected.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { collectInstanceBundle, renderReadme, type ReportDeps } from './report.js';

const pod = (name: string, restarts: number) => ({
  kind: 'Pod',
  metadata: { name, namespace: 'saasodoo' },
  spec: { nodeName: 'node-1', containers: [{ name: 'odoo' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'odoo', restartCount: restarts }] },
});
const inst: any = {
  name: 'acme',
  namespace: 'saasodoo',
  deployment: { kind: 'Deployment', metadata: { name: 'acme', uid: 'u1' }, spec: { template: { spec: { containers: [{ name: 'odoo' }] } } } },
  pods: [pod('acme-a', 1), pod('acme-b', 0)],
  facts: {},
};

function deps(opts: { logFails?: string } = {}): { deps: ReportDeps; logReads: string[] } {
  const logReads: string[] = [];
  const kube: any = {
    list: async () => ({ items: [] }),
    get: async () => ({}),
    getOptional: async () => undefined,
    openStream: async (req: { path: string; query: Record<string, string> }) => {
      const podName = req.path.split('/')[6];
      logReads.push(`${podName}${req.query.previous ? ' previous' : ''} tail=${req.query.tailLines}`);
      if (podName === opts.logFails) throw new Error('container "odoo" in pod "acme-b" is waiting to start: ContainerCreating');
      return Readable.from([Buffer.from(`log of ${podName}${req.query.previous ? ' (previous)' : ''}\n`)]);
    },
  };
  const screen = async () => ({ text: 'screen\n', data: {} });
  return {
    logReads,
    deps: { kube, clock: { now: () => new Date(), sleep: async () => {} }, progress: () => {}, status: screen, storage: screen, backups: screen, odooConf: async () => ({ path: '/bitnami/odoo/conf/odoo.conf', text: '[options]\nadmin_passwd = x\n' }), agentNamespace: 'kubectl-odoo' },
  };
}

describe('collectInstanceBundle', () => {
  it('reads every container log with --tail, and the previous one of a container that restarted', async () => {
    const d = deps();
    const b = await collectInstanceBundle(d.deps, inst, { logs: true, tail: 20, includeSecrets: false }, 'r/acme');
    expect(d.logReads.sort()).toEqual(['acme-a previous tail=20', 'acme-a tail=20', 'acme-b tail=20']);
    const file = (p: string) => b.files.find((f) => f.path === p)?.content.toString();
    expect(file('r/acme/logs/acme-a/odoo.previous.log')).toBe('log of acme-a (previous)\n');
    expect(file('r/acme/logs/acme-b/odoo.log')).toBe('log of acme-b\n');
    expect(file('r/acme/odoo.conf')).toBe('# /bitnami/odoo/conf/odoo.conf of acme (secret values redacted)\n[options]\nadmin_passwd = ********\n');
  });

  it('without --logs reads no log; a log that cannot be read is an error in the bundle, the rest is collected', async () => {
    const none = deps();
    await collectInstanceBundle(none.deps, inst, { logs: false, includeSecrets: false }, 'r/acme');
    expect(none.logReads).toEqual([]);
    const d = deps({ logFails: 'acme-b' });
    const b = await collectInstanceBundle(d.deps, inst, { logs: true, includeSecrets: false }, 'r/acme');
    expect(b.errors).toContain('log of acme-b/odoo: container "odoo" in pod "acme-b" is waiting to start: ContainerCreating');
    expect(b.files.map((f) => f.path)).toContain('r/acme/logs/acme-a/odoo.log');
    expect(b.files.find((f) => f.path === 'r/acme/errors.txt')?.content).toMatch(/^log of acme-b\/odoo: /m);
    const readme = renderReadme({ createdAt: new Date('2026-12-03T12:00:00Z'), by: 'ann@laptop', toolVersion: '0.1.0', context: 'prod', namespace: 'saasodoo', command: 'kubectl odoo report acme --logs', opts: { logs: true, includeSecrets: false }, bundles: [b] });
    expect(readme).toContain('Created:   2026-12-03T12:00:00.000Z\nBy:        ann@laptop with kubectl-odoo 0.1.0\n');
    expect(readme).toMatch(/^Not collected:\n {2}acme: /m);
  });
});
