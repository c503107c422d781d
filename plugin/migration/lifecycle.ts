// Stopping, starting and restarting an instance as part of a larger operation, each followed to the
// end with the instances' own wait (list+watch, clear timeout).
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { Clock } from '../cli/context.js';
import { restartInstance } from '../instances/lifecycle.js';
import { waitForInstance } from '../instances/wait.js';
import type { InstanceObjects } from '../instances/resolve.js';

export interface LifecycleDeps {
  kube: KubeClient;
  clock: Clock;
  signal?: AbortSignal;
  progress: (m: string) => void;
  timeoutMs: number;
}

export async function scaleInstance(deps: LifecycleDeps, inst: InstanceObjects, replicas: number): Promise<void> {
  await deps.kube.patch(RESOURCES.deployments, inst.name, { spec: { replicas } }, { namespace: inst.namespace });
  await waitFor(deps, inst, replicas === 0 ? 'stopped' : 'ready');
}

/** A new pod (the instances' restart: a pod template annotation), followed until it is ready. */
export async function restartAndWait(deps: LifecycleDeps, inst: InstanceObjects): Promise<void> {
  await restartInstance(deps.kube, inst.namespace, inst.name, deps.clock.now());
  await waitFor(deps, inst, 'ready');
}

export async function waitFor(deps: LifecycleDeps, inst: InstanceObjects, until: 'ready' | 'stopped'): Promise<void> {
  await waitForInstance(deps.kube, {
    namespace: inst.namespace,
    name: inst.name,
    podSelector: inst.facts.podSelector,
    until,
    timeoutMs: deps.timeoutMs,
    clock: deps.clock,
    signal: deps.signal,
    onProgress: (s) => deps.progress(`  ${inst.name}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`),
  });
}
