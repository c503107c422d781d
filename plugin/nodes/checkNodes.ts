// `nodes check`: fresh inspections, through each node's agent (port-forward to the DaemonSet pod) or
// over SSH, all nodes in parallel with a bound on concurrency; then the verdict over all of them.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { isNotFound } from '../../lib/kube/errors.js';
import type { CephCluster, Read, Stored, V1Node, V1Pod, V1Secret } from '../../lib/kube/models.js';
import type { Check, DeviceVerdict } from '../../lib/nodes/facts.js';
import { buildNodeReport, reportChecks, type JudgePolicy, type NodeReport } from '../../lib/nodes/report.js';
import { computeCephCapacity, type CapacityPolicy, type CephCapacity } from '../../lib/nodes/capacity.js';
import { AGENT_POD_SELECTOR, AGENT_PORT, AGENT_TOKEN_SECRET } from '../../lib/nodes/summary.js';
import { AgentError, callAgent } from './agentClient.js';
import { collectNodeFacts } from '../../lib/nodes/collectFacts.js';
import { HOST_PATHS_ON_HOST, type HostAccess } from '../../lib/nodes/hostAccess.js';
import type { SshTarget } from './sshHost.js';
import { fleetConcurrency, mapLimit } from '../../lib/nodes/mapLimit.js';
import { clockSample, DEFAULT_CLUSTER_POLICY, judgeCluster, type ClockSample } from '../../lib/nodes/judgeCluster.js';
import { CEPH_RELEASES, cephReleaseFromImage, DEFAULT_CEPH_RELEASE, UUID_RE, type CephRelease } from '../../lib/nodes/cephRelease.js';

export interface NodeCheckResult {
  node: string;
  source: 'agent' | 'ssh';
  /** user@host:port for SSH checks. */
  target?: string;
  report?: NodeReport;
  /** Why the node could not be checked at all. */
  error?: string;
  /** false: the Node is cordoned (spec.unschedulable); undefined: not known (SSH). */
  schedulable?: boolean;
  /** The node's clock against ours, measured while checking it. */
  clock?: ClockSample;
}

/** The Ceph release and cluster fsid the devices were judged for, and where each came from. */
export interface JudgeTarget {
  release: CephRelease;
  releaseName: string;
  releaseFrom: string;
  cephFsid?: string;
  fsidFrom?: string;
}

export interface ChecksOutput {
  /** The verdict the exit code gives (see summariseChecks). */
  ready: boolean;
  devicesReady: boolean;
  devicesOnly?: true;
  ceph: JudgeTarget;
  nodes: {
    node: string;
    source: 'agent' | 'ssh';
    target?: string;
    ready: boolean;
    devicesReady: boolean;
    clock?: ClockSample;
    checks: Check[];
    devices: DeviceVerdict[];
    error?: string;
  }[];
  clusterChecks: Check[];
  capacity: CephCapacity;
}

/**
 * --ceph-release, else the release in a CephCluster's spec.cephVersion.image, else the default; the fsid
 * from --ceph-fsid, else the CephCluster's status.ceph.fsid. `cephClusters` undefined: none could be read.
 */
export function resolveJudgeTarget(flags: { release?: CephRelease; cephFsid?: string }, cephClusters: CephCluster[] | undefined): JudgeTarget {
  const clusters = [...(cephClusters ?? [])].sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
  const name = (c: CephCluster) => `CephCluster ${c.metadata?.namespace}/${c.metadata?.name}`;
  let release = flags.release;
  let releaseFrom = '--ceph-release';
  if (release === undefined) {
    const imageOf = (c: CephCluster) => (typeof c.spec?.cephVersion?.image === 'string' ? c.spec.cephVersion.image : undefined);
    const withImage = clusters.find((c) => cephReleaseFromImage(imageOf(c) ?? ''));
    const image = withImage && imageOf(withImage);
    if (withImage && image !== undefined) {
      release = cephReleaseFromImage(image)!;
      releaseFrom = `${name(withImage)} (${image})`;
    } else {
      release = DEFAULT_CEPH_RELEASE;
      releaseFrom = 'default (the release current Rook deploys)';
    }
  }
  const target: JudgeTarget = { release, releaseName: CEPH_RELEASES[release], releaseFrom };
  if (flags.cephFsid) Object.assign(target, { cephFsid: flags.cephFsid, fsidFrom: '--ceph-fsid' });
  else {
    const fsidOf = (c: CephCluster) => (typeof c.status?.ceph?.fsid === 'string' && UUID_RE.test(c.status.ceph.fsid) ? c.status.ceph.fsid : undefined);
    const withFsid = clusters.find((c) => fsidOf(c) !== undefined);
    if (withFsid) Object.assign(target, { cephFsid: fsidOf(withFsid), fsidFrom: name(withFsid) });
  }
  return target;
}

/** The CephClusters of the cluster; undefined when Rook is not installed or they cannot be read. */
export async function readCephClusters(kube: KubeClient): Promise<CephCluster[] | undefined> {
  try {
    return (await kube.list<CephCluster>(RESOURCES.cephclusters)).items;
  } catch {
    // No Rook CRD (404) or no permission: the release then comes from the flag or the default.
    return undefined;
  }
}

export type Tunnel = { localPort: number; close(): void | Promise<void> };
export type OpenTunnel = (target: { namespace: string; pod: string; port: number; onError?: (err: Error) => void }) => Promise<Tunnel>;

export interface AgentCheckOptions {
  namespace: string;
  /** Nodes to check; empty means every node of the cluster. */
  nodes: string[];
  devices?: string[];
  /** Nodes checked at once; default: sized to the fleet (fleetConcurrency). */
  concurrency?: number;
  timeoutMs: number;
  judge: Pick<JudgeTarget, 'release' | 'cephFsid'>;
  onProgress?: (node: string, message: string) => void;
  signal?: AbortSignal;
  /** Our clock (ms), the reference the nodes' clocks are measured against. */
  now?: () => number;
}

/** The agent token, or why there is none (the same reason then applies to every node). */
export type AgentToken = { token: string } | { error: string };

/** What checking one node through its agent needs, or why it cannot be checked. */
export type AgentCheckPlan = { node: string; pod: string; port: number; startedAtMs?: number } | { node: string; error: string };

/**
 * How long after its container started an agent that refuses connections is taken to be still starting:
 * with no readiness gate of its own, the pod runs (and counts as ready) before the agent listens.
 */
export const AGENT_START_GRACE_MS = 15_000;

/** Whether to try the agent again: it refused the connection and its container started moments ago. */
export function agentMayBeStarting(err: Error | undefined, startedAtMs: number | undefined, nowMs: number, graceMs = AGENT_START_GRACE_MS): boolean {
  if (!err || startedAtMs === undefined) return false;
  return /connection refused/.test(err.message) && nowMs - startedAtMs < graceMs;
}

export const noAgentPodMessage = (node: string) => `no odoo-node-agent pod on node ${node}`;

/**
 * Decides, per node, which agent pod to reach, or the reason it cannot be checked, in the order a user
 * would fix them: the node exists, an agent pod is on it, the pod runs, the token can be read.
 * `clusterNodes` undefined: the Node list could not be read, so requested nodes are taken as given.
 */
export function planAgentChecks(requested: string[], clusterNodes: string[] | undefined, agentPods: Stored<V1Pod>[], token: AgentToken): AgentCheckPlan[] {
  const podByNode = new Map<string, Stored<V1Pod>>();
  for (const p of agentPods) {
    const node = p.spec?.nodeName;
    if (!node || p.metadata?.deletionTimestamp) continue;
    if (!podByNode.has(node) || p.status?.phase === 'Running') podByNode.set(node, p);
  }
  const known = clusterNodes ? new Set(clusterNodes) : undefined;
  const nodes = requested.length ? requested : [...(clusterNodes ?? [])].sort();
  return nodes.map((node): AgentCheckPlan => {
    if (known && !known.has(node)) return { node, error: `node "${node}" not found` };
    const pod = podByNode.get(node);
    if (!pod) return { node, error: noAgentPodMessage(node) };
    if (pod.status?.phase !== 'Running') {
      const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).find(Boolean);
      return { node, error: `agent pod ${pod.metadata.name} is ${pod.status?.phase ?? 'not running'}${waiting ? ` (${waiting})` : ''}` };
    }
    if ('error' in token) return { node, error: token.error };
    const startedAt = Date.parse((pod.status?.containerStatuses ?? []).map((c) => c.state?.running?.startedAt).find(Boolean) ?? '');
    return { node, pod: pod.metadata.name, port: agentPort(pod), ...(Number.isFinite(startedAt) ? { startedAtMs: startedAt } : {}) };
  });
}

/** Problems that concern every node at once, for the report's cluster checks. */
export function agentClusterChecks(namespace: string, agentPods: Read<V1Pod>[], token: AgentToken): Check[] {
  const checks: Check[] = [];
  if (!agentPods.length) checks.push({ name: 'agent', status: 'error', message: `no odoo-node-agent pods in namespace ${namespace}: install it with "kubectl odoo agent install" or use --ssh` });
  else if ('error' in token) checks.push({ name: 'agent', status: 'error', message: token.error });
  return checks;
}

async function readAgentToken(kube: KubeClient, namespace: string): Promise<AgentToken> {
  let secret: Read<V1Secret> | undefined;
  try {
    secret = await kube.get<Read<V1Secret>>(RESOURCES.secrets, AGENT_TOKEN_SECRET, namespace);
  } catch (e) {
    if (isNotFound(e)) return { error: `secret ${namespace}/${AGENT_TOKEN_SECRET} not found: is the node agent installed (kubectl odoo agent install)?` };
    return { error: `cannot read secret ${namespace}/${AGENT_TOKEN_SECRET}: ${(e as Error).message}` };
  }
  const token = Buffer.from(secret?.data?.token ?? '', 'base64').toString('utf8').trim();
  // A service-account-token Secret is filled by Kubernetes' token controller a moment after it is created.
  if (!token) return { error: `secret ${namespace}/${AGENT_TOKEN_SECRET} has no "token" key yet (Kubernetes fills it for its ServiceAccount)` };
  return { token };
}

export interface AgentChecks {
  results: NodeCheckResult[];
  /** Problems of the agent installation as a whole (no pods, no token). */
  clusterChecks: Check[];
}

export async function checkNodesThroughAgents(kube: KubeClient, openTunnel: OpenTunnel, opts: AgentCheckOptions): Promise<AgentChecks> {
  const [nodeList, podList, token] = await Promise.all([
    kube.list<Stored<V1Node>>(RESOURCES.nodes).catch((e) => {
      // Named nodes can still be checked when the Node list is not readable; "every node" cannot.
      if (opts.nodes.length) return undefined;
      throw e;
    }),
    kube.list<Stored<V1Pod>>(RESOURCES.pods, { namespace: opts.namespace, labelSelector: AGENT_POD_SELECTOR }),
    readAgentToken(kube, opts.namespace),
  ]);
  const pods = podList.items;
  const cordoned = new Set((nodeList?.items ?? []).filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name));
  const schedulable = (node: string) => (nodeList ? { schedulable: !cordoned.has(node) } : {});
  const plans = planAgentChecks(opts.nodes, nodeList?.items.map((n) => n.metadata.name), pods, token);
  const now = opts.now ?? Date.now;
  const results = await mapLimit(plans, fleetConcurrency(plans.length, opts.concurrency), async (plan): Promise<NodeCheckResult> => {
    const node = plan.node;
    if ('error' in plan) return { node, source: 'agent', error: plan.error };
    for (let attempt = 0; ; attempt++) {
      const result = await checkOneAgent(plan, attempt);
      if (!result.retry || opts.signal?.aborted) return result.value;
      opts.onProgress?.(node, `the agent on ${node} started moments ago and is not listening yet; trying again`);
      await sleep(Math.min(250 * 2 ** attempt, 2000), opts.signal);
    }
  });
  return { results, clusterChecks: agentClusterChecks(opts.namespace, pods, token) };

  async function checkOneAgent(plan: { node: string; pod: string; port: number; startedAtMs?: number }, attempt: number): Promise<{ value: NodeCheckResult; retry?: boolean }> {
    const node = plan.node;
    let tunnel: Tunnel | undefined;
    // The port-forward reports why a connection failed (refused inside the pod, forbidden) on the side.
    let tunnelError: Error | undefined;
    try {
      opts.onProgress?.(node, `port-forward to ${plan.pod}`);
      tunnel = await openTunnel({ namespace: opts.namespace, pod: plan.pod, port: plan.port, onError: (e) => (tunnelError ??= e) });
      const timing: { sentAtMs?: number } = {};
      let clock: ClockSample | undefined;
      const report = await callAgent<NodeReport>({
        url: `ws://127.0.0.1:${tunnel.localPort}/`,
        token: (token as { token: string }).token,
        method: 'inspect',
        timing,
        now,
        params: { ...(opts.devices?.length ? { devices: opts.devices } : {}), release: opts.judge.release, ...(opts.judge.cephFsid ? { cephFsid: opts.judge.cephFsid } : {}) },
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        onProgress: (p) => {
          // The agent's clock comes with its first answer: one round trip after we sent the request.
          if (typeof p.time === 'number' && timing.sentAtMs !== undefined) clock ??= clockSample(timing.sentAtMs, p.time, now());
          else opts.onProgress?.(node, `${p.step}${p.device ? ` ${p.device}` : ''}`);
        },
      });
      return { value: { node, source: 'agent', report, ...schedulable(node), ...(clock ? { clock } : {}) } };
    } catch (e) {
      const agentError = e instanceof AgentError ? e : undefined;
      if (tunnelError && (!agentError || agentError.code === 'connection')) {
        return { value: { node, source: 'agent', error: tunnelError.message }, retry: attempt < 10 && agentMayBeStarting(tunnelError, plan.startedAtMs, now()) };
      }
      return { value: { node, source: 'agent', error: (e as Error).message } };
    } finally {
      await tunnel?.close();
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

function agentPort(pod: Read<V1Pod>): number {
  // containerPort is required of a port: one without it (never so from the API server) means the default.
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === 'agent') return p.containerPort ?? AGENT_PORT;
  return AGENT_PORT;
}

export interface SshCheckOptions {
  targets: SshTarget[];
  devices: string[];
  /** Targets checked at once; default: sized to the fleet (fleetConcurrency). */
  concurrency?: number;
  policy: JudgePolicy;
  onProgress?: (node: string, message: string) => void;
  now?: () => number;
}

/** Connects, collects with shell commands and judges with the agent's judge, one node per target. */
export async function checkNodesOverSsh(connect: (t: SshTarget) => Promise<{ host: HostAccess; close(): void }>, opts: SshCheckOptions): Promise<NodeCheckResult[]> {
  return mapLimit(opts.targets, fleetConcurrency(opts.targets.length, opts.concurrency), async (t): Promise<NodeCheckResult> => {
    const target = `${t.user}@${t.host}:${t.port}`;
    let session: { host: HostAccess; close(): void } | undefined;
    try {
      opts.onProgress?.(t.host, `connecting to ${target}`);
      session = await connect(t);
      const hn = await session.host.exec(['hostname']);
      const node = hn.code === 0 && hn.stdout.trim() ? hn.stdout.trim() : t.host;
      opts.onProgress?.(node, `inspecting ${opts.devices.join(', ')}`);
      const facts = await collectNodeFacts(session.host, { node, devices: opts.devices, paths: HOST_PATHS_ON_HOST });
      const clock = await measureSshClock(session.host, opts.now ?? Date.now);
      return { node, source: 'ssh', target, report: buildNodeReport(facts, 'ssh', opts.policy), ...(clock ? { clock } : {}) };
    } catch (e) {
      return { node: t.host, source: 'ssh', target, error: (e as Error).message };
    } finally {
      session?.close();
    }
  });
}

/** The node's clock over SSH: `date +%s%N` (GNU date; a date without %N does not tell). */
async function measureSshClock(host: HostAccess, now: () => number): Promise<ClockSample | undefined> {
  const sent = now();
  const r = await host.exec(['date', '+%s%N'], { timeoutMs: 5000 });
  const received = now();
  const ns = r.code === 0 ? r.stdout.trim() : '';
  return /^\d{19}$/.test(ns) ? clockSample(sent, Number(BigInt(ns) / 1_000_000n), received) : undefined;
}

/** The stable -o json shape and the overall verdict: ready only when every node is. */
export interface SummaryOptions {
  capacity: CapacityPolicy;
  ceph: JudgeTarget;
  /** Problems of the agent installation as a whole. */
  clusterChecks?: Check[];
  /** The verdict (and exit code) counts only the devices, not node prerequisites or cluster checks. */
  devicesOnly?: boolean;
  /** Every node of the cluster was asked for (no node names): judge the cluster as a whole too. */
  wholeCluster: boolean;
}

/**
 * The stable -o json shape and the overall verdict. devicesReady: every checked node's devices are
 * READY; ready: that, no prerequisite in error on any node and no cluster check in error (or, with
 * devicesOnly, devicesReady alone).
 */
export function summariseChecks(results: NodeCheckResult[], opts: SummaryOptions): ChecksOutput {
  const nodes = results.map((r) => ({
    node: r.node,
    source: r.source,
    ...(r.target ? { target: r.target } : {}),
    ready: !!r.report?.ready && !r.error,
    devicesReady: !r.error && !!r.report && r.report.devices.length > 0 && r.report.devices.every((d) => d.verdict === 'READY'),
    checks: r.report ? reportChecks(r.report) : [{ name: 'agent', status: 'error' as const, message: r.error ?? 'no report' }],
    devices: r.report?.devices ?? [],
    ...(r.clock ? { clock: r.clock } : {}),
    ...(r.error ? { error: r.error } : {}),
  }));
  const readySizes = nodes.flatMap((n) => n.devices.filter((d) => d.verdict === 'READY' && d.sizeBytes).map((d) => d.sizeBytes!));
  const members = results.map((r) => ({ node: r.node, report: r.error ? undefined : r.report, schedulable: r.schedulable, clock: r.clock }));
  const clusterChecks: Check[] = [...(opts.clusterChecks ?? []), ...(opts.wholeCluster ? judgeCluster(members, { ...DEFAULT_CLUSTER_POLICY, replication: opts.capacity.replication }) : [])];
  const devicesReady = nodes.length > 0 && nodes.every((n) => n.devicesReady);
  const ready = opts.devicesOnly ? devicesReady : nodes.length > 0 && nodes.every((n) => n.ready) && clusterChecks.every((c) => c.status !== 'error');
  return {
    ready,
    devicesReady,
    ...(opts.devicesOnly ? { devicesOnly: true } : {}),
    ceph: opts.ceph,
    nodes,
    clusterChecks,
    capacity: computeCephCapacity(readySizes, opts.capacity),
  };
}

/** The one-line error after a report that is not all ready: which nodes are not ready, which were not checked. */
export function describeFailedChecks(out: ChecksOutput): string {
  if (!out.nodes.length) return 'no nodes to check';
  const notReady = out.nodes.filter((n) => !(out.devicesOnly ? n.devicesReady : n.ready) && !n.error).map((n) => n.node);
  const unchecked = out.nodes.filter((n) => n.error).map((n) => n.node);
  // The agent installation check repeats what every unchecked node already says.
  const cluster = out.devicesOnly ? [] : out.clusterChecks.filter((c) => c.status === 'error' && c.name !== 'agent').map((c) => c.name);
  return [
    notReady.length ? `not ready: ${notReady.join(', ')}` : '',
    unchecked.length ? `could not check: ${unchecked.join(', ')}` : '',
    cluster.length ? `cluster: ${cluster.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
