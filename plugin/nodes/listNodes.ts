// `nodes`: every node's last summary, read from the agents' ConfigMaps in one list call.
import type { KubeClient } from '../core/kube/client.js';
import { RESOURCES } from '../core/kube/resources.js';
import type { NodeReport } from './report.js';
import { SUMMARY_SELECTOR, parseSummaryConfigMap } from './summary.js';

export interface NodeSummaryItem {
  node: string;
  report?: NodeReport;
  error?: string;
}

export async function listNodeSummaries(kube: KubeClient, namespace: string): Promise<NodeSummaryItem[]> {
  const { items } = await kube.list(RESOURCES.configmaps, { namespace, labelSelector: SUMMARY_SELECTOR });
  return items.map(parseSummaryConfigMap).sort((a, b) => a.node.localeCompare(b.node));
}
