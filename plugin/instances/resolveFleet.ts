// Every instance of a namespace (or of all) with its pods, PVC and ingress, from one paged list per
// resource type joined in memory: never a call per instance.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { ANNOTATION_KEPT_AFTER_DELETE, ANNOTATION_LAST_BACKUP, ANNOTATION_MAINTENANCE, INSTANCE_PVC_SELECTOR, INSTANCE_SELECTOR, instanceIdOf, isInstanceWorkload } from './labels.js';
import { deploymentNameOfPod, deriveInstanceFacts, ingressRouteRoutesTo, ingressRoutesTo, instanceUrl, matchesLabels } from './facts.js';
import { optional, serviceNameAlternative } from './resolveKube.js';
import { keptVolumesOf, type KeptVolume } from './resolveRemains.js';
import type { InstanceObjects } from './resolve.js';

export interface ListInstancesOptions {
  namespace?: string;
  allNamespaces?: boolean;
  /** Extra selector the Deployments must match (ANDed with app=odoo). */
  labelSelector?: string;
  pageSize?: number;
}

/** The annotations status and list read: a kept volume's, a maintenance record, the last backup. */
function keptAnnotations(a: Record<string, string> | undefined): { annotations?: Record<string, string> } {
  const kept = Object.fromEntries([ANNOTATION_KEPT_AFTER_DELETE, ANNOTATION_MAINTENANCE, ANNOTATION_LAST_BACKUP].filter((k) => a?.[k]).map((k) => [k, a![k]]));
  return Object.keys(kept).length ? { annotations: kept } : {};
}

// Lists keep only the fields status, facts and tables read, so 10,000 instances stay small in memory.
function slimMeta(m: any): any {
  return {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    labels: m.labels,
    ...keptAnnotations(m.annotations),
    ownerReferences: m.ownerReferences,
  };
}

export function slimDeployment(d: any): any {
  const t = d.spec?.template ?? {};
  const c = (t.spec?.containers ?? []).map((x: any) => ({ name: x.name, image: x.image, env: x.env, volumeMounts: x.volumeMounts, resources: x.resources }));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...slimMeta(d.metadata ?? {}), generation: d.metadata?.generation },
    spec: {
      replicas: d.spec?.replicas,
      selector: d.spec?.selector,
      template: { metadata: { labels: t.metadata?.labels }, spec: { containers: c, volumes: t.spec?.volumes } },
    },
    status: d.status,
  };
}

export function slimPod(p: any): any {
  const s = p.status ?? {};
  const cs = (l: any[] | undefined) =>
    l?.map((c: any) => ({ name: c.name, ready: c.ready, restartCount: c.restartCount, state: c.state, lastState: c.lastState ? { terminated: c.lastState.terminated } : undefined }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: slimMeta(p.metadata ?? {}),
    spec: { nodeName: p.spec?.nodeName },
    status: {
      phase: s.phase,
      reason: s.reason,
      message: s.message,
      startTime: s.startTime,
      conditions: s.conditions,
      containerStatuses: cs(s.containerStatuses),
      initContainerStatuses: cs(s.initContainerStatuses),
    },
  };
}

export function slimPvc(p: any): any {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: slimMeta(p.metadata ?? {}),
    spec: { resources: p.spec?.resources, storageClassName: p.spec?.storageClassName, volumeName: p.spec?.volumeName, accessModes: p.spec?.accessModes },
    status: { phase: p.status?.phase, capacity: p.status?.capacity, conditions: p.status?.conditions, allocatedResources: p.status?.allocatedResources },
  };
}

function slimIngress(i: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: slimMeta(i.metadata ?? {}), spec: { rules: i.spec?.rules, tls: i.spec?.tls, defaultBackend: i.spec?.defaultBackend } };
}

function slimRoute(r: any): any {
  return { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: slimMeta(r.metadata ?? {}), spec: { routes: r.spec?.routes, tls: r.spec?.tls } };
}

async function listSlim(kube: KubeClient, type: (typeof RESOURCES)[keyof typeof RESOURCES], opts: { namespace?: string; labelSelector?: string; pageSize?: number }, slim: (o: any) => any): Promise<any[]> {
  const out: any[] = [];
  for await (const page of kube.listPages(type, opts)) for (const o of page.items) out.push(slim(o));
  return out;
}

/**
 * Every instance in a namespace (or all namespaces) with its pods, PVC and ingress: one paged list per
 * resource type (Deployments, pods, PVCs, Ingresses, IngressRoutes), run in parallel and joined in
 * memory; never a call per instance. Services are not listed: tables do not need them.
 */
export async function listInstances(kube: KubeClient, opts: ListInstancesOptions): Promise<InstanceObjects[]> {
  return (await listFleet(kube, opts)).instances;
}

/**
 * Instances and the kept volumes of deleted ones, with the same five paged lists. Kept volumes are
 * only reported without a label selector: a PVC does not carry the Deployment's labels, so with one
 * the instance using a volume may simply not be in the listing.
 */
export async function listFleet(kube: KubeClient, opts: ListInstancesOptions): Promise<{ instances: InstanceObjects[]; keptVolumes: KeptVolume[] }> {
  const namespace = opts.allNamespaces ? undefined : opts.namespace;
  const pageSize = opts.pageSize ?? 1000;
  const depSelector = opts.labelSelector ? `${INSTANCE_SELECTOR},${opts.labelSelector}` : INSTANCE_SELECTOR;
  const [deployments, pods, pvcs, ingresses, routes] = await Promise.all([
    listSlim(kube, RESOURCES.deployments, { namespace, labelSelector: depSelector, pageSize }, slimDeployment),
    listSlim(kube, RESOURCES.pods, { namespace, labelSelector: INSTANCE_SELECTOR, pageSize }, slimPod),
    listSlim(kube, RESOURCES.persistentvolumeclaims, { namespace, labelSelector: INSTANCE_PVC_SELECTOR, pageSize }, slimPvc),
    optional(listSlim(kube, RESOURCES.ingresses, { namespace, labelSelector: INSTANCE_SELECTOR, pageSize }, slimIngress)),
    optional(listSlim(kube, RESOURCES.ingressroutes, { namespace, pageSize }, slimRoute)),
  ]);
  const instances = joinInstances(deployments, pods, pvcs, ingresses ?? [], routes ?? []);
  return { instances, keptVolumes: opts.labelSelector ? [] : keptVolumesOf(instances, pvcs) };
}

/** Joins listed objects into instances (pure; also used by watch). */
export function joinInstances(deployments: any[], pods: any[], pvcs: any[], ingresses: any[], routes: any[]): InstanceObjects[] {
  const key = (ns: string, n: string) => `${ns}/${n}`;
  const podsByDeployment = new Map<string, any[]>();
  const podsById = new Map<string, any[]>();
  for (const p of pods) {
    const dep = deploymentNameOfPod(p);
    if (dep) push(podsByDeployment, key(p.metadata.namespace, dep), p);
    const id = instanceIdOf(p.metadata?.labels);
    if (id) push(podsById, key(p.metadata.namespace, id), p);
  }
  const pvcByName = new Map(pvcs.map((p) => [key(p.metadata.namespace, p.metadata.name), p]));
  const ingressByName = new Map(ingresses.map((i) => [key(i.metadata.namespace, i.metadata.name), i]));
  const routeByName = new Map(routes.map((r) => [key(r.metadata.namespace, r.metadata.name), r]));
  const ingressByService = new Map<string, any>();
  for (const i of ingresses) for (const svc of backendServices(i)) ingressByService.set(key(i.metadata.namespace, svc), i);
  const routeByService = new Map<string, any>();
  for (const r of routes) for (const rt of r.spec?.routes ?? []) for (const s of rt.services ?? []) routeByService.set(key(r.metadata.namespace, s.name), r);

  const out: InstanceObjects[] = [];
  for (const d of deployments) {
    if (!isInstanceWorkload(d.metadata?.labels)) continue;
    const ns = d.metadata.namespace;
    const name = d.metadata.name;
    const facts = deriveInstanceFacts(d);
    // Pods by owner; pods of schemes whose controller sets no owner (or fakes) by instance id and selector.
    let instancePods = podsByDeployment.get(key(ns, name));
    if (!instancePods && facts.instanceId) instancePods = (podsById.get(key(ns, facts.instanceId)) ?? []).filter((p) => matchesLabels(p.metadata?.labels, facts.podSelector));
    // The ingress routes to the Service, named after the Deployment or `<name>-service` (native refactor).
    const services = [name, serviceNameAlternative(name)];
    const byName = ingressByName.get(key(ns, name));
    const ingress = byName && services.some((s) => ingressRoutesTo(byName, s)) ? byName : firstOf(ingressByService, services.map((s) => key(ns, s)));
    const rByName = routeByName.get(key(ns, name));
    const ingressRoute = rByName && services.some((s) => ingressRouteRoutesTo(rByName, s)) ? rByName : firstOf(routeByService, services.map((s) => key(ns, s)));
    out.push({
      namespace: ns,
      name,
      deployment: d,
      pvcName: facts.pvcName,
      pvc: facts.pvcName ? pvcByName.get(key(ns, facts.pvcName)) : undefined,
      ingress,
      ingressRoute,
      pods: instancePods ?? [],
      url: instanceUrl(ingress, ingressRoute),
      facts,
    });
  }
  return out;
}

function backendServices(i: any): string[] {
  const names: string[] = [];
  if (i.spec?.defaultBackend?.service?.name) names.push(i.spec.defaultBackend.service.name);
  for (const r of i.spec?.rules ?? []) for (const p of r.http?.paths ?? []) if (p.backend?.service?.name) names.push(p.backend.service.name);
  return names;
}

function firstOf<V>(m: Map<string, V>, keys: string[]): V | undefined {
  for (const k of keys) if (m.has(k)) return m.get(k);
  return undefined;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
