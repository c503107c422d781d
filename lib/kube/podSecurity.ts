// Pod Security Admission, asked before a helper pod or Job is started: a server-side dry run of a pod
// with the same spec meets the namespace's enforce level exactly as the real pod would. A Job is
// admitted with only a warning and its pods are then refused one by one, so without this the plugin
// would wait on a Job that can never start.
import type { KubeClient } from './client.js';
import { ApiError } from './errors.js';
import { RESOURCES } from './resources.js';
import { FailureError } from '../errors.js';
import type { V1PodSpec } from './models.js';

const VIOLATION_RE = /violates PodSecurity "(privileged|baseline|restricted):([^"]+)": (.*)$/;

// The reasons the baseline level gives (k8s.io/pod-security-admission/policy): a pod with one of them
// needs privileged; one with restricted reasons only is fine at baseline.
const BASELINE_REASONS = ['host namespaces', 'hostPath volumes', 'hostPort', 'privileged', 'non-default capabilities', 'forbidden AppArmor profile', 'procMount', 'seLinuxOptions', 'forbidden sysctls', 'hostProcess'];

/** The reasons of a ForbiddenDetail: "reason (detail), reason, reason (a, b)" split at the top level. */
export function violationReasons(details: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < details.length; i++) {
    const ch = details[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0 && details[i + 1] === ' ') {
      out.push(details.slice(start, i));
      start = i + 2;
    }
  }
  out.push(details.slice(start));
  return out.map((p) => p.replace(/ \(.*$/s, '').trim()).filter(Boolean);
}

/** The level a namespace must enforce (at most) for a pod refused with these reasons. */
export function levelNeeded(details: string): 'privileged' | 'baseline' {
  return violationReasons(details).some((r) => BASELINE_REASONS.includes(r)) ? 'privileged' : 'baseline';
}

/**
 * Refuses, before anything is changed, a helper whose pod the namespace's Pod Security level would
 * refuse, and says which namespace label it needs. Other answers (no permission to dry-run a pod, an
 * API hiccup) leave the decision to the real create.
 */
export async function admitHelperPod(kube: KubeClient, namespace: string, podSpec: V1PodSpec | undefined, what: string): Promise<void> {
  const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'kubectl-odoo-admission-check-', namespace }, spec: podSpec };
  try {
    await kube.create(RESOURCES.pods, probe, { namespace, dryRun: true });
  } catch (e) {
    const m = e instanceof ApiError && e.status === 403 ? VIOLATION_RE.exec(e.apiStatus?.message ?? e.message) : null;
    if (!m) return;
    const needed = levelNeeded(m[3]);
    // The label in the message itself: callers that report a step's failure keep only the message.
    throw new FailureError(
      `${what} cannot run in namespace ${namespace}: its pod violates PodSecurity "${m[1]}:${m[2]}" enforced there: ${m[3]}; it needs the namespace label pod-security.kubernetes.io/enforce=${needed} (kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=${needed} --overwrite); nothing was changed`,
    );
  }
}
