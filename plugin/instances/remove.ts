// Deleting an instance: its Deployment, Service and ingress, and its PVC only when asked. Only objects
// recognised as the instance's own are touched: the Service must select the instance's pods, the
// ingress must route to that Service, the PVC must be the instance's data volume and mounted by no other
// workload. Deletes carry the uid seen, so an object re-created meanwhile is left alone.
import type { Read, Stored, V1Deployment, V1PersistentVolumeClaim, V1Pod, V1PodSpec } from '../../lib/kube/models.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES, type ResourceType } from '../../lib/kube/resources.js';
import { ApiError } from '../../lib/kube/errors.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { InstanceObjects } from './resolve.js';
import { describeRemains, type InstanceRemains } from './resolveRemains.js';
import { ANNOTATION_KEPT_AFTER_DELETE, instanceIdOf } from './labels.js';

export interface DeletePlan {
  /** kind/name of what will be deleted, in order. */
  targets: { type: ResourceType; name: string; uid?: string }[];
  /** The PVC that is kept (when not deleting data); it is marked so `create` does not silently reuse it. */
  keptPvc?: string;
  keptPvcUid?: string;
  /** The instance's database as delete names it, recorded on the kept PVC: a later delete of the volume can still name it. */
  keptDatabase?: string;
}

/** On a kept PVC: the database its instance used ("database acme on postgres:5432"); it stays on its server. */
export const ANNOTATION_KEPT_DATABASE = 'kubectl-odoo.io/kept-database';

export type DeleteDryRun = 'client' | 'server' | undefined;

/** `deployment/acme`: how deleted objects are named in output. */
export function targetName(t: { type: ResourceType; name: string }): string {
  return `${t.type.kind.toLowerCase()}/${t.name}`;
}

/** Whether the PVC is this instance's own data volume (by label or by one of the platforms' names). */
export function pvcBelongsToInstance(pvc: Read<V1PersistentVolumeClaim> | undefined, o: InstanceObjects): boolean {
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
  const database = describeInstanceDatabase(o);
  return { targets, ...(!deleteData && o.pvc ? { keptPvc: o.pvc.metadata.name, keptPvcUid: o.pvc.metadata.uid, ...(database ? { keptDatabase: database } : {}) } : {}) };
}

/**
 * Removing what is left of an instance without a Deployment: the Service/ingress of a create that did
 * not finish, and the volume only with --delete-data. Nothing to do is a NotFoundError saying what is left.
 */
export function planDeleteRemains(r: InstanceRemains, deleteData: boolean): DeletePlan {
  const targets: DeletePlan['targets'] = r.leftovers.map((l) => ({ type: l.type, name: l.object.metadata.name, uid: l.object.metadata.uid }));
  if (deleteData && r.pvc) targets.push({ type: RESOURCES.persistentvolumeclaims, name: r.pvc.metadata.name, uid: r.pvc.metadata.uid });
  if (targets.length === 0) {
    const d = describeRemains(r);
    throw new NotFoundError(d.message, { hint: `add --delete-data to remove the volume and its data: "kubectl odoo delete ${r.name} --delete-data"` });
  }
  return { targets, ...(!deleteData && r.pvc ? { keptPvc: r.pvc.metadata.name, keptPvcUid: r.pvc.metadata.uid } : {}) };
}

/** Refuses to delete a leftover volume that any Deployment, StatefulSet or live pod still mounts. */
export async function checkRemainsVolumeDeletable(kube: KubeClient, r: InstanceRemains): Promise<void> {
  if (!r.pvc) return;
  const name = r.pvc.metadata.name;
  const mounts = (spec: Read<V1PodSpec> | undefined) => (spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name);
  const users: string[] = [];
  for (const type of [RESOURCES.deployments, RESOURCES.statefulsets]) {
    try {
      for await (const page of kube.listPages<Stored<V1Deployment>>(type, { namespace: r.namespace })) {
        for (const w of page.items) if (mounts(w.spec?.template?.spec)) users.push(`${type.kind} ${w.metadata.name}`);
      }
    } catch (e) {
      // A cluster that does not serve a workload type has none of it.
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  users.push(...(await podsMounting(kube, r.namespace, name)));
  if (users.length) throw new ConflictError(`PVC ${name} is mounted by ${users.join(', ')}; refusing to delete data in use, nothing was deleted`);
}

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/**
 * Pods that still have the PVC mounted (running, pending or terminating; a Job's too, named with its
 * Job), except those `skip` accepts. A pod that has finished no longer holds the volume.
 */
export async function podsMounting(kube: KubeClient, namespace: string, pvc: string, skip: (pod: Stored<V1Pod>) => boolean = () => false): Promise<string[]> {
  const out: string[] = [];
  for await (const page of kube.listPages<Stored<V1Pod>>(RESOURCES.pods, { namespace })) {
    for (const p of page.items) {
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' || skip(p)) continue;
      if (!(p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvc)) continue;
      const job = (p.metadata?.ownerReferences ?? []).find((o) => o.kind === 'Job')?.name ?? p.metadata?.labels?.['job-name'];
      out.push(`Pod ${p.metadata.name}${job ? ` of Job ${job}` : ''}`);
    }
  }
  return out;
}

/** Refuses (before deleting anything) to delete a PVC that is not clearly the instance's alone. */
export async function checkPvcDeletable(kube: KubeClient, o: InstanceObjects): Promise<void> {
  if (!o.pvc) return;
  const name = o.pvc.metadata.name;
  if (!pvcBelongsToInstance(o.pvc, o)) {
    throw new ConflictError(`PVC ${name} is not recognisable as instance ${o.name}'s own volume (no instance-id label, not named odoo-instance-<id>); it was not deleted`);
  }
  const others: string[] = [];
  for await (const page of kube.listPages<Stored<V1Deployment>>(RESOURCES.deployments, { namespace: o.namespace })) {
    for (const d of page.items) {
      if (d.metadata.name === o.name) continue;
      if ((d.spec?.template?.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name)) others.push(d.metadata.name);
    }
  }
  if (others.length) throw new ConflictError(`PVC ${name} is also mounted by ${others.join(', ')}; refusing to delete shared data`);
  // A restore, backup or any other Job's pod may hold it; the instance's own pods go with its Deployment.
  const pods = await podsMounting(kube, o.namespace, name, (p) => matches(p.metadata?.labels, o.facts.podSelector));
  if (pods.length) {
    throw new ConflictError(`PVC ${name} is mounted by ${pods.join(', ')}; refusing to delete data in use, nothing was deleted`, {
      hint: `wait until it has finished (kubectl get pods -n ${o.namespace}), then run the delete again`,
    });
  }
}

/** The instance's database and its server, as delete names them: "database acme on postgres:5432". */
export function describeInstanceDatabase(o: InstanceObjects): string | undefined {
  const f = o.facts;
  if (!f.database) return undefined;
  const from = (s: { name: string; key: string } | undefined, kind: string) => (s ? `the host in ${kind} ${s.name}/${s.key}` : undefined);
  const port = f.db.port?.value || (f.db.port?.secret || f.db.port?.configMap ? undefined : '5432');
  if (f.db.host?.value) return `database ${f.database} on ${f.db.host.value}${port ? `:${port}` : ''}`;
  const host = from(f.db.host?.secret, 'Secret') || from(f.db.host?.configMap, 'ConfigMap');
  if (!host) return `database ${f.database} (its server is not named in the instance's env)`;
  return `database ${f.database} on ${host}${port ? ` (port ${port})` : ''}`;
}

/**
 * Deletes the plan's objects in order; returns kind/name of what was deleted (missing ones are skipped).
 * A kept PVC is first marked as kept. `client` dry run: nothing is sent, the plan is the answer;
 * `server`: every call is sent with dryRun=All, so the API server checks it and stores nothing.
 */
export async function executeDelete(kube: KubeClient, namespace: string, plan: DeletePlan, progress: (l: string) => void, dryRun: DeleteDryRun | undefined, now: Date): Promise<string[]> {
  if (dryRun === 'client') return plan.targets.map(targetName);
  const serverDryRun = dryRun === 'server';
  if (plan.keptPvc) {
    const since = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const patch = { metadata: { annotations: { [ANNOTATION_KEPT_AFTER_DELETE]: since, ...(plan.keptDatabase ? { [ANNOTATION_KEPT_DATABASE]: plan.keptDatabase } : {}) } } };
    try {
      await kube.patch(RESOURCES.persistentvolumeclaims, plan.keptPvc, patch, { namespace, patchType: 'merge', dryRun: serverDryRun });
    } catch (e) {
      // Not being able to mark the volume must not block the delete; create still checks the customer.
      if (!(e instanceof ApiError) || ![403, 404, 409].includes(e.status)) throw e;
      progress(`warning: could not mark PVC ${plan.keptPvc} as kept (${e.message})`);
    }
  }
  const deleted: string[] = [];
  for (const t of plan.targets) {
    const what = targetName(t);
    try {
      const existed = await kube.deleteIfExists(t.type, t.name, { namespace, uid: t.uid, propagationPolicy: 'Background', dryRun: serverDryRun });
      if (existed) {
        deleted.push(what);
        if (!serverDryRun) progress(`${what} deleted`);
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
