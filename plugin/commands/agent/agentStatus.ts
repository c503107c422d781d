// `agent status`: per node, the agent pod on it, the version and image it runs, whether it is ready (and
// why not, in kubectl's STATUS words), and how old its last node summary is; and the nodes whose agent
// is another version than this plugin.
import type { Read, Stored, V1ConfigMap, V1ContainerStatus, V1Pod } from '../../../lib/kube/models.js';
import { parseSummaryConfigMap } from '../../../lib/nodes/summary.js';
import { formatAge } from '../../instances/summary.js';
import { VERSION_LABEL } from './agentObjects.js';

export interface AgentNodeStatus {
  node: string;
  pod?: string;
  version?: string;
  image?: string;
  ready: boolean;
  /** kubectl's STATUS: Running, Init:Error, CrashLoopBackOff, Terminating, ... or "no agent pod". */
  status: string;
  restarts: number;
  /** When the agent last wrote the node's summary. */
  summaryAt?: string;
  /** Why it is not running, in the words of the container that said so (the tools check). */
  problem?: string;
}

type Pod = Stored<V1Pod>;
type ContainerStatus = Read<V1ContainerStatus>;

function containerReason(cs: ContainerStatus | undefined): string | undefined {
  if (cs?.state?.waiting?.reason) return cs.state.waiting.reason;
  if (cs?.state?.terminated) return cs.state.terminated.reason ?? (cs.state.terminated.exitCode === 0 ? 'Completed' : 'Error');
  return undefined;
}

function terminationMessage(cs: ContainerStatus | undefined): string | undefined {
  const t = cs?.state?.terminated ?? cs?.lastState?.terminated;
  return t && t.exitCode !== 0 ? (t.message ?? '').trim() || undefined : undefined;
}

/** The STATUS column kubectl prints for a pod. */
export function podStatusText(pod: Read<V1Pod>): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  // As kubectl's STATUS column: from the init containers' statuses; a pod whose init containers all
  // finished (or that reports none yet while Running) is past them.
  const inits = pod.spec?.initContainers ?? [];
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  if (initStatuses.length) {
    for (const [i, cs] of initStatuses.entries()) {
      if (cs?.state?.terminated?.exitCode === 0) continue;
      const reason = containerReason(cs);
      if (reason && reason !== 'PodInitializing') return `Init:${reason}`;
      return `Init:${i}/${inits.length || initStatuses.length}`;
    }
  } else if (inits.length && (pod.status?.phase ?? 'Pending') === 'Pending' && !(pod.status?.containerStatuses ?? []).length) {
    return `Init:0/${inits.length}`;
  }
  for (const cs of pod.status?.containerStatuses ?? []) {
    const reason = containerReason(cs);
    if (reason) return reason;
  }
  return pod.status?.phase ?? 'Pending';
}

export function deriveAgentStatus(input: { nodes: string[]; pods: Pod[]; summaries: Read<V1ConfigMap>[] }): AgentNodeStatus[] {
  const summaries = new Map(input.summaries.map((cm) => parseSummaryConfigMap(cm)).map((s) => [s.node, s.report?.collectedAt]));
  const byNode = new Map<string, Pod>();
  for (const p of input.pods) {
    const node = p.spec?.nodeName;
    if (!node) continue;
    const cur = byNode.get(node);
    // The pod that counts: a live one over one being deleted, the newest otherwise.
    if (!cur || (!!cur.metadata.deletionTimestamp && !p.metadata.deletionTimestamp) || (!p.metadata.deletionTimestamp && (p.metadata.creationTimestamp ?? '') > (cur.metadata.creationTimestamp ?? ''))) byNode.set(node, p);
  }
  const nodes = [...new Set([...input.nodes, ...byNode.keys()])].sort();
  return nodes.map((node) => {
    const pod = byNode.get(node);
    if (!pod) return { node, ready: false, status: 'no agent pod', restarts: 0, summaryAt: summaries.get(node) };
    const agent = (pod.status?.containerStatuses ?? []).find((s) => s.name === 'agent');
    const spec = (pod.spec?.containers ?? []).find((c) => c.name === 'agent');
    const problems = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map(terminationMessage).filter((m): m is string => !!m);
    return {
      node,
      pod: pod.metadata.name,
      version: pod.metadata.labels?.[VERSION_LABEL],
      image: spec?.image,
      ready: !!agent?.ready && !pod.metadata.deletionTimestamp,
      status: podStatusText(pod),
      restarts: (pod.status?.containerStatuses ?? []).reduce((n: number, s) => n + (s.restartCount ?? 0), 0),
      summaryAt: summaries.get(node),
      ...(problems.length ? { problem: problems[0] } : {}),
    };
  });
}

/** A warning per node whose agent is another version than this plugin (agents installed otherwise carry no version). */
export function versionSkewWarnings(rows: { node: string; version?: string; pod?: string }[], pluginVersion: string): string[] {
  return rows
    .filter((r) => r.pod && r.version && r.version !== pluginVersion)
    .map((r) => `Warning: the agent on ${r.node} is version ${r.version}, this plugin is ${pluginVersion}: run "kubectl odoo agent upgrade"`);
}

export const summaryAge = (row: AgentNodeStatus, now: Date) => (row.summaryAt ? formatAge(row.summaryAt, now) : '<none>');
