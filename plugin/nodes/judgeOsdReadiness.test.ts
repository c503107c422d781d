import { describe, expect, it } from 'vitest';
import { judgeOsdReadiness, formatReason, DEFAULT_READINESS_POLICY } from './judgeOsdReadiness.js';
import type { DeviceFacts, HostFacts, Verdict } from './facts.js';
import { cleanPartitionFacts, healthyHostFacts, HOST_MOUNTINFO } from './testFixtures.js';

const sysfs = (over: Record<string, unknown>): DeviceFacts['sysfs'] => {
  const base = cleanPartitionFacts().sysfs;
  if (!base.ok) throw new Error('fixture');
  return { ok: true, value: { ...base.value, ...over } };
};
const blkid = (lines: string): DeviceFacts['blkid'] => ({ ok: true, out: `DEVNAME=/dev/sda2\n${lines}\n`, code: 0 });
const bluestoreHead = (uuid: string) => Buffer.concat([Buffer.from(`bluestore block device\n${uuid}\n`), Buffer.alloc(400)]).toString('base64');
const lsblk = (over: Record<string, unknown>): DeviceFacts['lsblk'] => ({
  ok: true,
  out: JSON.stringify({ blockdevices: [{ name: 'sda2', kname: 'sda2', pkname: 'sda', type: 'part', size: 150e9, ro: false, rm: false, tran: null, ...over }] }),
});

interface Case {
  name: string;
  device?: Partial<DeviceFacts>;
  host?: Partial<HostFacts>;
  allowLoop?: boolean;
  verdict: Verdict;
  /** Every reason, formatted, in order. */
  reasons: string[];
}

const cases: Case[] = [
  { name: 'a clean raw partition', verdict: 'READY', reasons: [] },
  { name: 'missing device', device: { stat: { ok: true, out: 'missing' } }, verdict: 'NOT_READY', reasons: ['Unable to proceed with non-existing device: /dev/sda2'] },
  {
    name: 'a regular file',
    device: { stat: { ok: true, out: 'other' } },
    verdict: 'NOT_READY',
    reasons: ['Device type is not acceptable. It should be raw device or partition (/dev/sda2 is not a block device)'],
  },
  { name: 'ext4', device: { blkid: blkid('UUID=1\nTYPE=ext4\nUSAGE=filesystem') }, verdict: 'NOT_READY', reasons: ['Has a FileSystem (ext4)'] },
  { name: 'xfs', device: { blkid: blkid('TYPE=xfs') }, verdict: 'NOT_READY', reasons: ['Has a FileSystem (xfs)'] },
  { name: 'swap signature', device: { blkid: blkid('TYPE=swap') }, verdict: 'NOT_READY', reasons: ['Has a FileSystem (swap)'] },
  { name: 'LUKS', device: { blkid: blkid('TYPE=crypto_LUKS\nVERSION=2') }, verdict: 'NOT_READY', reasons: ['Has a FileSystem (crypto_LUKS)'] },
  {
    name: 'LVM physical volume in a VG',
    device: { blkid: blkid('TYPE=LVM2_member'), pvs: { ok: true, out: "  LVM2_PV_NAME='/dev/sda2' LVM2_VG_NAME='vg0'\n" } },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (LVM2_member)', 'LVM detected (PV of VG vg0)'],
  },
  {
    name: 'LVM signature while lvm2 is not installed',
    device: { blkid: blkid('TYPE=LVM2_member'), pvs: { ok: false, error: 'pvs not available', missing: true } },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (LVM2_member)', 'LVM detected (LVM2_member signature)'],
  },
  { name: 'GPT inside the partition', device: { blkid: blkid('PTUUID=abc\nPTTYPE=gpt') }, verdict: 'NOT_READY', reasons: ['Has GPT headers'] },
  { name: 'DOS table inside the partition', device: { blkid: blkid('PTTYPE=dos') }, verdict: 'NOT_READY', reasons: ['Has partitions (dos partition table)'] },
  {
    name: 'a whole disk with partitions',
    device: { sysfs: sysfs({ partition: undefined, parent: undefined, kname: 'sdb', partitions: ['sdb1', 'sdb2'] }), lsblk: lsblk({ type: 'disk' }), parentHead: undefined },
    verdict: 'NOT_READY',
    reasons: ['Has partitions (sdb1, sdb2)'],
  },
  {
    name: 'BlueStore label of an existing OSD',
    device: { head: { ok: true, out: bluestoreHead('7b2d6d35-41f5-4b41-a4a8-4b1e1c9c2f11') }, blkid: blkid('TYPE=ceph_bluestore') },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (ceph_bluestore)', 'Has BlueStore device label (osd_uuid 7b2d6d35-41f5-4b41-a4a8-4b1e1c9c2f11)'],
  },
  {
    name: 'parent disk carries a BlueStore label',
    device: { parentHead: { ok: true, out: bluestoreHead('0a0a0a0a-1111-2222-3333-444444444444') } },
    verdict: 'NOT_READY',
    reasons: ['Parent has BlueStore device label (/dev/sda osd_uuid 0a0a0a0a-1111-2222-3333-444444444444)'],
  },
  {
    name: 'too small',
    device: { sysfs: sysfs({ size: String((1 << 30) / 512) }) },
    verdict: 'NOT_READY',
    reasons: ['Insufficient space (<5GB) (1073741824 bytes)'],
  },
  { name: 'exactly 5 GiB is enough', device: { sysfs: sysfs({ size: String(5368709120 / 512) }) }, verdict: 'READY', reasons: [] },
  { name: 'read-only', device: { sysfs: sysfs({ ro: '1' }) }, verdict: 'NOT_READY', reasons: ['read-only'] },
  { name: 'removable parent disk', device: { sysfs: sysfs({ parentRemovable: '1' }) }, verdict: 'NOT_READY', reasons: ['removable'] },
  { name: 'USB', device: { udev: { ok: true, out: 'E:ID_BUS=usb\n' } }, verdict: 'NOT_READY', reasons: ['id_bus (usb)'] },
  {
    name: 'held by device-mapper and busy',
    device: { sysfs: sysfs({ holders: ['dm-0'] }), exclusiveOpen: { ok: true, out: 'busy: EBUSY' } },
    verdict: 'NOT_READY',
    reasons: ['locked (held by dm-0; exclusive open refused (EBUSY))'],
  },
  {
    name: 'ceph-disk partition label',
    device: { blkid: blkid('PART_ENTRY_NAME=ceph data\nPART_ENTRY_TYPE=4fbd7e29-9d25-41b8-afd0-062c0ceff05d') },
    verdict: 'NOT_READY',
    reasons: ['Used by ceph-disk (ceph data)'],
  },
  {
    name: 'mounted on the host (matched by major:minor)',
    host: { mountinfo: { ok: true, out: `${HOST_MOUNTINFO}\n90 22 8:2 / /mnt/data rw,relatime - ext4 /dev/sda2 rw` } },
    verdict: 'NOT_READY',
    reasons: ['Device is mounted (/mnt/data)'],
  },
  {
    name: 'active swap',
    host: { swaps: { ok: true, out: 'Filename\tType\tSize\tUsed\tPriority\n/dev/sda2 partition 1000 0 -2\n' } },
    verdict: 'NOT_READY',
    reasons: ['Device is in use as swap'],
  },
  {
    name: 'loop device refused unless allowed',
    device: { lsblk: lsblk({ type: 'loop', pkname: null }), sysfs: sysfs({ partition: undefined, parent: undefined, loop: { offset: '0' } }), parentHead: undefined },
    verdict: 'NOT_READY',
    reasons: ['Device type is not acceptable. It should be raw device or partition (type loop)'],
  },
  {
    name: 'loop device accepted when allowed',
    allowLoop: true,
    device: { lsblk: lsblk({ type: 'loop', pkname: null }), sysfs: sysfs({ partition: undefined, parent: undefined, loop: { offset: '0' } }), parentHead: undefined },
    verdict: 'READY',
    reasons: [],
  },
  { name: 'no blkid', device: { blkid: { ok: false, error: 'blkid not available', missing: true } }, verdict: 'UNKNOWN', reasons: ['blkid not available'] },
  { name: 'no lsblk', device: { lsblk: { ok: false, error: 'lsblk not available', missing: true } }, verdict: 'UNKNOWN', reasons: ['lsblk not available'] },
  {
    name: 'device cannot be read',
    device: { head: { ok: false, error: 'EACCES' } },
    verdict: 'UNKNOWN',
    reasons: ['Failed to determine if device is BlueStore (EACCES)'],
  },
  {
    name: 'host mount table unreadable',
    host: { mountinfo: { ok: false, error: 'EACCES' } },
    verdict: 'UNKNOWN',
    reasons: ['cannot read the host mount table (EACCES)'],
  },
  {
    name: 'a definite rejection wins over an unknown',
    device: { blkid: blkid('TYPE=ext4'), head: { ok: false, error: 'EIO' } },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (ext4)', 'Failed to determine if device is BlueStore (EIO)'],
  },
  {
    name: 'several problems at once, each listed',
    device: { blkid: blkid('TYPE=ext4'), sysfs: sysfs({ ro: '1', size: '2097152' }) },
    host: { mountinfo: { ok: true, out: '90 22 8:2 / /srv rw - ext4 /dev/sda2 rw' } },
    verdict: 'NOT_READY',
    reasons: ['Insufficient space (<5GB) (1073741824 bytes)', 'read-only', 'Has a FileSystem (ext4)', 'Device is mounted (/srv)'],
  },
];

describe('judgeOsdReadiness', () => {
  it.each(cases)('$name → $verdict', (c) => {
    const v = judgeOsdReadiness(cleanPartitionFacts(c.device), healthyHostFacts(c.host), { ...DEFAULT_READINESS_POLICY, allowLoopDevices: !!c.allowLoop });
    expect(v.verdict).toBe(c.verdict);
    expect(v.reasons.map(formatReason)).toEqual(c.reasons);
  });

  it('reports size, type and by-id names of the device', () => {
    const v = judgeOsdReadiness(cleanPartitionFacts(), healthyHostFacts());
    expect(v).toMatchObject({ sizeBytes: 150e9, type: 'part', byId: ['/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-part2'] });
  });
});
