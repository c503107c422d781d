import { describe, expect, it } from 'vitest';
import { clockSample, judgeCluster, usableAcrossHosts, type ClusterNode } from './judgeCluster.js';
import type { Check, DeviceVerdict } from './facts.js';
import type { NodeReport } from './report.js';

const GB = 1e9;
const ok = (name: string, message = 'ok'): Check => ({ name, status: 'ok', message });
const prerequisites = (over: Check[] = []): Check[] => ['kernel', 'rbd module', 'ceph module'].map((n) => over.find((c) => c.name === n) ?? ok(n));
const device = (verdict: DeviceVerdict['verdict'], gb = 150): DeviceVerdict => ({ device: '/dev/sda2', byId: [], verdict, reasons: [], sizeBytes: gb * GB });
const node = (name: string, over: { devices?: DeviceVerdict[]; prerequisites?: Check[]; mtu?: number; schedulable?: boolean; offset?: number; uncertainty?: number } = {}): ClusterNode => ({
  node: name,
  report: { node: name, collectedAt: '', source: 'agent', ready: true, devices: over.devices ?? [device('READY')], prerequisites: prerequisites(over.prerequisites), mtu: over.mtu ?? 1500 } as NodeReport,
  ...(over.schedulable !== undefined ? { schedulable: over.schedulable } : {}),
  ...(over.offset !== undefined ? { clock: { offsetSeconds: over.offset, uncertaintySeconds: over.uncertainty ?? 0.001 } } : {}),
});
const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name);
const healthy = () => [node('n1', { offset: 0.01 }), node('n2', { offset: -0.005 }), node('n3', { offset: 0.002 })];

describe('judgeCluster', () => {
  it('three healthy nodes of 150 GB: every cluster check is ok', () => {
    const checks = judgeCluster(healthy());
    expect(checks.map((c) => [c.name, c.status, c.message])).toEqual([
      ['osd nodes', 'ok', '3 schedulable nodes with a READY device (the pool size 3 needs 3)'],
      ['mtu consistency', 'ok', 'every node uses MTU 1500'],
      ['clock skew', 'ok', 'clock skew 0.015 s (±0.002) between n1 and n2; Ceph warns above mon_clock_drift_allowed 0.05 s'],
      ['kernel everywhere', 'ok', 'kernel on all 3 nodes'],
      ['rbd module everywhere', 'ok', 'rbd module loadable on all 3 nodes'],
      ['ceph module everywhere', 'ok', 'ceph module loadable on all 3 nodes'],
      ['usable capacity', 'ok', '139.7Gi usable at 3x with one copy per node'],
      ['osd size gap', 'ok', 'largest OSD 139.7Gi, smallest 139.7Gi, gap 0'],
    ]);
  });

  it.each([
    {
      name: 'a cordoned node does not count towards the pool size',
      nodes: [node('n1'), node('n2'), node('n3', { schedulable: false })],
      check: 'osd nodes',
      want: { status: 'error', message: '2 schedulable nodes with a READY device; the pool size 3 needs 3, one copy per node; cordoned: n3' },
    },
    {
      name: 'a node without a READY device does not count',
      nodes: [node('n1'), node('n2'), node('n3', { devices: [device('NOT_READY')] })],
      check: 'osd nodes',
      want: { status: 'error', message: '2 schedulable nodes with a READY device; the pool size 3 needs 3, one copy per node' },
    },
    {
      name: 'different MTUs',
      nodes: [node('n1'), node('n2', { mtu: 9000 }), node('n3')],
      check: 'mtu consistency',
      want: { status: 'warning', message: 'nodes use different MTUs: 1500 (n1, n3); 9000 (n2)' },
    },
    {
      name: 'clock skew above mon_clock_drift_allowed',
      nodes: [node('n1', { offset: 0.07 }), node('n2', { offset: -0.01 }), node('n3', { offset: 0 })],
      check: 'clock skew',
      want: { status: 'error', message: 'clock skew 0.080 s (±0.002) between n1 and n2; Ceph warns above mon_clock_drift_allowed 0.05 s' },
    },
    {
      name: 'a skew the round trips cannot settle',
      nodes: [node('n1', { offset: 0.04, uncertainty: 0.02 }), node('n2', { offset: 0 }), node('n3', { offset: 0.01 })],
      check: 'clock skew',
      want: { status: 'unknown', message: 'clock skew 0.040 s (±0.021) between n1 and n2; Ceph warns above mon_clock_drift_allowed 0.05 s: the measurement is not precise enough to tell' },
    },
    {
      name: 'clocks not measured on every node',
      nodes: [node('n1', { offset: 0 }), node('n2'), node('n3')],
      check: 'clock skew',
      want: { status: 'unknown', message: 'measured on 1 of 3 nodes' },
    },
    {
      name: 'the rbd module missing on one node',
      nodes: [node('n1'), node('n2', { prerequisites: [{ name: 'rbd module', status: 'error', message: 'not loaded and no module file' }] }), node('n3')],
      check: 'rbd module everywhere',
      want: { status: 'error', message: 'rbd module loadable on 2 of 3 nodes; not on n2 (not loaded and no module file)' },
    },
    {
      name: 'an old kernel on one node',
      nodes: [node('n1', { prerequisites: [{ name: 'kernel', status: 'warning', message: '5.3.0: older than the recommended 5.4' }] }), node('n2'), node('n3')],
      check: 'kernel everywhere',
      want: { status: 'warning', message: 'kernel on 2 of 3 nodes; not on n1 (5.3.0: older than the recommended 5.4)' },
    },
    {
      name: 'one larger node: the others cannot mirror all of it',
      nodes: [node('n1', { devices: [device('READY', 300)] }), node('n2'), node('n3')],
      check: 'usable capacity',
      want: { status: 'warning', message: "139.7Gi usable at 3x with one copy per node (not 186.3Gi: the nodes' READY capacity is unequal)" },
    },
    {
      name: 'OSDs of very different sizes',
      nodes: [node('n1', { devices: [device('READY', 300)] }), node('n2'), node('n3')],
      check: 'osd size gap',
      want: { status: 'warning', message: 'largest OSD 279.4Gi, smallest 139.7Gi, gap 139.7Gi: CRUSH weights by size, so the larger OSDs take more data and fill first' },
    },
    {
      name: 'fewer nodes than replicas: nothing usable',
      nodes: [node('n1'), node('n2')],
      check: 'usable capacity',
      want: { status: 'error', message: 'nothing usable at 3x: fewer than 3 nodes with a READY device' },
    },
  ])('$name', (c) => {
    expect(byName(judgeCluster(c.nodes), c.check)).toEqual({ name: c.check, ...c.want });
  });

  it('says nothing when no node could be checked', () => {
    expect(judgeCluster([{ node: 'n1' }, { node: 'n2' }])).toEqual([]);
  });
});

describe('usableAcrossHosts', () => {
  it.each([
    { hosts: [150, 150, 150], r: 3, usable: 150 },
    { hosts: [300, 150, 150], r: 3, usable: 150 },
    { hosts: [200, 200, 200, 200], r: 3, usable: 266.67 },
    { hosts: [1000, 100, 100, 100], r: 3, usable: 150 },
    { hosts: [150, 150], r: 3, usable: 0 },
    { hosts: [300, 100], r: 2, usable: 100 },
  ])('$hosts at $r x → $usable GB', (c) => expect(usableAcrossHosts(c.hosts.map((h) => h * GB), c.r) / GB).toBeCloseTo(c.usable, 1));
});

describe('clockSample', () => {
  it('takes the midpoint of the round trip', () => {
    expect(clockSample(1000, 1100, 1040)).toEqual({ offsetSeconds: 0.08, uncertaintySeconds: 0.02 });
  });
});
