import { describe, expect, it } from 'vitest';
import { judgeResize } from './resize.js';
import { FailureError, UsageError } from '../../lib/errors.js';

const pvc = (size: string, sc = 'rook-cephfs', phase = 'Bound') => ({ metadata: { name: 'odoo-instance-acme' }, spec: { storageClassName: sc, resources: { requests: { storage: size } } }, status: { phase, capacity: { storage: size } } });
const expandable = { metadata: { name: 'rook-cephfs' }, allowVolumeExpansion: true };
const fixed = { metadata: { name: 'rook-cephfs' } };

describe('judgeResize', () => {
  it('grows', () => expect(judgeResize(pvc('10Gi'), expandable, '20Gi', 'acme')).toMatchObject({ from: '10Gi', to: '20Gi', unchanged: false }));
  it('same size is no change, even on a fixed class', () => expect(judgeResize(pvc('10Gi'), fixed, '10Gi', 'acme').unchanged).toBe(true));
  it.each([
    [pvc('10Gi'), expandable, '5Gi', UsageError, /cannot shrink acme's volume from 10Gi to 5Gi/],
    [pvc('10Gi'), fixed, '20Gi', FailureError, /StorageClass rook-cephfs does not allow volume expansion/],
    [pvc('10Gi'), undefined, '20Gi', FailureError, /does not exist/],
    [pvc('10Gi', 'rook-cephfs', 'Pending'), expandable, '20Gi', FailureError, /is Pending, not Bound/],
  ])('refuses %#', (p, sc, size, type, msg) => {
    expect(() => judgeResize(p, sc, size, 'acme')).toThrow(type);
    expect(() => judgeResize(p, sc, size, 'acme')).toThrow(msg);
  });
});
