// The one judge of OSD readiness, shared by the agent and the SSH path. It reads only the raw facts and
// says, for the Ceph release being deployed, every reason a device would be refused, each with its
// source: ceph-volume of that release (util/device.py rejected_reasons, in its words), Rook's OSD
// prepare job (pkg/daemon/ceph/osd/daemon.go getAvailableDevices, in its log words), or our own stricter
// checks (kubectl-odoo), which say when that release's ceph-volume would not refuse the device.
// A fact that could not be established never counts as "fine": it makes the verdict UNKNOWN.
import type { BluestoreLabelInfo, DeviceFacts, DeviceVerdict, HostFacts, Reason, Verdict } from './facts.js';
import { parseBlkidExport, parseBluestoreLabel, parseLsblkJson, parseMountinfo, parsePvs, parseSwaps, parseUdevData, type LsblkDevice } from './parse.js';
import { CEPH_VOLUME_RULES, CEPH_VOLUME_WORDS, DEFAULT_CEPH_RELEASE, type CephRelease, type CephVolumeCode } from './cephRelease.js';

export interface ReadinessPolicy {
  /** ceph-volume rejects devices smaller than 5 GiB (5368709120 bytes). */
  minSizeBytes: number;
  /** ceph-volume accepts loop devices only with CEPH_VOLUME_ALLOW_LOOP_DEVICES set. */
  allowLoopDevices: boolean;
  /** The Ceph release that will be deployed: whose ceph-volume rules and words apply. */
  release: CephRelease;
  /** The CephCluster's fsid, to tell an existing OSD of this cluster from one of another cluster. */
  cephFsid?: string;
}

export const DEFAULT_READINESS_POLICY: ReadinessPolicy = { minSizeBytes: 5368709120, allowLoopDevices: false, release: DEFAULT_CEPH_RELEASE };

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

/** Our own reasons (source kubectl-odoo) that no ceph-volume release gives. */
export const OWN_REASONS = {
  partitionTable: 'Has a partition table',
  holder: 'Held by another block device',
  swap: 'Device is in use as swap',
  lvmPv: 'LVM physical volume',
  labelCopy: 'Has a copy of a BlueStore device label',
  labelCopyUnknown: 'Failed to read the copies of a BlueStore device label',
  blkidMissing: 'blkid not available',
  lsblkMissing: 'lsblk not available',
} as const;

/** Rook's OSD prepare job skips a device with these log lines (skipping device "sda2" ...). */
export const ROOK_REASONS = {
  mountpoint: (m: string) => `with mountpoint "${m}"`,
  filesystem: (fs: string) => `because it contains a filesystem "${fs}"`,
  existingOsd: (uuid: string) => `detected an existing OSD. UUID=${uuid}`,
  otherCluster: (uuid: string, fsid: string) => `"${uuid}" belonging to a different ceph cluster "${fsid}"`,
} as const;

export function judgeOsdReadiness(facts: DeviceFacts, host: Pick<HostFacts, 'mountinfo' | 'swaps'>, policy: ReadinessPolicy = DEFAULT_READINESS_POLICY): DeviceVerdict {
  const rules = CEPH_VOLUME_RULES[policy.release];
  const reasons: Reason[] = [];
  const add = (r: Reason) => reasons.push(r);
  /** A rejection ceph-volume knows: its words, and its source when this release gives it; ours otherwise. */
  const cv = (code: CephVolumeCode, kind: Reason['kind'], detail?: string, message: string = CEPH_VOLUME_WORDS[code]) =>
    add({ code, kind, message, detail, source: rules.has(code) ? 'ceph-volume' : 'kubectl-odoo', release: policy.release });
  const own = (code: string, kind: Reason['kind'], message: string, detail?: string) => add({ code, kind, message, detail, source: 'kubectl-odoo', release: policy.release });
  const rook = (code: string, message: string, detail?: string) => add({ code, kind: 'not-ready', message, detail, source: 'rook' });
  const out: DeviceVerdict = { device: facts.device, realPath: facts.realPath, byId: facts.byId.ok ? facts.byId.links : [], verdict: 'UNKNOWN', reasons };

  // 1. Does it exist, and is it a block device at all?
  if (!facts.stat.ok) {
    own('stat-failed', 'unknown', `cannot stat ${facts.device}`, facts.stat.error);
    return finish(out, policy.release);
  }
  const stat = facts.stat.out.trim().split(/\s+/);
  if (stat[0] === 'missing') {
    cv('not-found', 'not-ready', undefined, `${CEPH_VOLUME_WORDS['not-found']}: ${facts.device}`);
    return finish(out, policy.release);
  }
  if (stat[0] !== 'block') {
    cv('device-type', 'not-ready', `${facts.device} is not a block device`);
    return finish(out, policy.release);
  }
  const majorMinor = `${stat[1]}:${stat[2]}`;

  // 2. sysfs: size, read-only, removable, partitions, holders.
  const sys = facts.sysfs.ok ? facts.sysfs.value : undefined;
  if (!facts.sysfs.ok) own('sysfs-failed', 'unknown', 'cannot read the device attributes in sysfs', facts.sysfs.error);

  let lsblk: LsblkDevice | undefined;
  if (!facts.lsblk.ok) {
    if (facts.lsblk.missing) own('lsblk-missing', 'unknown', OWN_REASONS.lsblkMissing);
    else own('lsblk-failed', 'unknown', 'lsblk failed', facts.lsblk.error);
  } else {
    try {
      lsblk = parseLsblkJson(facts.lsblk.out);
    } catch (e) {
      own('lsblk-failed', 'unknown', 'lsblk printed something that is not JSON', (e as Error).message);
    }
  }

  const type = lsblk?.type ?? (sys ? (sys.partition !== undefined ? 'part' : sys.loop ? 'loop' : 'disk') : undefined);
  out.type = type;
  const acceptable = ['disk', 'part', 'mpath', ...(policy.allowLoopDevices ? ['loop'] : [])];
  if (type && !acceptable.includes(type)) cv('device-type', 'not-ready', `type ${type}`);

  const sizeBytes = sys?.size !== undefined ? Number(sys.size) * 512 : lsblk?.size !== undefined ? Number(lsblk.size) : undefined;
  out.sizeBytes = sizeBytes;
  if (sizeBytes !== undefined && sizeBytes < policy.minSizeBytes) cv('insufficient-space', 'not-ready', `${sizeBytes} bytes`);

  if (sys?.removable === '1' || sys?.parentRemovable === '1' || truthy(lsblk?.rm)) cv('removable', 'not-ready');
  if (sys?.ro === '1' || (sys?.ro === undefined && truthy(lsblk?.ro))) cv('read-only', 'not-ready');

  if (facts.udev.ok) {
    const bus = parseUdevData(facts.udev.out).properties.ID_BUS;
    if (bus === 'usb') cv('id-bus', 'not-ready', 'usb');
  } else if (lsblk?.tran === 'usb') cv('id-bus', 'not-ready', 'usb');

  // Held by device-mapper, md, bcache... (sysfs holders); or someone holds it open exclusively.
  if (sys && sys.holders.length) own('holder', 'not-ready', OWN_REASONS.holder, sys.holders.join(', '));
  if (facts.exclusiveOpen) {
    if (!facts.exclusiveOpen.ok) own('exclusive-open-failed', 'unknown', 'cannot open the device to check whether it is in use', facts.exclusiveOpen.error);
    else if (facts.exclusiveOpen.out.startsWith('busy')) cv('locked', 'not-ready', `exclusive open refused: ${facts.exclusiveOpen.out.replace(/^busy:?\s*/, '') || 'EBUSY'}`);
  }

  // 3. Signatures, probed on the device itself.
  let blkid: Record<string, string> | undefined;
  if (!facts.blkid.ok) {
    if (facts.blkid.missing) own('blkid-missing', 'unknown', OWN_REASONS.blkidMissing);
    else own('blkid-failed', 'unknown', 'blkid could not probe the device', facts.blkid.error);
  } else {
    blkid = parseBlkidExport(facts.blkid.out);
    if (blkid.TYPE) {
      cv('has-filesystem', 'not-ready', blkid.TYPE);
      rook('rook-filesystem', ROOK_REASONS.filesystem(blkid.TYPE));
    }
    if (blkid.PTTYPE === 'gpt') cv('gpt-headers', 'not-ready');
    const partLabel = blkid.PART_ENTRY_NAME ?? lsblk?.partlabel ?? '';
    const partType = (blkid.PART_ENTRY_TYPE ?? lsblk?.parttype ?? '').toLowerCase();
    if (partLabel.includes('ceph') || CEPH_DISK_GUIDS.has(partType)) cv('ceph-disk', 'not-ready', partLabel || partType);
  }

  if (!facts.head.ok && facts.head.error.startsWith('device did not answer')) own('device-not-answering', 'unknown', 'device did not answer', facts.head.error);
  else if (!facts.head.ok) cv('bluestore-unknown', 'unknown', facts.head.error);
  else {
    const label = parseBluestoreLabel(Buffer.from(facts.head.out, 'base64'));
    if (label) {
      cv('bluestore-label', 'not-ready', label.osdUuid ? `osd_uuid ${label.osdUuid}` : undefined);
      out.bluestore = judgeLabelOwner(label.osdUuid, label.meta, policy.cephFsid);
      rookOsdReason(out.bluestore, rook);
    } else if (policy.release >= 19) labelCopies(facts, policy, out, own);
  }
  if (type === 'part' || facts.parentHead) {
    if (!facts.parentHead) cv('parent-bluestore-unknown', 'unknown', 'parent device not found');
    else if (!facts.parentHead.ok) cv('parent-bluestore-unknown', 'unknown', facts.parentHead.error);
    else {
      const label = parseBluestoreLabel(Buffer.from(facts.parentHead.out, 'base64'));
      if (label) {
        cv('parent-bluestore-label', 'not-ready', `${sys?.parent ? `/dev/${sys.parent}` : 'parent'}${label.osdUuid ? ` osd_uuid ${label.osdUuid}` : ''}`);
        out.bluestore ??= judgeLabelOwner(label.osdUuid, label.meta, policy.cephFsid);
      }
    }
  }

  const children = new Set([...(sys?.partitions ?? []), ...(lsblk?.children ?? []).filter((c) => c.type === 'part').map((c) => c.name ?? '')]);
  children.delete('');
  if (children.size) cv('has-partitions', 'not-ready', [...children].join(', '));
  // ceph-volume counts partitions only as the kernel lists them (sysfs); a table it has not read is ours.
  else if (blkid?.PTTYPE && blkid.PTTYPE !== 'gpt') own('partition-table', 'not-ready', OWN_REASONS.partitionTable, `${blkid.PTTYPE} partition table`);

  // LVM: ceph-volume counts a PV only when it is in a volume group (lvm.get_all_devices_vgs); pvs is
  // authoritative when it answers, and a missing lvm2 is covered by blkid's LVM2_member.
  if (facts.pvs.ok) {
    const pvs = parsePvs(facts.pvs.out);
    const inVg = pvs.filter((p) => p.vgName);
    if (inVg.length) {
      cv('lvm', 'not-ready', inVg.map((p) => `PV of VG ${p.vgName}`).join(', '));
      // _check_lvm_reject_reasons keeps a VG usable only with more than 10 free extents.
      const full = inVg.filter((p) => p.vgFreeCount !== undefined && p.vgFreeCount <= 10);
      if (full.length === inVg.length && full.length) cv('vg-extents', 'not-ready', full.map((p) => `VG ${p.vgName}: ${p.vgFreeCount} free`).join(', '));
    } else if (pvs.length) own('lvm-pv', 'not-ready', OWN_REASONS.lvmPv, 'without a volume group');
  } else if (blkid?.TYPE === 'LVM2_member') {
    own('lvm-pv', 'not-ready', OWN_REASONS.lvmPv, 'LVM2_member signature');
  }

  // 4. In use: the host's mount table and swap list (the container's own would miss host mounts).
  const paths = new Set([facts.device, facts.realPath].filter(Boolean) as string[]);
  if (!host.mountinfo.ok) own('mounts-unknown', 'unknown', 'cannot read the host mount table', host.mountinfo.error);
  else {
    const mounts = parseMountinfo(host.mountinfo.out).filter((m) => m.majorMinor === majorMinor || paths.has(m.source));
    if (mounts.length) rook('mounted', ROOK_REASONS.mountpoint([...new Set(mounts.map((m) => m.mountPoint))].join(', ')));
  }
  if (host.swaps.ok && parseSwaps(host.swaps.out).some((s) => paths.has(s))) own('swap', 'not-ready', OWN_REASONS.swap);

  return finish(out, policy.release);
}

/**
 * BlueStore from Ceph 19 on keeps copies of its label 1, 10, 100 and 1000 GiB into the device and reads
 * them when the one at offset 0 is gone: a device whose first MiB was zeroed, or whose signature wipefs
 * removed, still holds that OSD for Ceph 19, though ceph-volume (which reads the first 22 bytes only)
 * calls it available.
 */
function labelCopies(facts: DeviceFacts, policy: ReadinessPolicy, out: DeviceVerdict, own: (code: string, kind: Reason['kind'], message: string, detail?: string) => void): void {
  const gib = (offset: number) => `${offset / 2 ** 30} GiB`;
  const found: string[] = [];
  for (const { offset, probe } of facts.labelCopies ?? []) {
    if (!probe.ok) {
      own('bluestore-label-copy-unknown', 'unknown', OWN_REASONS.labelCopyUnknown, `at ${gib(offset)}: ${probe.error}`);
      continue;
    }
    const label = parseBluestoreLabel(Buffer.from(probe.out, 'base64'));
    if (!label) continue;
    found.push(`${gib(offset)}${label.osdUuid ? ` (osd_uuid ${label.osdUuid})` : ''}`);
    out.bluestore ??= judgeLabelOwner(label.osdUuid, label.meta, policy.cephFsid);
  }
  if (found.length) own('bluestore-label-copy', 'not-ready', OWN_REASONS.labelCopy, `at ${found.join(', ')}: Ceph ${policy.release}'s BlueStore reads it when the label at 0 is gone`);
}

/** Whose OSD a BlueStore label belongs to, given the fsid of the cluster being deployed. */
export function judgeLabelOwner(osdUuid: string | undefined, meta: Record<string, string>, clusterFsid: string | undefined): BluestoreLabelInfo {
  const cephFsid = meta.ceph_fsid;
  const belongsTo = !cephFsid || !clusterFsid ? 'unknown' : cephFsid.toLowerCase() === clusterFsid.toLowerCase() ? 'this-cluster' : 'other-cluster';
  return { ...(osdUuid ? { osdUuid } : {}), ...(cephFsid ? { cephFsid } : {}), ...(meta.whoami !== undefined ? { whoami: meta.whoami } : {}), belongsTo };
}

function rookOsdReason(b: BluestoreLabelInfo, rook: (code: string, message: string, detail?: string) => void): void {
  const uuid = b.osdUuid ?? 'unknown';
  if (b.belongsTo === 'other-cluster') rook('rook-other-cluster', ROOK_REASONS.otherCluster(uuid, b.cephFsid!), 'wipe it before Rook can use it');
  else if (b.belongsTo === 'this-cluster') rook('rook-existing-osd', ROOK_REASONS.existingOsd(uuid), `an OSD of this cluster (fsid ${b.cephFsid}): Rook keeps it, it is not a new OSD`);
  else rook('rook-existing-osd', ROOK_REASONS.existingOsd(uuid), b.cephFsid ? `ceph_fsid ${b.cephFsid}; pass --ceph-fsid to compare with the cluster's` : undefined);
}

function truthy(v: boolean | string | undefined | null): boolean {
  return v === true || v === '1' || v === 'true';
}

const ORDER: Record<Reason['source'], number> = { 'ceph-volume': 0, rook: 1, 'kubectl-odoo': 2 };

function finish(v: DeviceVerdict, release: CephRelease): DeviceVerdict {
  // One line per reason: several findings of the same kind merge into one (e.g. two "Has partitions").
  const merged: Reason[] = [];
  for (const r of v.reasons) {
    const same = merged.find((m) => m.code === r.code && m.kind === r.kind);
    if (same) same.detail = [same.detail, r.detail].filter(Boolean).join('; ') || undefined;
    else merged.push({ ...r });
  }
  for (const m of merged) if (m.detail === undefined) delete m.detail;
  // Definite rejections first; within them ceph-volume's, then Rook's, then ours.
  merged.sort((a, b) => (a.kind === b.kind ? ORDER[a.source] - ORDER[b.source] : a.kind === 'not-ready' ? -1 : 1));
  // A stricter reason of ours says what ceph-volume of this release would make of the device.
  const cvRejects = merged.some((r) => r.source === 'ceph-volume' && r.kind === 'not-ready');
  for (const r of merged) {
    if (r.source !== 'kubectl-odoo' || r.kind !== 'not-ready') continue;
    r.detail = [r.detail, cvRejects ? `ceph-volume ${release} does not check this` : `ceph-volume ${release} would accept this device`].filter(Boolean).join('; ');
  }
  const verdict: Verdict = merged.some((r) => r.kind === 'not-ready') ? 'NOT_READY' : merged.length ? 'UNKNOWN' : 'READY';
  return { ...v, reasons: merged, verdict };
}

/** "Has a FileSystem (ext4)" */
export function formatReason(r: Pick<Reason, 'message' | 'detail'>): string {
  return r.detail ? `${r.message} (${r.detail})` : r.message;
}

/** The table's mark of who gives a reason: ceph-volume's own words stay unmarked. */
export function reasonMark(r: Pick<Reason, 'source'>): string {
  return r.source === 'ceph-volume' ? '' : ` [${r.source}]`;
}
