// Names shared by the agent, which writes the per-node summaries, and the plugin, which reads them.
import { createHash } from 'node:crypto';
import type { NodeReport } from './report.js';
import type { Read, V1ConfigMap } from '../kube/models.js';

export const SUMMARY_KEY = 'summary.json';
export const AGENT_APP_LABEL = 'odoo-node-agent';
export const SUMMARY_LABELS = { 'app.kubernetes.io/name': AGENT_APP_LABEL, 'app.kubernetes.io/component': 'node-summary' } as const;
export const SUMMARY_SELECTOR = 'app.kubernetes.io/name=odoo-node-agent,app.kubernetes.io/component=node-summary';
/** Pods of the agent DaemonSet. */
export const AGENT_POD_SELECTOR = 'app.kubernetes.io/name=odoo-node-agent,app.kubernetes.io/component=agent';
export const AGENT_TOKEN_SECRET = 'odoo-node-agent-token';
export const AGENT_PORT = 8765;
/** On the summary ConfigMap: how often the agent refreshes it, so readers can tell a stale one. */
export const SUMMARY_INTERVAL_ANNOTATION = 'kubectl-odoo.io/refresh-interval-seconds';
export const DEFAULT_SUMMARY_INTERVAL_SECONDS = 300;

export function summaryConfigMapName(node: string): string {
  const name = `kubectl-odoo-node-${node}`;
  if (name.length <= 253) return name;
  return `${name.slice(0, 240)}-${createHash('sha256').update(node).digest('hex').slice(0, 12)}`;
}

export interface ParsedSummary {
  node: string;
  report?: NodeReport;
  error?: string;
  /** The agent's refresh interval (annotation; the default for summaries written before it existed). */
  intervalSeconds: number;
}

/** The report held by a summary ConfigMap, or why it cannot be read. */
export function parseSummaryConfigMap(cm: Read<V1ConfigMap> | undefined): ParsedSummary {
  const node = cm?.metadata?.annotations?.['kubectl-odoo.io/node'] ?? cm?.metadata?.labels?.['kubectl-odoo.io/node'] ?? cm?.metadata?.name ?? '?';
  const interval = Number(cm?.metadata?.annotations?.[SUMMARY_INTERVAL_ANNOTATION]);
  const intervalSeconds = Number.isFinite(interval) && interval > 0 ? interval : DEFAULT_SUMMARY_INTERVAL_SECONDS;
  const raw = cm?.data?.[SUMMARY_KEY];
  if (typeof raw !== 'string') return { node, intervalSeconds, error: `ConfigMap ${cm?.metadata?.name} has no ${SUMMARY_KEY}` };
  try {
    return { node, intervalSeconds, report: JSON.parse(raw) as NodeReport };
  } catch (e) {
    return { node, intervalSeconds, error: `ConfigMap ${cm?.metadata?.name}: ${SUMMARY_KEY} is not JSON` };
  }
}
