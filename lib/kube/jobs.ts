// Running a Kubernetes Job to its end: create it, find its pod, stream the pod's log line by line, wait
// for the Job to succeed or fail, and turn a failure into one clear sentence.
//
// API (small on purpose):
//   runJob(kube, job, opts)             creates `job` and follows it; resolves with its JobResult when it
//                                       succeeds; throws JobFailedError (exit 1) when it fails,
//                                       TimeoutError after opts.timeoutMs, CancelledError on opts.signal.
//                                       On timeout and cancel the Job is deleted (its pod is killed).
//   followJob(kube, ns, name, opts)     the same for a Job that already exists.
//   deleteJob(kube, ns, name)           deletes a Job and its pods (foreground propagation).
//   jobOutcome(job)                     pure: 'succeeded' | 'failed' | undefined (still running).
//   JOB_POD_LABEL                       label builders must put on the pod template (value: the Job's
//                                       name) so the pod is found whatever controller labels exist.
// Options: onLine(line) for every log line (progress parsing), onStatus(text) when the pod's state
// changes ("Pending: ContainerCreating"), keep: which finished Jobs to leave for `kubectl logs`
// ('failed' by default: successful Jobs are deleted, failed ones kept).
import type { KubeClient } from './client.js';
import { Writable } from 'node:stream';
import { RESOURCES } from './resources.js';
import { streamPodLogs } from './logs.js';
import { isNotFound } from './errors.js';
import { admitHelperPod } from './podSecurity.js';
import type { Clock } from '../io.js';
import { CancelledError, FailureError, TimeoutError } from '../errors.js';
import type { Read, V1Job, V1Pod } from './models.js';

export const JOB_POD_LABEL = 'kubectl-odoo.io/job';

export interface JobRunOptions {
  namespace: string;
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  onStatus?: (text: string) => void;
  /** Which finished Jobs stay in the cluster (default 'failed'). */
  keep?: 'failed' | 'all' | 'none';
  /** Names the operation in errors ("backup of acme"); default "job <name>". */
  what?: string;
  /** How often the Job and pod are polled (default 1s). */
  pollMs?: number;
  /**
   * On cancel, after deleting the Job, keep reading its pod's log until the pod is gone (its container
   * ran its exit trap) or this many ms passed; the CancelledError then carries the whole log.
   */
  drainOnCancelMs?: number;
}

/** A cancelled Job; `log` holds what its pod printed up to its end when the run drained it. */
export class JobCancelledError extends CancelledError {
  constructor(
    message: string,
    readonly log: string,
    readonly drained: boolean,
  ) {
    super(message);
  }
}

export interface JobResult {
  name: string;
  namespace: string;
  podName?: string;
  succeeded: boolean;
  /** The pod's whole log. */
  log: string;
}

/** A Job that ran and failed; `result.log` holds what it printed. */
export class JobFailedError extends FailureError {
  readonly result: JobResult;
  constructor(message: string, result: JobResult, hint?: string) {
    super(message, { hint });
    this.result = result;
  }
}

export function jobOutcome(job: Read<V1Job> | undefined): 'succeeded' | 'failed' | undefined {
  for (const c of job?.status?.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') return 'succeeded';
    if (c.type === 'Failed' || c.type === 'FailureTarget') return 'failed';
  }
  if ((job?.status?.succeeded ?? 0) > 0 && !job?.status?.active) return 'succeeded';
  const limit = job?.spec?.backoffLimit ?? 6;
  if ((job?.status?.failed ?? 0) > limit) return 'failed';
  return undefined;
}

/** Why a Job failed, from what it said last ("ERROR ..." lines), else from its pod or conditions. */
export function describeJobFailure(log: string, pod: Read<V1Pod> | undefined, job: Read<V1Job> | undefined): string {
  const errors = log.split('\n').filter((l) => l.startsWith('ERROR ')).map((l) => l.slice(6).trim());
  if (errors.length) return errors[0];
  const term = (pod?.status?.containerStatuses ?? []).map((c) => c.state?.terminated).find(Boolean);
  if (term) {
    const parts = [`exit code ${term.exitCode}`, term.reason, term.message?.trim()].filter(Boolean);
    const tail = log.trim().split('\n').slice(-3).join(' / ');
    return `${parts.join(', ')}${tail ? `: ${tail}` : ''}`;
  }
  const cond = (job?.status?.conditions ?? []).find((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True');
  if (cond) return `${cond.reason ?? 'Failed'}${cond.message ? `: ${cond.message}` : ''}`;
  return 'the Job failed';
}

/** "Pending: ContainerCreating", "Running", ...: what the pod is doing, for progress and timeouts. */
export function describePodState(pod: Read<V1Pod> | undefined): string {
  if (!pod) return 'no pod yet';
  const phase = pod.status?.phase ?? 'Pending';
  const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting).find(Boolean);
  if (waiting) return `${phase}: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`;
  const unsched = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unsched) return `${phase}: ${unsched.reason ?? 'Unschedulable'}${unsched.message ? ` (${unsched.message})` : ''}`;
  return phase;
}

export async function deleteJob(kube: KubeClient, namespace: string, name: string): Promise<void> {
  await kube.deleteIfExists(RESOURCES.jobs, name, { namespace, propagationPolicy: 'Foreground' });
}

export async function runJob(kube: KubeClient, job: V1Job, opts: JobRunOptions): Promise<JobResult> {
  const name = job.metadata?.name ?? '';
  await admitHelperPod(kube, opts.namespace, job.spec?.template?.spec, opts.what ?? `job ${name}`);
  await kube.create(RESOURCES.jobs, job, { namespace: opts.namespace });
  return followJob(kube, opts.namespace, name, opts);
}

export async function followJob(kube: KubeClient, namespace: string, name: string, opts: JobRunOptions): Promise<JobResult> {
  const what = opts.what ?? `job ${name}`;
  const pollMs = opts.pollMs ?? 1000;
  const started = opts.clock.now().getTime();
  const logs = new LogFollower(kube, namespace, opts.onLine);
  let pod: Read<V1Pod> | undefined;
  let job: Read<V1Job> | undefined;
  let lastState = '';
  let polls = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) {
        await deleteJob(kube, namespace, name).catch(() => undefined);
        if (opts.drainOnCancelMs && pod) {
          const drained = await drainPod(kube, namespace, pod.metadata?.name ?? '', opts.clock, opts.drainOnCancelMs, logs);
          throw new JobCancelledError(`interrupted: ${what} stopped (Job ${name} deleted)`, logs.text(), drained);
        }
        throw new JobCancelledError(`interrupted: ${what} stopped (Job ${name} deleted)`, logs.text(), !pod);
      }
      job = await kube.getOptional<Read<V1Job>>(RESOURCES.jobs, name, namespace);
      if (!job) throw new FailureError(`${what} failed: Job ${name} was deleted while it ran`);
      const pods = await kube.list<Read<V1Pod>>(RESOURCES.pods, { namespace, labelSelector: `${JOB_POD_LABEL}=${name}` });
      // The newest pod is the one that matters (backoffLimit 0 means there is only one).
      pod = pods.items.sort((a, b) => String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)))[0] ?? pod;
      const state = describePodState(pod);
      if (state !== lastState) {
        opts.onStatus?.(pod ? `pod ${pod.metadata?.name}: ${state}` : `waiting for the pod of Job ${name}`);
        lastState = state;
      }
      const phase = pod?.status?.phase;
      if (pod?.metadata?.name && (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed')) logs.start(pod.metadata.name);
      const outcome = jobOutcome(job);
      if (outcome) {
        const log = await logs.finish(pod?.metadata?.name);
        const result: JobResult = { name, namespace, podName: pod?.metadata?.name, succeeded: outcome === 'succeeded', log };
        const keep = opts.keep ?? 'failed';
        if (keep === 'none' || (keep === 'failed' && result.succeeded)) await deleteJob(kube, namespace, name).catch(() => undefined);
        if (!result.succeeded) {
          const hint = keep === 'none' ? undefined : `its log: kubectl logs job/${name} -n ${namespace}`;
          throw new JobFailedError(`${what} failed: ${describeJobFailure(log, pod, job)}`, result, hint);
        }
        return result;
      }
      if (opts.clock.now().getTime() - started > opts.timeoutMs) {
        await deleteJob(kube, namespace, name).catch(() => undefined);
        throw new TimeoutError(`${what} did not finish within ${Math.round(opts.timeoutMs / 1000)}s (pod: ${state}); Job ${name} was deleted`);
      }
      // Quick at first (a listing takes a moment), then every pollMs.
      await opts.clock.sleep(Math.min(pollMs, 100 * 2 ** Math.min(polls++, 4)), opts.signal);
    }
  } finally {
    logs.stop();
  }
}

/**
 * After its Job was deleted: follows the pod's log until the pod is gone (the kubelet keeps a deleted
 * pod until its containers exit). True when it went within `ms`.
 */
async function drainPod(kube: KubeClient, namespace: string, pod: string, clock: Clock, ms: number, logs: LogFollower): Promise<boolean> {
  logs.start(pod);
  const deadline = clock.now().getTime() + ms;
  for (;;) {
    const p = await kube.getOptional<Read<V1Pod>>(RESOURCES.pods, pod, namespace).catch(() => 'unknown' as const);
    if (p === undefined) break;
    if (p !== 'unknown' && ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')) break;
    if (clock.now().getTime() > deadline) return false;
    await clock.sleep(200);
  }
  await logs.finish(pod).catch(() => undefined);
  return true;
}

/**
 * Streams a pod's log (follow=true) and hands out complete lines. If the stream breaks, the rest is
 * read once more without follow when the Job has ended, skipping the lines already handed out.
 */
class LogFollower {
  private text_ = '';
  private delivered = 0;
  private partial = '';
  private readonly abort = new AbortController();
  private ended?: Promise<void>;
  private pod?: string;
  private endedCleanly = false;
  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly onLine?: (line: string) => void,
  ) {}

  start(pod: string): void {
    if (this.pod) return;
    this.pod = pod;
    this.ended = (async () => {
      try {
        const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (this.add(chunk.toString('utf8')), cb()) });
        await streamPodLogs(this.kube, { namespace: this.namespace, pod, follow: true, signal: this.abort.signal }, sink);
        this.endedCleanly = !this.abort.signal.aborted;
      } catch {
        // Read again in finish().
      }
    })();
  }

  private add(chunk: string): void {
    this.text_ += chunk;
    this.partial += chunk;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.delivered++;
      this.onLine?.(line);
    }
  }

  /** The whole log once the container has exited. */
  async finish(pod: string | undefined): Promise<string> {
    if (!pod) return this.text_;
    if (!this.pod) this.start(pod);
    // The follow stream ends by itself when the container exits; if it does not end cleanly in a few
    // seconds (dropped connection, a server that does not follow), read the whole log once more.
    let timer: NodeJS.Timeout | undefined;
    const clean = await Promise.race([this.ended!.then(() => this.endedCleanly), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5000)))]);
    clearTimeout(timer);
    if (!clean) {
      this.stop();
      try {
        const text = await this.readRaw(pod);
        if (text.length > this.text_.length) {
          const lines = text.split('\n');
          lines.pop(); // '' after the last newline, or an unfinished line (handed out below)
          for (const line of lines.slice(this.delivered)) {
            this.delivered++;
            this.onLine?.(line);
          }
          this.text_ = text;
          this.partial = text.endsWith('\n') ? '' : text.slice(text.lastIndexOf('\n') + 1);
        }
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (this.partial) {
      this.onLine?.(this.partial);
      this.partial = '';
    }
    return this.text_;
  }

  /** What was read so far. */
  text(): string {
    return this.text_;
  }

  private async readRaw(pod: string): Promise<string> {
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (chunks.push(chunk), cb()) });
    await streamPodLogs(this.kube, { namespace: this.namespace, pod }, sink);
    return Buffer.concat(chunks).toString('utf8');
  }

  stop(): void {
    this.abort.abort();
  }
}
