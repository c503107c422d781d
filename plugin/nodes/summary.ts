// Names shared by the agent, which writes the per-node summaries, and the plugin, which reads them.
import { createHash } from 'node:crypto';
import type { NodeReport } from './report.js';

export const SUMMARY_KEY = 'summary.json';
export const AGENT_APP_LABEL = 'odoo-node-agent';
export const SUMMARY_LABELS = { 'app.kubernetes.io/name': AGENT_APP_LABEL, 'app.kubernetes.io/component': 'node-summary' } as const;
export const SUMMARY_SELECTOR = 'app.kubernetes.io/name=odoo-node-agent,app.kubernetes.io/component=node-summary';
/** Pods of the agent DaemonSet. */
export const AGENT_POD_SELECTOR = 'app.kubernetes.io/name=odoo-node-agent,app.kubernetes.io/component=agent';
export const AGENT_TOKEN_SECRET = 'odoo-node-agent-token';
export const AGENT_PORT = 8765;

export function summaryConfigMapName(node: string): string {
  const name = `kubectl-odoo-node-${node}`;
  if (name.length <= 253) return name;
  return `${name.slice(0, 240)}-${createHash('sha256').update(node).digest('hex').slice(0, 12)}`;
}

/** The report held by a summary ConfigMap, or why it cannot be read. */
export function parseSummaryConfigMap(cm: any): { report?: NodeReport; error?: string; node: string } {
  const node = cm?.metadata?.annotations?.['kubectl-odoo.io/node'] ?? cm?.metadata?.labels?.['kubectl-odoo.io/node'] ?? cm?.metadata?.name ?? '?';
  const raw = cm?.data?.[SUMMARY_KEY];
  if (typeof raw !== 'string') return { node, error: `ConfigMap ${cm?.metadata?.name} has no ${SUMMARY_KEY}` };
  try {
    return { node, report: JSON.parse(raw) as NodeReport };
  } catch (e) {
    return { node, error: `ConfigMap ${cm?.metadata?.name}: ${SUMMARY_KEY} is not JSON` };
  }
}
