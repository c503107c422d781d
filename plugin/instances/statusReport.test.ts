// The status screen's events: warnings from before the instance last became ready (a volume still
// attaching at creation, an expansion long done) are marked old and not listed as if they were news.
import { describe, expect, it } from 'vitest';
import { makeColors } from '../core/output/colors.js';
import { deriveInstanceFacts } from './facts.js';
import { buildStatusReport, renderStatusReport } from './statusReport.js';

const now = new Date('2025-01-15T12:00:00Z');
const deployment: any = {
  metadata: { name: 'acme', namespace: 'saasodoo', labels: {} },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'odoo', image: 'bitnami/odoo:17' }] } } },
  status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 },
};
const pod: any = {
  metadata: { name: 'acme-abc', namespace: 'saasodoo', creationTimestamp: '2025-01-15T09:00:00Z' },
  spec: { nodeName: 'node-1' },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2025-01-15T09:02:00Z' }],
    containerStatuses: [{ name: 'odoo', ready: true, restartCount: 0, state: { running: {} } }],
  },
};
const warning = (reason: string, at: string, kind = 'Pod', name = 'acme-abc') => ({
  type: 'Warning',
  reason,
  involvedObject: { kind, name },
  message: `${reason} message`,
  lastTimestamp: at,
  count: 1,
});

function report(events: any[]) {
  const o: any = { namespace: 'saasodoo', name: 'acme', deployment, pods: [pod], events, facts: deriveInstanceFacts(deployment) };
  return buildStatusReport(o, undefined, null, now);
}

describe('status events', () => {
  it('marks the warnings from before the instance became ready as old, and shows only the new ones', () => {
    const r = report([
      warning('FailedScheduling', '2025-01-15T09:00:30Z'),
      warning('ExternalExpanding', '2025-01-15T09:00:10Z', 'PersistentVolumeClaim', 'odoo-instance-acme'),
      warning('BackOff', '2025-01-15T11:50:00Z'),
    ]);
    expect(r.healthySince).toBe('2025-01-15T09:02:00Z');
    expect(r.events.map((e) => [e.reason, e.old ?? false])).toEqual([
      ['BackOff', false],
      ['FailedScheduling', true],
      ['ExternalExpanding', true],
    ]);
    const text = renderStatusReport(r, makeColors(false), now);
    expect(text).toMatch(/BackOff pod\/acme-abc \(10m ago\): BackOff message/);
    expect(text).not.toMatch(/FailedScheduling|ExternalExpanding/);
    expect(text).toMatch(/2 older warnings from before it became ready 178m ago \(-o json lists them\)/);
  });

  it('a healthy instance with only creation-time warnings says there is nothing new', () => {
    const text = renderStatusReport(report([warning('FailedScheduling', '2025-01-15T09:00:30Z')]), makeColors(false), now);
    expect(text).toMatch(/no warnings since the instance became ready/);
    expect(text).toMatch(/1 older warning from before it became ready .* \(-o json lists it\)/);
  });
});
