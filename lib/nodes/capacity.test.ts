import { describe, expect, it } from 'vitest';
import { computeCephCapacity, describeCapacity } from './capacity.js';

const GB = 1e9;

describe('computeCephCapacity', () => {
  it.each([
    // The storage plan: 3 nodes x 150 GB → 450 raw, 150 usable, ~135-140 realistic.
    { sizes: [150, 150, 150], replication: 3, raw: 450, usable: 150, low: 135, high: 139.5, text: 'raw 419.1Gi, usable 139.7Gi at 3x replication, realistic ~125.7-129.9Gi' },
    // Its hypothetical 10 OSDs x 150 GB → 1,500 raw, 500 usable, ~450-465 realistic.
    { sizes: Array(10).fill(150), replication: 3, raw: 1500, usable: 500, low: 450, high: 465, text: 'raw 1.4Ti, usable 465.7Gi at 3x replication, realistic ~419.1-433.1Gi' },
    { sizes: [150, 150], replication: 2, raw: 300, usable: 150, low: 135, high: 139.5, text: 'raw 279.4Gi, usable 139.7Gi at 2x replication' },
  ])('$sizes.length devices at $replication x', (c) => {
    const cap = computeCephCapacity(c.sizes.map((s) => s * GB), { replication: c.replication, overhead: [0.07, 0.1] });
    expect(cap.rawBytes / GB).toBeCloseTo(c.raw);
    expect(cap.usableBytes / GB).toBeCloseTo(c.usable);
    expect(cap.realisticBytes[0] / GB).toBeCloseTo(c.low);
    expect(cap.realisticBytes[1] / GB).toBeCloseTo(c.high);
    expect(describeCapacity(cap)).toContain(c.text);
  });

  it('says so when nothing is ready', () => {
    expect(describeCapacity(computeCephCapacity([]))).toBe('Ceph capacity: no READY devices');
  });
});
