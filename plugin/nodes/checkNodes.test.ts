import { describe, expect, it } from 'vitest';
import { AGENT_START_GRACE_MS, agentClusterChecks, agentMayBeStarting, describeFailedChecks, planAgentChecks, resolveJudgeTarget, summariseChecks } from './checkNodes.js';

const pod = (name: string, node: string, phase = 'Running', extra: any = {}) => ({
  metadata: { name, ...extra.metadata },
  spec: { nodeName: node, containers: [{ name: 'agent', ports: [{ name: 'agent', containerPort: 8765 }] }] },
  status: { phase, ...extra.status },
});
const TOKEN = { token: 't' };
const CAPACITY = { replication: 3, overhead: [0.07, 0.1] as [number, number] };
const CEPH = resolveJudgeTarget({}, undefined);
const NO_SECRET = { error: 'secret kubectl-odoo/odoo-node-agent-token not found: is the node agent installed (kubectl odoo agent install)?' };

describe('planAgentChecks', () => {
  it.each([
    {
      name: 'no node named: every node of the cluster, nodes without an agent pod included',
      requested: [],
      nodes: ['n2', 'n1', 'n3'],
      pods: [pod('a-1', 'n1'), pod('a-2', 'n2')],
      token: TOKEN,
      plans: [{ node: 'n1', pod: 'a-1', port: 8765 }, { node: 'n2', pod: 'a-2', port: 8765 }, { node: 'n3', error: 'no odoo-node-agent pod on node n3' }],
    },
    {
      name: 'no agent at all: every node is listed with the first thing to fix',
      requested: [],
      nodes: ['n1', 'n2'],
      pods: [],
      token: NO_SECRET,
      plans: [{ node: 'n1', error: 'no odoo-node-agent pod on node n1' }, { node: 'n2', error: 'no odoo-node-agent pod on node n2' }],
    },
    {
      name: 'pods but no token Secret',
      requested: ['n1'],
      nodes: ['n1'],
      pods: [pod('a-1', 'n1')],
      token: NO_SECRET,
      plans: [{ node: 'n1', error: NO_SECRET.error }],
    },
    {
      name: 'a pod that does not run, with the container waiting reason; a running one wins over an old one',
      requested: ['n1', 'n2'],
      nodes: ['n1', 'n2'],
      pods: [pod('a-1', 'n1', 'Pending', { status: { containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] } }), pod('old', 'n2', 'Failed'), pod('a-2', 'n2')],
      token: TOKEN,
      plans: [{ node: 'n1', error: 'agent pod a-1 is Pending (ImagePullBackOff)' }, { node: 'n2', pod: 'a-2', port: 8765 }],
    },
    {
      name: 'a node that does not exist; a terminating pod does not count',
      requested: ['n9', 'n1'],
      nodes: ['n1'],
      pods: [pod('a-1', 'n1', 'Running', { metadata: { deletionTimestamp: '2025-01-01T00:00:00Z' } })],
      token: TOKEN,
      plans: [{ node: 'n9', error: 'node "n9" not found' }, { node: 'n1', error: 'no odoo-node-agent pod on node n1' }],
    },
    {
      name: 'the Node list unreadable: named nodes are taken as given',
      requested: ['n1'],
      nodes: undefined,
      pods: [pod('a-1', 'n1')],
      token: TOKEN,
      plans: [{ node: 'n1', pod: 'a-1', port: 8765 }],
    },
  ])('$name', (c) => {
    expect(planAgentChecks(c.requested, c.nodes, c.pods, c.token)).toEqual(c.plans);
  });
});

describe('agentClusterChecks', () => {
  it('names the installation problem once', () => {
    expect(agentClusterChecks('kubectl-odoo', [], NO_SECRET)).toEqual([{ name: 'agent', status: 'error', message: 'no odoo-node-agent pods in namespace kubectl-odoo: install it with \"kubectl odoo agent install\" or use --ssh' }]);
    expect(agentClusterChecks('kubectl-odoo', [pod('a', 'n1')], NO_SECRET)).toEqual([{ name: 'agent', status: 'error', message: NO_SECRET.error }]);
    expect(agentClusterChecks('kubectl-odoo', [pod('a', 'n1')], TOKEN)).toEqual([]);
  });
});

describe('summariseChecks', () => {
  it('a node that could not be checked has the error and one check named agent; nothing checked is not ready', () => {
    const out = summariseChecks([{ node: 'n1', source: 'agent', error: 'the agent did not answer within 1 s' }], { capacity: CAPACITY, ceph: CEPH, clusterChecks: agentClusterChecks('ns', [], TOKEN), wholeCluster: true });
    expect(out.ready).toBe(false);
    expect(out.nodes).toEqual([{ node: 'n1', source: 'agent', ready: false, devicesReady: false, checks: [{ name: 'agent', status: 'error', message: 'the agent did not answer within 1 s' }], devices: [], error: 'the agent did not answer within 1 s' }]);
    expect(out.clusterChecks.map((c) => c.name)).toEqual(['agent']);
    expect(describeFailedChecks(out)).toBe('could not check: n1');
    expect(summariseChecks([], { capacity: CAPACITY, ceph: CEPH, wholeCluster: true }).ready).toBe(false);
  });
});

describe('resolveJudgeTarget', () => {
  const cluster = (ns: string, name: string, image?: string, fsid?: string) => ({ metadata: { namespace: ns, name }, spec: { cephVersion: image ? { image } : {} }, status: fsid ? { ceph: { fsid } } : {} });
  const fsid = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  it.each([
    { name: 'nothing known: the default', flags: {}, clusters: undefined, target: { release: 19, releaseName: 'squid', releaseFrom: 'default (the release current Rook deploys)' } },
    {
      name: "the CephCluster's image and fsid",
      flags: {},
      clusters: [cluster('rook-ceph', 'rook-ceph', 'quay.io/ceph/ceph:v18.2.4', fsid)],
      target: { release: 18, releaseName: 'reef', releaseFrom: 'CephCluster rook-ceph/rook-ceph (quay.io/ceph/ceph:v18.2.4)', cephFsid: fsid, fsidFrom: 'CephCluster rook-ceph/rook-ceph' },
    },
    {
      name: 'flags win over the CephCluster',
      flags: { release: 16 as const, cephFsid: '11111111-2222-4333-8444-555555555555' },
      clusters: [cluster('rook-ceph', 'rook-ceph', 'quay.io/ceph/ceph:v18.2.4', fsid)],
      target: { release: 16, releaseName: 'pacific', releaseFrom: '--ceph-release', cephFsid: '11111111-2222-4333-8444-555555555555', fsidFrom: '--ceph-fsid' },
    },
    {
      name: 'an image pinned by digest says no release: the default',
      flags: {},
      clusters: [cluster('rook-ceph', 'rook-ceph', 'quay.io/ceph/ceph@sha256:0123')],
      target: { release: 19, releaseName: 'squid', releaseFrom: 'default (the release current Rook deploys)' },
    },
  ])('$name', (c) => expect(resolveJudgeTarget(c.flags, c.clusters)).toEqual(c.target));
});

describe('agentMayBeStarting', () => {
  const refused = new Error('port-forward to pod a port 8765 failed: error forwarding port 8765 to pod x, uid : failed to execute portforward in network namespace "n": failed to connect to localhost:8765 inside namespace "x", IPv4: dial tcp4 127.0.0.1:8765: connect: connection refused');
  const started = Date.parse('2026-12-03T10:00:00Z');
  it('tries again while a refusing agent started moments ago', () => {
    expect(agentMayBeStarting(refused, started, started + 2_000)).toBe(true);
  });
  it('reports an agent that refuses long after it started', () => {
    expect(agentMayBeStarting(refused, started, started + AGENT_START_GRACE_MS)).toBe(false);
  });
  it('reports other failures at once, and a pod without a start time', () => {
    expect(agentMayBeStarting(new Error('pods "a" is forbidden: User "u" cannot create resource "pods/portforward"'), started, started + 1_000)).toBe(false);
    expect(agentMayBeStarting(refused, undefined, started)).toBe(false);
  });
  it('takes the start time from the running container', () => {
    const pod = { metadata: { name: 'a' }, spec: { nodeName: 'n1', containers: [{ name: 'agent', ports: [{ name: 'agent', containerPort: 8765 }] }] }, status: { phase: 'Running', containerStatuses: [{ state: { running: { startedAt: '2026-12-03T10:00:00Z' } } }] } };
    expect(planAgentChecks(['n1'], ['n1'], [pod], { token: 't' })).toEqual([{ node: 'n1', pod: 'a', port: 8765, startedAtMs: started }]);
  });
});
