// Finding instances in the cluster. An instance is a Deployment labelled `app=odoo` (either platform
// scheme or the plugin's) with its pods, data PVC, Service and Ingress/IngressRoute. One instance is
// resolved from any name people use for it; many are listed with a constant number of paged list calls
// (one per resource type), joined in memory.
import type { KubeClient } from '../core/kube/client.js';
import { RESOURCES, type ResourceType } from '../core/kube/resources.js';
import { ApiError } from '../core/kube/errors.js';
import { NotFoundError, UsageError } from '../core/errors.js';
import {
  ANNOTATION_KEPT_AFTER_DELETE,
  APP_ODOO_PVC,
  customerIdOf,
  isPluginManaged,
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

const HEX8 = /^[0-9a-f]{8}$/;

/**
 * Every id an instance is known by: its instance-id label (as written and without dashes) and the id in
 * its data PVC's name (`odoo-instance-<id>`): the refactoring guide labels Deployments with the
 * 8-character prefix only, while its PVC carries the full id people see elsewhere.
 */
export function instanceIdsOf(deployment: any): string[] {
  const id = instanceIdOf(deployment?.metadata?.labels) ?? instanceIdOf(deployment?.spec?.template?.metadata?.labels);
  const ids = new Set<string>();
  const add = (x: string) => {
    ids.add(x);
    ids.add(x.replace(/-/g, ''));
  };
  if (id) add(id);
  const m = /^odoo-instance-(.+)$/.exec(deriveInstanceFacts(deployment).pvcName ?? '');
  if (m) add(m[1]);
  return [...ids];
}

/**
 * Does `ref` name this Deployment exactly, under one of the names people use for an instance: the
 * Deployment name, an instance id (with or without dashes), the PVC name, or the platform's
 * instance-name? Never a prefix: `prod1234-old` must not find `prod1234`.
 */
export function referencesInstance(ref: string, deployment: any): boolean {
  if (deployment?.metadata?.name === ref) return true;
  if (instanceIdsOf(deployment).includes(ref)) return true;
  if (deriveInstanceFacts(deployment).pvcName === ref) return true;
  const display = instanceNameOf(deployment?.metadata?.labels);
  return !!display && display === ref;
}

/** `ref` is exactly 8 hex characters and one of the instance's ids starts with them (the id8 of `odoo-<db>-<id8>`). */
export function referencesInstanceByIdPrefix(ref: string, deployment: any): boolean {
  if (!HEX8.test(ref)) return false;
  return instanceIdsOf(deployment).some((id) => id.replace(/-/g, '').startsWith(ref));
}

/**
 * Picks the one Deployment `ref` names: exact matches first; an 8-hex-character id prefix only when
 * nothing matches exactly. More than one candidate is an error that lists them, never a guess.
 */
export function pickInstance(ref: string, instances: any[], namespace: string): any | undefined {
  const describe = (d: any) => {
    const id = instanceIdOf(d.metadata?.labels) ?? instanceIdOf(d.spec?.template?.metadata?.labels);
    return id && id !== d.metadata.name ? `${d.metadata.name} (id ${id})` : d.metadata.name;
  };
  const exact = instances.filter((d) => referencesInstance(ref, d));
  if (exact.length === 1) return exact[0];
  if (exact.length > 1) {
    throw new UsageError(`"${ref}" matches ${exact.length} instances in namespace ${namespace}: ${exact.map(describe).join(', ')}; use the Deployment name`);
  }
  const byPrefix = instances.filter((d) => referencesInstanceByIdPrefix(ref, d));
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) {
    throw new UsageError(`"${ref}" is the start of ${byPrefix.length} instance ids in namespace ${namespace}: ${byPrefix.map(describe).join(', ')}; use the Deployment name or the full id`);
  }
  return undefined;
}

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

/**
 * Finds the instance `name` refers to: a Deployment name (the plugin's NAME or the platform's
 * `odoo-<db>-<id8>`), an instance id under either label scheme, the platform's instance-name, or the
 * PVC name `odoo-instance-<id>`. InstanceNotFoundError with close matches (and, when the instance was
 * deleted but its volume kept, what to do with the volume) when nothing fits.
 */
export async function findInstanceDeployment(kube: KubeClient, namespace: string, name: string): Promise<any> {
  const direct = await kube.getOptional(RESOURCES.deployments, name, namespace);
  if (direct && isInstanceWorkload(direct.metadata?.labels)) return withKind(direct, 'Deployment', 'apps/v1');
  const all = await kube.list(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR });
  const instances = all.items.filter((d: any) => isInstanceWorkload(d.metadata?.labels));
  const hit = pickInstance(name, instances, namespace);
  if (hit) return hit;
  const remains = await findInstanceRemains(kube, namespace, name).catch(() => undefined);
  if (remains) {
    const r = describeRemains(remains);
    throw new InstanceNotFoundError(r.message, remains, { hint: r.hint });
  }
  const candidates = instances.flatMap((d: any) => [d.metadata.name, instanceNameOf(d.metadata?.labels)].filter(Boolean) as string[]);
  const close = closeMatches(name, candidates);
  const notInstance = direct ? ` (Deployment ${name} exists but is not labelled as an Odoo instance)` : '';
  throw new InstanceNotFoundError(`instance "${name}" not found in namespace ${namespace}${notInstance}`, undefined, {
    hint: close.length ? `did you mean ${close.join(' or ')}?` : undefined,
  });
}

/** What is left of an instance that has no Deployment: its kept volume, and objects an interrupted create made. */
export interface InstanceRemains {
  namespace: string;
  /** The instance name the remains belong to. */
  name: string;
  instanceId?: string;
  customerId?: string;
  /** The data volume (kept by delete, or made by a create that did not finish). */
  pvc?: any;
  /** When `delete` kept the volume (its annotation), if it did. */
  keptSince?: string;
  /** Service / Ingress / IngressRoute the plugin created for the instance (a create that did not finish). */
  leftovers: { type: ResourceType; object: any }[];
}

/** Whether a PVC is an instance's data volume by its labels or the platforms' naming. */
export function isInstanceDataVolume(pvc: any): boolean {
  const labels = pvc?.metadata?.labels ?? {};
  if (labels[LABEL_APP] !== APP_ODOO && labels[LABEL_APP] !== APP_ODOO_PVC) return false;
  return !!instanceIdOf(labels) || /^odoo-instance-./.test(pvc?.metadata?.name ?? '');
}

/** The instance name a volume without a Deployment stands for: its instance-name or id label, else its name. */
export function instanceNameOfVolume(pvc: any): string {
  const labels = pvc?.metadata?.labels;
  return instanceNameOf(labels) ?? instanceIdOf(labels) ?? String(pvc?.metadata?.name ?? '').replace(/^odoo-instance-/, '');
}

/**
 * Remains of an instance `ref` names exactly (instance name, id, or PVC name) that has no Deployment:
 * a volume kept by `delete`, and the Service/ingress of a create that did not finish. Only objects the
 * plugin labelled for that instance count as leftovers; a PVC must be an instance data volume.
 */
export async function findInstanceRemains(kube: KubeClient, namespace: string, ref: string): Promise<InstanceRemains | undefined> {
  const pvcs = (await kube.list(RESOURCES.persistentvolumeclaims, { namespace, labelSelector: INSTANCE_PVC_SELECTOR })).items.filter(isInstanceDataVolume);
  const names = ref.startsWith('odoo-instance-') ? [ref] : [`odoo-instance-${ref}`, `odoo-instance-${ref.replace(/-/g, '')}`];
  const byName = pvcs.filter((p: any) => names.includes(p.metadata.name));
  const byLabel = pvcs.filter((p: any) => instanceIdOf(p.metadata?.labels) === ref || instanceNameOf(p.metadata?.labels) === ref);
  const matches = byName.length ? byName : byLabel;
  if (matches.length > 1) {
    throw new UsageError(`"${ref}" matches ${matches.length} volumes in namespace ${namespace} (${matches.map((p: any) => p.metadata.name).join(', ')}); use the PVC name`);
  }
  const pvc = matches[0];
  // A volume some instance still mounts is that instance's, not remains.
  if (pvc) {
    const deps = await kube.list(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR });
    const pvcId = instanceIdOf(pvc.metadata?.labels);
    if (deps.items.some((d: any) => deriveInstanceFacts(d).pvcName === pvc.metadata.name || (pvcId && instanceIdsOf(d).includes(pvcId)))) return undefined;
  }
  const name = pvc ? instanceNameOfVolume(pvc) : ref;
  const instanceId = (pvc && instanceIdOf(pvc.metadata?.labels)) ?? name;
  const candidates = [RESOURCES.services, RESOURCES.ingresses, RESOURCES.ingressroutes] as const;
  const found = await Promise.all(candidates.map((t) => optional(kube.getOptional(t, name, namespace))));
  const leftovers = candidates
    .map((type, i) => ({ type, object: found[i] }))
    .filter((x) => x.object && isPluginManaged(x.object.metadata?.labels) && instanceIdOf(x.object.metadata?.labels) === instanceId);
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
    ...(m.annotations?.[ANNOTATION_KEPT_AFTER_DELETE] ? { annotations: { [ANNOTATION_KEPT_AFTER_DELETE]: m.annotations[ANNOTATION_KEPT_AFTER_DELETE] } } : {}),
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

/** A volume left by a deleted instance: an instance data PVC that no instance mounts or claims. */
export interface KeptVolume {
  namespace: string;
  /** The instance name it stands for (`delete NAME --delete-data` removes it). */
  name: string;
  pvc: any;
  instanceId?: string;
  customerId?: string;
  keptSince?: string;
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

/** Instance data volumes no listed instance mounts and whose instance id no instance carries (pure). */
export function keptVolumesOf(instances: InstanceObjects[], pvcs: any[]): KeptVolume[] {
  const used = new Set<string>();
  const ids = new Set<string>();
  for (const o of instances) {
    if (o.pvcName) used.add(`${o.namespace}/${o.pvcName}`);
    for (const id of instanceIdsOf(o.deployment)) ids.add(`${o.namespace}/${id}`);
  }
  const out: KeptVolume[] = [];
  for (const p of pvcs) {
    const ns = p.metadata.namespace;
    if (!isInstanceDataVolume(p) || used.has(`${ns}/${p.metadata.name}`)) continue;
    const id = instanceIdOf(p.metadata?.labels);
    // A volume whose instance still exists (e.g. made by migrate-storage before the switch) is not kept.
    if (id && ids.has(`${ns}/${id}`)) continue;
    const customerId = customerIdOf(p.metadata?.labels);
    const keptSince = p.metadata?.annotations?.[ANNOTATION_KEPT_AFTER_DELETE];
    out.push({ namespace: ns, name: instanceNameOfVolume(p), pvc: p, ...(id ? { instanceId: id } : {}), ...(customerId ? { customerId } : {}), ...(keptSince ? { keptSince } : {}) });
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
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
