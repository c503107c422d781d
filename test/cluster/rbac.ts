// The RBAC authorizer of the API server (plugin/pkg/auth/authorizer/rbac): every request's attributes
// are checked against the ClusterRoleBindings and the RoleBindings of its namespace, their Roles and
// ClusterRoles (aggregated ClusterRoles included), and the bootstrap policy a fresh cluster holds
// (cluster-admin for system:masters, discovery and self-reviews for every authenticated user).
import type { Store } from './store.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

/** authorizer.Attributes: what a request wants, as the request-info filter derives it. */
export interface RequestAttributes {
  verb: string;
  resourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Decision {
  allowed: boolean;
  /** "RBAC: allowed by ..." when allowed; "RBAC: <errors>" when denied with unresolved role references, else "". */
  reason: string;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

// ---- matching (rbac.RuleAllows and friends) ----

function has(list: string[] | undefined, v: string): boolean {
  return !!list && (list.includes('*') || list.includes(v));
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceURLMatches(rule, attrs.path ?? '');
  if (!has(rule.apiGroups, attrs.apiGroup ?? '')) return false;
  if (!resourceMatches(rule, attrs.resource ?? '', attrs.subresource ?? '')) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attrs.name ?? '');
}

function subjectApplies(user: UserInfo, s: any, bindingNamespace: string): boolean {
  switch (s?.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return !!ns && user.name === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: any, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

// ---- rule resolution (rbac/validation.DefaultRuleResolver) ----

function matchesSelector(labels: Record<string, string> | undefined, sel: any): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel?.matchExpressions ?? []) {
    const present = e.key in l;
    const inValues = present && (e.values ?? []).includes(l[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !present) return false;
    if (e.operator === 'DoesNotExist' && present) return false;
  }
  return true;
}

/**
 * A ClusterRole's rules. An aggregated one gets the rules of every ClusterRole its selectors pick, as
 * the clusterrole-aggregation controller writes them into it.
 */
export function clusterRoleRules(store: Store, role: any): PolicyRule[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors?.length) return role.rules ?? [];
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  const sources = store
    .list('clusterroles')
    .filter((r: any) => r.metadata.name !== role.metadata.name && selectors.some((s: any) => matchesSelector(r.metadata.labels, s)))
    .sort((a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name));
  for (const src of sources)
    for (const rule of src.rules ?? []) {
      const key = JSON.stringify(rule);
      if (!seen.has(key)) rules.push(rule), seen.add(key);
    }
  return rules;
}

function roleRefRules(store: Store, ref: any, bindingNamespace: string): PolicyRule[] | Error {
  if (ref?.kind === 'Role') {
    const role = store.get('roles', bindingNamespace, ref.name);
    return role ? (role.rules ?? []) : new Error(`role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found`);
  }
  if (ref?.kind === 'ClusterRole') {
    const role = store.get('clusterroles', undefined, ref.name);
    return role ? clusterRoleRules(store, role) : new Error(`clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found`);
  }
  return new Error(`unsupported role reference kind: ${JSON.stringify(ref?.kind)}`);
}

/**
 * Visits the rules that apply to the user in a namespace ('' = cluster scope only), ClusterRoleBindings
 * first, as VisitRulesFor does. The visitor returns false to stop.
 */
function visitRulesFor(store: Store, user: UserInfo, namespace: string, visit: (source: string | undefined, rule: PolicyRule | undefined, err?: Error) => boolean): void {
  const bindings: { binding: any; ns: string; describe: (s: any) => string }[] = [];
  for (const b of store.list('clusterrolebindings'))
    bindings.push({ binding: b, ns: '', describe: (s) => `ClusterRoleBinding ${JSON.stringify(b.metadata.name)} of ${b.roleRef?.kind} ${JSON.stringify(b.roleRef?.name)} to ${describeSubject(s, '')}` });
  if (namespace)
    for (const b of store.list('rolebindings', namespace))
      bindings.push({
        binding: b,
        ns: namespace,
        describe: (s) => `RoleBinding ${JSON.stringify(`${b.metadata.name}/${namespace}`)} of ${b.roleRef?.kind} ${JSON.stringify(b.roleRef?.name)} to ${describeSubject(s, namespace)}`,
      });
  for (const { binding, ns, describe } of bindings) {
    const subject = (binding.subjects ?? []).find((s: any) => subjectApplies(user, s, ns));
    if (!subject) continue;
    const rules = roleRefRules(store, binding.roleRef, ns);
    if (rules instanceof Error) {
      if (!visit(undefined, undefined, rules)) return;
      continue;
    }
    const source = describe(subject);
    for (const rule of rules) if (!visit(source, rule)) return;
  }
}

function aggregate(errors: Error[]): string {
  return errors.length === 1 ? errors[0].message : `[${errors.map((e) => e.message).join(', ')}]`;
}

export function authorize(store: Store, user: UserInfo, attrs: RequestAttributes): Decision {
  let allowedBy: string | undefined;
  const errors: Error[] = [];
  visitRulesFor(store, user, attrs.namespace ?? '', (source, rule, err) => {
    if (rule && ruleAllows(attrs, rule)) {
      allowedBy = source;
      return false;
    }
    if (err) errors.push(err);
    return true;
  });
  if (allowedBy) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
  return { allowed: false, reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
}

/** Every rule that applies to the user in the namespace, for SelfSubjectRulesReview. */
export function rulesFor(store: Store, user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: Error[] } {
  const rules: PolicyRule[] = [];
  const errors: Error[] = [];
  visitRulesFor(store, user, namespace, (_source, rule, err) => {
    if (rule) rules.push(rule);
    if (err) errors.push(err);
    return true;
  });
  return { rules, errors };
}

/**
 * responsewriters.forbiddenMessage: `User "u" cannot list resource "pods" in API group "" in the
 * namespace "ns"`, or `... at the cluster scope`, or `User "u" cannot get path "/x"`.
 */
export function forbiddenMessage(user: UserInfo, a: RequestAttributes): string {
  const q = JSON.stringify;
  if (!a.resourceRequest) return `User ${q(user.name)} cannot ${a.verb} path ${q(a.path ?? '')}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  if (a.namespace) return `User ${q(user.name)} cannot ${a.verb} resource ${q(resource)} in API group ${q(a.apiGroup ?? '')} in the namespace ${q(a.namespace)}`;
  return `User ${q(user.name)} cannot ${a.verb} resource ${q(resource)} in API group ${q(a.apiGroup ?? '')} at the cluster scope`;
}

// ---- request attributes (endpoints/request.RequestInfoFactory) ----

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** The attributes of an HTTP request, as the API server's request-info filter computes them. */
export function requestAttributes(method: string, pathname: string, q: URLSearchParams): RequestAttributes {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const httpVerb = method.toLowerCase();
  const nonResource = (): RequestAttributes => ({ verb: httpVerb === 'head' ? 'get' : httpVerb, resourceRequest: false, path: pathname });
  let rest: string[];
  let apiGroup = '';
  let apiVersion: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1];
    apiVersion = parts[2];
    rest = parts.slice(3);
  } else return nonResource();
  let verb = ({ post: 'create', get: 'get', head: 'get', put: 'update', patch: 'patch', delete: 'delete' } as Record<string, string>)[httpVerb] ?? httpVerb;
  if (rest[0] === 'watch') {
    verb = 'watch';
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      namespace = rest[1];
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
    }
  }
  const attrs: RequestAttributes = { verb, resourceRequest: true, apiGroup, apiVersion, namespace, resource: rest[0] };
  if (rest.length >= 2) attrs.name = rest[1];
  if (rest.length >= 3) attrs.subresource = rest[2];
  if (rest.length === 1) {
    // A collection: get means list (or watch), delete means deletecollection.
    if (attrs.verb === 'get') attrs.verb = q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
    if (attrs.verb === 'delete') attrs.verb = 'deletecollection';
  }
  if ((attrs.verb === 'list' || attrs.verb === 'watch') && !attrs.name) {
    // A list or watch of one name (fieldSelector=metadata.name=x) is authorized for that name.
    const m = /(?:^|,)metadata\.name==?([^,]+)/.exec(q.get('fieldSelector') ?? '');
    if (m) attrs.name = m[1];
  }
  return attrs;
}

// ---- the bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy) ----

export function bootstrapPolicy(): { clusterRoles: any[]; clusterRoleBindings: any[] } {
  const meta = (name: string, extra: Record<string, string> = {}) => ({
    name,
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...extra },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  });
  const clusterRoles = [
    { metadata: meta('cluster-admin'), rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] },
    {
      metadata: meta('system:discovery'),
      rules: [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }],
    },
    { metadata: meta('system:public-info-viewer'), rules: [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }] },
    {
      metadata: meta('system:basic-user'),
      rules: [{ apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] }, { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] }],
    },
  ];
  const binding = (name: string, role: string, groups: string[]) => ({
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: g })),
  });
  const clusterRoleBindings = [
    binding('cluster-admin', 'cluster-admin', ['system:masters']),
    binding('system:discovery', 'system:discovery', ['system:authenticated']),
    binding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    binding('system:basic-user', 'system:basic-user', ['system:authenticated']),
  ];
  return { clusterRoles, clusterRoleBindings };
}
