// `nodes check`: fresh inspections, through each node's agent (port-forward to the DaemonSet pod) or
// over SSH, all nodes in parallel with a bound on concurrency; then the verdict over all of them.
import type { KubeClient } from '../core/kube/client.js';
import { RESOURCES } from '../core/kube/resources.js';
import { isNotFound } from '../core/kube/errors.js';
import { FailureError, NotFoundError } from '../core/errors.js';
import type { Check, DeviceVerdict } from './facts.js';
import { buildNodeReport, reportChecks, type JudgePolicy, type NodeReport } from './report.js';
import { computeCephCapacity, type CapacityPolicy, type CephCapacity } from './capacity.js';
import { AGENT_POD_SELECTOR, AGENT_PORT, AGENT_TOKEN_SECRET } from './summary.js';
import { callAgent } from './agentClient.js';
import { collectNodeFacts } from './collectFacts.js';
import { HOST_PATHS_ON_HOST, type HostAccess } from './hostAccess.js';
import type { SshTarget } from './sshHost.js';

export interface NodeCheckResult {
  node: string;
  source: 'agent' | 'ssh';
  /** user@host:port for SSH checks. */
  target?: string;
  report?: NodeReport;
  /** Why the node could not be checked at all. */
  error?: string;
}

export interface ChecksOutput {
  ready: boolean;
  nodes: {
    node: string;
    source: 'agent' | 'ssh';
    target?: string;
    ready: boolean;
    checks: Check[];
    devices: DeviceVerdict[];
    error?: string;
  }[];
  clusterChecks: Check[];
  capacity: CephCapacity;
}

export type Tunnel = { localPort: number; close(): void | Promise<void> };
export type OpenTunnel = (target: { namespace: string; pod: string; port: number }) => Promise<Tunnel>;

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export interface AgentCheckOptions {
  namespace: string;
  /** Nodes to check; empty means every node that runs an agent pod. */
  nodes: string[];
  devices?: string[];
  concurrency: number;
  timeoutMs: number;
  onProgress?: (node: string, message: string) => void;
  signal?: AbortSignal;
}

export async function checkNodesThroughAgents(kube: KubeClient, openTunnel: OpenTunnel, opts: AgentCheckOptions): Promise<NodeCheckResult[]> {
  let secret: any;
  try {
    secret = await kube.get(RESOURCES.secrets, AGENT_TOKEN_SECRET, opts.namespace);
  } catch (e) {
    if (isNotFound(e)) throw new NotFoundError(`secret ${opts.namespace}/${AGENT_TOKEN_SECRET} not found: is the node agent installed (kubectl apply -k manifests/)?`);
    throw e;
  }
  const token = Buffer.from(secret?.data?.token ?? '', 'base64').toString('utf8').trim();
  if (!token) throw new FailureError(`secret ${opts.namespace}/${AGENT_TOKEN_SECRET} has no "token" key`);

  const pods = (await kube.list(RESOURCES.pods, { namespace: opts.namespace, labelSelector: AGENT_POD_SELECTOR })).items;
  const podByNode = new Map<string, any>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node || p.metadata?.deletionTimestamp) continue;
    const running = p.status?.phase === 'Running';
    if (!podByNode.has(node) || running) podByNode.set(node, p);
  }
  const nodes = opts.nodes.length ? opts.nodes : [...podByNode.keys()].sort();
  if (!nodes.length) throw new NotFoundError(`no odoo-node-agent pods in namespace ${opts.namespace}: install the DaemonSet (kubectl apply -k manifests/) or use --ssh`);

  return mapLimit(nodes, opts.concurrency, async (node): Promise<NodeCheckResult> => {
    const pod = podByNode.get(node);
    if (!pod) return { node, source: 'agent', error: `no odoo-node-agent pod on node ${node}` };
    if (pod.status?.phase !== 'Running') return { node, source: 'agent', error: `agent pod ${pod.metadata.name} is ${pod.status?.phase ?? 'not running'}` };
    const port = agentPort(pod);
    let tunnel: Tunnel | undefined;
    try {
      opts.onProgress?.(node, `port-forward to ${pod.metadata.name}`);
      tunnel = await openTunnel({ namespace: opts.namespace, pod: pod.metadata.name, port });
      const report = await callAgent<NodeReport>({
        url: `ws://127.0.0.1:${tunnel.localPort}/`,
        token,
        method: 'inspect',
        params: opts.devices?.length ? { devices: opts.devices } : {},
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        onProgress: (p) => opts.onProgress?.(node, `${p.step}${p.device ? ` ${p.device}` : ''}`),
      });
      return { node, source: 'agent', report };
    } catch (e) {
      return { node, source: 'agent', error: (e as Error).message };
    } finally {
      await tunnel?.close();
    }
  });
}

function agentPort(pod: any): number {
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === 'agent') return p.containerPort;
  return AGENT_PORT;
}

export interface SshCheckOptions {
  targets: SshTarget[];
  devices: string[];
  concurrency: number;
  policy: JudgePolicy;
  onProgress?: (node: string, message: string) => void;
}

/** Connects, collects with shell commands and judges with the agent's judge, one node per target. */
export async function checkNodesOverSsh(connect: (t: SshTarget) => Promise<{ host: HostAccess; close(): void }>, opts: SshCheckOptions): Promise<NodeCheckResult[]> {
  return mapLimit(opts.targets, opts.concurrency, async (t): Promise<NodeCheckResult> => {
    const target = `${t.user}@${t.host}:${t.port}`;
    let session: { host: HostAccess; close(): void } | undefined;
    try {
      opts.onProgress?.(t.host, `connecting to ${target}`);
      session = await connect(t);
      const hn = await session.host.exec(['hostname']);
      const node = hn.code === 0 && hn.stdout.trim() ? hn.stdout.trim() : t.host;
      opts.onProgress?.(node, `inspecting ${opts.devices.join(', ')}`);
      const facts = await collectNodeFacts(session.host, { node, devices: opts.devices, paths: HOST_PATHS_ON_HOST });
      return { node, source: 'ssh', target, report: buildNodeReport(facts, 'ssh', opts.policy) };
    } catch (e) {
      return { node: t.host, source: 'ssh', target, error: (e as Error).message };
    } finally {
      session?.close();
    }
  });
}

/** The stable -o json shape and the overall verdict: ready only when every node is. */
export function summariseChecks(results: NodeCheckResult[], capacityPolicy: CapacityPolicy): ChecksOutput {
  const nodes = results.map((r) => ({
    node: r.node,
    source: r.source,
    ...(r.target ? { target: r.target } : {}),
    ready: !!r.report?.ready && !r.error,
    checks: r.report ? reportChecks(r.report) : [{ name: 'agent', status: 'error' as const, message: r.error ?? 'no report' }],
    devices: r.report?.devices ?? [],
    ...(r.error ? { error: r.error } : {}),
  }));
  const readySizes = nodes.flatMap((n) => n.devices.filter((d) => d.verdict === 'READY' && d.sizeBytes).map((d) => d.sizeBytes!));
  const clusterChecks: Check[] = [];
  const mtus = new Map<number, string[]>();
  for (const r of results) if (r.report?.mtu) mtus.set(r.report.mtu, [...(mtus.get(r.report.mtu) ?? []), r.node]);
  if (mtus.size > 1) {
    clusterChecks.push({
      name: 'mtu consistency',
      status: 'warning',
      message: `nodes use different MTUs: ${[...mtus].map(([m, ns]) => `${m} (${ns.join(', ')})`).join('; ')}`,
    });
  } else if (mtus.size === 1 && results.length > 1) {
    clusterChecks.push({ name: 'mtu consistency', status: 'ok', message: `every node uses MTU ${[...mtus.keys()][0]}` });
  }
  return {
    ready: nodes.length > 0 && nodes.every((n) => n.ready),
    nodes,
    clusterChecks,
    capacity: computeCephCapacity(readySizes, capacityPolicy),
  };
}
