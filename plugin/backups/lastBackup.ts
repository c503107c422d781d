// The "last backup" line of `kubectl odoo status`, without a Job: a backup followed to its end records
// itself in an annotation of the instance's Deployment (metadata only: no rollout), and backup Jobs that
// still exist (running, or failed and kept for their logs) are newer news than that annotation.
import type { KubeClient } from '../core/kube/client.js';
import { RESOURCES } from '../core/kube/resources.js';
import { jobOutcome } from '../core/kube/jobs.js';
import type { InstanceObjects } from '../instances/resolve.js';
import type { LastBackupInfo } from '../instances/statusReport.js';
import { formatBytes } from './listing.js';
import { LABEL_BACKUP_SET, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_OPERATION } from './jobSpecs.js';
import { parseBackupTimestamp } from './naming.js';

export const LAST_BACKUP_ANNOTATION = 'kubectl-odoo.io/last-backup';

export interface RecordedBackup {
  path: string;
  takenAt: string;
  bytes: number;
}

export function lastBackupAnnotationPatch(b: RecordedBackup): unknown {
  return { metadata: { annotations: { [LAST_BACKUP_ANNOTATION]: JSON.stringify(b) } } };
}

/** Pure: the newest of the recorded backup and the backup Jobs still in the cluster. */
export function judgeLastBackup(deployment: any, jobs: any[]): LastBackupInfo | undefined {
  let recorded: RecordedBackup | undefined;
  try {
    const raw = deployment?.metadata?.annotations?.[LAST_BACKUP_ANNOTATION];
    if (raw) recorded = JSON.parse(raw);
  } catch {
    recorded = undefined;
  }
  const fromJobs = jobs
    .map((j) => {
      const ts = String(j.metadata?.labels?.[LABEL_BACKUP_SET] ?? '').toUpperCase();
      const time = parseBackupTimestamp(ts);
      const outcome = jobOutcome(j);
      return time ? { ts, time, state: outcome === 'failed' ? 'failed' : outcome === 'succeeded' ? 'complete' : 'running', job: j.metadata.name } : undefined;
    })
    .filter((x): x is NonNullable<typeof x> => !!x)
    .sort((a, b) => b.ts.localeCompare(a.ts));
  const job = fromJobs[0];
  const recordedTime = recorded ? Date.parse(recorded.takenAt) : NaN;
  if (job && (!recorded || Number.isNaN(recordedTime) || job.time.getTime() > recordedTime)) {
    return { name: job.ts, takenAt: job.time.toISOString(), state: job.state, location: `Job ${job.job}` };
  }
  if (recorded) return { name: recorded.path, takenAt: recorded.takenAt, state: 'complete', size: formatBytes(recorded.bytes), location: recorded.path };
  return undefined;
}

export async function lastBackupOf(kube: KubeClient, inst: InstanceObjects): Promise<LastBackupInfo | undefined> {
  const jobs = await kube.list(RESOURCES.jobs, { namespace: inst.namespace, labelSelector: `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_OPERATION}=backup,${LABEL_INSTANCE}=${inst.name}` });
  return judgeLastBackup(inst.deployment, jobs.items);
}
