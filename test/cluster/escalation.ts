// RBAC's escalation prevention (pkg/registry/rbac: the policy-based storage of Roles, ClusterRoles and
// their bindings, and validation.ConfirmNoEscalation): a user may write a Role or ClusterRole only with
// every permission it grants, unless allowed to "escalate" it, and a binding only to a role whose
// permissions it holds, unless allowed to "bind" that role. The refusal is a 403 Forbidden:
//   clusterroles.rbac.authorization.k8s.io "x" is forbidden: user "u" (groups=["g" "system:authenticated"])
//   is attempting to grant RBAC permissions not currently held:
//   {APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}
import { forbidden } from './errors.js';
import { authorize, clusterRoleRules, rulesFor, type PolicyRule, type UserInfo } from './rbac.js';
import type { ResourceDef } from './resources.js';
import type { Store } from './store.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

/** One verb on one resource (or URL) and at most one name: rbac's BreakdownRule. */
interface Right {
  verb: string;
  group?: string;
  resource?: string;
  name?: string;
  url?: string;
}

function breakdown(rule: PolicyRule): Right[] {
  const out: Right[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ verb, group, resource, name });
        else out.push({ verb, group, resource });
      }
    for (const url of rule.nonResourceURLs ?? []) out.push({ verb, url });
  }
  return out;
}

/** validation.ruleCovers for one broken-down right. */
function covers(owner: PolicyRule, r: Right): boolean {
  if (!has(owner.verbs, r.verb)) return false;
  if (r.url !== undefined) return (owner.nonResourceURLs ?? []).some((u) => u === '*' || u === r.url || (u.endsWith('*') && r.url!.startsWith(u.slice(0, -1))));
  if (!has(owner.apiGroups, r.group ?? '')) return false;
  const sub = r.resource!.includes('/') ? r.resource!.slice(r.resource!.indexOf('/')) : '';
  if (!(owner.resources ?? []).some((x) => x === '*' || x === r.resource || (sub && x === `*${sub}`))) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (r.name !== undefined && names.includes(r.name));
}

const q = JSON.stringify;

/** rbacv1helpers.CompactString of the missing rights, sorted. */
function describeMissing(missing: Right[]): string[] {
  const byKey = new Map<string, { r: Right; verbs: string[] }>();
  for (const r of missing) {
    // CompactRules merges the verbs of a single group and resource with nothing else to them.
    const key = JSON.stringify(r.name !== undefined || r.url !== undefined ? [r.group, r.resource, r.name, r.url, r.verb] : [r.group, r.resource]);
    const e = byKey.get(key) ?? { r, verbs: [] };
    e.verbs.push(r.verb);
    byKey.set(key, e);
  }
  const list = (xs: string[]) => `[${xs.map((x) => q(x)).join(' ')}]`;
  return [...byKey.values()]
    .map(({ r, verbs }) => {
      const parts: string[] = [];
      if (r.url !== undefined) parts.push(`NonResourceURLs:${list([r.url])}`);
      else {
        parts.push(`APIGroups:${list([r.group ?? ''])}`, `Resources:${list([r.resource!])}`);
        if (r.name !== undefined) parts.push(`ResourceNames:${list([r.name])}`);
      }
      parts.push(`Verbs:${list(verbs)}`);
      return `{${parts.join(', ')}}`;
    })
    .sort();
}

function allowed(store: Store, user: UserInfo, verb: string, resource: string, name: string, namespace: string): boolean {
  return authorize(store, user, { verb, resourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: '*', resource, name, namespace }).allowed;
}

function confirmHeld(store: Store, user: UserInfo, def: ResourceDef, name: string, namespace: string, rules: PolicyRule[]): void {
  const owner = rulesFor(store, user, namespace).rules;
  const missing = rules.flatMap(breakdown).filter((r) => !owner.some((o) => covers(o, r)));
  if (!missing.length) return;
  throw forbidden(def, name, `user ${q(user.name)} (groups=[${user.groups.map((g) => q(g)).join(' ')}]) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing).join('\n')}`);
}

/** Throws the API server's 403 when writing this Role, ClusterRole or binding would grant more than the user holds. */
export function confirmNoEscalation(store: Store, user: UserInfo, def: ResourceDef, obj: any): void {
  if (def.group !== RBAC_GROUP) return;
  const name = obj?.metadata?.name ?? '';
  const namespace = def.namespaced ? (obj?.metadata?.namespace ?? '') : '';
  if (def.plural === 'roles' || def.plural === 'clusterroles') {
    if (allowed(store, user, 'escalate', def.plural, name, namespace)) return;
    return confirmHeld(store, user, def, name, namespace, obj?.rules ?? []);
  }
  if (def.plural === 'rolebindings' || def.plural === 'clusterrolebindings') {
    const ref = obj?.roleRef ?? {};
    const refPlural = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    if (allowed(store, user, 'bind', refPlural, ref.name ?? '', namespace)) return;
    const role = ref.kind === 'Role' ? store.peek('roles', namespace, ref.name) : store.peek('clusterroles', undefined, ref.name);
    // A role that does not exist (yet) grants nothing: its rules are empty, as the escalation checks
    // take a NotFound from GetRoleReferenceRules.
    if (!role) return;
    const rules = ref.kind === 'Role' ? (role.rules ?? []) : clusterRoleRules(store, role);
    return confirmHeld(store, user, def, name, namespace, rules);
  }
}
