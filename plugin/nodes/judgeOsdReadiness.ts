// The one judge of OSD readiness, shared by the agent and the SSH path. It reads only the raw facts and
// words every reason the way ceph-volume (util/device.py, `ceph-volume inventory` rejected_reasons) or
// Rook's OSD prepare job word them, so on-call can search Rook's logs for the same text.
// A fact that could not be established never counts as "fine": it makes the verdict UNKNOWN.
import type { DeviceFacts, DeviceVerdict, HostFacts, Reason, Verdict } from './facts.js';
import { parseBlkidExport, parseBluestoreLabel, parseLsblkJson, parseMountinfo, parsePvs, parseSwaps, parseUdevData, type LsblkDevice } from './parse.js';

export interface ReadinessPolicy {
  /** ceph-volume rejects devices smaller than 5 GiB (5368709120 bytes). */
  minSizeBytes: number;
  /** ceph-volume accepts loop devices only with CEPH_VOLUME_ALLOW_LOOP_DEVICES set. */
  allowLoopDevices: boolean;
}

export const DEFAULT_READINESS_POLICY: ReadinessPolicy = { minSizeBytes: 5368709120, allowLoopDevices: false };

/** ceph-disk partition type GUIDs (ceph-volume util/constants.py ceph_disk_guids). */
const CEPH_DISK_GUIDS = new Set([
  '45b0969e-9b03-4f30-b4c6-35865ceff106', 'cafecafe-9b03-4f30-b4c6-35865ceff106', '166418da-c469-4022-adf4-b30afd37f176',
  '86a32090-3647-40b9-bbbd-38d8c573aa86', '4fbd7e29-9d25-41b8-afd0-35865ceff05d', '45b0969e-9b03-4f30-b4c6-5ec00ceff106',
  'cafecafe-9b03-4f30-b4c6-5ec00ceff106', '93b0052d-02d9-4d8a-a43b-33a3ee4dfbc3', '306e8683-4fe2-4330-b7c0-00a917c16966',
  '4fbd7e29-9d25-41b8-afd0-5ec00ceff05d', 'fb3aabf9-d25f-47cc-bf5e-721d1816496b', '30cd0809-c2b2-499c-8879-2d6b78529876',
  '5ce17fce-4087-4169-b7ff-056cc58473f9', '4fbd7e29-9d25-41b8-afd0-062c0ceff05d', 'cafecafe-9b03-4f30-b4c6-b4b80ceff106',
  '01b41e1b-002a-453c-9f17-88793989ff8f', 'ec6d6385-e346-45dc-be91-da2a7c8b3261', '45b0969e-8ae0-4982-bf9d-5a8d867af560',
  '4fbd7e29-8ae0-4982-bf9d-5a8d867af560', '7f4a666a-16f3-47a2-8445-152ef4d03f6c', 'cafecafe-8ae0-4982-bf9d-5a8d867af560',
]);

// The texts, in one place. Left: ceph-volume's rejected_reasons / Rook's log phrases.
export const REASONS = {
  notFound: (d: string) => `Unable to proceed with non-existing device: ${d}`,
  deviceType: 'Device type is not acceptable. It should be raw device or partition',
  insufficientSpace: 'Insufficient space (<5GB)',
  readOnly: 'read-only',
  removable: 'removable',
  idBus: 'id_bus',
  locked: 'locked',
  hasFileSystem: 'Has a FileSystem',
  hasGpt: 'Has GPT headers',
  hasPartitions: 'Has partitions',
  bluestore: 'Has BlueStore device label',
  bluestoreUnknown: 'Failed to determine if device is BlueStore',
  parentBluestore: 'Parent has BlueStore device label',
  parentBluestoreUnknown: 'Failed to determine if parent device is BlueStore',
  cephDisk: 'Used by ceph-disk',
  lvm: 'LVM detected',
  mounted: 'Device is mounted',
  swap: 'Device is in use as swap',
  blkidMissing: 'blkid not available',
  lsblkMissing: 'lsblk not available',
} as const;

export function judgeOsdReadiness(facts: DeviceFacts, host: Pick<HostFacts, 'mountinfo' | 'swaps'>, policy: ReadinessPolicy = DEFAULT_READINESS_POLICY): DeviceVerdict {
  const reasons: Reason[] = [];
  const reject = (code: string, message: string, detail?: string) => reasons.push({ code, kind: 'not-ready', message, ...(detail ? { detail } : {}) });
  const unknown = (code: string, message: string, detail?: string) => reasons.push({ code, kind: 'unknown', message, ...(detail ? { detail } : {}) });
  const out: DeviceVerdict = { device: facts.device, realPath: facts.realPath, byId: facts.byId.ok ? facts.byId.links : [], verdict: 'UNKNOWN', reasons };

  // 1. Does it exist, and is it a block device at all?
  if (!facts.stat.ok) {
    unknown('stat-failed', `cannot stat ${facts.device}`, facts.stat.error);
    return finish(out);
  }
  const stat = facts.stat.out.trim().split(/\s+/);
  if (stat[0] === 'missing') {
    reject('not-found', REASONS.notFound(facts.device));
    return finish(out);
  }
  if (stat[0] !== 'block') {
    reject('device-type', REASONS.deviceType, `${facts.device} is not a block device`);
    return finish(out);
  }
  const majorMinor = `${stat[1]}:${stat[2]}`;

  // 2. sysfs: size, read-only, removable, partitions, holders.
  const sys = facts.sysfs.ok ? facts.sysfs.value : undefined;
  if (!facts.sysfs.ok) unknown('sysfs-failed', 'cannot read the device attributes in sysfs', facts.sysfs.error);

  let lsblk: LsblkDevice | undefined;
  if (!facts.lsblk.ok) {
    if (facts.lsblk.missing) unknown('lsblk-missing', REASONS.lsblkMissing);
    else unknown('lsblk-failed', 'lsblk failed', facts.lsblk.error);
  } else {
    try {
      lsblk = parseLsblkJson(facts.lsblk.out);
    } catch (e) {
      unknown('lsblk-failed', 'lsblk printed something that is not JSON', (e as Error).message);
    }
  }

  const type = lsblk?.type ?? (sys ? (sys.partition !== undefined ? 'part' : sys.loop ? 'loop' : 'disk') : undefined);
  out.type = type;
  const acceptable = ['disk', 'part', 'mpath', ...(policy.allowLoopDevices ? ['loop'] : [])];
  if (type && !acceptable.includes(type)) reject('device-type', REASONS.deviceType, `type ${type}`);

  const sizeBytes = sys?.size !== undefined ? Number(sys.size) * 512 : lsblk?.size !== undefined ? Number(lsblk.size) : undefined;
  out.sizeBytes = sizeBytes;
  if (sizeBytes !== undefined && sizeBytes < policy.minSizeBytes) reject('insufficient-space', REASONS.insufficientSpace, `${sizeBytes} bytes`);

  if (sys?.removable === '1' || sys?.parentRemovable === '1' || truthy(lsblk?.rm)) reject('removable', REASONS.removable);
  if (sys?.ro === '1' || (sys?.ro === undefined && truthy(lsblk?.ro))) reject('read-only', REASONS.readOnly);

  if (facts.udev.ok) {
    const bus = parseUdevData(facts.udev.out).properties.ID_BUS;
    if (bus === 'usb') reject('id-bus', REASONS.idBus, 'usb');
  } else if (lsblk?.tran === 'usb') reject('id-bus', REASONS.idBus, 'usb');

  // Held by device-mapper, md, bcache...; or the kernel refuses an exclusive open (mounted, in use).
  const lockedBy: string[] = [];
  if (sys && sys.holders.length) lockedBy.push(`held by ${sys.holders.join(', ')}`);
  if (facts.exclusiveOpen) {
    if (!facts.exclusiveOpen.ok) unknown('exclusive-open-failed', 'cannot open the device to check whether it is in use', facts.exclusiveOpen.error);
    else if (facts.exclusiveOpen.out.startsWith('busy')) lockedBy.push(`exclusive open refused (${facts.exclusiveOpen.out.replace(/^busy:?\s*/, '') || 'EBUSY'})`);
  }
  if (lockedBy.length) reject('locked', REASONS.locked, lockedBy.join('; '));

  // 3. Signatures, probed on the device itself.
  let blkid: Record<string, string> | undefined;
  if (!facts.blkid.ok) {
    if (facts.blkid.missing) unknown('blkid-missing', REASONS.blkidMissing);
    else unknown('blkid-failed', 'blkid could not probe the device', facts.blkid.error);
  } else {
    blkid = parseBlkidExport(facts.blkid.out);
    if (blkid.TYPE) reject('has-filesystem', REASONS.hasFileSystem, blkid.TYPE);
    if (blkid.PTTYPE === 'gpt') reject('gpt-headers', REASONS.hasGpt);
    else if (blkid.PTTYPE) reject('has-partitions', REASONS.hasPartitions, `${blkid.PTTYPE} partition table`);
    const partLabel = blkid.PART_ENTRY_NAME ?? lsblk?.partlabel ?? '';
    const partType = (blkid.PART_ENTRY_TYPE ?? lsblk?.parttype ?? '').toLowerCase();
    if (partLabel.includes('ceph') || CEPH_DISK_GUIDS.has(partType)) reject('ceph-disk', REASONS.cephDisk, partLabel || partType);
  }

  if (!facts.head.ok && facts.head.error.startsWith('device did not answer')) unknown('device-not-answering', 'device did not answer', facts.head.error);
  else if (!facts.head.ok) unknown('bluestore-unknown', REASONS.bluestoreUnknown, facts.head.error);
  else {
    const label = parseBluestoreLabel(Buffer.from(facts.head.out, 'base64'));
    if (label) reject('bluestore-label', REASONS.bluestore, label.osdUuid ? `osd_uuid ${label.osdUuid}` : undefined);
  }
  if (type === 'part' || facts.parentHead) {
    if (!facts.parentHead) unknown('parent-bluestore-unknown', REASONS.parentBluestoreUnknown, 'parent device not found');
    else if (!facts.parentHead.ok) unknown('parent-bluestore-unknown', REASONS.parentBluestoreUnknown, facts.parentHead.error);
    else {
      const label = parseBluestoreLabel(Buffer.from(facts.parentHead.out, 'base64'));
      if (label) reject('parent-bluestore-label', REASONS.parentBluestore, `${sys?.parent ? `/dev/${sys.parent}` : 'parent'}${label.osdUuid ? ` osd_uuid ${label.osdUuid}` : ''}`);
    }
  }

  const children = new Set([...(sys?.partitions ?? []), ...(lsblk?.children ?? []).filter((c) => c.type === 'part').map((c) => c.name ?? '')]);
  children.delete('');
  if (children.size) reject('has-partitions', REASONS.hasPartitions, [...children].join(', '));

  // LVM: pvs is authoritative when it answers; a missing lvm2 is covered by blkid's LVM2_member.
  if (facts.pvs.ok) {
    const pvs = parsePvs(facts.pvs.out);
    if (pvs.length) reject('lvm', REASONS.lvm, pvs.map((p) => (p.vgName ? `PV of VG ${p.vgName}` : 'PV without a volume group')).join(', '));
  } else if (blkid?.TYPE === 'LVM2_member') {
    reject('lvm', REASONS.lvm, 'LVM2_member signature');
  }

  // 4. In use: the host's mount table and swap list (the container's own would miss host mounts).
  const paths = new Set([facts.device, facts.realPath].filter(Boolean) as string[]);
  if (!host.mountinfo.ok) unknown('mounts-unknown', 'cannot read the host mount table', host.mountinfo.error);
  else {
    const mounts = parseMountinfo(host.mountinfo.out).filter((m) => m.majorMinor === majorMinor || paths.has(m.source));
    if (mounts.length) reject('mounted', REASONS.mounted, [...new Set(mounts.map((m) => m.mountPoint))].join(', '));
  }
  if (host.swaps.ok && parseSwaps(host.swaps.out).some((s) => paths.has(s))) reject('swap', REASONS.swap);

  return finish(out);
}

function truthy(v: boolean | string | undefined | null): boolean {
  return v === true || v === '1' || v === 'true';
}

function finish(v: DeviceVerdict): DeviceVerdict {
  // One line per reason: several findings of the same kind merge into one (e.g. two "Has partitions").
  const merged: Reason[] = [];
  for (const r of v.reasons) {
    const same = merged.find((m) => m.code === r.code && m.kind === r.kind);
    if (same) same.detail = [same.detail, r.detail].filter(Boolean).join('; ') || undefined;
    else merged.push({ ...r });
  }
  merged.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'not-ready' ? -1 : 1));
  const verdict: Verdict = merged.some((r) => r.kind === 'not-ready') ? 'NOT_READY' : merged.length ? 'UNKNOWN' : 'READY';
  return { ...v, reasons: merged, verdict };
}

/** "Has a FileSystem (ext4)" */
export function formatReason(r: Reason): string {
  return r.detail ? `${r.message} (${r.detail})` : r.message;
}
