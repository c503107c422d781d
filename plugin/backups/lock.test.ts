import { describe, expect, it } from 'vitest';
import { buildLockConfigMap, judgeLock, lockName } from './lock.js';

const now = new Date('2025-01-15T10:00:00Z');
const cm = (data: Record<string, string> | undefined) => (data ? { metadata: { name: 'odoo-lock-acme' }, data } : undefined);

describe('judgeLock', () => {
  it.each([
    ['no lock object', undefined, 'free'],
    ['held until later', { holder: 'ann@h', operation: 'restore', acquiredAt: '2025-01-15T09:59:00Z', expiresAt: '2025-01-15T10:01:00Z' }, 'held'],
    ['expired', { holder: 'ann@h', operation: 'backup', acquiredAt: '2025-01-15T09:00:00Z', expiresAt: '2025-01-15T09:02:00Z' }, 'expired'],
    ['expiring exactly now', { holder: 'ann@h', operation: 'backup', acquiredAt: '', expiresAt: '2025-01-15T10:00:00Z' }, 'expired'],
    ['unreadable record', { junk: 'x' }, 'expired'],
    ['bad expiry', { holder: 'a', operation: 'b', acquiredAt: '', expiresAt: 'soon' }, 'expired'],
  ] as const)('%s -> %s', (_n, data, state) => {
    expect(judgeLock(cm(data as any), now).state).toBe(state);
  });

  it('the lock object names its instance and holder', () => {
    const obj = buildLockConfigMap('saasodoo', 'acme', { holder: 'ann@h', operation: 'restore', acquiredAt: 'a', expiresAt: 'b' }, '42');
    expect(obj).toMatchObject({ kind: 'ConfigMap', metadata: { name: lockName('acme'), namespace: 'saasodoo', resourceVersion: '42' }, data: { instance: 'acme', holder: 'ann@h', operation: 'restore' } });
  });
});
