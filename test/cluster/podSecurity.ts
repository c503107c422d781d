// Pod Security Admission (k8s.io/pod-security-admission) as the API server runs it with its default
// configuration: a namespace's pod-security.kubernetes.io/enforce label refuses pods that violate its
// level (`pods "x" is forbidden: violates PodSecurity "baseline:latest": ...`), its warn label adds
// `would violate PodSecurity ...` warnings to pod and workload writes; no label means privileged.
// The checks evaluated, in the admission plugin's order: hostNamespaces, hostPathVolumes, hostPorts,
// privileged, then capabilities_baseline (baseline) or allowPrivilegeEscalation, capabilities_restricted,
// restrictedVolumes, runAsNonRoot, runAsUser, seccompProfile_restricted (restricted). Not evaluated:
// appArmorProfile, procMount, seLinuxOptions, seccompProfile_baseline, sysctls, windowsHostProcess.
import { StatusError } from './errors.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
const LEVELS: Level[] = ['privileged', 'baseline', 'restricted'];

export interface LevelVersion {
  level: Level;
  version: string;
}

interface CheckResult {
  reason: string;
  detail: string;
}

const pluralize = (one: string, many: string, n: number) => (n === 1 ? one : many);
const joinQuote = (xs: string[]) => xs.map((x) => JSON.stringify(x)).join(', ');

function allContainers(spec: any): any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
}

function containersWhere(spec: any, bad: (c: any) => boolean): string[] {
  return allContainers(spec)
    .filter(bad)
    .map((c) => c.name);
}

function hostNamespaces(spec: any): CheckResult | undefined {
  // A sets.String in the check: its List() is sorted.
  const set = ([spec?.hostNetwork && 'hostNetwork=true', spec?.hostPID && 'hostPID=true', spec?.hostIPC && 'hostIPC=true'].filter(Boolean) as string[]).sort();
  return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
}

function hostPathVolumes(spec: any): CheckResult | undefined {
  const vols = (spec?.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => v.name);
  return vols.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', vols.length)} ${joinQuote(vols)}` } : undefined;
}

function hostPorts(spec: any): CheckResult | undefined {
  const bad: string[] = [];
  const ports = new Set<number>();
  for (const c of allContainers(spec)) {
    const hp = (c.ports ?? []).map((p: any) => p.hostPort).filter((p: any) => p);
    if (hp.length) {
      bad.push(c.name);
      for (const p of hp) ports.add(p);
    }
  }
  if (!bad.length) return undefined;
  const list = [...ports].sort((a, b) => a - b).map(String);
  return { reason: 'hostPort', detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}` };
}

function privileged(spec: any): CheckResult | undefined {
  const bad = containersWhere(spec, (c) => c.securityContext?.privileged === true);
  return bad.length ? { reason: 'privileged', detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true` } : undefined;
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

function capabilitiesBaseline(spec: any): CheckResult | undefined {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of allContainers(spec)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((x: string) => !BASELINE_CAPABILITIES.has(x));
    if (extra.length) {
      bad.push(c.name);
      for (const x of extra) caps.add(x);
    }
  }
  if (!bad.length) return undefined;
  return { reason: 'non-default capabilities', detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add` };
}

function allowPrivilegeEscalation(spec: any): CheckResult | undefined {
  const bad = containersWhere(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
  return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
}

function capabilitiesRestricted(spec: any): CheckResult | undefined {
  const noDrop = containersWhere(spec, (c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
  const badAdd: string[] = [];
  const caps = new Set<string>();
  for (const c of allContainers(spec)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
    if (extra.length) {
      badAdd.push(c.name);
      for (const x of extra) caps.add(x);
    }
  }
  const parts: string[] = [];
  if (noDrop.length) parts.push(`${pluralize('container', 'containers', noDrop.length)} ${joinQuote(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (badAdd.length) parts.push(`${pluralize('container', 'containers', badAdd.length)} ${joinQuote(badAdd)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`);
  return parts.length ? { reason: 'unrestricted capabilities', detail: parts.join('; ') } : undefined;
}

const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

function restrictedVolumes(spec: any): CheckResult | undefined {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of spec?.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && !ALLOWED_VOLUME_TYPES.has(type)) {
      bad.push(v.name);
      types.add(type);
    }
  }
  if (!bad.length) return undefined;
  const t = [...types].sort();
  return { reason: 'restricted volume types', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} restricted volume ${pluralize('type', 'types', t.length)} ${joinQuote(t)}` };
}

function runAsNonRoot(spec: any): CheckResult | undefined {
  const badSetters: string[] = [];
  let podNonRoot = false;
  const podValue = spec?.securityContext?.runAsNonRoot;
  if (podValue === false) badSetters.push('pod');
  else if (podValue === true) podNonRoot = true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of allContainers(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v === false) explicit.push(c.name);
    else if (v === undefined && !podNonRoot) implicit.push(c.name);
  }
  if (explicit.length) badSetters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
  if (badSetters.length) return { reason: 'runAsNonRoot != true', detail: `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
}

function runAsUser(spec: any): CheckResult | undefined {
  const setters: string[] = [];
  if (spec?.securityContext?.runAsUser === 0) setters.push('pod');
  const bad = containersWhere(spec, (c) => c.securityContext?.runAsUser === 0);
  if (bad.length) setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
}

function seccompProfileRestricted(spec: any): CheckResult | undefined {
  const ok = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const podType = spec?.securityContext?.seccompProfile?.type;
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  if (podType !== undefined && !ok(podType)) badSetters.push('pod'), badValues.add(podType);
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of allContainers(spec)) {
    const t = c.securityContext?.seccompProfile?.type;
    if (t !== undefined) {
      if (!ok(t)) explicit.push(c.name), badValues.add(t);
    } else if (!ok(podType)) implicit.push(c.name);
  }
  if (explicit.length) badSetters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
  if (badSetters.length) return { reason: 'seccompProfile', detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...badValues].sort())}` };
  if (implicit.length) return { reason: 'seccompProfile', detail: `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
  return undefined;
}

const BASELINE_CHECKS = [hostNamespaces, hostPathVolumes, hostPorts, privileged];
const OVERLAPPING_BASELINE_CHECKS = [capabilitiesBaseline];
const RESTRICTED_CHECKS = [allowPrivilegeEscalation, capabilitiesRestricted, restrictedVolumes, runAsNonRoot, runAsUser, seccompProfileRestricted];

/** policy.AggregateCheckResult.ForbiddenDetail() of a pod spec at a level; undefined when it passes. */
export function podViolations(level: Level, spec: any): string | undefined {
  if (level === 'privileged') return undefined;
  const checks = [...BASELINE_CHECKS, ...(level === 'baseline' ? OVERLAPPING_BASELINE_CHECKS : RESTRICTED_CHECKS)];
  const results = checks.map((c) => c(spec)).filter((r): r is CheckResult => !!r);
  return results.length ? results.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ') : undefined;
}

/**
 * api.PolicyToEvaluate: an enforce level that does not parse is restricted (fail closed), a warn level
 * that does not parse is privileged (fail open); without a warn label, warn follows a stricter enforce.
 */
function policyOf(labels: Record<string, string>): { enforce: LevelVersion; warn: LevelVersion } {
  const parse = (mode: 'enforce' | 'warn', invalid: Level): LevelVersion | undefined => {
    const raw = labels[`pod-security.kubernetes.io/${mode}`];
    const version = labels[`pod-security.kubernetes.io/${mode}-version`] || 'latest';
    if (raw === undefined) return undefined;
    return { level: (LEVELS as string[]).includes(raw) ? (raw as Level) : invalid, version };
  };
  const enforce = parse('enforce', 'restricted');
  let warn = parse('warn', 'privileged');
  if (!warn && enforce && enforce.level !== 'privileged')
    warn = { level: enforce.level, version: labels['pod-security.kubernetes.io/warn-version'] || enforce.version };
  const none = (mode: string): LevelVersion => ({ level: 'privileged', version: labels[`pod-security.kubernetes.io/${mode}-version`] || 'latest' });
  return { enforce: enforce ?? none('enforce'), warn: warn ?? none('warn') };
}

const lv = (p: LevelVersion) => `${p.level}:${p.version}`;

/** A pod create in a namespace with these labels: refused (403) when it violates the enforce level. */
export function admitPod(namespaceLabels: Record<string, string> | undefined, pod: any): void {
  const { enforce } = policyOf(namespaceLabels ?? {});
  const violation = podViolations(enforce.level, pod.spec);
  if (violation) {
    const msg = `violates PodSecurity ${JSON.stringify(lv(enforce))}: ${violation}`;
    const name = pod.metadata?.name ?? '';
    throw new StatusError({ message: `pods ${JSON.stringify(name)} is forbidden: ${msg}`, reason: 'Forbidden', details: { name, kind: 'pods' }, code: 403 });
  }
}

/** The Warning a write of a pod or pod controller gets from the namespace's warn level (none if refused). */
export function podSecurityWarnings(plural: string, namespaceLabels: Record<string, string> | undefined, obj: any): string[] {
  const spec = plural === 'pods' ? obj.spec : podTemplateOf(plural, obj);
  return spec ? warningsFor(namespaceLabels ?? {}, spec) : [];
}

function warningsFor(labels: Record<string, string>, spec: any): string[] {
  const { warn } = policyOf(labels);
  const violation = podViolations(warn.level, spec);
  return violation ? [`would violate PodSecurity ${JSON.stringify(lv(warn))}: ${violation}`] : [];
}

/** The pod template of a workload the admission plugin treats as a pod controller. */
export function podTemplateOf(plural: string, obj: any): any | undefined {
  if (plural === 'cronjobs') return obj.spec?.jobTemplate?.spec?.template?.spec;
  if (['deployments', 'replicasets', 'daemonsets', 'statefulsets', 'jobs', 'replicationcontrollers', 'podtemplates'].includes(plural)) return obj.spec?.template?.spec;
  return undefined;
}
