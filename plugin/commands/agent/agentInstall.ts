// Applying and removing the agent's objects: server-side apply (field manager kubectl-odoo) in
// dependency order, never over objects that install did not create, and removal of exactly the objects
// that carry install's label.
import type { Read, Stored, V1ClusterRoleBinding, V1DaemonSet, V1Secret } from '../../../lib/kube/models.js';
import type { KubeClient } from '../../../lib/kube/client.js';
import { resourcePath } from '../../../lib/kube/resources.js';
import { ConflictError, NotFoundError, CancelledError } from '../../../lib/errors.js';
import type { Clock } from '../../cli/context.js';
import { createdByInstall, DAEMONSET_NAME, objectRef, resourceTypeOf, VERSION_LABEL, type AgentObject } from './agentObjects.js';

export const FIELD_MANAGER = 'kubectl-odoo';
const TOKEN_SECRET = 'odoo-node-agent-token';

export interface ApplyDeps {
  clock: Clock;
  signal?: AbortSignal;
  progress: (message: string) => void;
  /** How long to wait for Kubernetes to fill the token Secret before the DaemonSet starts pods. */
  tokenWaitMs?: number;
}

export interface Applied {
  ref: string;
  object: AgentObject;
  /** Existed already and was left as it was (a namespace install did not create). */
  skipped?: string;
}

async function current(kube: KubeClient, obj: AgentObject): Promise<AgentObject | undefined> {
  return kube.getOptional<AgentObject>(resourceTypeOf(obj), obj.metadata.name, obj.metadata.namespace);
}

function serverSideApply(kube: KubeClient, obj: AgentObject, force: boolean): Promise<AgentObject> {
  const t = resourceTypeOf(obj);
  return kube.request<AgentObject>({
    method: 'PATCH',
    path: resourcePath(t, { namespace: obj.metadata.namespace, name: obj.metadata.name }),
    query: { fieldManager: FIELD_MANAGER, force: force ? 'true' : undefined },
    body: obj,
    contentType: 'application/apply-patch+yaml',
  });
}

/** What exists of `objects` now, by ref. */
async function existing(kube: KubeClient, objects: AgentObject[]): Promise<Map<string, AgentObject>> {
  const found = await Promise.all(objects.map(async (o) => [objectRef(o), await current(kube, o)] as const));
  return new Map(found.filter((f): f is readonly [string, AgentObject] => f[1] !== undefined));
}

function refuseForeign(objects: AgentObject[], found: Map<string, AgentObject>): void {
  const foreign = objects.filter((o) => o.kind !== 'Namespace' && found.has(objectRef(o)) && !createdByInstall(found.get(objectRef(o))));
  if (foreign.length)
    throw new ConflictError(`${foreign.map(objectRef).join(', ')} already exist${foreign.length === 1 ? 's' : ''} and kubectl odoo agent install did not create ${foreign.length === 1 ? 'it' : 'them'}; nothing was changed`, {
      hint: 'An agent installed with "kubectl apply -k manifests/" is managed with kubectl; delete it first to let kubectl odoo manage the agent.',
    });
}

async function waitForToken(kube: KubeClient, namespace: string, deps: ApplyDeps): Promise<void> {
  const deadline = deps.clock.now().getTime() + (deps.tokenWaitMs ?? 30_000);
  for (;;) {
    const s = await kube.getOptional<Read<V1Secret>>(resourceTypeOf({ apiVersion: 'v1', kind: 'Secret' }), TOKEN_SECRET, namespace);
    if (s?.data?.token) return;
    if (deps.signal?.aborted) throw new CancelledError('interrupted before the DaemonSet was applied: run "kubectl odoo agent install" again, or "agent uninstall" to remove what was applied');
    if (deps.clock.now().getTime() >= deadline) {
      deps.progress(`Warning: Kubernetes has not filled the token Secret ${namespace}/${TOKEN_SECRET} yet; the agents refuse every request until it has`);
      return;
    }
    await deps.clock.sleep(250, deps.signal);
  }
}

async function applyAll(kube: KubeClient, objects: AgentObject[], found: Map<string, AgentObject>, force: boolean, deps: ApplyDeps): Promise<Applied[]> {
  const out: Applied[] = [];
  for (const obj of objects) {
    const ref = objectRef(obj);
    const cur = found.get(ref);
    if (obj.kind === 'Namespace' && cur && !createdByInstall(cur)) {
      out.push({ ref, object: cur, skipped: 'exists, left as it is' });
      continue;
    }
    if (obj.kind === 'DaemonSet') await waitForToken(kube, obj.metadata.namespace ?? '', deps);
    out.push({ ref, object: await serverSideApply(kube, obj, force) });
  }
  return out;
}

export async function installAgent(kube: KubeClient, objects: AgentObject[], deps: ApplyDeps): Promise<Applied[]> {
  const found = await existing(kube, objects);
  refuseForeign(objects, found);
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  if (!ds) throw new Error('the agent objects have no DaemonSet');
  const installed = found.get(objectRef(ds));
  if (installed)
    throw new ConflictError(`the node agent is already installed in namespace ${ds.metadata.namespace} (version ${installed.metadata.labels?.[VERSION_LABEL] ?? 'unknown'}); nothing was changed`, {
      hint: 'Run "kubectl odoo agent upgrade" to move it to this version or change its image.',
    });
  return applyAll(kube, objects, found, false, deps);
}

/** The installed DaemonSet, or a NotFoundError saying how to install. */
export async function installedDaemonSet(kube: KubeClient, namespace: string): Promise<Stored<V1DaemonSet>> {
  const ds = await kube.getOptional<Stored<V1DaemonSet>>(resourceTypeOf({ apiVersion: 'apps/v1', kind: 'DaemonSet' }), DAEMONSET_NAME, namespace);
  if (!ds || !createdByInstall(ds))
    throw new NotFoundError(`the node agent is not installed by kubectl odoo in namespace ${namespace}${ds ? ' (its DaemonSet was made another way)' : ''}`, {
      hint: ds ? undefined : 'Run "kubectl odoo agent install".',
    });
  return ds;
}

/** Re-applies every object (taking over fields others changed) and rolls the pods to the new template. */
export async function upgradeAgent(kube: KubeClient, objects: AgentObject[], deps: ApplyDeps): Promise<Applied[]> {
  const found = await existing(kube, objects);
  refuseForeign(objects, found);
  return applyAll(kube, objects, found, true, deps);
}

/**
 * The objects uninstall would delete: those of `objects` that exist and carry install's label, DaemonSet
 * first. The cluster-wide ones (ClusterRole, ClusterRoleBinding) stay when their binding names the
 * service account of another namespace: uninstalling from a namespace the agent is not in leaves that
 * agent its permissions (an install cut short, whose binding never came, leaves them to this uninstall).
 */
export async function plannedRemoval(kube: KubeClient, objects: AgentObject[], namespace: string): Promise<AgentObject[]> {
  const found = await existing(kube, objects);
  const binding = [...found.values()].find((o) => o.kind === 'ClusterRoleBinding') as (AgentObject & Read<V1ClusterRoleBinding>) | undefined;
  const boundElsewhere = !!binding?.subjects?.some((s) => s.kind === 'ServiceAccount' && s.namespace !== namespace);
  return [...objects]
    .reverse()
    .map((o) => found.get(objectRef(o)))
    .filter((o): o is AgentObject => !!o && createdByInstall(o))
    .filter((o) => o.kind === 'Namespace' || resourceTypeOf(o).namespaced || !boundElsewhere);
}

export async function removeAgent(kube: KubeClient, objects: AgentObject[], onDeleted: (ref: string) => void): Promise<void> {
  for (const o of objects) {
    // Background propagation: the DaemonSet's pods (and a namespace's content) go after it, as kubectl delete does.
    const t = resourceTypeOf(o);
    if (await kube.deleteIfExists(t, o.metadata.name, { namespace: t.namespaced ? o.metadata.namespace : undefined, propagationPolicy: 'Background', uid: o.metadata.uid })) onDeleted(objectRef(o));
  }
}
