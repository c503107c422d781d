// Every instance of a namespace (or of all) with its pods, PVC and ingress, from one paged list per
// resource type joined in memory: never a call per instance.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { ANNOTATION_KEPT_AFTER_DELETE, ANNOTATION_LAST_BACKUP, ANNOTATION_MAINTENANCE, INSTANCE_PVC_SELECTOR, INSTANCE_SELECTOR, instanceIdOf, isInstanceWorkload } from './labels.js';
import { deploymentNameOfPod, deriveInstanceFacts, ingressRouteRoutesTo, ingressRoutesTo, instanceUrl, matchesLabels } from './facts.js';
import { optional, serviceNameAlternative } from './resolveKube.js';
import { instanceClaims, keptVolumesOf, type KeptVolume } from './resolveRemains.js';
import type { InstanceObjects } from './resolve.js';
import type { IngressRoute, Read, Stored, V1Deployment, V1ContainerStatus, V1Ingress, V1ObjectMeta, V1PersistentVolumeClaim, V1Pod } from '../../lib/kube/models.js';

type Deployment = Stored<V1Deployment>;
type Pod = Stored<V1Pod>;
type Pvc = Stored<V1PersistentVolumeClaim>;
type Ingress = Stored<V1Ingress>;
type Route = IngressRoute & { metadata: { name: string; namespace?: string } };
type Meta = Read<V1ObjectMeta> & { name: string };

/** Objects per page of the fleet's lists (limit/continue). */
export const DEFAULT_LIST_PAGE_SIZE = 1000;

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
function slimMeta(m: Read<V1ObjectMeta>): Meta {
  return {
    name: m.name ?? '',
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

export function slimDeployment(d: Read<V1Deployment>): Deployment {
  const t = d.spec?.template ?? {};
  const c = (t.spec?.containers ?? []).map((x) => ({ name: x.name, image: x.image, env: x.env, volumeMounts: x.volumeMounts, resources: x.resources }));
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

/** The pod conditions status reads. */
const POD_CONDITIONS_READ = new Set(['Ready', 'PodScheduled']);

export function slimPod(p: Read<V1Pod>): Pod {
  const m = p.metadata ?? {};
  const s = p.status ?? {};
  const cs = (l: Read<V1ContainerStatus>[] | undefined) =>
    l?.map((c) => ({ name: c.name, restartCount: c.restartCount, state: c.state, lastState: c.lastState ? { terminated: c.lastState.terminated } : undefined }));
  // The ReplicaSet owner is how a pod is matched to its Deployment; nothing else of the metadata is read.
  const owner = (m.ownerReferences ?? []).find((o) => o.kind === 'ReplicaSet');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: m.name ?? '',
      namespace: m.namespace,
      creationTimestamp: m.creationTimestamp,
      deletionTimestamp: m.deletionTimestamp,
      labels: m.labels,
      ownerReferences: owner ? [{ kind: owner.kind, name: owner.name }] : undefined,
    },
    spec: { nodeName: p.spec?.nodeName },
    status: {
      phase: s.phase,
      reason: s.reason,
      message: s.message,
      startTime: s.startTime,
      conditions: s.conditions?.filter((c) => POD_CONDITIONS_READ.has(c.type ?? '')),
      containerStatuses: cs(s.containerStatuses),
      initContainerStatuses: cs(s.initContainerStatuses),
    },
  };
}

export function slimPvc(p: Read<V1PersistentVolumeClaim>): Pvc {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: slimMeta(p.metadata ?? {}),
    spec: { resources: p.spec?.resources, storageClassName: p.spec?.storageClassName, volumeName: p.spec?.volumeName, accessModes: p.spec?.accessModes },
    status: { phase: p.status?.phase, capacity: p.status?.capacity, conditions: p.status?.conditions, allocatedResources: p.status?.allocatedResources },
  };
}

function slimIngress(i: Read<V1Ingress>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: slimMeta(i.metadata ?? {}), spec: { rules: i.spec?.rules, tls: i.spec?.tls, defaultBackend: i.spec?.defaultBackend } };
}

function slimRoute(r: IngressRoute): Route {
  return { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: slimMeta(r.metadata ?? {}), spec: { routes: r.spec?.routes, tls: r.spec?.tls } };
}

async function listSlim<I, O>(kube: KubeClient, type: (typeof RESOURCES)[keyof typeof RESOURCES], opts: { namespace?: string; labelSelector?: string; pageSize?: number }, slim: (o: I) => O): Promise<O[]> {
  const out: O[] = [];
  for await (const page of kube.listPages<I>(type, opts)) for (const o of page.items) out.push(slim(o));
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
  const scope = listScope(opts);
  const [deployments, [pods, pvcs, ingresses, routes]] = await Promise.all([
    listSlim(kube, RESOURCES.deployments, scope.deployments, slimDeployment),
    listAroundDeployments(kube, scope),
  ]);
  const instances = joinInstances(deployments, pods, pvcs, ingresses, routes);
  return { instances, keptVolumes: opts.labelSelector ? [] : keptVolumesOf(instances, pvcs) };
}

/**
 * What listFleet finds, summarised by `summarize`, without holding the fleet: pods, PVCs and ingresses
 * are listed (in parallel) and indexed first, then the Deployments page by page, each page joined and
 * summarised as it arrives. Only the summaries are kept, never the Deployments, so 10,000 instances
 * take little more memory than their pods and volumes.
 */
export async function summarizeFleet<R>(kube: KubeClient, opts: ListInstancesOptions, summarize: (o: InstanceObjects) => R): Promise<{ rows: R[]; keptVolumes: KeptVolume[] }> {
  const scope = listScope(opts);
  const [pods, pvcs, ingresses, routes] = await listAroundDeployments(kube, scope);
  const join = fleetJoiner(pods, pvcs, ingresses, routes);
  const claims = instanceClaims();
  const rows: R[] = [];
  for await (const page of kube.listPages<Deployment>(RESOURCES.deployments, scope.deployments)) {
    for (const d of page.items) {
      const o = join(d);
      if (!o) continue;
      claims.add(o);
      rows.push(summarize(o));
    }
  }
  return { rows, keptVolumes: opts.labelSelector ? [] : claims.keptAmong(pvcs) };
}

interface ListScope {
  deployments: { namespace?: string; labelSelector: string; pageSize: number };
  namespace?: string;
  pageSize: number;
}

function listScope(opts: ListInstancesOptions): ListScope {
  const namespace = opts.allNamespaces ? undefined : opts.namespace;
  const pageSize = opts.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
  const labelSelector = opts.labelSelector ? `${INSTANCE_SELECTOR},${opts.labelSelector}` : INSTANCE_SELECTOR;
  return { deployments: { namespace, labelSelector, pageSize }, namespace, pageSize };
}

/**
 * The pods, PVCs, Ingresses and IngressRoutes of instances (the last two empty when not served),
 * slimmed. The two large lists one after the other: each page of them is asked for ahead anyway.
 */
async function listAroundDeployments(kube: KubeClient, { namespace, pageSize }: ListScope): Promise<[Pod[], Pvc[], Ingress[], Route[]]> {
  const pods = await listSlim(kube, RESOURCES.pods, { namespace, labelSelector: INSTANCE_SELECTOR, pageSize }, slimPod);
  const [pvcs, ingresses, routes] = await Promise.all([
    listSlim(kube, RESOURCES.persistentvolumeclaims, { namespace, labelSelector: INSTANCE_PVC_SELECTOR, pageSize }, slimPvc),
    optional(listSlim(kube, RESOURCES.ingresses, { namespace, labelSelector: INSTANCE_SELECTOR, pageSize }, slimIngress)),
    optional(listSlim(kube, RESOURCES.ingressroutes, { namespace, pageSize }, slimRoute)),
  ]);
  return [pods, pvcs, ingresses ?? [], routes ?? []];
}

/** Joins listed objects into instances (pure; also used by watch). */
export function joinInstances(deployments: Deployment[], pods: Pod[], pvcs: Pvc[], ingresses: Ingress[], routes: Route[]): InstanceObjects[] {
  const join = fleetJoiner(pods, pvcs, ingresses, routes);
  const out: InstanceObjects[] = [];
  for (const d of deployments) {
    const o = join(d);
    if (o) out.push(o);
  }
  return out;
}

/**
 * Indexes pods, PVCs and ingresses once; the function returned joins one Deployment with its objects
 * (undefined when it is not an instance's workload). Pure.
 */
export function fleetJoiner(pods: Pod[], pvcs: Pvc[], ingresses: Ingress[], routes: Route[]): (deployment: Deployment) => InstanceObjects | undefined {
  const key = (ns: string | undefined, n: string | undefined) => `${ns}/${n}`;
  const podsByDeployment = new Map<string, Pod[]>();
  const podsById = new Map<string, Pod[]>();
  for (const p of pods) {
    const dep = deploymentNameOfPod(p);
    if (dep) push(podsByDeployment, key(p.metadata.namespace, dep), p);
    const id = instanceIdOf(p.metadata?.labels);
    if (id) push(podsById, key(p.metadata.namespace, id), p);
  }
  const pvcByName = new Map(pvcs.map((p) => [key(p.metadata.namespace, p.metadata.name), p]));
  const ingressByName = new Map(ingresses.map((i) => [key(i.metadata.namespace, i.metadata.name), i]));
  const routeByName = new Map(routes.map((r) => [key(r.metadata.namespace, r.metadata.name), r]));
  const ingressByService = new Map<string, Ingress>();
  for (const i of ingresses) for (const svc of backendServices(i)) ingressByService.set(key(i.metadata.namespace, svc), i);
  const routeByService = new Map<string, Route>();
  for (const r of routes) for (const rt of r.spec?.routes ?? []) for (const s of rt.services ?? []) routeByService.set(key(r.metadata.namespace, s.name), r);

  return (d) => {
    if (!isInstanceWorkload(d.metadata?.labels)) return undefined;
    const ns = d.metadata.namespace ?? '';
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
    return {
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
    };
  };
}

function backendServices(i: Ingress): string[] {
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
