import { describe, expect, it } from 'vitest';
import { planPodDeletion } from './podDeletion.js';

const now = new Date('2026-01-01T10:00:00Z');
const running = (extra: any = {}) => ({ metadata: { name: 'p', ...extra.metadata }, spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 30, ...extra.spec }, status: { phase: 'Running', ...extra.status } });
const at = (s: number) => new Date(now.getTime() + s * 1000);

describe('planPodDeletion (CheckGracefulDelete + BeforeDelete)', () => {
  it.each([
    ['a running pod gets its terminationGracePeriodSeconds, ending that long from now', running(), undefined, { kind: 'graceful', deletionTimestamp: at(30), deletionGracePeriodSeconds: 30 }],
    ['the delete options override it', running(), 5, { kind: 'graceful', deletionTimestamp: at(5), deletionGracePeriodSeconds: 5 }],
    ['grace 0 (kubectl --force --grace-period=0) goes now', running(), 0, { kind: 'graceful', deletionTimestamp: now, deletionGracePeriodSeconds: 0 }],
    ['a negative grace period counts as 1 s', running(), -3, { kind: 'graceful', deletionTimestamp: at(1), deletionGracePeriodSeconds: 1 }],
    ['an unscheduled pod goes now', running({ spec: { nodeName: undefined } }), 10, { kind: 'graceful', deletionTimestamp: now, deletionGracePeriodSeconds: 0 }],
    ['a Succeeded pod goes now', running({ status: { phase: 'Succeeded' } }), undefined, { kind: 'graceful', deletionTimestamp: now, deletionGracePeriodSeconds: 0 }],
    ['a Failed pod goes now', running({ status: { phase: 'Failed' } }), 10, { kind: 'graceful', deletionTimestamp: now, deletionGracePeriodSeconds: 0 }],
    ['no terminationGracePeriodSeconds at all means 0', running({ spec: { terminationGracePeriodSeconds: undefined } }), undefined, { kind: 'graceful', deletionTimestamp: now, deletionGracePeriodSeconds: 0 }],
  ])('%s', (_what, pod, grace, want) => {
    expect(planPodDeletion(pod, grace, now)).toEqual(want);
  });

  const deleting = running({ metadata: { deletionTimestamp: '2026-01-01T10:00:20Z', deletionGracePeriodSeconds: 30 } });
  it.each([
    ['a second deletion without a grace period changes nothing', deleting, undefined, { kind: 'pending' }],
    ['a longer or equal one changes nothing', deleting, 30, { kind: 'pending' }],
    ['a shorter one moves the end back by the difference', deleting, 10, { kind: 'graceful', deletionTimestamp: new Date('2026-01-01T10:00:00Z'), deletionGracePeriodSeconds: 10 }],
    ['the kubelet confirming with 0 ends it now', deleting, 0, { kind: 'graceful', deletionTimestamp: new Date('2026-01-01T09:59:50Z'), deletionGracePeriodSeconds: 0 }],
    ['one already at 0 goes now whatever is asked', running({ metadata: { deletionTimestamp: '2026-01-01T10:00:00Z', deletionGracePeriodSeconds: 0 } }), 30, { kind: 'graceful', deletionTimestamp: now, deletionGracePeriodSeconds: 0 }],
  ])('%s', (_what, pod, grace, want) => {
    expect(planPodDeletion(pod, grace, now)).toEqual(want);
  });
});
