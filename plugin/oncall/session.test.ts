import { describe, expect, it } from 'vitest';
import { odooContainerTarget, whyNotRunning } from './session.js';

const pod = (name: string, o: { deleting?: boolean; ready?: boolean; running?: boolean } = {}) => ({
  metadata: { name, ...(o.deleting ? { deletionTimestamp: '2026-12-03T10:00:00Z' } : {}) },
  status: {
    phase: o.running === false ? 'Pending' : 'Running',
    conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }],
    containerStatuses: [{ name: 'odoo', state: o.running === false ? { waiting: { reason: 'ContainerCreating' } } : { running: {} } }],
  },
});
const inst = (pods: any[], replicas = 1): any => ({ name: 'acme', namespace: 'saasodoo', deployment: { spec: { replicas } }, pods, facts: { container: 'odoo' } });

describe('the pod shell and psql use', () => {
  it('is never a terminating one, even when it is still ready and listed first', () => {
    expect(odooContainerTarget(inst([pod('old', { deleting: true, ready: true }), pod('new')]))).toEqual({ namespace: 'saasodoo', pod: 'new', container: 'odoo' });
  });
  it('is a ready one before one that is only running', () => {
    expect(odooContainerTarget(inst([pod('a'), pod('b', { ready: true })])).pod).toBe('b');
  });
  it('is none while the only running pod terminates; the reason says so', () => {
    const i = inst([pod('old', { deleting: true, ready: true }), pod('new', { running: false })]);
    expect(() => odooContainerTarget(i)).toThrow('instance acme has no running Odoo container');
    expect(whyNotRunning(i)).toBe('the pod of instance acme is being replaced (old is terminating)');
    expect(whyNotRunning(inst([], 0))).toBe('instance acme is stopped');
    expect(whyNotRunning(inst([pod('new', { running: false })]))).toBe('instance acme has no running Odoo container yet');
  });
});
