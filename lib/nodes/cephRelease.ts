// Which Ceph release the readiness judge speaks for, and what that release's ceph-volume rejects.
// ceph-volume's `inventory` decides a device's "available" in util/device.py
// (_check_generic_reject_reasons, _check_lvm_reject_reasons, _check_raw_reject_reasons) from the facts
// util/disk.py gathers (get_devices: sysfs, udevadm; blkid -p; lsblk). The rule sets below were read
// from that source; README "Reasons" lists each one with its release.

export const CEPH_RELEASES = { 16: 'pacific', 17: 'quincy', 18: 'reef', 19: 'squid' } as const;
export type CephRelease = keyof typeof CEPH_RELEASES;

/** The release the current Rook version deploys by default (its example CephCluster: quay.io/ceph/ceph:v19.2). */
export const DEFAULT_CEPH_RELEASE: CephRelease = 19;

/** Findings ceph-volume itself can reject a device for (our codes; ceph-volume's words in CEPH_VOLUME_WORDS). */
export type CephVolumeCode =
  | 'not-found'
  | 'device-type'
  | 'insufficient-space'
  | 'read-only'
  | 'removable'
  | 'id-bus'
  | 'locked'
  | 'has-filesystem'
  | 'gpt-headers'
  | 'has-partitions'
  | 'bluestore-label'
  | 'bluestore-unknown'
  | 'parent-bluestore-label'
  | 'parent-bluestore-unknown'
  | 'ceph-disk'
  | 'lvm'
  | 'vg-extents';

/** ceph-volume's own words for each rejection (rejected_reasons), identical in every release that has it. */
export const CEPH_VOLUME_WORDS: Record<CephVolumeCode, string> = {
  'not-found': 'Unable to proceed with non-existing device',
  'device-type': 'Device type is not acceptable. It should be raw device or partition',
  'insufficient-space': 'Insufficient space (<5GB)',
  'read-only': 'read-only',
  removable: 'removable',
  'id-bus': 'id_bus',
  locked: 'locked',
  'has-filesystem': 'Has a FileSystem',
  'gpt-headers': 'Has GPT headers',
  'has-partitions': 'Has partitions',
  'bluestore-label': 'Has BlueStore device label',
  'bluestore-unknown': 'Failed to determine if device is BlueStore',
  'parent-bluestore-label': 'Parent has BlueStore device label',
  'parent-bluestore-unknown': 'Failed to determine if parent device is BlueStore',
  'ceph-disk': 'Used by ceph-disk',
  lvm: 'LVM detected',
  'vg-extents': 'Insufficient space (<10 extents) on vgs',
};

const ALWAYS: CephVolumeCode[] = [
  'not-found', // util/device.py ValidDevice.check_device
  'device-type',
  'insufficient-space',
  'ceph-disk',
  'bluestore-label',
  'bluestore-unknown',
  'parent-bluestore-label',
  'parent-bluestore-unknown',
  'gpt-headers',
  'has-partitions',
  'lvm', // _check_raw_reject_reasons: self.vgs
  'vg-extents', // _check_lvm_reject_reasons: int(vg.vg_free_count) > 10
];

/**
 * What each release's ceph-volume rejects.
 * - The device-scan rewrite (disk.get_devices from sysfs; reasons `('id_bus', 'usb', 'id_bus'), ('ro', '1',
 *   'read-only')` and `if self.has_fs: 'Has a FileSystem'`): Reef's source, and Pacific 16.2.15 as
 *   Debian ships it (/usr/lib/python3/dist-packages/ceph_volume/util/device.py). No `removable`, no
 *   `locked`: get_devices no longer sets sys_api['locked'].
 * - Quincy's source before that rewrite: `('removable', 1, 'removable'), ('ro', 1, 'read-only'),
 *   ('locked', 1, 'locked')` with sys_api['locked'] = is_locked_raw_device(path) (an O_EXCL open) and
 *   no has_fs rejection. sysfs values are strings there, so only `locked` (an int) ever matches.
 * - Squid keeps Reef's rules.
 */
export const CEPH_VOLUME_RULES: Record<CephRelease, ReadonlySet<CephVolumeCode>> = {
  16: new Set([...ALWAYS, 'read-only', 'id-bus', 'has-filesystem']),
  17: new Set([...ALWAYS, 'locked']),
  18: new Set([...ALWAYS, 'read-only', 'id-bus', 'has-filesystem']),
  19: new Set([...ALWAYS, 'read-only', 'id-bus', 'has-filesystem']),
};

/** "16", "pacific", "v16", "16.2.15", "v18.2.4-20240724" → 16; undefined when not a supported release. */
export function parseCephRelease(s: string): CephRelease | undefined {
  const t = s.trim().toLowerCase();
  const byName = Object.entries(CEPH_RELEASES).find(([, name]) => name === t);
  if (byName) return Number(byName[0]) as CephRelease;
  const m = /^v?(\d+)(?:\.\d+)*(?:-[a-z0-9._-]+)?$/.exec(t);
  const n = m ? Number(m[1]) : NaN;
  return n in CEPH_RELEASES ? (n as CephRelease) : undefined;
}

/** The release in a CephCluster's spec.cephVersion.image ("quay.io/ceph/ceph:v18.2.4"); undefined for a digest or an unknown tag. */
export function cephReleaseFromImage(image: string): CephRelease | undefined {
  const tag = /:([^:/@]+)(?:@.*)?$/.exec(image)?.[1];
  return tag ? parseCephRelease(tag) : undefined;
}

/** A Ceph fsid or OSD uuid. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function describeRelease(r: CephRelease): string {
  return `${r} (${CEPH_RELEASES[r]})`;
}
