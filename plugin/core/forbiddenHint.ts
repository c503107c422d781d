// A 403 from RBAC, explained: which verb on which resource was refused, and which Role or ClusterRole
// of manifests/ grants it (and through which binding), so the person can ask for exactly that.
import { parseYamlAll } from '../../lib/yaml.js';
import type { RbacV1Subject, Read, V1ClusterRole, V1LabelSelector, V1ObjectMeta, V1PolicyRule, V1RoleBinding } from '../../lib/kube/models.js';

/** What the API server's refusal says was refused (responsewriters.forbiddenMessage). */
export interface Refusal {
  /** Absent when the refusal does not name the user. */
  user?: string;
  verb: string;
  /** "pods" or "pods/exec". */
  resource: string;
  group: string;
  /** Absent: at the cluster scope. */
  namespace?: string;
}

const REFUSAL_RE = /User "([^"]*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/;
// The create check of a server-side apply names no user (lib/kube/errors.ts words it).
const CREATE_ON_APPLY_RE = /server-side apply creates it, which needs "(\S+)" on resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/;

export function parseRefusal(message: string): Refusal | undefined {
  const m = REFUSAL_RE.exec(message);
  if (m) return { user: m[1], verb: m[2], resource: m[3], group: m[4], ...(m[5] ? { namespace: m[5] } : {}) };
  const c = CREATE_ON_APPLY_RE.exec(message);
  if (c) return { verb: c[1], resource: c[2], group: c[3], ...(c[4] ? { namespace: c[4] } : {}) };
  return undefined;
}

/**
 * An RBAC object of manifests/: a Role or ClusterRole (rules, aggregation) or a RoleBinding or
 * ClusterRoleBinding (roleRef, subjects), as its kind says.
 */
type RbacObject = Read<V1ClusterRole> & Read<V1RoleBinding> & { metadata: Read<V1ObjectMeta> & { name: string } };

interface Doc {
  file: string;
  obj: RbacObject;
}

/** An RBAC object, named (one without a name can be neither granted through nor bound to). */
function isRbacObject(obj: unknown): obj is RbacObject {
  const o = obj as { apiVersion?: unknown; metadata?: { name?: unknown } } | null;
  return !!o && typeof o === 'object' && o.apiVersion === 'rbac.authorization.k8s.io/v1' && typeof o.metadata?.name === 'string';
}

function rbacDocs(manifests: Record<string, string>): Doc[] {
  const out: Doc[] = [];
  for (const file of Object.keys(manifests).sort())
    for (const obj of parseYamlAll(manifests[file]) as unknown[])
      if (isRbacObject(obj)) out.push({ file, obj });
  return out;
}

const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

function ruleGrants(rule: Read<V1PolicyRule>, r: Refusal): boolean {
  if (!has(rule.verbs, r.verb) || !has(rule.apiGroups, r.group)) return false;
  const sub = r.resource.split('/')[1];
  return (rule.resources ?? []).some((x) => x === '*' || x === r.resource || (!!sub && x === `*/${sub}`));
}

function selects(selectors: Read<V1LabelSelector>[] | undefined, labels: Record<string, string> | undefined): boolean {
  return (selectors ?? []).some((s) => Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v));
}

const q = JSON.stringify;

/** Whether a binding's subject can be this user: service accounts by name, people by user name or any group. */
function mayBe(user: string | undefined, s: Read<RbacV1Subject>, bindingNamespace: string | undefined): boolean {
  if (user === undefined) return true;
  const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(user);
  if (s.kind === 'ServiceAccount') return !!sa && sa[1] === (s.namespace ?? bindingNamespace) && sa[2] === s.name;
  if (s.kind === 'User') return s.name === user;
  return s.kind === 'Group';
}

/** The ClusterRole for `kubectl odoo agent install`, `upgrade`, `uninstall` and `status`. */
export const INSTALLER_RBAC_FILE = 'agent-installer-rbac.yaml';

/**
 * The hint for a refusal: the role in manifests/ that grants it and how it is bound, or that none does.
 * Undefined when the message is not an RBAC refusal.
 */
export function explainForbidden(message: string, manifests: Record<string, string>, opts: { agentCommand?: boolean } = {}): string | undefined {
  const r = parseRefusal(message);
  if (!r) return undefined;
  // The agent commands are granted by the installers' role alone; the operators' commands never by it.
  const docs = rbacDocs(manifests).filter((d) => (d.file === INSTALLER_RBAC_FILE) === !!opts.agentCommand);
  const what = `${q(r.verb)} on ${q(r.resource)}${r.group ? ` (API group ${r.group})` : ''} ${r.namespace ? `in namespace ${r.namespace}` : 'at the cluster scope'}`;
  const roles = docs.filter((d) => (d.obj.kind === 'ClusterRole' || (d.obj.kind === 'Role' && (!r.namespace || d.obj.metadata?.namespace === r.namespace))) && (d.obj.rules ?? []).some((rule) => ruleGrants(rule, r)));
  const aggregators = docs.filter((d) => d.obj.kind === 'ClusterRole' && d.obj.aggregationRule);
  const lines: string[] = [];
  for (const role of roles) {
    const roleName = `${role.obj.kind} ${role.obj.metadata.name}`;
    // The roles a binding refers to: this one, and the aggregated ClusterRoles that include it.
    const carriers = [role, ...(role.obj.kind === 'ClusterRole' ? aggregators.filter((a) => selects(a.obj.aggregationRule?.clusterRoleSelectors, role.obj.metadata.labels)) : [])];
    const bindings = docs.filter(
      (b) => (b.obj.kind === 'RoleBinding' || b.obj.kind === 'ClusterRoleBinding') && carriers.some((c) => c.obj.kind === b.obj.roleRef?.kind && c.obj.metadata.name === b.obj.roleRef?.name) && (b.obj.subjects ?? []).some((s) => mayBe(r.user, s, b.obj.metadata?.namespace)),
    );
    if (!bindings.length) continue;
    const via = carriers.length > 1 ? ` (aggregated into ClusterRole ${carriers.slice(1).map((c) => c.obj.metadata.name).join(', ')})` : '';
    const bound = bindings.map((b) => (b.obj.kind === 'ClusterRoleBinding' ? `ClusterRoleBinding ${b.obj.metadata.name}` : `RoleBinding ${b.obj.metadata.name} in namespace ${b.obj.metadata.namespace}`));
    let line = `${roleName} in manifests/${role.file} grants it${via}${bound.length ? `, bound by ${bound.join(', ')}` : ''}`;
    const inNamespace = bindings.filter((b) => b.obj.kind === 'RoleBinding');
    if (r.namespace && inNamespace.length && !inNamespace.some((b) => b.obj.metadata.namespace === r.namespace) && !bindings.some((b) => b.obj.kind === 'ClusterRoleBinding')) {
      const b = inNamespace[0].obj;
      const subjects = (b.subjects ?? []).map((s) => `--${s.kind === 'Group' ? 'group' : s.kind === 'User' ? 'user' : 'serviceaccount'} ${s.kind === 'ServiceAccount' ? `${s.namespace}:${s.name}` : s.name}`).join(' ');
      line += `; to work in namespace ${r.namespace}: kubectl create rolebinding ${b.metadata.name} -n ${r.namespace} --${b.roleRef?.kind === 'ClusterRole' ? 'clusterrole' : 'role'} ${b.roleRef?.name} ${subjects}`;
    }
    lines.push(line);
  }
  const who = r.user ?? 'You';
  if (!lines.length) return `${who} may not ${what}, and no Role or ClusterRole in manifests/ grants it: kubectl-odoo does not give operators that; run it as a cluster admin`;
  return `${who} may not ${what}. ${lines.join('; ')}. Ask a cluster admin to apply manifests/ (kubectl apply -k manifests/) and bind you to it.`;
}
