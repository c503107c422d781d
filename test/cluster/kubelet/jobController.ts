// The Job controller: creates a Job's pods (labels job-name/controller-uid, ownerReferences), counts
// their outcomes into status, applies backoffLimit and activeDeadlineSeconds, writes the conditions as
// the real controller does, deletes finished Jobs after ttlSecondsAfterFinished, and deletes the pods of
// a deleted Job (so their processes are killed). Syncs of one Job never overlap.
import {
  backoffLimitExceeded,
  countPods,
  deadlineExceeded,
  findCondition,
  finishedAt,
  isFinished,
  jobDefaults,
  jobPodLabels,
  MESSAGE_BACKOFF,
  MESSAGE_COMPLETIONS,
  MESSAGE_DEADLINE,
  podCreationBackoffMs,
  podForJob,
  randomSuffix,
  REASON_BACKOFF,
  REASON_COMPLETIONS,
  REASON_DEADLINE,
  withCondition,
} from './jobStatus.js';
import { deleteObject, getObject, listObjects, ownerUid, recordEvent, updateWithRetry, type KubeletStore } from './store.js';

interface JobMemory {
  /** Pods whose outcome is already in status.succeeded/failed. */
  counted: Set<string>;
  lastFailureAt?: number;
}

export class JobController {
  private readonly queue = new Map<string, Promise<void>>();
  private readonly pending = new Set<string>();
  private readonly memory = new Map<string, JobMemory>();
  private stopped = false;

  constructor(private readonly deps: { store: KubeletStore; tickMs: number }) {}

  observeJob(job: any): void {
    this.enqueue(job.metadata.namespace, job.metadata.name);
  }

  /** The Job is gone: delete the pods it owned (the garbage collector's job, done here too so no process outlives its Job). */
  async forgetJob(job: any): Promise<void> {
    this.memory.delete(job.metadata.uid);
    const pods = await listObjects(this.deps.store, 'pods', job.metadata.namespace);
    await Promise.all(
      pods
        .filter((p) => ownerUid(p, 'Job') === job.metadata.uid && !p.metadata.deletionTimestamp)
        .map((p) => deleteObject(this.deps.store, 'pods', p.metadata.namespace, p.metadata.name, { propagationPolicy: 'Background' }).catch(() => false)),
    );
  }

  observePod(pod: any, deleted: boolean): void {
    const uid = ownerUid(pod, 'Job');
    if (!uid) return;
    if (deleted) {
      // Its outcome is counted from its last phase; one removed before finishing counts as failed.
      const mem = this.memoryFor(uid);
      if (!mem.counted.has(pod.metadata.uid)) this.uncountedRemovals.set(pod.metadata.uid, { jobUid: uid, succeeded: pod.status?.phase === 'Succeeded' });
    }
    const name = (pod.metadata.ownerReferences ?? []).find((r: any) => r.uid === uid)?.name;
    if (name) this.enqueue(pod.metadata.namespace, name);
  }

  private readonly uncountedRemovals = new Map<string, { jobUid: string; succeeded: boolean }>();

  /** Periodic work: active deadlines and ttlSecondsAfterFinished. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const jobs = await listObjects(this.deps.store, 'jobs');
    for (const job of jobs) {
      if (job.spec?.activeDeadlineSeconds != null || job.spec?.ttlSecondsAfterFinished != null || !isFinished(job)) {
        this.enqueue(job.metadata.namespace, job.metadata.name);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.queue.values()].map((p) => p.catch(() => {})));
  }

  private memoryFor(uid: string): JobMemory {
    let m = this.memory.get(uid);
    if (!m) this.memory.set(uid, (m = { counted: new Set() }));
    return m;
  }

  private enqueue(namespace: string, name: string): void {
    if (this.stopped) return;
    const key = `${namespace}/${name}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    const prev = this.queue.get(key) ?? Promise.resolve();
    const next = prev.then(async () => {
      this.pending.delete(key);
      if (this.stopped) return;
      try {
        await this.sync(namespace, name);
      } catch {
        // Retried on the next event or tick, as a workqueue would.
      }
    });
    this.queue.set(key, next);
    void next.then(() => {
      if (this.queue.get(key) === next) this.queue.delete(key);
    });
  }

  private async sync(namespace: string, name: string): Promise<void> {
    const { store, tickMs } = this.deps;
    let job = await getObject(store, 'jobs', namespace, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const uid = job.metadata.uid;
    const mem = this.memoryFor(uid);
    const nowMs = Date.now();
    const now = iso(nowMs);

    if (isFinished(job)) {
      const ttl = job.spec?.ttlSecondsAfterFinished;
      const at = finishedAt(job);
      if (ttl != null && at !== undefined && nowMs >= at + ttl * 1000) {
        // The TTL-after-finished controller deletes with foreground propagation.
        await deleteObject(store, 'jobs', namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid } });
      }
      return;
    }

    const pods = (await listObjects(store, 'pods', namespace)).filter((p) => ownerUid(p, 'Job') === uid);
    let newSucceeded = 0;
    let newFailed = 0;
    for (const p of pods) {
      if (mem.counted.has(p.metadata.uid)) continue;
      if (p.status?.phase === 'Succeeded') newSucceeded++;
      else if (p.status?.phase === 'Failed') newFailed++;
      else continue;
      mem.counted.add(p.metadata.uid);
    }
    for (const [podUid, removed] of this.uncountedRemovals) {
      if (removed.jobUid !== uid) continue;
      this.uncountedRemovals.delete(podUid);
      if (mem.counted.has(podUid)) continue;
      mem.counted.add(podUid);
      if (removed.succeeded) newSucceeded++;
      else newFailed++;
    }
    if (newFailed > 0) mem.lastFailureAt = nowMs;
    const counts = countPods(pods);
    const status = structuredClone(job.status ?? {});
    status.succeeded = (status.succeeded ?? 0) + newSucceeded;
    status.failed = (status.failed ?? 0) + newFailed;
    const suspended = !!job.spec?.suspend;
    if (!status.startTime && !suspended) status.startTime = now;
    const { completions, parallelism } = jobDefaults(job);

    // Interim conditions first; the terminal one follows once no pod is terminating.
    const failureTarget = findCondition({ status }, 'FailureTarget');
    const successMet = findCondition({ status }, 'SuccessCriteriaMet');
    let toDelete: any[] = [];
    if (!failureTarget && !successMet) {
      if (status.succeeded >= completions) {
        status.conditions = withCondition(status.conditions, 'SuccessCriteriaMet', REASON_COMPLETIONS, MESSAGE_COMPLETIONS, now);
        toDelete = activePods(pods);
      } else if (backoffLimitExceeded(job, status.failed, counts.restarts)) {
        status.conditions = withCondition(status.conditions, 'FailureTarget', REASON_BACKOFF, MESSAGE_BACKOFF, now);
        void recordEvent(store, jobRef(job), 'Warning', REASON_BACKOFF, MESSAGE_BACKOFF, 'job-controller');
        toDelete = activePods(pods);
      } else if (deadlineExceeded({ ...job, status }, nowMs)) {
        status.conditions = withCondition(status.conditions, 'FailureTarget', REASON_DEADLINE, MESSAGE_DEADLINE, now);
        void recordEvent(store, jobRef(job), 'Warning', REASON_DEADLINE, MESSAGE_DEADLINE, 'job-controller');
        toDelete = activePods(pods);
      }
    } else {
      toDelete = activePods(pods);
    }
    if (suspended && !findCondition({ status }, 'FailureTarget') && !findCondition({ status }, 'SuccessCriteriaMet')) {
      status.conditions = withCondition(status.conditions, 'Suspended', 'JobSuspended', 'Job suspended', now);
      toDelete = activePods(pods);
    } else if (!suspended && findCondition({ status }, 'Suspended')) {
      status.conditions = (status.conditions ?? []).map((c: any) => (c.type === 'Suspended' ? { ...c, status: 'False', reason: 'JobResumed', message: 'Job resumed', lastTransitionTime: now } : c));
    }

    for (const p of toDelete) {
      if (await deleteObject(store, 'pods', namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } }).catch(() => false)) {
        void recordEvent(store, jobRef(job), 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'job-controller');
        counts.active--;
        counts.terminating++;
      }
    }

    const terminating = counts.terminating;
    const ending = findCondition({ status }, 'FailureTarget') ?? findCondition({ status }, 'SuccessCriteriaMet');
    let created = 0;
    if (!ending && !suspended) {
      const want = Math.max(0, Math.min(parallelism, completions - status.succeeded) - counts.active);
      const wait = podCreationBackoffMs(status.failed, tickMs);
      const readyAt = (mem.lastFailureAt ?? 0) + wait;
      if (want > 0 && nowMs >= readyAt) {
        if (!job.spec.selector) job = await this.defaultSelector(job);
        for (let i = 0; i < want; i++) {
          const pod = await this.createPod(job);
          if (pod) created++;
        }
      } else if (want > 0) {
        setTimeout(() => this.enqueue(namespace, name), readyAt - nowMs + 1).unref?.();
      }
    }

    if (ending && counts.active <= 0 && terminating === 0) {
      if (ending.type === 'SuccessCriteriaMet') {
        status.conditions = withCondition(status.conditions, 'Complete', REASON_COMPLETIONS, MESSAGE_COMPLETIONS, now);
        status.completionTime = now;
        void recordEvent(store, jobRef(job), 'Normal', 'Completed', 'Job completed', 'job-controller');
      } else {
        status.conditions = withCondition(status.conditions, 'Failed', ending.reason, ending.message, now);
      }
    }
    status.active = Math.max(0, counts.active) + created;
    status.ready = counts.ready;
    status.terminating = terminating;
    status.uncountedTerminatedPods = {};
    await updateWithRetry(store, 'jobs', namespace, name, (cur) => {
      if (cur.metadata.uid !== uid) return false;
      if (JSON.stringify(cur.status ?? {}) === JSON.stringify(status)) return false;
      cur.status = status;
    });
    // Interim conditions were written; the terminal one may be due already.
    if (ending && !isFinished({ status })) setTimeout(() => this.enqueue(namespace, name), tickMs).unref?.();
  }

  /** Selector and template labels the API server would have defaulted at creation. */
  private async defaultSelector(job: any): Promise<any> {
    const labels = jobPodLabels(job);
    const updated = await updateWithRetry(this.deps.store, 'jobs', job.metadata.namespace, job.metadata.name, (cur) => {
      if (cur.spec.selector) return false;
      cur.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } };
      cur.spec.template = cur.spec.template ?? {};
      cur.spec.template.metadata = cur.spec.template.metadata ?? {};
      cur.spec.template.metadata.labels = { ...(cur.spec.template.metadata.labels ?? {}), ...labels };
    });
    return updated ?? job;
  }

  private async createPod(job: any): Promise<any | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const pod = await this.deps.store.create('pods', podForJob(job, randomSuffix()));
        void recordEvent(this.deps.store, jobRef(job), 'Normal', 'SuccessfulCreate', `Created pod: ${pod?.metadata?.name}`, 'job-controller');
        return pod;
      } catch (e) {
        const code = (e as { code?: number; status?: { code?: number } }).code ?? (e as { status?: { code?: number } }).status?.code;
        if (code === 409) continue; // name collision: another suffix
        void recordEvent(this.deps.store, jobRef(job), 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`, 'job-controller');
        return undefined;
      }
    }
    return undefined;
  }
}

function activePods(pods: any[]): any[] {
  return pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

function jobRef(job: any): any {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
