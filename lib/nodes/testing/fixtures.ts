// Facts of a healthy node with a clean 150 GB /dev/sda2, as the collectors would record them; tests
// change one thing at a time.
import type { DeviceFacts, HostFacts } from '../facts.js';

export const SDA2_BYTES = 150_000_000_000;

export function cleanPartitionFacts(over: Partial<DeviceFacts> = {}): DeviceFacts {
  return {
    device: '/dev/sda2',
    stat: { ok: true, out: 'block 8 2' },
    realPath: '/dev/sda2',
    sysfs: {
      ok: true,
      value: {
        dir: '/sys/devices/pci0000:00/0000:00:10.0/host2/target2:0:0/2:0:0:0/block/sda/sda2',
        kname: 'sda2',
        size: String(SDA2_BYTES / 512),
        ro: '0',
        removable: undefined,
        partition: '2',
        parent: 'sda',
        parentRemovable: '0',
        holders: [],
        partitions: [],
      },
    },
    blkid: { ok: true, out: 'DEVNAME=/dev/sda2\nPART_ENTRY_SCHEME=gpt\nPART_ENTRY_NAME=primary\nPART_ENTRY_UUID=5c1f6a52-0f4b-4f0e-9d85-6b1e8b0ad1f2\nPART_ENTRY_TYPE=0fc63daf-8483-4772-8e79-3d69d8477de4\nPART_ENTRY_NUMBER=2\n', code: 0 },
    head: { ok: true, out: Buffer.alloc(512).toString('base64') },
    parentHead: { ok: true, out: Buffer.concat([Buffer.alloc(510), Buffer.from([0x55, 0xaa])]).toString('base64') },
    lsblk: {
      ok: true,
      out: JSON.stringify({ blockdevices: [{ name: 'sda2', kname: 'sda2', pkname: 'sda', type: 'part', size: SDA2_BYTES, ro: false, rm: false, tran: null, partlabel: 'primary', parttype: '0fc63daf-8483-4772-8e79-3d69d8477de4' }] }),
    },
    pvs: { ok: true, out: '', code: 5 },
    udev: { ok: true, out: 'S:disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-part2\nE:ID_BUS=scsi\nE:ID_PART_ENTRY_NAME=primary\n' },
    byId: { ok: true, links: ['/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0-part2'] },
    exclusiveOpen: { ok: true, out: 'free' },
    ...over,
  };
}

export const HOST_MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro',
  '23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
  '24 22 8:16 / /boot rw,relatime shared:30 - ext4 /dev/sda16 rw',
  '25 22 0:50 / /var/lib/kubelet/pods/1b4e/volumes/kubernetes.io~csi/pvc-1/mount rw,relatime shared:40 - ceph 10.0.0.1:6789,10.0.0.2:6789:/volumes/csi/csi-vol-1 rw,name=csi-cephfs-node',
].join('\n');

export function healthyHostFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    mountinfo: { ok: true, out: HOST_MOUNTINFO },
    swaps: { ok: true, out: 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' },
    kernelRelease: { ok: true, out: '6.1.0-18-amd64\n' },
    modules: { ok: true, out: 'rbd 126976 0 - Live 0x0000000000000000\nlibceph 491520 2 rbd,ceph, Live 0x0000000000000000\nceph 561152 0 - Live 0x0000000000000000\n' },
    sysModules: { ok: true, out: 'rbd\nceph\nlibceph\n' },
    modulesBuiltin: { ok: true, out: 'kernel/drivers/block/loop.ko\n' },
    moduleFiles: { rbd: { ok: true, out: '/lib/modules/6.1.0-18-amd64/kernel/drivers/block/rbd.ko' }, ceph: { ok: true, out: '/lib/modules/6.1.0-18-amd64/kernel/fs/ceph/ceph.ko' } },
    udevRun: { ok: true, out: 'control\ndata\ntags\n' },
    chrony: {
      ok: true,
      out: 'Reference ID    : C0A80101 (192.168.1.1)\nStratum         : 3\nRef time (UTC)  : Thu Jan 02 10:00:00 2026\nSystem time     : 0.000012345 seconds fast of NTP time\nLast offset     : -0.000003210 seconds\nLeap status     : Normal\n',
    },
    timedatectl: { ok: false, error: 'timedatectl not available', missing: true },
    timesyncStatus: { ok: false, error: 'timedatectl not available', missing: true },
    route: { ok: true, out: 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\neth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' },
    netdevs: { ok: true, out: 'lo 65536 unknown\neth0 1500 up\ncilium_host 1500 up\n' },
    ...over,
  };
}

/** CRC-32C as Ceph computes it (ceph_crc32c with seed -1: no final inversion). */
function cephCrc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return crc >>> 0;
}

/**
 * A BlueStore label as BlueStore writes it at offset 0 of an OSD's device (bluestore_bdev_label_t,
 * version 2, with its crc), so `ceph-bluestore-tool show-label` reads it back.
 */
export function bluestoreLabelBytes(opts: { osdUuid: string; cephFsid: string; whoami?: string; sizeBytes?: number }): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    return Buffer.concat([n, b]);
  };
  const meta: [string, string][] = [
    ['ceph_fsid', opts.cephFsid],
    ['kv_backend', 'rocksdb'],
    ['magic', 'ceph osd volume v026'],
    ['mkfs_done', 'yes'],
    ['ready', 'ready'],
    ['whoami', opts.whoami ?? '0'],
  ];
  const count = Buffer.alloc(4);
  count.writeUInt32LE(meta.length);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(opts.sizeBytes ?? 6 * 2 ** 30));
  const btime = Buffer.alloc(8);
  btime.writeUInt32LE(1767225600, 0);
  const body = Buffer.concat([Buffer.from(opts.osdUuid.replace(/-/g, ''), 'hex'), size, btime, str('main'), count, ...meta.map(([k, v]) => Buffer.concat([str(k), str(v)]))]);
  const header = Buffer.from([2, 1, 0, 0, 0, 0]);
  header.writeUInt32LE(body.length, 2);
  const encoded = Buffer.concat([Buffer.from(`bluestore block device\n${opts.osdUuid}\n`, 'latin1'), header, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(cephCrc32c(encoded));
  return Buffer.concat([encoded, crc]);
}
