import { describe, expect, it } from 'vitest';
import { deriveInstanceStatus, statusText, PHASE_TO_STATUS } from './status.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const recent = '2025-01-01T11:59:00Z';
const old = '2025-01-01T11:00:00Z';

const dep = (replicas = 1, extra: any = {}) => ({ metadata: { name: 'acme', generation: 1, ...extra.metadata }, spec: { replicas }, status: extra.status ?? {} });
const pod = (phase: string, opts: any = {}) => ({
  metadata: { name: opts.name ?? 'acme-abc-1', creationTimestamp: opts.created ?? recent, deletionTimestamp: opts.deleting },
  spec: { nodeName: 'node-1' },
  status: {
    phase,
    reason: opts.reason,
    conditions: [
      { type: 'PodScheduled', status: opts.unschedulable ? 'False' : 'True', reason: opts.unschedulable ? 'Unschedulable' : undefined, message: opts.unschedulable, lastTransitionTime: opts.since ?? recent },
      { type: 'Ready', status: opts.ready ? 'True' : 'False', lastTransitionTime: opts.since ?? recent },
    ],
    startTime: opts.since ?? recent,
    containerStatuses: [{ name: 'odoo', ready: !!opts.ready, restartCount: opts.restarts ?? 0, state: opts.state ?? (phase === 'Running' ? { running: {} } : { waiting: { reason: 'ContainerCreating' } }), lastState: opts.lastState ?? {} }],
  },
});
const unhealthy = { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 500', involvedObject: { name: 'acme-abc-1' }, lastTimestamp: recent };

describe('PHASE_TO_STATUS is the platform mapping', () => {
  it('maps every pod phase', () => {
    expect(PHASE_TO_STATUS).toEqual({ Pending: 'creating', Running: 'running', Succeeded: 'stopped', Failed: 'error', Unknown: 'error' });
  });
});

describe('deriveInstanceStatus', () => {
  const cases: [string, any, string, string | undefined][] = [
    ['running and ready', { deployment: dep(), pods: [pod('Running', { ready: true })] }, 'running', undefined],
    ['scaled to zero, no pods', { deployment: dep(0), pods: [] }, 'stopped', 'ScaledToZero'],
    ['scaled to zero, pod still there', { deployment: dep(0), pods: [pod('Running', { ready: true })] }, 'stopping', 'Terminating'],
    ['pending pod', { deployment: dep(), pods: [pod('Pending')] }, 'creating', 'ContainerCreating'],
    ['succeeded pod', { deployment: dep(), pods: [pod('Succeeded', { state: { terminated: { exitCode: 0 } } })] }, 'stopped', 'Completed'],
    ['failed pod (evicted)', { deployment: dep(), pods: [pod('Failed', { reason: 'Evicted' })] }, 'error', 'Evicted'],
    ['unknown pod phase', { deployment: dep(), pods: [pod('Unknown')] }, 'error', 'NodeLost'],
    ['crash loop', { deployment: dep(), pods: [pod('Running', { restarts: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } })] }, 'error', 'CrashLoopBackOff'],
    ['image pull backoff', { deployment: dep(), pods: [pod('Pending', { state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "odoo:99"' } } })] }, 'error', 'ImagePullBackOff'],
    ['err image pull', { deployment: dep(), pods: [pod('Pending', { state: { waiting: { reason: 'ErrImagePull' } } })] }, 'error', 'ErrImagePull'],
    ['missing secret', { deployment: dep(), pods: [pod('Pending', { state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "odoo-db-credentials" not found' } } })] }, 'error', 'CreateContainerConfigError'],
    ['unschedulable, recent', { deployment: dep(), pods: [pod('Pending', { unschedulable: '0/3 nodes are available: 3 Insufficient memory.' })] }, 'creating', 'FailedScheduling'],
    ['unschedulable for long', { deployment: dep(), pods: [pod('Pending', { unschedulable: '0/3 nodes are available', since: old, created: old })] }, 'error', 'FailedScheduling'],
    ['running, not ready yet', { deployment: dep(), pods: [pod('Running')] }, 'starting', 'NotReady'],
    ['readiness probe failing', { deployment: dep(), pods: [pod('Running')], events: [unhealthy] }, 'starting', 'ProbeFailed'],
    ['readiness probe failing for long', { deployment: dep(), pods: [pod('Running', { since: old, created: old })], events: [unhealthy] }, 'error', 'ProbeFailed'],
    ['not ready for long', { deployment: dep(), pods: [pod('Running', { since: old, created: old })] }, 'error', 'NotReady'],
    ['ready after restarts', { deployment: dep(), pods: [pod('Running', { ready: true, restarts: 2, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } })] }, 'running', 'Restarted'],
    ['no pod, PVC pending', { deployment: dep(), pods: [], pvc: { metadata: { name: 'odoo-instance-acme' }, status: { phase: 'Pending' } } }, 'creating', 'VolumePending'],
    ['no pod yet', { deployment: dep(), pods: [] }, 'creating', 'NoPod'],
    ['replica failure (quota)', { deployment: dep(1, { status: { conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota' }] } }), pods: [] }, 'error', 'FailedCreate'],
    ['old pod terminating during restart', { deployment: dep(), pods: [pod('Running', { ready: true, deleting: recent })] }, 'starting', 'Terminating'],
    ['newest pod speaks', { deployment: dep(), pods: [pod('Running', { ready: true, name: 'old', created: old, deleting: recent }), pod('Pending', { name: 'new' })] }, 'creating', 'ContainerCreating'],
    ['deployment being deleted', { deployment: dep(1, { metadata: { deletionTimestamp: recent } }), pods: [] }, 'deleting', 'Deleting'],
    ['in maintenance', { deployment: dep(0, { metadata: { annotations: { 'kubectl-odoo.io/maintenance': '{"replicas":1}' } } }), pods: [] }, 'maintenance', 'Maintenance'],
    // Someone scaled it up by hand: what runs is the truth.
    ['maintenance record but scaled up', { deployment: dep(1, { metadata: { annotations: { 'kubectl-odoo.io/maintenance': '{"replicas":1}' } } }), pods: [pod('Running', { ready: true })] }, 'running', undefined],
  ];
  it.each(cases)('%s', (_name, input, status, reason) => {
    const s = deriveInstanceStatus(input, NOW);
    expect(s.status).toBe(status);
    expect(s.reason).toBe(reason);
  });

  it('reports readiness and restarts', () => {
    const s = deriveInstanceStatus({ deployment: dep(1, { status: { readyReplicas: 1 } }), pods: [pod('Running', { ready: true, restarts: 3 })] }, NOW);
    expect(s).toMatchObject({ ready: 1, desired: 1, restarts: 3, pod: 'acme-abc-1', node: 'node-1', podPhase: 'Running' });
  });
  it('a stopped instance has 0 of 0 ready, even while the Deployment status still counts the old pod', () => {
    const s = deriveInstanceStatus({ deployment: dep(0, { status: { readyReplicas: 1, replicas: 1 } }), pods: [] }, NOW);
    expect(s).toMatchObject({ status: 'stopped', ready: 0, desired: 0 });
  });
  it('explains crash loops with the last exit', () => {
    const s = deriveInstanceStatus(cases[7][1], NOW);
    expect(s.message).toBe('odoo: back-off 5m0s; last exit: Error (code 1)');
  });
  it('statusText hides routine reasons', () => {
    expect(statusText({ status: 'stopped', reason: 'ScaledToZero' })).toBe('stopped');
    expect(statusText({ status: 'error', reason: 'CrashLoopBackOff' })).toBe('error (CrashLoopBackOff)');
    expect(statusText({ status: 'maintenance', reason: 'Maintenance' })).toBe('maintenance');
  });
});
