// The per-node summary ConfigMap (like Rook's discover daemon keeps local-device-<node>): the plugin
// reads every node's summary with one list call.
import { createHash } from 'node:crypto';
import type { KubeClient } from '../lib/kube/client.js';
import { RESOURCES } from '../lib/kube/resources.js';
import { isConflict, isNotFound } from '../lib/kube/errors.js';
import type { NodeReport } from '../lib/nodes/report.js';
import type { Stored, V1ConfigMap } from '../lib/kube/models.js';
import { SUMMARY_INTERVAL_ANNOTATION, SUMMARY_KEY, SUMMARY_LABELS, summaryConfigMapName } from '../lib/nodes/summary.js';

export function buildSummaryConfigMap(namespace: string, report: NodeReport, intervalSeconds: number): V1ConfigMap & { metadata: { name: string } } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: summaryConfigMapName(report.node),
      namespace,
      labels: { ...SUMMARY_LABELS, 'kubectl-odoo.io/node': nodeLabelValue(report.node) },
      annotations: { 'kubectl-odoo.io/node': report.node, 'kubectl-odoo.io/collected-at': report.collectedAt, [SUMMARY_INTERVAL_ANNOTATION]: String(intervalSeconds) },
    },
    data: { [SUMMARY_KEY]: JSON.stringify(report) },
  };
}

/** Label values are at most 63 characters; long node names keep a hash suffix. */
function nodeLabelValue(node: string): string {
  if (node.length <= 63) return node;
  return `${node.slice(0, 52)}-${createHash('sha256').update(node).digest('hex').slice(0, 10)}`;
}

/** Creates or replaces the summary; a concurrent write (409) is retried on the fresh object. */
export async function writeSummary(kube: KubeClient, namespace: string, report: NodeReport, intervalSeconds: number): Promise<void> {
  const desired = buildSummaryConfigMap(namespace, report, intervalSeconds);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await kube.getOptional<Stored<V1ConfigMap>>(RESOURCES.configmaps, desired.metadata.name, namespace);
    try {
      if (!current) await kube.create(RESOURCES.configmaps, desired, { namespace });
      else await kube.replace(RESOURCES.configmaps, { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata.resourceVersion } }, { namespace });
      return;
    } catch (e) {
      if (isConflict(e) || isNotFound(e) || (e as { status?: number }).status === 409) continue;
      throw e;
    }
  }
  throw new Error(`could not write ConfigMap ${desired.metadata.name}: it kept changing`);
}
