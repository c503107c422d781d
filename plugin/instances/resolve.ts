// Finding one instance in the cluster. An instance is a Deployment labelled `app=odoo` (either platform
// scheme or the plugin's) with its pods, data PVC, Service and Ingress/IngressRoute. It is resolved from
// any name people use for it (resolveMatch.ts), with a handful of calls. Many instances: resolveFleet.ts;
// what deleted or half-created ones left: resolveRemains.ts.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { CoreV1Event, IngressRoute, Read, Stored, V1Deployment, V1Ingress, V1PersistentVolumeClaim, V1Pod, V1Service } from '../../lib/kube/models.js';
import { APP_ODOO, INSTANCE_SELECTOR, LABEL_APP, isInstanceWorkload } from './labels.js';
import { deriveInstanceFacts, ingressRouteRoutesTo, ingressRoutesTo, instanceUrl, matchesLabels, type InstanceFacts } from './facts.js';
import { closeMatches } from './names.js';
import { id8sOf, instanceKeysOf, matchInstanceKeys, pickInstance, textMayNameInstance } from './resolveMatch.js';
import { describeRemains, findInstanceRemains, InstanceNotFoundError } from './resolveRemains.js';
import { optional, selectorOf, serviceNameAlternative, withKind } from './resolveKube.js';
import { DEFAULT_LIST_PAGE_SIZE, slimDeployment } from './resolveFleet.js';

type Deployment = Stored<V1Deployment>;
type StoredRoute = IngressRoute & { metadata: { name: string } };

export interface InstanceObjects {
  namespace: string;
  /** The Deployment's name: what commands print and accept. */
  name: string;
  deployment: Deployment;
  pvcName?: string;
  pvc?: Stored<V1PersistentVolumeClaim>;
  service?: Stored<V1Service>;
  ingress?: Stored<V1Ingress>;
  ingressRoute?: StoredRoute;
  pods: Stored<V1Pod>[];
  /** Warning and normal events of the instance's objects (only when asked for). */
  events?: Read<CoreV1Event>[];
  url?: string;
  facts: InstanceFacts;
}

export interface ResolveOptions {
  /** Also fetch the events of the Deployment, its pods and PVC (for status). */
  events?: boolean;
  /**
   * Called with the objects of the Deployment named `name`, fetched ahead while the name is checked
   * against every instance; they are what resolveInstance returns (the same object) when the name
   * resolves to it unchanged, so a caller may start its own reads on them meanwhile.
   */
  onAhead?: (o: InstanceObjects) => void;
}

/**
 * Finds the one instance `name` names (resolveMatch.ts: Deployment name, instance-name, database,
 * instance id in any of its forms, PVC name, or a unique id8): always against every instance of the
 * namespace, so a name two instances answer to is refused even when one of them is a Deployment of
 * that name. InstanceNotFoundError with close matches (and, when the instance was deleted but its
 * volume kept, what to do with the volume) when nothing fits.
 */
export async function findInstanceDeployment(kube: KubeClient, namespace: string, name: string, named?: Promise<Deployment | undefined>): Promise<Deployment> {
  // A page whose text cannot hold an instance of that name is not parsed (textMayNameInstance). The
  // rare outcomes that need every instance (none or several match: close matches, the names only one
  // candidate answers to) read them all again.
  const mayName = textMayNameInstance(name);
  let instances = await instanceDeployments(kube, namespace, mayName);
  if (mayName && instances.filter((d) => matchInstanceKeys(name, d).length > 0).length !== 1) instances = await instanceDeployments(kube, namespace);
  const hit = pickInstance(name, instances, namespace);
  // The whole object for the caller (it may patch it); gone meanwhile: not found like any other name.
  const full = hit && ((hit.metadata.name === name && (await named)) || (await kube.getOptional<Deployment>(RESOURCES.deployments, hit.metadata.name, namespace)));
  if (full) return withKind(full, 'Deployment', 'apps/v1');
  const remains = await findInstanceRemains(kube, namespace, name).catch(() => undefined);
  if (remains) {
    const r = describeRemains(remains);
    throw new InstanceNotFoundError(r.message, remains, { hint: r.hint });
  }
  const candidates = instances.flatMap((d) => instanceKeysOf(d).filter((k) => k.key !== 'PVC name' && k.key !== 'instance id').map((k) => k.value));
  const close = closeMatches(name, candidates);
  const direct = await kube.getOptional(RESOURCES.deployments, name, namespace).catch(() => undefined);
  const notInstance = direct ? ` (Deployment ${name} exists but is not labelled as an Odoo instance)` : '';
  throw new InstanceNotFoundError(`instance "${name}" not found in namespace ${namespace}${notInstance}`, undefined, {
    hint: close.length ? `did you mean ${close.join(' or ')}?` : undefined,
  });
}

/** Page by page, keeping only what matching reads: 10,000 instances stay small in memory. */
async function instanceDeployments(kube: KubeClient, namespace: string, pageMayMatch?: (text: string) => boolean): Promise<Deployment[]> {
  const instances: Deployment[] = [];
  for await (const page of kube.listPages<Deployment>(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR, pageSize: DEFAULT_LIST_PAGE_SIZE, pageMayMatch })) {
    for (const d of page.items) if (isInstanceWorkload(d.metadata?.labels)) instances.push(slimDeployment(d));
  }
  return instances;
}

/**
 * Everything about one instance, fetched with a handful of calls. The Deployment of that name, the
 * usual answer, is read and its objects fetched while the name is checked against every instance;
 * they are kept when it is the one the name resolves to, unchanged since.
 */
export async function resolveInstance(kube: KubeClient, namespace: string, name: string, opts: ResolveOptions = {}): Promise<InstanceObjects> {
  const named = kube.getOptional<Deployment>(RESOURCES.deployments, name, namespace);
  named.catch(() => {});
  const early = named
    .then((d) => (d && isInstanceWorkload(d.metadata?.labels) ? collectInstanceObjects(kube, withKind(d, 'Deployment', 'apps/v1'), opts) : undefined))
    .then((o) => {
      if (o) opts.onAhead?.(o);
      return o;
    })
    .catch(() => undefined);
  const deployment = await findInstanceDeployment(kube, namespace, name, named.catch(() => undefined));
  const ahead = await early;
  const same = (a: Deployment, b: Deployment) => a.metadata.uid === b.metadata.uid && a.metadata.resourceVersion === b.metadata.resourceVersion;
  return ahead && same(ahead.deployment, deployment) ? ahead : collectInstanceObjects(kube, deployment, opts);
}

export async function collectInstanceObjects(kube: KubeClient, deployment: Deployment, opts: ResolveOptions = {}): Promise<InstanceObjects> {
  const facts = deriveInstanceFacts(deployment);
  const namespace = deployment.metadata.namespace ?? '';
  const depName = deployment.metadata.name;
  const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
  const [pvc, serviceByName, serviceSuffixed, ingressByName, routeByName, pods] = await Promise.all([
    facts.pvcName ? kube.getOptional<Stored<V1PersistentVolumeClaim>>(RESOURCES.persistentvolumeclaims, facts.pvcName, namespace) : undefined,
    kube.getOptional<Stored<V1Service>>(RESOURCES.services, depName, namespace),
    kube.getOptional<Stored<V1Service>>(RESOURCES.services, serviceNameAlternative(depName), namespace),
    optional(kube.getOptional<Stored<V1Ingress>>(RESOURCES.ingresses, depName, namespace)),
    optional(kube.getOptional<StoredRoute>(RESOURCES.ingressroutes, depName, namespace)),
    Object.keys(facts.podSelector).length
      ? kube.list<Stored<V1Pod>>(RESOURCES.pods, { namespace, labelSelector: selectorOf(facts.podSelector) }).then((r) => r.items)
      : Promise.resolve([]),
  ]);
  // The Service is named after the Deployment (or `<name>-service`, the native refactor's); otherwise
  // one whose selector picks its pods.
  const selects = (s: Stored<V1Service> | undefined) => !!s && matchesLabels(podLabels, s.spec?.selector ?? {});
  let service = [serviceByName, serviceSuffixed].find(selects);
  if (!service) {
    const services = await kube.list<Stored<V1Service>>(RESOURCES.services, { namespace, labelSelector: `${LABEL_APP}=${APP_ODOO}` });
    service = services.items.find((s) => matchesLabels(podLabels, s.spec?.selector ?? {}));
  }
  const serviceName = service?.metadata?.name ?? depName;
  const ingress = ingressByName && ingressRoutesTo(ingressByName, serviceName) ? withKind(ingressByName, 'Ingress', 'networking.k8s.io/v1') : undefined;
  const ingressRoute =
    routeByName && ingressRouteRoutesTo(routeByName, serviceName) ? withKind(routeByName, 'IngressRoute', 'traefik.io/v1alpha1') : undefined;
  let events: Read<CoreV1Event>[] | undefined;
  if (opts.events) {
    const names = [depName, ...pods.map((p) => p.metadata.name), ...(pvc ? [pvc.metadata.name] : [])];
    const lists = await Promise.all(
      names.map((n) => kube.list<Read<CoreV1Event>>(RESOURCES.events, { namespace, fieldSelector: `involvedObject.name=${n}` }).then((r) => r.items)),
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
    pods: pods.map((p) => withKind(p, 'Pod', 'v1')),
    events,
    url: instanceUrl(ingress, ingressRoute),
    facts,
  };
}

/**
 * Every name an instance answers to, for shell completion (one list call): the Deployment name as it
 * is, the other forms (instance-name, database, instance ids, id8, PVC name) with what they are. A name
 * two instances share is left out: it would only be refused as ambiguous.
 */
export async function instanceNames(kube: KubeClient, namespace: string): Promise<{ value: string; describe: string }[]> {
  const list = await kube.list<Deployment>(RESOURCES.deployments, { namespace, labelSelector: INSTANCE_SELECTOR });
  const owners = new Map<string, { describe: string; count: number }>();
  for (const d of list.items.filter((x) => isInstanceWorkload(x.metadata?.labels))) {
    const forms = [...instanceKeysOf(d), ...id8sOf(d).map((value) => ({ key: 'id8', value }))];
    for (const k of forms.filter((f, i) => forms.findIndex((g) => g.value === f.value) === i)) {
      const o = owners.get(k.value);
      const describe = k.key === 'Deployment name' ? '' : `${k.key} of ${d.metadata.name}`;
      owners.set(k.value, { describe, count: (o?.count ?? 0) + 1 });
    }
  }
  return [...owners].filter(([, o]) => o.count === 1).map(([value, o]) => ({ value, describe: o.describe })).sort((a, b) => (a.value < b.value ? -1 : 1));
}
