import { describe, expect, it } from 'vitest';
import { describeUnready, joinNodeSummaries, nodeSummariesData } from './listNodes.js';
import { parseSummaryConfigMap } from '../../lib/nodes/summary.js';
import { renderNodeList } from './render.js';
import { makeColors } from '../core/output/colors.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const NS = 'kubectl-odoo';

function summaryCm(node: string, opts: { ageSeconds: number; ready?: boolean; interval?: number; raw?: string }) {
  const collectedAt = new Date(NOW.getTime() - opts.ageSeconds * 1000).toISOString();
  const report = { node, collectedAt, source: 'agent', ready: opts.ready ?? true, devices: [{ device: '/dev/sda2', sizeBytes: 150e9, byId: [], verdict: opts.ready === false ? 'NOT_READY' : 'READY', reasons: [] }], prerequisites: [] };
  return {
    metadata: { name: `kubectl-odoo-node-${node}`, annotations: { 'kubectl-odoo.io/node': node, ...(opts.interval ? { 'kubectl-odoo.io/refresh-interval-seconds': String(opts.interval) } : {}) } },
    data: { 'summary.json': opts.raw ?? JSON.stringify(report) },
  };
}

describe('joinNodeSummaries', () => {
  it.each([
    { name: 'no agent at all: every node is missing, nothing is ready', nodes: ['n1', 'n2'], cms: [], states: { n1: 'missing', n2: 'missing' }, ready: false, error: 'not checked: n1 (no summary), n2 (no summary)' },
    { name: 'every node fresh and READY', nodes: ['n1', 'n2'], cms: [summaryCm('n1', { ageSeconds: 10 }), summaryCm('n2', { ageSeconds: 899 })], states: { n1: 'fresh', n2: 'fresh' }, ready: true },
    { name: 'one node without a summary', nodes: ['n1', 'n2', 'n3'], cms: [summaryCm('n1', { ageSeconds: 10 }), summaryCm('n2', { ageSeconds: 10 })], states: { n1: 'fresh', n2: 'fresh', n3: 'missing' }, ready: false, error: 'not checked: n3 (no summary)' },
    { name: 'older than 3 default intervals (15 min) is stale, even when it said READY', nodes: ['n1'], cms: [summaryCm('n1', { ageSeconds: 901 })], states: { n1: 'stale' }, ready: false, error: 'not checked: n1 (stale summary)' },
    { name: 'the interval comes from the annotation', nodes: ['n1', 'n2'], cms: [summaryCm('n1', { ageSeconds: 200, interval: 60 }), summaryCm('n2', { ageSeconds: 3000, interval: 3600 })], states: { n1: 'stale', n2: 'fresh' }, ready: false },
    { name: 'fresh but NOT_READY', nodes: ['n1'], cms: [summaryCm('n1', { ageSeconds: 10, ready: false })], states: { n1: 'fresh' }, ready: false, error: 'not ready: n1' },
    { name: 'unreadable summary', nodes: ['n1'], cms: [summaryCm('n1', { ageSeconds: 10, raw: '{' })], states: { n1: 'unreadable' }, ready: false, error: 'not checked: n1 (unreadable summary)' },
    { name: 'a summary of a removed node is shown but does not count', nodes: ['n1'], cms: [summaryCm('n1', { ageSeconds: 10 }), summaryCm('gone', { ageSeconds: 10 })], states: { n1: 'fresh', gone: 'orphaned' }, ready: true },
    { name: 'no nodes is not ready', nodes: [], cms: [], states: {}, ready: false, error: 'the cluster has no nodes' },
  ])('$name', (c) => {
    const s = joinNodeSummaries(c.nodes, c.cms.map(parseSummaryConfigMap), { now: NOW, namespace: NS });
    expect(Object.fromEntries(s.nodes.map((n) => [n.node, n.summary]))).toEqual(c.states);
    expect(s.ready).toBe(c.ready);
    if (c.error) expect(describeUnready(s)).toBe(c.error);
  });

  it('says why a node is not checked, in the JSON and on the screen', () => {
    const s = joinNodeSummaries(['n1', 'n2', 'n3'], [summaryCm('n1', { ageSeconds: 10 }), summaryCm('n2', { ageSeconds: 7200 })].map(parseSummaryConfigMap), { now: NOW, namespace: NS });
    const data = nodeSummariesData(s) as any;
    expect(data.ready).toBe(false);
    expect(data.nodes.map((n: any) => [n.node, n.ready, n.summary, n.ageSeconds])).toEqual([
      ['n1', true, 'fresh', 10],
      ['n2', false, 'stale', 7200],
      ['n3', false, 'missing', undefined],
    ]);
    expect(data.nodes[1].error).toBe('stale summary: 2h old, the agent refreshes it every 5m (is its pod running?)');
    expect(data.nodes[2].error).toBe('no summary from the node agent (is an odoo-node-agent pod running on n3? kubectl -n kubectl-odoo get pods -o wide)');
    const text = renderNodeList(s, makeColors(false), { wide: false, aligned: false, namespace: NS });
    expect(text).toMatch(/^n2\t\/dev\/sda2\t139.7Gi\tREADY\t.*\t2h \(stale\)$/m);
    expect(text).toMatch(/^n3\t-\t-\tUNKNOWN\tno agent summary\t/m);
    expect(text).toContain('n2: stale summary: 2h old');
    expect(text).toContain('1 of 3 nodes ready (');
  });
});
