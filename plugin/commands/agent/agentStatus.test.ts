import { describe, expect, it } from 'vitest';
import { deriveAgentStatus, podStatusText, versionSkewWarnings } from './agentStatus.js';

const pod = (over: any = {}) => ({
  metadata: { name: 'odoo-node-agent-abcde', creationTimestamp: '2026-12-01T10:00:00Z', labels: { 'app.kubernetes.io/version': '0.1.0' }, ...over.metadata },
  spec: { nodeName: 'node-1', containers: [{ name: 'agent', image: 'node:22-bookworm-slim' }], initContainers: [{ name: 'check-tools' }], ...over.spec },
  status: {
    phase: 'Running',
    initContainerStatuses: [{ name: 'check-tools', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    containerStatuses: [{ name: 'agent', ready: true, restartCount: 0, state: { running: {} } }],
    ...over.status,
  },
});
const summary = (node: string, collectedAt: string) => ({
  metadata: { name: `kubectl-odoo-node-${node}`, annotations: { 'kubectl-odoo.io/node': node } },
  data: { 'summary.json': JSON.stringify({ node, collectedAt }) },
});

describe('podStatusText', () => {
  it.each([
    ['running', pod(), 'Running'],
    ['being deleted', pod({ metadata: { deletionTimestamp: '2026-12-01T11:00:00Z' } }), 'Terminating'],
    ['tools check failing', pod({ status: { phase: 'Pending', initContainerStatuses: [{ name: 'check-tools', state: { waiting: { reason: 'CrashLoopBackOff' } } }], containerStatuses: [{ name: 'agent', state: { waiting: { reason: 'PodInitializing' } } }] } }), 'Init:CrashLoopBackOff'],
    ['tools check running', pod({ status: { phase: 'Pending', initContainerStatuses: [{ name: 'check-tools', state: { running: {} } }], containerStatuses: [] } }), 'Init:0/1'],
    ['agent crashing', pod({ status: { containerStatuses: [{ name: 'agent', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] } }), 'CrashLoopBackOff'],
  ])('%s: %s', (_what, p, text) => {
    expect(podStatusText(p)).toBe(text);
  });
});

describe('deriveAgentStatus', () => {
  it('gives one row per node, with or without a pod, and the time of its last summary', () => {
    const rows = deriveAgentStatus({ nodes: ['node-2', 'node-1'], pods: [pod()], summaries: [summary('node-1', '2026-12-01T10:05:00Z')] });
    expect(rows).toEqual([
      { node: 'node-1', pod: 'odoo-node-agent-abcde', version: '0.1.0', image: 'node:22-bookworm-slim', ready: true, status: 'Running', restarts: 0, summaryAt: '2026-12-01T10:05:00Z' },
      { node: 'node-2', ready: false, status: 'no agent pod', restarts: 0, summaryAt: undefined },
    ]);
  });

  it('prefers the live pod over one being deleted, and says why a pod does not run', () => {
    const old = pod({ metadata: { name: 'old', deletionTimestamp: '2026-12-01T11:00:00Z' } });
    const failing = pod({
      metadata: { name: 'new', creationTimestamp: '2026-12-01T11:00:00Z' },
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'check-tools', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, message: 'image busybox lacks the tools the agent needs: blkid lsblk' } } }],
        containerStatuses: [{ name: 'agent', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    });
    const [row] = deriveAgentStatus({ nodes: ['node-1'], pods: [old, failing], summaries: [] });
    expect(row).toMatchObject({ pod: 'new', ready: false, status: 'Init:CrashLoopBackOff', problem: 'image busybox lacks the tools the agent needs: blkid lsblk' });
  });
});

describe('versionSkewWarnings', () => {
  it('warns for agents of another version only', () => {
    const rows = [
      { node: 'node-1', pod: 'a', version: '0.1.0' },
      { node: 'node-2', pod: 'b', version: '0.0.9' },
      { node: 'node-3', pod: 'c' }, // installed with kubectl apply -k: no version to compare
      { node: 'node-4', version: '0.0.9' }, // no pod
    ];
    expect(versionSkewWarnings(rows, '0.1.0')).toEqual(['Warning: the agent on node-2 is version 0.0.9, this plugin is 0.1.0: run "kubectl odoo agent upgrade"']);
  });
});
