import { describe, expect, it } from 'vitest';
import { describeJobFailure, describePodState, jobOutcome } from './jobs.js';

describe('jobOutcome', () => {
  it.each([
    ['no status yet', {}, undefined],
    ['Complete condition', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }, 'succeeded'],
    ['SuccessCriteriaMet', { status: { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] } }, 'succeeded'],
    ['Failed condition', { status: { conditions: [{ type: 'Failed', status: 'True' }] } }, 'failed'],
    ['FailureTarget (pods still terminating)', { status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } }, 'failed'],
    ['a condition that is False', { status: { conditions: [{ type: 'Failed', status: 'False' }], active: 1 } }, undefined],
    ['failed pods beyond backoffLimit 0', { spec: { backoffLimit: 0 }, status: { failed: 1 } }, 'failed'],
    ['one failed pod under the default backoffLimit', { status: { failed: 1, active: 1 } }, undefined],
  ])('%s', (_n, job, outcome) => {
    expect(jobOutcome(job)).toBe(outcome);
  });
});

describe('describeJobFailure', () => {
  it('prefers what the script said', () => {
    expect(describeJobFailure('PHASE database\nERROR database dump failed: permission denied\nERROR later\n', undefined, {})).toBe('database dump failed: permission denied');
  });
  it('else the container termination and the last lines', () => {
    const pod = { status: { containerStatuses: [{ state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] } };
    expect(describeJobFailure('a\nb\n', pod, {})).toBe('exit code 137, OOMKilled: a / b');
  });
  it('else the Job condition', () => {
    expect(describeJobFailure('', undefined, { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }] } })).toBe(
      'DeadlineExceeded: Job was active longer than specified deadline',
    );
  });
  it('pod states read like kubectl', () => {
    expect(describePodState(undefined)).toBe('no pod yet');
    expect(describePodState({ status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "x" not found' } } }] } })).toBe(
      'Pending: CreateContainerConfigError (secret "x" not found)',
    );
    expect(describePodState({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] } })).toBe(
      'Pending: Unschedulable (0/3 nodes are available)',
    );
  });
});
