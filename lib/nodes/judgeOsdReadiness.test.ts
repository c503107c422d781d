import { describe, expect, it } from 'vitest';
import { judgeOsdReadiness, formatReason, reasonMark, DEFAULT_READINESS_POLICY } from './judgeOsdReadiness.js';
import type { CephRelease } from './cephRelease.js';
import type { DeviceFacts, HostFacts, Verdict } from './facts.js';
import { bluestoreLabelBytes, cleanPartitionFacts, healthyHostFacts, HOST_MOUNTINFO } from './testing/fixtures.js';

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
  release?: CephRelease;
  cephFsid?: string;
  verdict: Verdict;
  /** Every reason, formatted and marked with its source when it is not ceph-volume's, in order (release 16 unless said). */
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
  { name: 'ext4', device: { blkid: blkid('UUID=1\nTYPE=ext4\nUSAGE=filesystem') }, verdict: 'NOT_READY', reasons: ['Has a FileSystem (ext4)', 'because it contains a filesystem "ext4" [rook]'] },
  { name: 'xfs', device: { blkid: blkid('TYPE=xfs') }, verdict: 'NOT_READY', reasons: ['Has a FileSystem (xfs)', 'because it contains a filesystem "xfs" [rook]'] },
  { name: 'swap signature', device: { blkid: blkid('TYPE=swap') }, verdict: 'NOT_READY', reasons: ['Has a FileSystem (swap)', 'because it contains a filesystem "swap" [rook]'] },
  {
    name: 'LUKS',
    device: { blkid: blkid('TYPE=crypto_LUKS\nVERSION=2') },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (crypto_LUKS)', 'because it contains a filesystem "crypto_LUKS" [rook]'],
  },
  {
    name: 'LVM physical volume in a VG',
    device: { blkid: blkid('TYPE=LVM2_member'), pvs: { ok: true, out: "  LVM2_PV_NAME='/dev/sda2' LVM2_VG_NAME='vg0' LVM2_VG_FREE_COUNT='1200'\n" } },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (LVM2_member)', 'LVM detected (PV of VG vg0)', 'because it contains a filesystem "LVM2_member" [rook]'],
  },
  {
    name: 'LVM physical volume in a VG with 10 free extents or fewer',
    device: { blkid: blkid('TYPE=LVM2_member'), pvs: { ok: true, out: "  LVM2_PV_NAME='/dev/sda2' LVM2_VG_NAME='vg0' LVM2_VG_FREE_COUNT='10'\n" } },
    verdict: 'NOT_READY',
    reasons: [
      'Has a FileSystem (LVM2_member)',
      'LVM detected (PV of VG vg0)',
      'Insufficient space (<10 extents) on vgs (VG vg0: 10 free)',
      'because it contains a filesystem "LVM2_member" [rook]',
    ],
  },
  {
    name: 'LVM physical volume without a VG',
    device: { blkid: blkid('TYPE=LVM2_member'), pvs: { ok: true, out: "  LVM2_PV_NAME='/dev/sda2' LVM2_VG_NAME='' LVM2_VG_FREE_COUNT=''\n" } },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (LVM2_member)', 'because it contains a filesystem "LVM2_member" [rook]', 'LVM physical volume (without a volume group; ceph-volume 16 does not check this) [kubectl-odoo]'],
  },
  {
    name: 'LVM signature while lvm2 is not installed',
    device: { blkid: blkid('TYPE=LVM2_member'), pvs: { ok: false, error: 'pvs not available', missing: true } },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (LVM2_member)', 'because it contains a filesystem "LVM2_member" [rook]', 'LVM physical volume (LVM2_member signature; ceph-volume 16 does not check this) [kubectl-odoo]'],
  },
  { name: 'GPT inside the partition', device: { blkid: blkid('PTUUID=abc\nPTTYPE=gpt') }, verdict: 'NOT_READY', reasons: ['Has GPT headers'] },
  {
    name: 'a DOS table whose partitions the kernel has not read',
    device: { blkid: blkid('PTTYPE=dos') },
    verdict: 'NOT_READY',
    reasons: ['Has a partition table (dos partition table; ceph-volume 16 would accept this device) [kubectl-odoo]'],
  },
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
    reasons: [
      'Has a FileSystem (ceph_bluestore)',
      'Has BlueStore device label (osd_uuid 7b2d6d35-41f5-4b41-a4a8-4b1e1c9c2f11)',
      'because it contains a filesystem "ceph_bluestore" [rook]',
      'detected an existing OSD. UUID=7b2d6d35-41f5-4b41-a4a8-4b1e1c9c2f11 [rook]',
    ],
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
  {
    name: 'removable parent disk',
    device: { sysfs: sysfs({ parentRemovable: '1' }) },
    verdict: 'NOT_READY',
    reasons: ['removable (ceph-volume 16 would accept this device) [kubectl-odoo]'],
  },
  { name: 'USB', device: { udev: { ok: true, out: 'E:ID_BUS=usb\n' } }, verdict: 'NOT_READY', reasons: ['id_bus (usb)'] },
  {
    name: 'held by device-mapper and busy',
    device: { sysfs: sysfs({ holders: ['dm-0'] }), exclusiveOpen: { ok: true, out: 'busy: EBUSY' } },
    verdict: 'NOT_READY',
    reasons: [
      'Held by another block device (dm-0; ceph-volume 16 would accept this device) [kubectl-odoo]',
      'locked (exclusive open refused: EBUSY; ceph-volume 16 would accept this device) [kubectl-odoo]',
    ],
  },
  {
    name: 'held open exclusively by a process (over SSH the openers are named)',
    device: { exclusiveOpen: { ok: true, out: 'busy: EBUSY; open by qemu-system-x86(4242)' } },
    verdict: 'NOT_READY',
    reasons: ['locked (exclusive open refused: EBUSY; open by qemu-system-x86(4242); ceph-volume 16 would accept this device) [kubectl-odoo]'],
  },
  {
    name: 'no perl or python3 for the exclusive open over SSH',
    device: { exclusiveOpen: { ok: false, error: 'neither perl nor python3 is installed on the node', missing: true } },
    verdict: 'UNKNOWN',
    reasons: ['cannot open the device to check whether it is in use (neither perl nor python3 is installed on the node) [kubectl-odoo]'],
  },
  {
    name: 'ceph-disk partition label',
    // blkid -o export escapes the space; the detail shows the label as written.
    device: { blkid: blkid('PART_ENTRY_NAME=ceph\\ data\nPART_ENTRY_TYPE=4fbd7e29-9d25-41b8-afd0-062c0ceff05d') },
    verdict: 'NOT_READY',
    reasons: ['Used by ceph-disk (ceph data)'],
  },
  {
    name: 'mounted on the host (matched by major:minor)',
    host: { mountinfo: { ok: true, out: `${HOST_MOUNTINFO}\n90 22 8:2 / /mnt/data rw,relatime - ext4 /dev/sda2 rw` } },
    verdict: 'NOT_READY',
    reasons: ['with mountpoint "/mnt/data" [rook]'],
  },
  {
    name: 'active swap',
    host: { swaps: { ok: true, out: 'Filename\tType\tSize\tUsed\tPriority\n/dev/sda2 partition 1000 0 -2\n' } },
    verdict: 'NOT_READY',
    reasons: ['Device is in use as swap (ceph-volume 16 would accept this device) [kubectl-odoo]'],
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
  { name: 'no blkid', device: { blkid: { ok: false, error: 'blkid not available', missing: true } }, verdict: 'UNKNOWN', reasons: ['blkid not available [kubectl-odoo]'] },
  { name: 'no lsblk', device: { lsblk: { ok: false, error: 'lsblk not available', missing: true } }, verdict: 'UNKNOWN', reasons: ['lsblk not available [kubectl-odoo]'] },
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
    reasons: ['cannot read the host mount table (EACCES) [kubectl-odoo]'],
  },
  {
    name: 'a definite rejection wins over an unknown',
    device: { blkid: blkid('TYPE=ext4'), head: { ok: false, error: 'EIO' } },
    verdict: 'NOT_READY',
    reasons: ['Has a FileSystem (ext4)', 'because it contains a filesystem "ext4" [rook]', 'Failed to determine if device is BlueStore (EIO)'],
  },
  ...(() => {
    // A Ceph 19 OSD whose first MiB was zeroed: its label copies at 1 and 10 GiB are still there.
    const uuid = '0f0e0d0c-1111-4222-8333-444455556666';
    const copies = (second: DeviceFacts['head'] = { ok: true, out: bluestoreHead(uuid) }): Partial<DeviceFacts> => ({
      labelCopies: [
        { offset: 2 ** 30, probe: { ok: true, out: bluestoreHead(uuid) } },
        { offset: 10 * 2 ** 30, probe: second },
        { offset: 100 * 2 ** 30, probe: { ok: true, out: Buffer.alloc(4096).toString('base64') } },
      ],
    });
    const copy = `Has a copy of a BlueStore device label (at 1 GiB (osd_uuid ${uuid}), 10 GiB (osd_uuid ${uuid}): Ceph 19's BlueStore reads it when the label at 0 is gone; ceph-volume 19 would accept this device) [kubectl-odoo]`;
    return [
      { name: 'label copies at 1 and 10 GiB, Ceph 19', device: copies(), release: 19, verdict: 'NOT_READY', reasons: [copy] },
      { name: 'label copies at 1 and 10 GiB, Ceph 18 (no copies before 19)', device: copies(), release: 18, verdict: 'READY', reasons: [] },
      { name: 'label copies at 1 and 10 GiB, Ceph 16', device: copies(), verdict: 'READY', reasons: [] },
      {
        name: 'a label copy that cannot be read, Ceph 19',
        device: copies({ ok: false, error: 'EIO' }),
        release: 19,
        verdict: 'NOT_READY',
        reasons: [
          `Has a copy of a BlueStore device label (at 1 GiB (osd_uuid ${uuid}): Ceph 19's BlueStore reads it when the label at 0 is gone; ceph-volume 19 would accept this device) [kubectl-odoo]`,
          'Failed to read the copies of a BlueStore device label (at 10 GiB: EIO) [kubectl-odoo]',
        ],
      },
      { name: 'only an unreadable label copy, Ceph 19', device: { labelCopies: [{ offset: 2 ** 30, probe: { ok: false, error: 'EIO' } }] }, release: 19, verdict: 'UNKNOWN', reasons: ['Failed to read the copies of a BlueStore device label (at 1 GiB: EIO) [kubectl-odoo]'] },
      {
        name: 'the label at 0 and its copies, Ceph 19: the label is the reason',
        device: { ...copies(), head: { ok: true, out: bluestoreHead(uuid) } },
        release: 19,
        verdict: 'NOT_READY',
        reasons: [`Has BlueStore device label (osd_uuid ${uuid})`, `detected an existing OSD. UUID=${uuid} [rook]`],
      },
    ] satisfies Case[];
  })(),
  {
    name: 'several problems at once, each listed',
    device: { blkid: blkid('TYPE=ext4'), sysfs: sysfs({ ro: '1', size: '2097152' }) },
    host: { mountinfo: { ok: true, out: '90 22 8:2 / /srv rw - ext4 /dev/sda2 rw' } },
    verdict: 'NOT_READY',
    reasons: ['Insufficient space (<5GB) (1073741824 bytes)', 'read-only', 'Has a FileSystem (ext4)', 'because it contains a filesystem "ext4" [rook]', 'with mountpoint "/srv" [rook]'],
  },
];

describe('judgeOsdReadiness', () => {
  it.each(cases)('$name → $verdict', (c) => {
    const v = judgeOsdReadiness(cleanPartitionFacts(c.device), healthyHostFacts(c.host), {
      ...DEFAULT_READINESS_POLICY,
      allowLoopDevices: !!c.allowLoop,
      release: c.release ?? 16,
      ...(c.cephFsid ? { cephFsid: c.cephFsid } : {}),
    });
    expect(v.verdict).toBe(c.verdict);
    expect(v.reasons.map((r) => formatReason(r) + reasonMark(r))).toEqual(c.reasons);
  });

  it('reports size, type and by-id names of the device', () => {
    const v = judgeOsdReadiness(cleanPartitionFacts(), healthyHostFacts());
    expect(v).toMatchObject({ sizeBytes: 150e9, type: 'part', byId: ['/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-part2'] });
  });
});

describe('BlueStore label: whose OSD it is', () => {
  const osdUuid = '7b2d6d35-41f5-4b41-a4a8-4b1e1c9c2f11';
  const fsid = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const labelled = () => cleanPartitionFacts({ head: { ok: true, out: bluestoreLabelBytes({ osdUuid, cephFsid: fsid, whoami: '3' }).toString('base64') }, blkid: blkid('TYPE=ceph_bluestore') });
  const judge = (cephFsid?: string) => judgeOsdReadiness(labelled(), healthyHostFacts(), { ...DEFAULT_READINESS_POLICY, release: 16, ...(cephFsid ? { cephFsid } : {}) });
  const rookReasons = (cephFsid?: string) => judge(cephFsid).reasons.filter((r) => r.source === 'rook' && r.code !== 'rook-filesystem').map(formatReason);

  it.each([
    { name: 'no cluster fsid to compare with', cephFsid: undefined, belongsTo: 'unknown', rook: [`detected an existing OSD. UUID=${osdUuid} (ceph_fsid ${fsid}; pass --ceph-fsid to compare with the cluster's)`] },
    { name: 'the same cluster', cephFsid: fsid.toUpperCase(), belongsTo: 'this-cluster', rook: [`detected an existing OSD. UUID=${osdUuid} (an OSD of this cluster (fsid ${fsid}): Rook keeps it, it is not a new OSD)`] },
    {
      name: 'another cluster',
      cephFsid: '11111111-2222-4333-8444-555555555555',
      belongsTo: 'other-cluster',
      rook: [`"${osdUuid}" belonging to a different ceph cluster "${fsid}" (wipe it before Rook can use it)`],
    },
  ])('$name → $belongsTo', (c) => {
    expect(judge(c.cephFsid).bluestore).toEqual({ osdUuid, cephFsid: fsid, whoami: '3', belongsTo: c.belongsTo });
    expect(rookReasons(c.cephFsid)).toEqual(c.rook);
    expect(judge(c.cephFsid).verdict).toBe('NOT_READY');
  });

  it('a label without a readable meta map still counts as BlueStore', () => {
    const v = judgeOsdReadiness(cleanPartitionFacts({ head: { ok: true, out: bluestoreHead(osdUuid) } }), healthyHostFacts(), { ...DEFAULT_READINESS_POLICY, release: 16 });
    expect(v.bluestore).toEqual({ osdUuid, belongsTo: 'unknown' });
    expect(v.reasons.map(formatReason)).toContain(`Has BlueStore device label (osd_uuid ${osdUuid})`);
  });
});

describe('the rules of each Ceph release', () => {
  // One device per difference between releases; each row: the reasons, marked with their source.
  const rows: { name: string; device: Partial<DeviceFacts>; byRelease: Record<CephRelease, string[]> }[] = [
    {
      name: 'held open exclusively',
      device: { exclusiveOpen: { ok: true, out: 'busy: EBUSY' } },
      byRelease: {
        16: ['locked (exclusive open refused: EBUSY; ceph-volume 16 would accept this device) [kubectl-odoo]'],
        17: ['locked (exclusive open refused: EBUSY)'],
        18: ['locked (exclusive open refused: EBUSY; ceph-volume 18 would accept this device) [kubectl-odoo]'],
        19: ['locked (exclusive open refused: EBUSY; ceph-volume 19 would accept this device) [kubectl-odoo]'],
      },
    },
    {
      name: 'ext4',
      device: { blkid: blkid('TYPE=ext4') },
      byRelease: {
        16: ['Has a FileSystem (ext4)', 'because it contains a filesystem "ext4" [rook]'],
        17: ['because it contains a filesystem "ext4" [rook]', 'Has a FileSystem (ext4; ceph-volume 17 would accept this device) [kubectl-odoo]'],
        18: ['Has a FileSystem (ext4)', 'because it contains a filesystem "ext4" [rook]'],
        19: ['Has a FileSystem (ext4)', 'because it contains a filesystem "ext4" [rook]'],
      },
    },
    {
      name: 'read-only',
      device: { sysfs: sysfs({ ro: '1' }) },
      byRelease: {
        16: ['read-only'],
        17: ['read-only (ceph-volume 17 would accept this device) [kubectl-odoo]'],
        18: ['read-only'],
        19: ['read-only'],
      },
    },
    {
      name: 'on a USB bus',
      device: { udev: { ok: true, out: 'E:ID_BUS=usb\n' } },
      byRelease: {
        16: ['id_bus (usb)'],
        17: ['id_bus (usb; ceph-volume 17 would accept this device) [kubectl-odoo]'],
        18: ['id_bus (usb)'],
        19: ['id_bus (usb)'],
      },
    },
  ];
  const cases = rows.flatMap((r) => ([16, 17, 18, 19] as CephRelease[]).map((release) => ({ name: r.name, release, device: r.device, reasons: r.byRelease[release] })));
  it.each(cases)('$name, Ceph $release', (c) => {
    const v = judgeOsdReadiness(cleanPartitionFacts(c.device), healthyHostFacts(), { ...DEFAULT_READINESS_POLICY, release: c.release });
    expect(v.verdict).toBe('NOT_READY');
    expect(v.reasons.map((r) => formatReason(r) + reasonMark(r))).toEqual(c.reasons);
    for (const r of v.reasons) if (r.source !== 'rook') expect(r.release).toBe(c.release);
  });
});
