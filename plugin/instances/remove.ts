// Deleting an instance: its Deployment, Service and ingress, and its PVC only when asked. Only objects
// recognised as the instance's own are touched: the Service must select the instance's pods, the
// ingress must route to that Service, the PVC must be the instance's data volume and mounted by no other
// workload. Deletes carry the uid seen, so an object re-created meanwhile is left alone.
import type { KubeClient } from '../core/kube/client.js';
import { RESOURCES, type ResourceType } from '../core/kube/resources.js';
import { ApiError } from '../core/kube/errors.js';
import { ConflictError } from '../core/errors.js';
import type { InstanceObjects } from './resolve.js';
import { instanceIdOf } from './labels.js';

export interface DeletePlan {
  /** kind/name of what will be deleted, in order. */
  targets: { type: ResourceType; name: string; uid?: string }[];
  /** The PVC that is kept (when not deleting data). */
  keptPvc?: string;
}

/** Whether the PVC is this instance's own data volume (by label or by one of the platforms' names). */
export function pvcBelongsToInstance(pvc: any, o: InstanceObjects): boolean {
  const id = o.facts.instanceId;
  const name = pvc?.metadata?.name;
  if (!name) return false;
  if (id && instanceIdOf(pvc.metadata?.labels) === id) return true;
  const known = new Set([`${o.name}-storage`]);
  if (id) {
    known.add(`odoo-instance-${id}`);
    known.add(`odoo-instance-${id.replace(/-/g, '')}`);
    known.add(`odoo-data-${id.slice(0, 8)}`);
  }
  return known.has(name);
}

export function planDelete(o: InstanceObjects, deleteData: boolean): DeletePlan {
  const targets: DeletePlan['targets'] = [{ type: RESOURCES.deployments, name: o.name, uid: o.deployment.metadata?.uid }];
  if (o.service) targets.push({ type: RESOURCES.services, name: o.service.metadata.name, uid: o.service.metadata.uid });
  if (o.ingress) targets.push({ type: RESOURCES.ingresses, name: o.ingress.metadata.name, uid: o.ingress.metadata.uid });
  if (o.ingressRoute) targets.push({ type: RESOURCES.ingressroutes, name: o.ingressRoute.metadata.name, uid: o.ingressRoute.metadata.uid });
  if (deleteData && o.pvc) targets.push({ type: RESOURCES.persistentvolumeclaims, name: o.pvc.metadata.name, uid: o.pvc.metadata.uid });
  return { targets, keptPvc: !deleteData ? o.pvc?.metadata?.name : undefined };
}

/** Refuses (before deleting anything) to delete a PVC that is not clearly the instance's alone. */
export async function checkPvcDeletable(kube: KubeClient, o: InstanceObjects): Promise<void> {
  if (!o.pvc) return;
  const name = o.pvc.metadata.name;
  if (!pvcBelongsToInstance(o.pvc, o)) {
    throw new ConflictError(`PVC ${name} is not recognisable as instance ${o.name}'s own volume (no instance-id label, not named odoo-instance-<id>); it was not deleted`);
  }
  const others: string[] = [];
  for await (const page of kube.listPages(RESOURCES.deployments, { namespace: o.namespace })) {
    for (const d of page.items) {
      if (d.metadata.name === o.name) continue;
      if ((d.spec?.template?.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === name)) others.push(d.metadata.name);
    }
  }
  if (others.length) throw new ConflictError(`PVC ${name} is also mounted by ${others.join(', ')}; refusing to delete shared data`);
}

/** Deletes the plan's objects in order; returns kind/name of what was deleted (missing ones are skipped). */
export async function executeDelete(kube: KubeClient, namespace: string, plan: DeletePlan, progress: (l: string) => void): Promise<string[]> {
  const deleted: string[] = [];
  for (const t of plan.targets) {
    const what = `${t.type.kind.toLowerCase()}/${t.name}`;
    try {
      const existed = await kube.deleteIfExists(t.type, t.name, { namespace, uid: t.uid, propagationPolicy: 'Background' });
      if (existed) {
        deleted.push(what);
        progress(`${what} deleted`);
      }
    } catch (e) {
      // 409 on a uid precondition: the name now belongs to a newer object that is not ours to delete.
      if (e instanceof ApiError && e.status === 409) {
        progress(`${what} was replaced meanwhile; left alone`);
        continue;
      }
      throw e;
    }
  }
  return deleted;
}
