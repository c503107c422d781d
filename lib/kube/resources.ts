// The API resources the plugin uses, and how their URLs are built.

export interface ResourceType {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const r = (group: string, version: string, plural: string, kind: string, namespaced = true): ResourceType => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

export const RESOURCES = {
  namespaces: r('', 'v1', 'namespaces', 'Namespace', false),
  nodes: r('', 'v1', 'nodes', 'Node', false),
  pods: r('', 'v1', 'pods', 'Pod'),
  services: r('', 'v1', 'services', 'Service'),
  persistentvolumeclaims: r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  persistentvolumes: r('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  configmaps: r('', 'v1', 'configmaps', 'ConfigMap'),
  leases: r('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  secrets: r('', 'v1', 'secrets', 'Secret'),
  events: r('', 'v1', 'events', 'Event'),
  serviceaccounts: r('', 'v1', 'serviceaccounts', 'ServiceAccount'),
  deployments: r('apps', 'v1', 'deployments', 'Deployment'),
  replicasets: r('apps', 'v1', 'replicasets', 'ReplicaSet'),
  daemonsets: r('apps', 'v1', 'daemonsets', 'DaemonSet'),
  statefulsets: r('apps', 'v1', 'statefulsets', 'StatefulSet'),
  jobs: r('batch', 'v1', 'jobs', 'Job'),
  cronjobs: r('batch', 'v1', 'cronjobs', 'CronJob'),
  roles: r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  rolebindings: r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  ingresses: r('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  storageclasses: r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  ingressroutes: r('traefik.io', 'v1alpha1', 'ingressroutes', 'IngressRoute'),
  cephclusters: r('ceph.rook.io', 'v1', 'cephclusters', 'CephCluster'),
} as const;

export type ResourceName = keyof typeof RESOURCES;

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** "deployments.apps" style name used in API messages. */
export function qualifiedName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export function resourcePath(t: ResourceType, opts: { namespace?: string; name?: string; subresource?: string } = {}): string {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  let p = base;
  if (t.namespaced && opts.namespace) p += `/namespaces/${encodeURIComponent(opts.namespace)}`;
  p += `/${t.plural}`;
  if (opts.name !== undefined) p += `/${encodeURIComponent(opts.name)}`;
  if (opts.subresource) p += `/${opts.subresource}`;
  return p;
}
