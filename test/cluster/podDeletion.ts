// How the API server decides a pod deletion: podStrategy.CheckGracefulDelete
// (pkg/registry/core/pod/strategy.go) picks the grace period, rest.BeforeDelete
// (staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go) sets deletionTimestamp to the moment
// the grace period ends and only ever shortens a pending one. A pod whose grace period is 0 goes at
// once (unless finalizers hold it); any other waits for the kubelet to confirm its containers exited.

export type PodDeletion =
  /** Nothing changes: a deletion with at least as long a grace period is already pending. */
  | { kind: 'pending' }
  /** The pod gets (or keeps, shortened) these deletion fields; grace 0 means it may go now. */
  | { kind: 'graceful'; deletionTimestamp: Date; deletionGracePeriodSeconds: number };

export function planPodDeletion(pod: any, requestedGrace: number | undefined, now: Date): PodDeletion {
  // Negative values are treated as 1 s on the delete path.
  const requested = requestedGrace !== undefined && requestedGrace < 0 ? 1 : requestedGrace;
  const md = pod.metadata ?? {};
  if (md.deletionTimestamp) {
    const current: number | undefined = md.deletionGracePeriodSeconds;
    // Deleted before without a grace period (or with 0): it goes now.
    if (current === undefined || current === 0) return { kind: 'graceful', deletionTimestamp: new Date(Date.parse(md.deletionTimestamp)), deletionGracePeriodSeconds: 0 };
    if (requested === undefined || requested >= current) return { kind: 'pending' };
    const start = Date.parse(md.deletionTimestamp) - current * 1000;
    return { kind: 'graceful', deletionTimestamp: new Date(start + requested * 1000), deletionGracePeriodSeconds: requested };
  }
  let period = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
  // Not scheduled, or already terminated: nothing runs that could need time to stop.
  if (!pod.spec?.nodeName) period = 0;
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  if (period < 0) period = 1;
  return { kind: 'graceful', deletionTimestamp: new Date(now.getTime() + period * 1000), deletionGracePeriodSeconds: period };
}
