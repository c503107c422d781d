// `nodes check` warns, like `agent status`, when an agent runs another version than this plugin.
import type { Stored, V1Pod } from '../../../lib/kube/models.js';
import type { KubeClient } from '../../../lib/kube/client.js';
import { RESOURCES } from '../../../lib/kube/resources.js';
import { pluginVersion } from '../../core/buildInfo.js';
import { AGENT_POD_SELECTOR } from '../../../lib/nodes/summary.js';
import { deriveAgentStatus, versionSkewWarnings } from './agentStatus.js';

export async function warnOnAgentVersionSkew(kube: KubeClient, namespace: string, warn: (line: string) => void): Promise<void> {
  let pods: Stored<V1Pod>[];
  try {
    pods = (await kube.list<Stored<V1Pod>>(RESOURCES.pods, { namespace, labelSelector: AGENT_POD_SELECTOR })).items;
  } catch {
    return; // the checks said what matters; an unreadable pod list is no reason to fail them
  }
  for (const w of versionSkewWarnings(deriveAgentStatus({ nodes: [], pods, summaries: [] }), pluginVersion())) warn(w);
}
