import { describe, expect, it } from 'vitest';
import { parseSlotCap, slotHeld, slotNames } from './slots.js';

describe('backup slots', () => {
  it('names a node slot per perNode and a cluster slot per cluster cap', () => {
    expect(slotNames({ perNode: 2, cluster: 3 }, 'node-1')).toEqual({
      node: ['odoo-backup-slot-node-1-0', 'odoo-backup-slot-node-1-1'],
      cluster: ['odoo-backup-slot-0', 'odoo-backup-slot-1', 'odoo-backup-slot-2'],
    });
    // No node (a stopped instance's Job may run anywhere): the cluster cap only.
    expect(slotNames({ perNode: 2, cluster: 1 }).node).toEqual([]);
  });

  it('a slot is held while renewed within its duration', () => {
    const lease = (renewTime: string, holderIdentity = 'ann@host') => ({ spec: { holderIdentity, leaseDurationSeconds: 60, renewTime } });
    const now = new Date('2026-01-10T10:00:00Z');
    expect(slotHeld(lease('2026-01-10T09:59:30.000000Z'), now)).toBe(true);
    expect(slotHeld(lease('2026-01-10T09:58:59.000000Z'), now)).toBe(false);
    expect(slotHeld(lease('2026-01-10T09:59:30.000000Z', ''), now)).toBe(false);
    expect(slotHeld(undefined, now)).toBe(false);
  });

  it('caps are whole numbers from 1 to 256', () => {
    expect(parseSlotCap('--max-cluster', '4')).toBe(4);
    expect(parseSlotCap('config backupConcurrency.perNode', 1)).toBe(1);
    for (const bad of ['0', '-1', '1.5', 'x', '257', ''])
      expect(() => parseSlotCap('--max-cluster', bad)).toThrow(`--max-cluster "${bad}" must be a whole number from 1 to 256`);
  });
});
