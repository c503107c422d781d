// Discovery documents (/version, /api, /apis, /apis/<group>/<version>) as kubectl and client-go
// read them. Legacy (unaggregated) discovery: kubectl falls back to it when the answer to its
// aggregated-discovery Accept header is plain application/json.
import { RESOURCE_DEFS, groupVersions, verbsOf, type ResourceDef } from './resources.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupsMap(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const d of RESOURCE_DEFS) {
    if (!d.group) continue;
    if (!m.has(d.group)) m.set(d.group, []);
    if (!m.get(d.group)!.includes(d.version)) m.get(d.group)!.push(d.version);
  }
  // The scale subresource's kind lives in autoscaling/v1.
  if (!m.has('autoscaling')) m.set('autoscaling', ['v1']);
  return m;
}

function apiGroup(name: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupsMap()].map(([n, vs]) => apiGroup(n, vs)) };
}

export function apiGroupDoc(group: string) {
  const vs = groupsMap().get(group);
  return vs ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, vs) } : undefined;
}

const SUB_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  binding: ['create'],
  eviction: ['create'],
  ephemeralcontainers: ['get', 'patch', 'update'],
  finalize: ['update'],
  token: ['create'],
};

function subKind(d: ResourceDef, sub: string): { kind: string; group?: string; version?: string } {
  switch (sub) {
    case 'scale':
      return { kind: 'Scale', group: 'autoscaling', version: 'v1' };
    case 'log':
    case 'proxy':
      return { kind: sub === 'log' ? 'Pod' : `${d.kind}ProxyOptions` };
    case 'exec':
      return { kind: 'PodExecOptions' };
    case 'attach':
      return { kind: 'PodAttachOptions' };
    case 'portforward':
      return { kind: 'PodPortForwardOptions' };
    case 'binding':
      return { kind: 'Binding' };
    case 'eviction':
      return { kind: 'Eviction', group: 'policy', version: 'v1' };
    case 'token':
      return { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' };
    default:
      return { kind: d.kind };
  }
}

export function apiResourceList(groupVersion: string) {
  const defs = groupVersions().get(groupVersion);
  if (!defs) {
    if (groupVersion === 'autoscaling/v1') return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: [] };
    return undefined;
  }
  const resources: any[] = [];
  for (const d of defs) {
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: verbsOf(d),
      ...(d.shortNames ? { shortNames: d.shortNames } : {}),
      ...(d.categories ? { categories: d.categories } : {}),
    });
    for (const sub of d.subresources ?? []) {
      resources.push({ name: `${d.plural}/${sub}`, singularName: '', namespaced: d.namespaced, ...subKind(d, sub), verbs: SUB_VERBS[sub] ?? ['get'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

// ---- OpenAPI v3 ----
// Just enough for kubectl: each PATCH operation names its GVK and the fieldValidation/dryRun query
// parameters, so kubectl validates on the server (fieldValidation=Strict) instead of downloading
// schemas. No strategic-merge schema is published, so `kubectl apply` computes its patch from
// its built-in types (or a JSON merge patch for custom resources), as it does for any server
// without one.
const OPENAPI_HASH = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';

function gvPath(gv: string): string {
  return gv === 'v1' ? 'api/v1' : `apis/${gv}`;
}

export function openApiV3Root() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions().keys()) paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=${OPENAPI_HASH}` };
  return { paths };
}

export function openApiV3Doc(path: string) {
  const gv = [...groupVersions().keys()].find((g) => gvPath(g) === path);
  if (!gv) return undefined;
  const paths: Record<string, unknown> = {};
  const query = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  for (const d of groupVersions().get(gv)!) {
    const base = `/${gvPath(gv)}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.plural}/{name}`;
    const gvk = { group: d.group, version: d.version, kind: d.kind };
    const content = { 'application/json-patch+json': {}, 'application/merge-patch+json': {}, 'application/apply-patch+yaml': {} };
    paths[base] = {
      get: { 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk },
      patch: {
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation'), query('force')],
        requestBody: { content },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas: {} } };
}
