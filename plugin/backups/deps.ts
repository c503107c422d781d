// What the backup operations need from the outside world, passed in (tests give a real test cluster).
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { Clock } from '../cli/context.js';
import { waitForInstance } from '../instances/wait.js';
import type { JobSettings } from './jobSpecs.js';

export interface BackupDeps {
  kube: KubeClient;
  clock: Clock;
  signal?: AbortSignal;
  /** One line on stderr. */
  progress: (line: string) => void;
  settings: JobSettings & {
    /** Image for Jobs that concern no particular instance (list, prune, pin). */
    defaultImage: string;
  };
  toolVersion: string;
  /** Who holds locks: user@host. */
  holder: string;
  /** How long to wait for an instance to stop or become ready. */
  instanceTimeoutMs: number;
}

/** Scales the instance's Deployment and waits until it is stopped (0) or ready (> 0). */
export async function scaleAndWait(deps: BackupDeps, inst: { namespace: string; name: string; podSelector: Record<string, string> }, replicas: number): Promise<void> {
  await deps.kube.patch(RESOURCES.deployments, inst.name, { spec: { replicas } }, { namespace: inst.namespace });
  await waitForInstance(deps.kube, {
    namespace: inst.namespace,
    name: inst.name,
    podSelector: inst.podSelector,
    until: replicas === 0 ? 'stopped' : 'ready',
    timeoutMs: deps.instanceTimeoutMs,
    clock: deps.clock,
    signal: deps.signal,
    onProgress: (s) => deps.progress(`  ${inst.name}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`),
  });
}
