// Jobs whose pods really run: a backup-style tar between two PVCs, the backoff limit, the active
// deadline, deletion midway and ttlSecondsAfterFinished, checked in the store, on disk and with kubectl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../index.js';
import { kubectl } from '../../harness/plugin.js';
import { alive, boundClaim, createNamespace, hostPidOf, waitFor } from './testing.js';

let cluster: TestCluster;
const ns = 'kubelet-jobs';
let hostScratch: string;

beforeAll(async () => {
  cluster = await startTestCluster({ tickMs: 50 });
  createNamespace(cluster, ns);
  hostScratch = mkdtempSync(join(tmpdir(), 'kubelet-jobs-'));
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(hostScratch, { recursive: true, force: true });
});

const kc = (args: string[], timeoutMs?: number) => kubectl(args, { kubeconfig: cluster.kubeconfigPath, timeoutMs });

function job(name: string, argv: string[], extra: { spec?: any; volumes?: any[]; volumeMounts?: any[] } = {}): any {
  return {
    metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      ...extra.spec,
      template: {
        spec: {
          restartPolicy: 'Never',
          // The commands here do not handle SIGTERM, which a container's PID 1 then ignores: keep the wait for SIGKILL short.
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: 'bitnami/odoo:17', command: argv, volumeMounts: extra.volumeMounts }],
          volumes: extra.volumes,
        },
      },
    },
  };
}

const hostVolume = () => ({ volumes: [{ name: 'host', hostPath: { path: hostScratch } }], volumeMounts: [{ name: 'host', mountPath: '/host' }] });

function jobCondition(name: string, type: string): any {
  return cluster.store.get('jobs', ns, name)?.status?.conditions?.find((c: any) => c.type === type && c.status === 'True');
}

describe('a backup Job', () => {
  it('tars one PVC into another: the archive is real, the Job Complete, its pod labelled and owned', async () => {
    const instance = boundClaim(cluster, ns, 'odoo-instance-acme');
    const backups = boundClaim(cluster, ns, 'odoo-backups-pvc');
    mkdirSync(join(instance, 'filestore', 'acme'), { recursive: true });
    writeFileSync(join(instance, 'filestore', 'acme', 'attachment.bin'), Buffer.alloc(4096, 7));
    writeFileSync(join(instance, 'odoo.conf'), '[options]\n');
    cluster.store.create(
      'jobs',
      job('backup-acme', ['sh', '-c', 'mkdir -p /backups/active/acme && tar -czf /backups/active/acme/data.tar.gz -C /bitnami/odoo .'], {
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: 'odoo-instance-acme' } },
          { name: 'backups', persistentVolumeClaim: { claimName: 'odoo-backups-pvc' } },
        ],
        volumeMounts: [
          { name: 'data', mountPath: '/bitnami/odoo', readOnly: true },
          { name: 'backups', mountPath: '/backups' },
        ],
      }),
    );
    const waited = await kc(['wait', '-n', ns, '--for=condition=complete', 'job/backup-acme', '--timeout=30s'], 40_000);
    expect(waited.stderr).toBe('');
    expect(waited.stdout).toContain('job.batch/backup-acme condition met');

    const archive = join(backups, 'active', 'acme', 'data.tar.gz');
    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(listing).toEqual(['./', './filestore/', './filestore/acme/', './filestore/acme/attachment.bin', './odoo.conf']);

    const j = cluster.store.get('jobs', ns, 'backup-acme');
    expect(j.status).toMatchObject({ succeeded: 1, failed: 0, active: 0, ready: 0, terminating: 0 });
    expect(j.status.startTime).toBeTruthy();
    expect(j.status.completionTime).toBeTruthy();
    expect(j.status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached'],
      ['Complete', 'True', 'CompletionsReached'],
    ]);

    const pods = cluster.store.list('pods', ns, 'job-name=backup-acme');
    expect(pods).toHaveLength(1);
    const pod = pods[0];
    expect(pod.metadata.name).toMatch(/^backup-acme-[a-z0-9]{5}$/);
    expect(pod.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'backup-acme', 'controller-uid': j.metadata.uid });
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'backup-acme', uid: j.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.status.phase).toBe('Succeeded');
  });
});

describe('failure', () => {
  it('retries failed pods up to backoffLimit, then fails with BackoffLimitExceeded', async () => {
    cluster.store.create('jobs', job('flaky', ['sh', '-c', 'echo attempt; exit 2'], { spec: { backoffLimit: 1 } }));
    await waitFor('the Failed condition', () => jobCondition('flaky', 'Failed'));
    const j = cluster.store.get('jobs', ns, 'flaky');
    expect(j.status).toMatchObject({ failed: 2, succeeded: 0, active: 0 });
    expect(jobCondition('flaky', 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(jobCondition('flaky', 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(jobCondition('flaky', 'Complete')).toBeUndefined();
    expect(j.status.completionTime).toBeUndefined();
    const pods = cluster.store.list('pods', ns, 'job-name=flaky');
    expect(pods.map((p: any) => p.status.phase)).toEqual(['Failed', 'Failed']);
    const logs = await kc(['logs', '-n', ns, 'job/flaky']);
    expect(logs.stdout).toBe('attempt\n');
  });

  it('kills the running pod at activeDeadlineSeconds and fails with DeadlineExceeded', async () => {
    const { volumes, volumeMounts } = hostVolume();
    cluster.store.create(
      'jobs',
      job('slow', ['sh', '-c', 'touch /host/slow.pid; sleep 30; touch /host/slow.done # slow'], { spec: { activeDeadlineSeconds: 3 }, volumes, volumeMounts }),
    );
    await waitFor('the pid file', () => existsSync(join(hostScratch, 'slow.pid')));
    const pid = hostPidOf('# slow')!;
    expect(alive(pid)).toBe(true);
    await waitFor('the Failed condition', () => jobCondition('slow', 'Failed'), 30_000);
    expect(jobCondition('slow', 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(jobCondition('slow', 'Complete')).toBeUndefined();
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(hostScratch, 'slow.done'))).toBe(false);
    expect(cluster.store.get('jobs', ns, 'slow').status).toMatchObject({ active: 0, failed: 1, succeeded: 0 });
  });

  it('deleting a Job midway kills its process: nothing after the kill runs and the Job never completes', async () => {
    const { volumes, volumeMounts } = hostVolume();
    const seen: string[] = [];
    const unsubscribe = cluster.store.subscribe('jobs', (ev) => {
      for (const c of ev.object.status?.conditions ?? []) if (ev.object.metadata.name === 'midway') seen.push(c.type);
    });
    cluster.store.create('jobs', job('midway', ['sh', '-c', 'touch /host/midway.pid; sleep 30; touch /host/midway.done # midway'], { volumes, volumeMounts }));
    await waitFor('the pid file', () => existsSync(join(hostScratch, 'midway.pid')));
    const pid = hostPidOf('# midway')!;
    expect(alive(pid)).toBe(true);
    const del = await kc(['delete', 'job', '-n', ns, 'midway', '--wait=true'], 40_000);
    expect(del.code).toBe(0);
    await waitFor('the process to die', () => !alive(pid));
    await waitFor('the pod to be gone', () => cluster.store.list('pods', ns, 'job-name=midway').length === 0);
    unsubscribe();
    expect(cluster.store.get('jobs', ns, 'midway')).toBeUndefined();
    expect(existsSync(join(hostScratch, 'midway.done'))).toBe(false);
    expect(seen).not.toContain('Complete');
  });
});

describe('ttlSecondsAfterFinished', () => {
  it('deletes the finished Job and its pods', async () => {
    cluster.store.create('jobs', job('short-lived', ['true'], { spec: { ttlSecondsAfterFinished: 0 } }));
    await waitFor('the Job to be deleted', () => cluster.store.get('jobs', ns, 'short-lived') === undefined);
    await waitFor('its pods to be deleted', () => cluster.store.list('pods', ns, 'job-name=short-lived').length === 0);
  });
});
