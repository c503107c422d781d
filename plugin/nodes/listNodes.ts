// `nodes`: every Node of the cluster with its agent's last summary, from two list calls (Nodes and the
// summary ConfigMaps). A node without a summary, or with one too old to trust, is shown as such and
// keeps the answer from being "ready": a readiness gate must never pass on nodes nobody checked.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { ApiError } from '../../lib/kube/errors.js';
import type { Read, Stored, V1ConfigMap, V1Node } from '../../lib/kube/models.js';
import type { NodeReport } from '../../lib/nodes/report.js';
import { SUMMARY_SELECTOR, parseSummaryConfigMap, type ParsedSummary } from '../../lib/nodes/summary.js';

/** A summary older than this many of its agent's refresh intervals is stale (the agent is likely gone). */
export const STALE_AFTER_INTERVALS = 3;

/**
 * fresh: recent enough to trust; stale: older than STALE_AFTER_INTERVALS refresh intervals;
 * missing: the node has no summary; unreadable: the ConfigMap holds no valid report;
 * orphaned: a summary for a node that is not in the cluster (left behind by a removed node).
 */
export type SummaryState = 'fresh' | 'stale' | 'missing' | 'unreadable' | 'orphaned';

export interface NodeSummaryItem {
  node: string;
  summary: SummaryState;
  /** The node counts as ready: a fresh summary whose report is ready. */
  ready: boolean;
  report?: NodeReport;
  ageSeconds?: number;
  intervalSeconds?: number;
  /** Why the node is not known to be checked (missing, stale, unreadable, orphaned). */
  error?: string;
}

export interface NodeSummaries {
  /** Every node of the cluster has a fresh, ready summary (and there is at least one node). */
  ready: boolean;
  nodes: NodeSummaryItem[];
  /** The summaries could not be read (RBAC): the API server's refusal. */
  forbidden?: string;
}

export function describeInterval(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

function describeAge(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

/** Joins the cluster's nodes with the summaries: one item per node, then summaries of unknown nodes. */
export function joinNodeSummaries(nodeNames: string[], summaries: ParsedSummary[], opts: { now: Date; namespace: string }): NodeSummaries {
  const byNode = new Map<string, ParsedSummary>();
  for (const s of summaries) {
    const prev = byNode.get(s.node);
    // Two ConfigMaps for one node (a rename, a hash collision): keep the newer report.
    if (!prev || (s.report?.collectedAt ?? '') > (prev.report?.collectedAt ?? '')) byNode.set(s.node, s);
  }
  const judge = (node: string, s: ParsedSummary | undefined, inCluster: boolean): NodeSummaryItem => {
    if (!s) return { node, summary: 'missing', ready: false, error: `no summary from the node agent (is an odoo-node-agent pod running on ${node}? kubectl -n ${opts.namespace} get pods -o wide)` };
    if (!s.report) return { node, summary: 'unreadable', ready: false, intervalSeconds: s.intervalSeconds, error: s.error ?? 'the summary cannot be read' };
    const collected = Date.parse(s.report.collectedAt);
    const ageSeconds = Number.isFinite(collected) ? Math.max(0, Math.round((opts.now.getTime() - collected) / 1000)) : undefined;
    const base = { node, report: s.report, ageSeconds, intervalSeconds: s.intervalSeconds };
    if (!inCluster) return { ...base, summary: 'orphaned', ready: false, error: `node ${node} is not in the cluster (a summary left by a removed node)` };
    if (ageSeconds === undefined || ageSeconds > STALE_AFTER_INTERVALS * s.intervalSeconds) {
      const age = ageSeconds === undefined ? 'of unknown age' : `${describeAge(ageSeconds)} old`;
      return { ...base, summary: 'stale', ready: false, error: `stale summary: ${age}, the agent refreshes it every ${describeInterval(s.intervalSeconds)} (is its pod running?)` };
    }
    return { ...base, summary: 'fresh', ready: !!s.report.ready };
  };
  const inCluster = new Set(nodeNames);
  const nodes = [...nodeNames].sort().map((n) => judge(n, byNode.get(n), true));
  const orphans = [...byNode.keys()].filter((n) => !inCluster.has(n)).sort().map((n) => judge(n, byNode.get(n), false));
  return { ready: nodes.length > 0 && nodes.every((n) => n.ready), nodes: [...nodes, ...orphans] };
}

export async function listNodeSummaries(kube: KubeClient, namespace: string, now: Date): Promise<NodeSummaries> {
  let forbidden: string | undefined;
  const [nodes, configMaps] = await Promise.all([
    kube.list<Stored<V1Node>>(RESOURCES.nodes),
    // Without the agent's manifests there is no Role that lets operators read its namespace either.
    kube.list<Read<V1ConfigMap>>(RESOURCES.configmaps, { namespace, labelSelector: SUMMARY_SELECTOR }).catch((e) => {
      if (!(e instanceof ApiError && e.status === 403)) throw e;
      forbidden = e.message;
      return { items: [] };
    }),
  ]);
  const joined = joinNodeSummaries(
    nodes.items.map((n) => n.metadata.name),
    configMaps.items.map(parseSummaryConfigMap),
    { now, namespace },
  );
  return forbidden ? { ...joined, forbidden } : joined;
}

/** `nodes -o json|yaml`: the verdict, then each node with its summary state and last report. */
export function nodeSummariesData(s: NodeSummaries): unknown {
  return {
    ready: s.ready,
    nodes: s.nodes.map((i) => {
      const { ready: _reportReady, node: _node, ...report } = i.report ?? ({} as Partial<NodeReport>);
      return {
        node: i.node,
        ready: i.ready,
        summary: i.summary,
        ...(i.ageSeconds !== undefined ? { ageSeconds: i.ageSeconds } : {}),
        ...(i.error ? { error: i.error } : {}),
        ...report,
      };
    }),
  };
}

/** The one-line error of `nodes` when not every node counts as ready. */
export function describeUnready(s: NodeSummaries): string {
  const inCluster = s.nodes.filter((i) => i.summary !== 'orphaned');
  if (!inCluster.length) return 'the cluster has no nodes';
  const notReady = inCluster.filter((i) => i.summary === 'fresh' && !i.ready).map((i) => i.node);
  const unchecked = inCluster.filter((i) => i.summary !== 'fresh').map((i) => `${i.node} (${i.summary === 'missing' ? 'no summary' : `${i.summary} summary`})`);
  return [notReady.length ? `not ready: ${notReady.join(', ')}` : '', unchecked.length ? `not checked: ${unchecked.join(', ')}` : ''].filter(Boolean).join('; ');
}
