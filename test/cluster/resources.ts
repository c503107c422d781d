// The API resources the test cluster serves, with what discovery reports about each.
export interface ResourceDef {
  group: string; // '' for core
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources beyond the object itself: status, scale, log, exec, ... */
  subresources?: string[];
  /** How metadata.name is validated. */
  nameRule: 'subdomain' | 'label' | 'dns1035' | 'path';
  /** Verbs on the collection/object; namespaces cannot be deleted as a collection. */
  verbs?: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function def(group: string, version: string, kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceDef> = {}): ResourceDef {
  return { group, version, kind, plural, singular: kind.toLowerCase(), namespaced, nameRule: 'subdomain', ...extra };
}

export const RESOURCE_DEFS: ResourceDef[] = [
  def('', 'v1', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'],
    subresources: ['status', 'finalize'],
    nameRule: 'label',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  def('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status', 'proxy'] }),
  def('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'log', 'exec', 'attach', 'portforward', 'binding', 'eviction', 'ephemeralcontainers'],
  }),
  def('', 'v1', 'Service', 'services', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status', 'proxy'],
    nameRule: 'dns1035',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  def('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'] }),
  def('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  def('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  def('', 'v1', 'Secret', 'secrets', true),
  def('', 'v1', 'Event', 'events', true, { shortNames: ['ev'], nameRule: 'path' }),
  def('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  def('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  def('apps', 'v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  def('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  def('batch', 'v1', 'Job', 'jobs', true, { categories: ['all'], subresources: ['status'] }),
  def('batch', 'v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  def('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { shortNames: ['ing'], subresources: ['status'] }),
  def('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  def('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  def('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true, { nameRule: 'path' }),
  def('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true, { nameRule: 'path' }),
  def('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false, { nameRule: 'path' }),
  def('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false, { nameRule: 'path' }),
  // Reviews are created and answered, never stored.
  def('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { verbs: ['create'] }),
  def('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, { verbs: ['create'] }),
  def('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { shortNames: ['crd', 'crds'], subresources: ['status'] }),
  // Custom resources, served generically as the CRDs of Traefik and Rook define them.
  def('traefik.io', 'v1alpha1', 'IngressRoute', 'ingressroutes', true),
  def('ceph.rook.io', 'v1', 'CephCluster', 'cephclusters', true, { subresources: ['status'] }),
];

export function verbsOf(d: ResourceDef): string[] {
  return d.verbs ?? ALL_VERBS;
}

export function apiVersionOf(d: ResourceDef): string {
  return d.group ? `${d.group}/${d.version}` : d.version;
}

export const RESOURCES_BY_PLURAL: Map<string, ResourceDef> = new Map(RESOURCE_DEFS.map((d) => [d.plural, d]));

/** Looks a resource up by its plural; throws for a resource the cluster does not serve. */
export function resourceDef(plural: string): ResourceDef {
  const d = RESOURCES_BY_PLURAL.get(plural);
  if (!d) throw new Error(`the test cluster does not serve the resource "${plural}"`);
  return d;
}

/** Group/version → resources, in the order discovery lists them. */
export function groupVersions(): Map<string, ResourceDef[]> {
  const m = new Map<string, ResourceDef[]>();
  for (const d of RESOURCE_DEFS) {
    const gv = apiVersionOf(d);
    if (!m.has(gv)) m.set(gv, []);
    m.get(gv)!.push(d);
  }
  return m;
}

/** The CRD objects a real cluster would hold for the custom resources above. */
export function customResourceDefinitions(): any[] {
  return RESOURCE_DEFS.filter((d) => d.group.endsWith('traefik.io') || d.group === 'ceph.rook.io').map((d) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${d.group}` },
    spec: {
      group: d.group,
      names: { kind: d.kind, listKind: `${d.kind}List`, plural: d.plural, singular: d.singular, ...(d.shortNames ? { shortNames: d.shortNames } : {}) },
      scope: d.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: d.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          ...(d.subresources?.includes('status') ? { subresources: { status: {} } } : {}),
        },
      ],
    },
    status: { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }], acceptedNames: { kind: d.kind, plural: d.plural } },
  }));
}
