import { describe, expect, it } from 'vitest';
import { podConditions, podPhase, shouldRestart, terminatedReason, type ContainerView } from './podStatus.js';

const running: ContainerView = { name: 'a', state: { running: { startedAt: 't' } }, willRestart: false };
const waiting: ContainerView = { name: 'a', state: { waiting: { reason: 'ContainerCreating' } }, willRestart: false };
const done = (exitCode: number, willRestart = false): ContainerView => ({ name: 'a', state: { terminated: { exitCode, reason: terminatedReason(exitCode), finishedAt: 't' } }, willRestart });
const backoff: ContainerView = { name: 'a', state: { waiting: { reason: 'CrashLoopBackOff' } }, willRestart: true };

describe('podPhase', () => {
  it.each([
    ['init containers not done', false, [running], 'Pending'],
    ['a container still being created', true, [running, waiting], 'Pending'],
    ['all running', true, [running, running], 'Running'],
    ['one running, one exited', true, [running, done(0)], 'Running'],
    ['all exited 0', true, [done(0), done(0)], 'Succeeded'],
    ['one exited non-zero', true, [done(0), done(2)], 'Failed'],
    ['failed but restarting', true, [done(1, true)], 'Running'],
    ['in back-off before a restart', true, [backoff], 'Running'],
  ] as [string, boolean, ContainerView[], string][])('%s → %s', (_n, initDone, containers, phase) => {
    expect(podPhase(initDone, containers)).toBe(phase);
  });
});

describe('shouldRestart', () => {
  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    [undefined, 0, true],
    ['OnFailure', 0, false],
    ['OnFailure', 137, true],
    ['Never', 1, false],
  ] as [string | undefined, number, boolean][])('%s with exit %i → %s', (policy, code, want) => {
    expect(shouldRestart(policy, code)).toBe(want);
  });
});

describe('podConditions', () => {
  it('keeps lastTransitionTime while a condition holds and keeps conditions it does not manage', () => {
    const first = podConditions('Running', { sandboxReady: true, initPending: [], unready: ['odoo'] }, [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: 't0' }], 't1');
    expect(first.map((c) => [c.type, c.status, c.reason ?? '', c.lastTransitionTime])).toEqual([
      ['PodReadyToStartContainers', 'True', '', 't1'],
      ['Initialized', 'True', '', 't1'],
      ['Ready', 'False', 'ContainersNotReady', 't1'],
      ['ContainersReady', 'False', 'ContainersNotReady', 't1'],
      ['PodScheduled', 'True', '', 't0'],
    ]);
    expect(first[2].message).toBe('containers with unready status: [odoo]');
    const second = podConditions('Succeeded', { sandboxReady: true, initPending: [], unready: ['odoo'] }, first, 't2');
    expect(second.map((c) => [c.type, c.status, c.reason ?? '', c.lastTransitionTime])).toEqual([
      ['PodReadyToStartContainers', 'False', '', 't2'],
      ['Initialized', 'True', 'PodCompleted', 't1'],
      ['Ready', 'False', 'PodCompleted', 't1'],
      ['ContainersReady', 'False', 'PodCompleted', 't1'],
      ['PodScheduled', 'True', '', 't0'],
    ]);
  });
});
