// Ceph capacity from the READY devices, as the storage plan computes it: raw is the sum of the devices,
// usable is raw divided by the replication factor, and realistically 7-10% of that goes to overhead
// (BlueStore metadata, RocksDB, and the headroom Ceph keeps before its full ratios).
// 3 x 150 GB: 450 GB raw, 150 GB usable at 3x, ~135-140 GB realistic.
import { formatByteRange, formatBytes } from '../bytes.js';

export interface CapacityPolicy {
  replication: number;
  /** Fraction of usable lost to overhead: [least, most]. */
  overhead: [number, number];
}

export const DEFAULT_CAPACITY_POLICY: CapacityPolicy = { replication: 3, overhead: [0.07, 0.1] };

export interface CephCapacity {
  devices: number;
  rawBytes: number;
  replication: number;
  usableBytes: number;
  /** Realistic usable after overhead: [low, high]. */
  realisticBytes: [number, number];
}

export function computeCephCapacity(readyDeviceBytes: number[], policy: CapacityPolicy = DEFAULT_CAPACITY_POLICY): CephCapacity {
  const rawBytes = readyDeviceBytes.reduce((a, b) => a + b, 0);
  const usableBytes = rawBytes / policy.replication;
  return {
    devices: readyDeviceBytes.length,
    rawBytes,
    replication: policy.replication,
    usableBytes,
    realisticBytes: [usableBytes * (1 - policy.overhead[1]), usableBytes * (1 - policy.overhead[0])],
  };
}


export function describeCapacity(c: CephCapacity): string {
  if (c.devices === 0) return 'Ceph capacity: no READY devices';
  return (
    `Ceph capacity from ${c.devices} READY device${c.devices === 1 ? '' : 's'}: raw ${formatBytes(c.rawBytes)}, ` +
    `usable ${formatBytes(c.usableBytes)} at ${c.replication}x replication, ` +
    `realistic ~${formatByteRange(c.realisticBytes)} after overhead`
  );
}

