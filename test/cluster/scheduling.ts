// What kube-scheduler's filters (and the taint eviction controller) decide about a pod and a node:
// tolerations against taints (v1helper.FindMatchingUntoleratedTaint, ToleratesTaint), nodeSelector and
// required node affinity (nodeaffinity), in the scheduler's own reason strings.

/** corev1 Toleration.ToleratesTaint. */
export function toleratesTaint(t: any, taint: any): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (!t.key) return false;
  return (t.operator ?? 'Equal') === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule/NoExecute taint of the node that no toleration tolerates. */
export function untoleratedTaint(node: any, tolerations: any[] | undefined): any | undefined {
  return (node.spec?.taints ?? []).find((taint: any) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !(tolerations ?? []).some((t) => toleratesTaint(t, taint)));
}

/** TaintToleration's reason: `node(s) had untolerated taint {key: value}`. */
export function taintReason(taint: any): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

export const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";

function requirementMatches(req: any, value: string | undefined): boolean {
  const has = value !== undefined;
  const values: string[] = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const n = Number(value);
      const bound = Number(values[0]);
      if (!has || !Number.isInteger(n) || !Number.isInteger(bound)) return false;
      return req.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

function termMatches(term: any, node: any): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // A term with no requirements matches no node.
  if (!exprs.length && !fields.length) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((r: any) => requirementMatches(r, labels[r.key])) && fields.every((r: any) => r.key === 'metadata.name' && requirementMatches(r, node.metadata.name));
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms ORed, requirements ANDed). */
export function matchesNodeAffinity(spec: any, node: any): boolean {
  const labels = node.metadata.labels ?? {};
  if (Object.entries(spec?.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) return false;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t: any) => termMatches(t, node));
}
