import { describe, expect, it } from 'vitest';
import { backoffLimitExceeded, countPods, deadlineExceeded, finishedAt, podCreationBackoffMs, podForJob, randomSuffix, withCondition } from './jobStatus.js';

const job = (spec: any, status: any = {}) => ({ metadata: { name: 'backup', namespace: 'acme', uid: 'uid-1' }, spec, status });
const pod = (phase: string, extra: any = {}) => ({ metadata: { deletionTimestamp: extra.deleting ? 't' : undefined }, status: { phase, conditions: extra.ready ? [{ type: 'Ready', status: 'True' }] : [], containerStatuses: [{ restartCount: extra.restarts ?? 0 }] } });

describe('backoffLimitExceeded', () => {
  it.each([
    ['Never: failures up to the limit', { backoffLimit: 2, template: { spec: { restartPolicy: 'Never' } } }, 2, 0, false],
    ['Never: one more than the limit', { backoffLimit: 2, template: { spec: { restartPolicy: 'Never' } } }, 3, 0, true],
    ['Never: limit 0, first failure', { backoffLimit: 0, template: { spec: { restartPolicy: 'Never' } } }, 1, 0, true],
    ['default limit 6', { template: { spec: { restartPolicy: 'Never' } } }, 6, 0, false],
    ['OnFailure: restarts reach the limit', { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure' } } }, 0, 2, true],
    ['OnFailure: limit 0, one restart', { backoffLimit: 0, template: { spec: { restartPolicy: 'OnFailure' } } }, 0, 1, true],
    ['OnFailure: limit 0, no restart', { backoffLimit: 0, template: { spec: { restartPolicy: 'OnFailure' } } }, 0, 0, false],
  ])('%s', (_n, spec, failed, restarts, want) => {
    expect(backoffLimitExceeded(job(spec), failed as number, restarts as number)).toBe(want);
  });
});

describe('deadlineExceeded', () => {
  const start = '2024-01-01T00:00:00Z';
  it.each([
    [{}, { startTime: start }, Date.parse(start) + 1e9, false],
    [{ activeDeadlineSeconds: 10 }, {}, Date.parse(start) + 1e9, false],
    [{ activeDeadlineSeconds: 10 }, { startTime: start }, Date.parse(start) + 9_999, false],
    [{ activeDeadlineSeconds: 10 }, { startTime: start }, Date.parse(start) + 10_000, true],
  ])('%j %j', (spec, status, now, want) => {
    expect(deadlineExceeded(job(spec, status), now)).toBe(want);
  });
});

describe('countPods', () => {
  it('counts active, ready, terminating pods and restarts of live ones', () => {
    expect(countPods([pod('Running', { ready: true, restarts: 1 }), pod('Pending', { restarts: 2 }), pod('Running', { deleting: true }), pod('Succeeded', { restarts: 5 }), pod('Failed')])).toEqual({ active: 2, ready: 1, terminating: 1, restarts: 3 });
  });
});

describe('conditions and timing', () => {
  it('adds a condition once and keeps it when it does not change', () => {
    const one = withCondition(undefined, 'FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline', 't1');
    expect(withCondition(one, 'FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline', 't2')).toEqual(one);
    expect(one).toEqual([{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', lastProbeTime: 't1', lastTransitionTime: 't1' }]);
  });

  it('finishes at completionTime or when it failed', () => {
    expect(finishedAt({ status: { completionTime: '2024-01-01T00:00:05Z', conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2024-01-01T00:00:06Z' }] } })).toBe(Date.parse('2024-01-01T00:00:05Z'));
    expect(finishedAt({ status: { conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: '2024-01-01T00:00:06Z' }] } })).toBe(Date.parse('2024-01-01T00:00:06Z'));
    expect(finishedAt({ status: { conditions: [{ type: 'FailureTarget', status: 'True', lastTransitionTime: 't' }] } })).toBeUndefined();
  });

  it.each([
    [0, 0],
    [1, 500],
    [2, 1000],
    [3, 2000],
    [20, 18_000],
  ])('pod creation back-off after %i failures is %i ms at a 50 ms tick', (failed, ms) => {
    expect(podCreationBackoffMs(failed, 50)).toBe(ms);
  });
});

describe('podForJob', () => {
  it('labels, owns and names the pod as the controller does', () => {
    const j = job({ template: { metadata: { labels: { app: 'backup' }, annotations: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } } });
    const p = podForJob(j, randomSuffix(() => 0));
    expect(p.metadata).toEqual({
      name: 'backup-bbbbb',
      generateName: 'backup-',
      namespace: 'acme',
      labels: { app: 'backup', 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'backup', 'controller-uid': 'uid-1', 'job-name': 'backup' },
      annotations: { a: 'b' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'backup', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec).toEqual({ restartPolicy: 'Never', containers: [{ name: 'c' }] });
  });
});
