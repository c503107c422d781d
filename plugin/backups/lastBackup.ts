// The "last backup" line of `kubectl odoo status`, without a Job: a backup followed to its end records
// itself in an annotation of the instance's Deployment (metadata only: no rollout), and backup Jobs that
// still exist (running, failed and kept for their logs, or finished after the plugin that started them
// was killed) are newer news than that annotation.
//
// One answer whatever its source: the newest complete regular backup as its set path, when it was taken
// and its size; plus a newer attempt that is still running or failed. Safety backups (the state a restore
// replaced) are not regular backups and never count. A set finished by an orphaned Job is recorded in
// the annotation when status sees it, so it is not forgotten once the Job's TTL removes the Job.
import { Writable } from 'node:stream';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { JOB_POD_LABEL, jobOutcome } from '../../lib/kube/jobs.js';
import { streamPodLogs } from '../../lib/kube/logs.js';
import type { InstanceObjects } from '../instances/resolve.js';
import type { LastBackupInfo } from '../instances/statusReport.js';
import { formatBytes } from '../../lib/bytes.js';
import { LABEL_BACKUP_SET, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_OPERATION } from './jobSpecs.js';
import { isSafetyBackup, type BackupReason } from './manifest.js';
import { parseBackupTimestamp } from './naming.js';
import { ANNOTATION_LAST_BACKUP } from '../instances/labels.js';
import type { Read, Stored, V1Deployment, V1Job, V1Pod } from '../../lib/kube/models.js';

export const LAST_BACKUP_ANNOTATION = ANNOTATION_LAST_BACKUP;

export interface RecordedBackup {
  path: string;
  takenAt: string;
  bytes: number;
  /** The manifest's reason: a safety backup is never recorded as the last backup. */
  reason?: BackupReason;
}

/** The patch that records a finished backup; an empty (no-op) merge patch for a safety backup. */
export function lastBackupAnnotationPatch(b: RecordedBackup): unknown {
  if (isSafetyBackup(b)) return {};
  const { reason: _reason, ...record } = b;
  return { metadata: { annotations: { [LAST_BACKUP_ANNOTATION]: JSON.stringify(record) } } };
}

/** A backup Job as status sees it. */
export interface BackupJobView {
  job: string;
  /** The set's path, from the Job's own environment. */
  path: string;
  takenAt: Date;
  state: 'running' | 'failed' | 'complete';
  safety: boolean;
}

const envOf = (job: Read<V1Job> | undefined, name: string): string | undefined =>
  (job?.spec?.template?.spec?.containers?.[0]?.env ?? []).find((e) => e.name === name)?.value;

/** Pure: what a backup Job says about its set; undefined for a Job that is not a readable backup. */
export function viewBackupJob(job: Stored<V1Job>): BackupJobView | undefined {
  const ts = String(job?.metadata?.labels?.[LABEL_BACKUP_SET] ?? '').toUpperCase();
  const takenAt = parseBackupTimestamp(ts);
  const parent = envOf(job, 'SET_PARENT');
  if (!takenAt || !parent) return undefined;
  let safety = false;
  try {
    safety = isSafetyBackup(JSON.parse(envOf(job, 'MANIFEST_BASE') ?? '{}'));
  } catch {
    /* an unreadable base is a regular backup's */
  }
  const outcome = jobOutcome(job);
  return { job: job.metadata.name, path: `${parent}/${envOf(job, 'SET_NAME') ?? ts}`, takenAt, state: outcome === 'failed' ? 'failed' : outcome === 'succeeded' ? 'complete' : 'running', safety };
}

function readRecorded(deployment: Read<V1Deployment> | undefined): RecordedBackup | undefined {
  try {
    const raw = deployment?.metadata?.annotations?.[LAST_BACKUP_ANNOTATION];
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    // As lastBackupAnnotationPatch wrote it, once its path and time are there.
    const r = parsed as { path?: unknown; takenAt?: unknown; reason?: BackupReason };
    return typeof r.path === 'string' && !Number.isNaN(Date.parse(String(r.takenAt))) && !isSafetyBackup(r) ? (r as RecordedBackup) : undefined;
  } catch {
    return undefined;
  }
}

export interface LastBackupJudgement {
  info?: LastBackupInfo;
  /** A complete set newer than the annotation, finished by a Job nobody followed: record it. */
  unrecorded?: BackupJobView;
}

/**
 * Pure: the newest complete regular backup from the annotation and the Jobs, with a newer running or
 * failed attempt beside it. `sizes` holds the set sizes read from finished Jobs' logs, by Job name.
 */
export function judgeLastBackup(deployment: Read<V1Deployment> | undefined, jobs: Stored<V1Job>[], sizes: ReadonlyMap<string, number> = new Map()): LastBackupJudgement {
  const recorded = readRecorded(deployment);
  const views = jobs
    .map(viewBackupJob)
    .filter((v): v is BackupJobView => !!v && !v.safety)
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  // Compared by set timestamp (the last part of the path), the name both forms share.
  const recordedAt = recorded ? (parseBackupTimestamp(recorded.path.split('/').pop() ?? '') ?? new Date(recorded.takenAt)).getTime() : -Infinity;
  const newerThanRecord = (v: BackupJobView) => v.takenAt.getTime() > recordedAt;
  const completeJob = views.find((v) => v.state === 'complete' && newerThanRecord(v));
  let complete: LastBackupInfo | undefined;
  if (completeJob) {
    const bytes = sizes.get(completeJob.job);
    complete = { name: completeJob.path, takenAt: completeJob.takenAt.toISOString(), state: 'complete', ...(bytes !== undefined ? { size: formatBytes(bytes) } : {}), location: `Job ${completeJob.job}` };
  } else if (recorded) {
    complete = { name: recorded.path, takenAt: recorded.takenAt, state: 'complete', size: formatBytes(recorded.bytes), location: recorded.path };
  }
  const completeAt = completeJob ? completeJob.takenAt.getTime() : recordedAt;
  const attempt = views.find((v) => v.state !== 'complete' && v.takenAt.getTime() > completeAt);
  const attemptInfo = attempt && { name: attempt.path, takenAt: attempt.takenAt.toISOString(), state: attempt.state, location: `Job ${attempt.job}` };
  const info = complete ? { ...complete, ...(attemptInfo ? { attempt: attemptInfo } : {}) } : attemptInfo;
  return { info, ...(completeJob ? { unrecorded: completeJob } : {}) };
}

/** The SIZE line a finished backup Job printed (undefined when its pod or log is gone). */
async function sizeFromJobLog(kube: KubeClient, namespace: string, job: string): Promise<number | undefined> {
  const pods = await kube.list<Read<V1Pod>>(RESOURCES.pods, { namespace, labelSelector: `${JOB_POD_LABEL}=${job}` });
  const pod = pods.items[0]?.metadata?.name;
  if (!pod) return undefined;
  let log = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      log += chunk.toString();
      done();
    },
  });
  await streamPodLogs(kube, { namespace, pod, tailLines: 50 }, sink);
  const line = log.split('\n').find((l) => /^SIZE \d+$/.test(l));
  return line ? Number(line.slice(5)) : undefined;
}

/** `mayRecord`, when given, decides whether the orphaned Job's set may be recorded (status reads ahead). */
export async function lastBackupOf(kube: KubeClient, inst: InstanceObjects, mayRecord?: Promise<boolean>): Promise<LastBackupInfo | undefined> {
  const jobs = await kube.list<Stored<V1Job>>(RESOURCES.jobs, { namespace: inst.namespace, labelSelector: `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_OPERATION}=backup,${LABEL_INSTANCE}=${inst.name}` });
  const first = judgeLastBackup(inst.deployment, jobs.items);
  if (!first.unrecorded) return first.info;
  const job = first.unrecorded;
  const bytes = await sizeFromJobLog(kube, inst.namespace, job.job).catch(() => undefined);
  const { info } = judgeLastBackup(inst.deployment, jobs.items, bytes !== undefined ? new Map([[job.job, bytes]]) : new Map());
  // Recorded where the Job would have recorded it, had its plugin lived; the Job goes with its TTL. A
  // reader without the right to patch still gets the answer.
  if (bytes !== undefined && (mayRecord === undefined || (await mayRecord))) {
    await kube
      .patch(RESOURCES.deployments, inst.name, lastBackupAnnotationPatch({ path: job.path, takenAt: job.takenAt.toISOString(), bytes }), { namespace: inst.namespace })
      .catch(() => undefined);
  }
  return info;
}
