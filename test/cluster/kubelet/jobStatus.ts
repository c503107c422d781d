// Pure decisions of the Job controller (k8s.io/kubernetes/pkg/controller/job, as of v1.32 with the
// JobPodReplacementPolicy/JobManagedBy/JobSuccessPolicy gates on by default): counting pods, the
// backoff limit, the active deadline, the interim FailureTarget/SuccessCriteriaMet conditions and the
// terminal Failed/Complete ones, which are only added once no pod is still terminating.

export const REASON_BACKOFF = 'BackoffLimitExceeded';
export const MESSAGE_BACKOFF = 'Job has reached the specified backoff limit';
export const REASON_DEADLINE = 'DeadlineExceeded';
export const MESSAGE_DEADLINE = 'Job was active longer than specified deadline';
export const REASON_COMPLETIONS = 'CompletionsReached';
export const MESSAGE_COMPLETIONS = 'Reached expected number of succeeded pods';

export interface JobCondition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

export interface PodCounts {
  /** Not terminal and not being deleted. */
  active: number;
  /** Active pods whose Ready condition is True. */
  ready: number;
  /** Being deleted and not terminal yet. */
  terminating: number;
  /** Sum of container restarts in running/pending pods (restartPolicy OnFailure). */
  restarts: number;
}

export function jobDefaults(job: any): { completions: number; parallelism: number; backoffLimit: number } {
  const spec = job.spec ?? {};
  const parallelism = spec.parallelism ?? 1;
  // With neither set, a Job needs one completion; with only parallelism set, completions stays nil
  // (a work queue) which we treat as "one success completes it", as the controller does.
  const completions = spec.completions ?? 1;
  return { completions, parallelism, backoffLimit: spec.backoffLimit ?? 6 };
}

export function countPods(pods: any[]): PodCounts {
  const c: PodCounts = { active: 0, ready: 0, terminating: 0, restarts: 0 };
  for (const p of pods) {
    const terminal = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (terminal) continue;
    if (p.metadata?.deletionTimestamp) {
      c.terminating++;
      continue;
    }
    c.active++;
    if ((p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True')) c.ready++;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) c.restarts += s.restartCount ?? 0;
  }
  return c;
}

/** pastBackoffLimitOnFailure + exceedsBackoffLimit from the controller. */
export function backoffLimitExceeded(job: any, failed: number, restarts: number): boolean {
  const { backoffLimit } = jobDefaults(job);
  if (failed > backoffLimit) return true;
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}

export function deadlineExceeded(job: any, nowMs: number): boolean {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (ads === undefined || ads === null || !start) return false;
  return nowMs >= Date.parse(start) + ads * 1000;
}

export function findCondition(job: any, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c: JobCondition) => c.type === type && c.status === 'True');
}

export function isFinished(job: any): boolean {
  return !!(findCondition(job, 'Complete') || findCondition(job, 'Failed'));
}

/** When the Job reached Complete or Failed, for ttlSecondsAfterFinished. */
export function finishedAt(job: any): number | undefined {
  const c = findCondition(job, 'Complete') ?? findCondition(job, 'Failed');
  if (!c) return undefined;
  return Date.parse(job.status?.completionTime ?? c.lastTransitionTime);
}

export function withCondition(conditions: JobCondition[] | undefined, type: string, reason: string | undefined, message: string | undefined, now: string): JobCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === type);
  const cond: JobCondition = { type, status: 'True', ...(reason ? { reason } : {}), ...(message ? { message } : {}), lastProbeTime: now, lastTransitionTime: now };
  if (i >= 0) {
    if (list[i].status === 'True' && list[i].reason === reason) return list;
    list[i] = cond;
  } else list.push(cond);
  return list;
}

/** Delay before creating a replacement pod after `failed` failures: 10s doubling to 6m, per tick scale. */
export function podCreationBackoffMs(failed: number, tickMs: number): number {
  if (failed <= 0) return 0;
  return Math.min(tickMs * 10 * 2 ** (failed - 1), tickMs * 360);
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
/** The 5-character suffix the API server appends for generateName. */
export function randomSuffix(random = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(random() * NAME_CHARS.length)];
  return s;
}

/** The labels the API server adds to a Job's selector and pod template. */
export function jobPodLabels(job: any): Record<string, string> {
  const uid = job.metadata.uid;
  const name = job.metadata.name;
  return { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
}

/** A pod for the Job, as the controller's pod template makes it. */
export function podForJob(job: any, suffix: string): any {
  const tpl = job.spec.template ?? {};
  const name = `${job.metadata.name}-${suffix}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${job.metadata.name}-`,
      namespace: job.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}), ...jobPodLabels(job) },
      ...(tpl.metadata?.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(tpl.spec ?? {}),
  };
}
