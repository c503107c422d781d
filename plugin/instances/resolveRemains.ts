// What is left of instances that have no Deployment: volumes kept by delete, objects of a create that
// did not finish; for one name (commands say what to do with them) and for a whole listing (kept volumes).
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES, type ResourceType } from '../../lib/kube/resources.js';
import { NotFoundError, UsageError } from '../../lib/errors.js';
import { ANNOTATION_KEPT_AFTER_DELETE, APP_ODOO, APP_ODOO_PVC, customerIdOf, INSTANCE_PVC_SELECTOR, INSTANCE_SELECTOR, instanceIdOf, instanceNameOf, isPluginManaged, LABEL_APP } from './labels.js';
import { deriveInstanceFacts } from './facts.js';
import { instanceIdsOf, instanceIdsOfFacts } from './resolveMatch.js';
import { optional, withKind } from './resolveKube.js';
import type { InstanceObjects } from './resolve.js';
import type { Read, Stored, V1Deployment, V1PersistentVolumeClaim } from '../../lib/kube/models.js';

type Pvc = Stored<V1PersistentVolumeClaim>;

/** Not found, with what is left of the instance (a kept volume, objects of an interrupted create) if anything. */
export class InstanceNotFoundError extends NotFoundError {
  constructor(
    message: string,
    readonly remains: InstanceRemains | undefined,
    opts: { hint?: string } = {},
  ) {
    super(message, opts);
  }
}

/** What is left of an instance that has no Deployment: its kept volume, and objects an interrupted create made. */
export interface InstanceRemains {
  namespace: string;
  /** The instance name the remains belong to. */
  name: string;
  instanceId?: string;
  customerId?: string;
  /** The data volume (kept by delete, or made by a create that did not finish). */
  pvc?: Pvc;
  /** When `delete` kept the volume (its annotation), if it did. */
  keptSince?: string;
  /** Service / Ingress / IngressRoute the plugin created for the instance (a create that did not finish). */
  leftovers: { type: ResourceType; object: Stored<object> }[];
}

/** Whether a PVC is an instance's data volume by its labels or the platforms' naming. */
export function isInstanceDataVolume(pvc: Read<V1PersistentVolumeClaim> | undefined): boolean {
  const labels = pvc?.metadata?.labels ?? {};
  if (labels[LABEL_APP] !== APP_ODOO && labels[LABEL_APP] !== APP_ODOO_PVC) return false;
  return !!instanceIdOf(labels) || /^odoo-instance-./.test(pvc?.metadata?.name ?? '');
}

/** The instance name a volume without a Deployment stands for: its instance-name or id label, else its name. */
export function instanceNameOfVolume(pvc: Read<V1PersistentVolumeClaim> | undefined): string {
  const labels = pvc?.metadata?.labels;
  return instanceNameOf(labels) ?? instanceIdOf(labels) ?? String(pvc?.metadata?.name ?? '').replace(/^odoo-instance-/, '');
}

/**
 * Remains of an instance `ref` names exactly (instance name, id, or PVC name) that has no Deployment:
 * a volume kept by `delete`, and the Service/ingress of a create that did not finish. Only objects the
 * plugin labelled for that instance count as leftovers; a PVC must be an instance data volume.
 */
export async function findInstanceRemains(kube: KubeClient, namespace: string, ref: string): Promise<InstanceRemains | undefined> {
  const pvcs = (await kube.list<Pvc>(RESOURCES.persistentvolumeclaims, { namespace, labelSelector: INSTANCE_PVC_SELECTOR })).items.filter(isInstanceDataVolume);
  const names = ref.startsWith('odoo-instance-') ? [ref] : [`odoo-instance-${ref}`, `odoo-instance-${ref.replace(/-/g, '')}`];
  const byName = pvcs.filter((p) => names.includes(p.metadata.name));
  const byLabel = pvcs.filter((p) => instanceIdOf(p.metadata?.labels) === ref || instanceNameOf(p.metadata?.labels) === ref);
  const matches = byName.length ? byName : byLabel;
  if (matches.length > 1) {
    throw new UsageError(`"${ref}" matches ${matches.length} volumes in namespace ${namespace} (${matches.map((p) => p.metadata.name).join(', ')}); use the PVC name`);
  }
  const pvc = matches[0];
  // A volume some instance still mounts is that instance's, not remains.
  if (pvc) {
    const deps = await kube.list<Stored<V1Deployment>>(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR });
    const pvcId = instanceIdOf(pvc.metadata?.labels);
    if (deps.items.some((d) => deriveInstanceFacts(d).pvcName === pvc.metadata.name || (pvcId && instanceIdsOf(d).includes(pvcId)))) return undefined;
  }
  const name = pvc ? instanceNameOfVolume(pvc) : ref;
  const instanceId = (pvc && instanceIdOf(pvc.metadata?.labels)) ?? name;
  const candidates = [RESOURCES.services, RESOURCES.ingresses, RESOURCES.ingressroutes] as const;
  const found = await Promise.all(candidates.map((t) => optional(kube.getOptional<Stored<object>>(t, name, namespace))));
  const leftovers = candidates
    .flatMap((type, i) => {
      const object = found[i];
      return object ? [{ type, object }] : [];
    })
    .filter((x) => isPluginManaged(x.object.metadata?.labels) && instanceIdOf(x.object.metadata?.labels) === instanceId);
  if (!pvc && leftovers.length === 0) return undefined;
  const customerId = customerIdOf(pvc?.metadata?.labels) ?? customerIdOf(leftovers[0]?.object.metadata?.labels);
  return {
    namespace,
    name,
    instanceId,
    ...(customerId ? { customerId } : {}),
    ...(pvc ? { pvc: withKind(pvc, 'PersistentVolumeClaim', 'v1') } : {}),
    ...(pvc?.metadata?.annotations?.[ANNOTATION_KEPT_AFTER_DELETE] ? { keptSince: pvc.metadata.annotations[ANNOTATION_KEPT_AFTER_DELETE] } : {}),
    leftovers,
  };
}

/** The not-found message for remains, saying what is left and what to do about it. */
export function describeRemains(r: InstanceRemains): { message: string; hint: string } {
  const size = r.pvc?.spec?.resources?.requests?.storage;
  const vol = r.pvc ? `PVC ${r.pvc.metadata.name}${size ? ` (${size}${r.customerId ? `, customer ${r.customerId}` : ''})` : ''}` : '';
  if (r.leftovers.length === 0) {
    const since = r.keptSince ? ` since ${r.keptSince}` : '';
    const back = r.customerId ? `, or bring the instance back on it with "kubectl odoo create ${r.name} --customer ${r.customerId} --reuse-volume"` : '';
    return {
      message: `instance "${r.name}" not found in namespace ${r.namespace}: it was deleted and only its volume ${vol} is kept${since}`,
      hint: `remove the volume and its data with "kubectl odoo delete ${r.name} --delete-data"${back}`,
    };
  }
  const left = [...r.leftovers.map((l) => `${l.type.kind}/${l.object.metadata.name}`), ...(r.pvc ? [`PersistentVolumeClaim/${r.pvc.metadata.name}`] : [])];
  return {
    message: `instance "${r.name}" has no Deployment in namespace ${r.namespace}; a create that did not finish left ${left.join(', ')}`,
    hint: `run the same "kubectl odoo create ${r.name} ..." again to finish it, or remove what is left with "kubectl odoo delete ${r.name}${r.pvc ? ' --delete-data' : ''}"`,
  };
}

/** A volume left by a deleted instance: an instance data PVC that no instance mounts or claims. */
export interface KeptVolume {
  namespace: string;
  /** The instance name it stands for (`delete NAME --delete-data` removes it). */
  name: string;
  pvc: Pvc;
  instanceId?: string;
  customerId?: string;
  keptSince?: string;
}

/** Instance data volumes no listed instance mounts and whose instance id no instance carries (pure). */
export function keptVolumesOf(instances: InstanceObjects[], pvcs: Pvc[]): KeptVolume[] {
  const claims = instanceClaims();
  for (const o of instances) claims.add(o);
  return claims.keptAmong(pvcs);
}

/**
 * The volumes and ids instances claim, gathered one instance at a time (as a listing summarises them
 * page by page); keptAmong then tells which PVCs no instance claims.
 */
export function instanceClaims(): { add(o: InstanceObjects): void; keptAmong(pvcs: Pvc[]): KeptVolume[] } {
  const used = new Set<string>();
  const ids = new Set<string>();
  return {
    add(o) {
      if (o.pvcName) used.add(`${o.namespace}/${o.pvcName}`);
      for (const id of instanceIdsOfFacts(o.facts)) ids.add(`${o.namespace}/${id}`);
    },
    keptAmong(pvcs) {
      const out: KeptVolume[] = [];
      for (const p of pvcs) {
        const ns = p.metadata.namespace ?? '';
        if (!isInstanceDataVolume(p) || used.has(`${ns}/${p.metadata.name}`)) continue;
        const id = instanceIdOf(p.metadata?.labels);
        // A volume whose instance still exists (e.g. made by migrate-storage before the switch) is not kept.
        if (id && ids.has(`${ns}/${id}`)) continue;
        const customerId = customerIdOf(p.metadata?.labels);
        const keptSince = p.metadata?.annotations?.[ANNOTATION_KEPT_AFTER_DELETE];
        out.push({ namespace: ns, name: instanceNameOfVolume(p), pvc: p, ...(id ? { instanceId: id } : {}), ...(customerId ? { customerId } : {}), ...(keptSince ? { keptSince } : {}) });
      }
      return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    },
  };
}
