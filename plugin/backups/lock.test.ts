import { describe, expect, it } from 'vitest';
import { buildLockConfigMap, busyMessage, judgeLock, lockName, readLockRecord } from './lock.js';

const now = new Date('2025-01-15T10:00:00Z');
const cm = (data: Record<string, string> | undefined) => (data ? { metadata: { name: 'odoo-lock-acme' }, data } : undefined);

describe('judgeLock', () => {
  it.each([
    ['no lock object', undefined, 'free'],
    ['held until later', { holder: 'ann@h', operation: 'restore', acquiredAt: '2025-01-15T09:59:00Z', expiresAt: '2025-01-15T10:01:00Z' }, 'held'],
    ['not renewed: left by an interrupted operation', { holder: 'ann@h', operation: 'backup', acquiredAt: '2025-01-15T09:00:00Z', expiresAt: '2025-01-15T09:02:00Z' }, 'stale'],
    ['expiring exactly now', { holder: 'ann@h', operation: 'backup', acquiredAt: '', expiresAt: '2025-01-15T10:00:00Z' }, 'stale'],
    ['unreadable record', { junk: 'x' }, 'stale'],
    ['bad expiry', { holder: 'a', operation: 'b', acquiredAt: '', expiresAt: 'soon' }, 'stale'],
  ] as const)('%s -> %s', (_n, data, state) => {
    expect(judgeLock(cm(data as any), now).state).toBe(state);
  });

  it('is held past its expiry for as long as the Job it names runs', () => {
    const data = { holder: 'ann@h', operation: 'restore', phase: 'swap', acquiredAt: '2025-01-15T09:00:00Z', expiresAt: '2025-01-15T09:02:00Z', job: 'odoo-restore-acme-x' };
    expect(judgeLock(cm(data), now, true).state).toBe('held');
    expect(judgeLock(cm(data), now, false).state).toBe('stale');
  });

  it('says who holds it, for what, since when, and what to do', () => {
    const record = readLockRecord(cm({ holder: 'ann@laptop', operation: 'restore', phase: 'swap', acquiredAt: '2025-01-15T09:31:02Z', expiresAt: '2025-01-15T10:01:00Z', job: 'odoo-restore-acme-20250115t093102z', replicas: '1' }))!;
    expect(record.replicas).toBe(1);
    expect(busyMessage('acme', { state: 'held', record }, now)).toBe(
      'instance acme is busy: restore (phase swap) by ann@laptop since 09:31:02, Job odoo-restore-acme-20250115t093102z; wait for it, or see "kubectl odoo recover acme"',
    );
    expect(busyMessage('acme', { state: 'stale', record }, new Date('2025-01-16T08:00:00Z'))).toBe(
      'instance acme is busy: an interrupted restore (phase swap) by ann@laptop since 2025-01-15 09:31:02, Job odoo-restore-acme-20250115t093102z left it locked; see "kubectl odoo recover acme"',
    );
  });

  it('the lock object names its instance and holder', () => {
    const obj = buildLockConfigMap('saasodoo', 'acme', { holder: 'ann@h', operation: 'restore', phase: 'swap', acquiredAt: 'a', expiresAt: 'b' }, '42');
    expect(obj).toMatchObject({ kind: 'ConfigMap', metadata: { name: lockName('acme'), namespace: 'saasodoo', resourceVersion: '42' }, data: { instance: 'acme', holder: 'ann@h', operation: 'restore' } });
  });
});
