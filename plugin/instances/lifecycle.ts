// start / stop / restart / set-resources: the Deployment changes the platform makes too (scale 1/0, a
// pod template annotation for a new pod, container resources).
import type { Stored, V1Deployment } from '../../lib/kube/models.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { ConflictError } from '../../lib/errors.js';
import { findInstanceDeployment } from './resolve.js';
import { deriveInstanceFacts, odooContainer } from './facts.js';
import { ANNOTATION_RESTARTED_AT } from './labels.js';
import type { Clock } from '../../lib/io.js';
import { waitForInstance } from './wait.js';

/** `client`: nothing is sent, the change is computed locally; `server`: the patch is sent with dryRun=All. */
export type ChangeDryRun = 'client' | 'server' | undefined;

type Deployment = Stored<V1Deployment>;

export interface LifecycleResult {
  /** The Deployment name. */
  name: string;
  namespace: string;
  /** False when the instance was already as asked (start of a running instance). */
  changed: boolean;
  podSelector: Record<string, string>;
  deployment: Deployment;
  /** The patch sent (or, for a dry run, that would be sent). */
  patch?: unknown;
  dryRun?: 'client' | 'server';
}

function result(deployment: Deployment, changed: boolean, patch?: unknown, dryRun?: ChangeDryRun): LifecycleResult {
  return {
    name: deployment.metadata.name,
    namespace: deployment.metadata.namespace ?? '',
    changed,
    podSelector: deriveInstanceFacts(deployment).podSelector,
    deployment,
    ...(patch !== undefined ? { patch } : {}),
    ...(dryRun ? { dryRun } : {}),
  };
}

/** A JSON merge patch applied locally (RFC 7396), for client dry runs. */
export function mergePatch<T>(target: T, patch: unknown): T {
  return mergeValue(target, patch) as T;
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeValue(out[k], v);
  }
  return out;
}

async function patchDeployment(kube: KubeClient, dep: Deployment, patch: object, patchType: 'merge' | 'strategic', dryRun: ChangeDryRun, local: (d: Deployment) => Deployment): Promise<Deployment> {
  if (dryRun === 'client') return local(dep);
  return kube.patch<Deployment>(RESOURCES.deployments, dep.metadata.name, patch, { namespace: dep.metadata.namespace, patchType, dryRun: dryRun === 'server' });
}

/** Scales to `replicas` (1 = start, 0 = stop); no change when it already is. */
export async function setReplicas(kube: KubeClient, namespace: string, ref: string, replicas: 0 | 1, dryRun?: ChangeDryRun): Promise<LifecycleResult> {
  const dep = await findInstanceDeployment(kube, namespace, ref);
  const current = dep.spec?.replicas ?? 1;
  if ((replicas === 0 && current === 0) || (replicas === 1 && current >= 1)) return result(dep, false, undefined, dryRun);
  const patch = { spec: { replicas } };
  const updated = await patchDeployment(kube, dep, patch, 'merge', dryRun, (d) => mergePatch(d, patch));
  return result(updated, true, patch, dryRun);
}

/** A new pod through the pod template annotation `kubectl rollout restart` uses. */
export async function restartInstance(kube: KubeClient, namespace: string, ref: string, now: Date, dryRun?: ChangeDryRun): Promise<LifecycleResult> {
  const dep = await findInstanceDeployment(kube, namespace, ref);
  if ((dep.spec?.replicas ?? 1) === 0) {
    throw new ConflictError(`instance ${dep.metadata.name} is stopped; start it with "kubectl odoo start ${dep.metadata.name}"`);
  }
  const patch = { spec: { template: { metadata: { annotations: { [ANNOTATION_RESTARTED_AT]: now.toISOString() } } } } };
  const updated = await patchDeployment(kube, dep, patch, 'merge', dryRun, (d) => mergePatch(d, patch));
  return result(updated, true, patch, dryRun);
}

export interface ResourceChange {
  cpu?: string;
  memory?: string;
}

/** Sets requests and limits (equal, as the platform does) of the Odoo container; a rollout follows. */
export async function setInstanceResources(kube: KubeClient, namespace: string, ref: string, change: ResourceChange, dryRun?: ChangeDryRun): Promise<LifecycleResult & { before: ResourceChange }> {
  const dep = await findInstanceDeployment(kube, namespace, ref);
  const container = odooContainer(dep);
  if (!container) throw new ConflictError(`instance ${dep.metadata.name} has no containers to change`);
  const res = container.resources ?? {};
  const before = { cpu: res.limits?.cpu ?? res.requests?.cpu, memory: res.limits?.memory ?? res.requests?.memory };
  const values: Record<string, string> = {};
  if (change.cpu) values.cpu = change.cpu;
  if (change.memory) values.memory = change.memory;
  if (Object.entries(values).every(([k, v]) => res.requests?.[k] === v && res.limits?.[k] === v)) return { ...result(dep, false, undefined, dryRun), before };
  // Strategic merge patches merge containers by name, so other containers and fields stay as they are.
  const patch = { spec: { template: { spec: { containers: [{ name: container.name, resources: { requests: values, limits: values } }] } } } };
  const local = (d: Deployment) => {
    const copy = structuredClone(d);
    const c = copy.spec?.template?.spec?.containers?.find((x) => x.name === container.name);
    if (c) c.resources = { ...(c.resources ?? {}), requests: { ...(c.resources?.requests ?? {}), ...values }, limits: { ...(c.resources?.limits ?? {}), ...values } };
    return copy;
  };
  const updated = await patchDeployment(kube, dep, patch, 'strategic', dryRun, local);
  return { ...result(updated, true, patch, dryRun), before };
}

/** What following an instance to the end of a change needs: the one wait, with its clock and timeout. */
export interface FollowDeps {
  kube: KubeClient;
  clock: Clock;
  signal?: AbortSignal;
  progress: (m: string) => void;
  timeoutMs: number;
}

/** The instance as a change follows it: where its pods are found. */
export interface FollowedInstance {
  namespace: string;
  name: string;
  podSelector: Record<string, string>;
}

/** Waits until the instance is ready or stopped (list+watch, a clear timeout), reporting its states. */
export async function waitUntil(deps: FollowDeps, inst: FollowedInstance, until: 'ready' | 'stopped'): Promise<void> {
  await waitForInstance(deps.kube, {
    namespace: inst.namespace,
    name: inst.name,
    podSelector: inst.podSelector,
    until,
    timeoutMs: deps.timeoutMs,
    clock: deps.clock,
    signal: deps.signal,
    onProgress: (s) => deps.progress(`  ${inst.name}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`),
  });
}

/** Scales the instance's Deployment within a larger operation and waits until it is stopped (0) or ready. */
export async function scaleAndWait(deps: FollowDeps, inst: FollowedInstance, replicas: number): Promise<void> {
  await deps.kube.patch(RESOURCES.deployments, inst.name, { spec: { replicas } }, { namespace: inst.namespace });
  await waitUntil(deps, inst, replicas === 0 ? 'stopped' : 'ready');
}

/** A new pod (a pod template annotation, as restart makes), followed until it is ready. */
export async function restartAndWait(deps: FollowDeps, inst: FollowedInstance): Promise<void> {
  await restartInstance(deps.kube, inst.namespace, inst.name, deps.clock.now());
  await waitUntil(deps, inst, 'ready');
}
