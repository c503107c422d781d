// Finding instances in the cluster. An instance is a Deployment labelled `app=odoo` (either platform
// scheme or the plugin's) with its pods, data PVC, Service and Ingress/IngressRoute. One instance is
// resolved from any name people use for it; many are listed with a constant number of paged list calls
// (one per resource type), joined in memory.
import type { KubeClient } from '../core/kube/client.js';
import { RESOURCES } from '../core/kube/resources.js';
import { ApiError } from '../core/kube/errors.js';
import { NotFoundError, UsageError } from '../core/errors.js';
import {
  INSTANCE_PVC_SELECTOR,
  INSTANCE_SELECTOR,
  LABEL_APP,
  APP_ODOO,
  instanceIdOf,
  instanceNameOf,
  isInstanceWorkload,
} from './labels.js';
import {
  deploymentNameOfPod,
  deriveInstanceFacts,
  ingressRouteRoutesTo,
  ingressRoutesTo,
  instanceUrl,
  matchesLabels,
  type InstanceFacts,
} from './facts.js';
import { closeMatches } from './names.js';

export interface InstanceObjects {
  namespace: string;
  /** The Deployment's name: what commands print and accept. */
  name: string;
  deployment: any;
  pvcName?: string;
  pvc?: any;
  service?: any;
  ingress?: any;
  ingressRoute?: any;
  pods: any[];
  /** Warning and normal events of the instance's objects (only when asked for). */
  events?: any[];
  url?: string;
  facts: InstanceFacts;
}

export interface ResolveOptions {
  /** Also fetch the events of the Deployment, its pods and PVC (for status). */
  events?: boolean;
}

/** Undefined when the API has no such resource (e.g. no Traefik CRDs installed). */
async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

function selectorOf(match: Record<string, string>): string {
  return Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Does `ref` name this Deployment under any of the names people use for an instance? */
export function referencesInstance(ref: string, deployment: any): boolean {
  const labels = deployment?.metadata?.labels;
  const tmpl = deployment?.spec?.template?.metadata?.labels;
  const id = instanceIdOf(labels) ?? instanceIdOf(tmpl);
  if (deployment?.metadata?.name === ref) return true;
  if (id) {
    const compact = id.replace(/-/g, '');
    if (ref === id || ref === compact || ref === `odoo-instance-${id}` || ref === `odoo-instance-${compact}`) return true;
    // The refactoring guide labels pods with the 8-character prefix of the full id people see elsewhere.
    if (id.length === 8 && ref.replace(/-/g, '').startsWith(id)) return true;
  }
  if (deriveInstanceFacts(deployment).pvcName === ref) return true;
  const display = instanceNameOf(labels);
  return !!display && display === ref;
}

/**
 * Finds the instance `name` refers to: a Deployment name (the plugin's NAME or the platform's
 * `odoo-<db>-<id8>`), an instance id under either label scheme, the platform's instance-name, or the
 * PVC name `odoo-instance-<id>`. NotFoundError with close matches when nothing fits.
 */
export async function findInstanceDeployment(kube: KubeClient, namespace: string, name: string): Promise<any> {
  const direct = await kube.getOptional(RESOURCES.deployments, name, namespace);
  if (direct && isInstanceWorkload(direct.metadata?.labels)) return withKind(direct, 'Deployment', 'apps/v1');
  const all = await kube.list(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR });
  const instances = all.items.filter((d: any) => isInstanceWorkload(d.metadata?.labels));
  const hits = instances.filter((d: any) => referencesInstance(name, d));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    throw new UsageError(`"${name}" matches ${hits.length} instances in namespace ${namespace} (${hits.map((d: any) => d.metadata.name).join(', ')}); use the Deployment name`);
  }
  const candidates = instances.flatMap((d: any) => [d.metadata.name, instanceNameOf(d.metadata?.labels)].filter(Boolean) as string[]);
  const close = closeMatches(name, candidates);
  const notInstance = direct ? ` (Deployment ${name} exists but is not labelled as an Odoo instance)` : '';
  throw new NotFoundError(`instance "${name}" not found in namespace ${namespace}${notInstance}`, {
    hint: close.length ? `did you mean ${close.join(' or ')}?` : undefined,
  });
}

function withKind(o: any, kind: string, apiVersion: string): any {
  return o && !o.kind ? { apiVersion, kind, ...o } : o;
}

/** Everything about one instance, fetched with a handful of calls. */
export async function resolveInstance(kube: KubeClient, namespace: string, name: string, opts: ResolveOptions = {}): Promise<InstanceObjects> {
  const deployment = await findInstanceDeployment(kube, namespace, name);
  return collectInstanceObjects(kube, deployment, opts);
}

export async function collectInstanceObjects(kube: KubeClient, deployment: any, opts: ResolveOptions = {}): Promise<InstanceObjects> {
  const facts = deriveInstanceFacts(deployment);
  const namespace = deployment.metadata.namespace;
  const depName = deployment.metadata.name;
  const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
  const [pvc, serviceByName, ingressByName, routeByName, pods] = await Promise.all([
    facts.pvcName ? kube.getOptional(RESOURCES.persistentvolumeclaims, facts.pvcName, namespace) : undefined,
    kube.getOptional(RESOURCES.services, depName, namespace),
    optional(kube.getOptional(RESOURCES.ingresses, depName, namespace)),
    optional(kube.getOptional(RESOURCES.ingressroutes, depName, namespace)),
    Object.keys(facts.podSelector).length
      ? kube.list(RESOURCES.pods, { namespace, labelSelector: selectorOf(facts.podSelector) }).then((r) => r.items)
      : Promise.resolve([] as any[]),
  ]);
  // The Service is named after the Deployment in every scheme; otherwise one whose selector picks its pods.
  let service = serviceByName && matchesLabels(podLabels, serviceByName.spec?.selector ?? {}) ? serviceByName : undefined;
  if (!service) {
    const services = await kube.list(RESOURCES.services, { namespace, labelSelector: `${LABEL_APP}=${APP_ODOO}` });
    service = services.items.find((s: any) => matchesLabels(podLabels, s.spec?.selector ?? {}));
  }
  const serviceName = service?.metadata?.name ?? depName;
  const ingress = ingressByName && ingressRoutesTo(ingressByName, serviceName) ? withKind(ingressByName, 'Ingress', 'networking.k8s.io/v1') : undefined;
  const ingressRoute =
    routeByName && ingressRouteRoutesTo(routeByName, serviceName) ? withKind(routeByName, 'IngressRoute', 'traefik.io/v1alpha1') : undefined;
  let events: any[] | undefined;
  if (opts.events) {
    const names = [depName, ...pods.map((p: any) => p.metadata.name), ...(pvc ? [pvc.metadata.name] : [])];
    const lists = await Promise.all(
      names.map((n) => kube.list(RESOURCES.events, { namespace, fieldSelector: `involvedObject.name=${n}` }).then((r) => r.items)),
    );
    events = lists.flat();
  }
  return {
    namespace,
    name: depName,
    deployment,
    pvcName: facts.pvcName,
    pvc: pvc ? withKind(pvc, 'PersistentVolumeClaim', 'v1') : undefined,
    service: service ? withKind(service, 'Service', 'v1') : undefined,
    ingress,
    ingressRoute,
    pods: pods.map((p: any) => withKind(p, 'Pod', 'v1')),
    events,
    url: instanceUrl(ingress, ingressRoute),
    facts,
  };
}

export interface ListInstancesOptions {
  namespace?: string;
  allNamespaces?: boolean;
  /** Extra selector the Deployments must match (ANDed with app=odoo). */
  labelSelector?: string;
  pageSize?: number;
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
  return joinInstances(deployments, pods, pvcs, ingresses ?? [], routes ?? []);
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
    const byName = ingressByName.get(key(ns, name));
    const ingress = byName && ingressRoutesTo(byName, name) ? byName : ingressByService.get(key(ns, name));
    const rByName = routeByName.get(key(ns, name));
    const ingressRoute = rByName && ingressRouteRoutesTo(rByName, name) ? rByName : routeByService.get(key(ns, name));
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

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Instance names for shell completion (one list call). */
export async function instanceNames(kube: KubeClient, namespace: string): Promise<string[]> {
  const list = await kube.list(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR });
  return list.items.filter((d: any) => isInstanceWorkload(d.metadata?.labels)).map((d: any) => d.metadata.name).sort();
}
