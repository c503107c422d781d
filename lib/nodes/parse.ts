// Pure parsers for the raw text the collectors gather. Each takes exactly what a tool printed.

/** `blkid -p -o export`: KEY=value lines; blkid escapes spaces and shell characters with a backslash ("ceph\\ data"). */
export function parseBlkidExport(out: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parseKeyValueLines(out)).map(([k, v]) => [k, v.replace(/\\(.)/g, '$1')]));
}

/** KEY=value lines without escapes (timedatectl show). */
export function parseKeyValueLines(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) r[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return r;
}

export interface MountEntry {
  majorMinor: string;
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** /proc/PID/mountinfo lines (see proc(5)); octal escapes (\040 for space) are decoded. */
export function parseMountinfo(out: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const parts = line.split(' ');
    const sep = parts.indexOf('-', 6);
    if (sep < 0 || parts.length < sep + 3) continue;
    entries.push({
      majorMinor: parts[2],
      root: unescapeMount(parts[3]),
      mountPoint: unescapeMount(parts[4]),
      fsType: parts[sep + 1],
      source: unescapeMount(parts[sep + 2]),
    });
  }
  return entries;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** /proc/swaps: the active swap areas (first column). */
export function parseSwaps(out: string): string[] {
  return out
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0])
    .filter((s) => !!s);
}

export interface LsblkDevice {
  name?: string;
  kname?: string;
  pkname?: string | null;
  type?: string;
  size?: number | string;
  ro?: boolean | string;
  rm?: boolean | string;
  tran?: string | null;
  fstype?: string | null;
  partlabel?: string | null;
  parttype?: string | null;
  children?: LsblkDevice[];
}

/** `lsblk -J`: the first block device (the one asked for). */
export function parseLsblkJson(out: string): LsblkDevice | undefined {
  const doc = JSON.parse(out) as { blockdevices?: LsblkDevice[] };
  return doc.blockdevices?.[0];
}

/** `pvs --noheadings --nameprefixes -o pv_name,vg_name,vg_free_count`: LVM2_PV_NAME='..' LVM2_VG_NAME='..' lines. */
export function parsePvs(out: string): { pvName: string; vgName: string; vgFreeCount?: number }[] {
  const rows: { pvName: string; vgName: string; vgFreeCount?: number }[] = [];
  for (const line of out.split('\n')) {
    const fields: Record<string, string> = {};
    for (const m of line.matchAll(/(LVM2_[A-Z_]+)='([^']*)'/g)) fields[m[1]] = m[2];
    if (!fields.LVM2_PV_NAME) continue;
    const free = fields.LVM2_VG_FREE_COUNT;
    rows.push({ pvName: fields.LVM2_PV_NAME, vgName: fields.LVM2_VG_NAME ?? '', ...(free !== undefined && free !== '' ? { vgFreeCount: Number(free) } : {}) });
  }
  return rows;
}

/** udev database file (/run/udev/data/bMAJ:MIN): E:KEY=value properties and S:symlink lines. */
export function parseUdevData(out: string): { properties: Record<string, string>; symlinks: string[] } {
  const properties: Record<string, string> = {};
  const symlinks: string[] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('E:')) {
      const eq = line.indexOf('=');
      if (eq > 2) properties[line.slice(2, eq)] = line.slice(eq + 1);
    } else if (line.startsWith('S:')) symlinks.push(`/dev/${line.slice(2)}`);
  }
  return { properties, symlinks };
}

/** BlueStore writes "bluestore block device\n<osd uuid>\n" at offset 0 of every device it owns. */
export const BLUESTORE_SIGNATURE = 'bluestore block device';

export interface BluestoreLabel {
  osdUuid?: string;
  /** From the label's meta map (bluestore_bdev_label_t), when it decodes. */
  meta: Record<string, string>;
}

/**
 * The label BlueStore writes at offset 0 (src/os/bluestore/bluestore_types.cc, bluestore_bdev_label_t::encode):
 * "bluestore block device\n", the OSD uuid as text and "\n", then ENCODE_START (u8 version, u8 compat,
 * u32 length), osd_uuid (16 bytes), size (u64), btime (u32 s, u32 ns), description (u32 length + bytes),
 * meta (u32 count, then length-prefixed key and value strings: ceph_fsid, whoami, ...). All little-endian.
 */
export function parseBluestoreLabel(head: Buffer): BluestoreLabel | undefined {
  if (head.subarray(0, BLUESTORE_SIGNATURE.length).toString('latin1') !== BLUESTORE_SIGNATURE) return undefined;
  const m = /^bluestore block device\n([0-9a-f-]{36})\n/.exec(head.subarray(0, 80).toString('latin1'));
  const label: BluestoreLabel = { osdUuid: m?.[1], meta: {} };
  if (!m) return label;
  try {
    let pos = 60 + 6 + 16 + 8 + 8;
    const u32 = () => {
      const v = head.readUInt32LE(pos);
      pos += 4;
      return v;
    };
    const str = () => {
      const n = u32();
      if (n > 4096 || pos + n > head.length) throw new RangeError('string out of range');
      const s = head.subarray(pos, pos + n).toString('utf8');
      pos += n;
      return s;
    };
    str(); // description
    const count = u32();
    if (count > 64) return label;
    const meta: Record<string, string> = {};
    for (let i = 0; i < count; i++) {
      const k = str();
      meta[k] = str();
    }
    label.meta = meta;
  } catch {
    // A label cut short or of another layout still says "BlueStore"; only its meta is unknown.
  }
  return label;
}

/** `chronyc -n tracking` */
export function parseChronyTracking(out: string): { offsetSeconds?: number; leap?: string; reference?: string } {
  const r: { offsetSeconds?: number; leap?: string; reference?: string } = {};
  const sys = /^System time\s*:\s*([0-9.]+) seconds (fast|slow)/m.exec(out);
  if (sys) r.offsetSeconds = Number(sys[1]) * (sys[2] === 'slow' ? -1 : 1);
  const leap = /^Leap status\s*:\s*(.+)$/m.exec(out);
  if (leap) r.leap = leap[1].trim();
  const ref = /^Reference ID\s*:\s*(.+)$/m.exec(out);
  if (ref) r.reference = ref[1].trim();
  return r;
}

/** `timedatectl show`: KEY=value; NTPSynchronized=yes|no. */
export function parseTimedatectlShow(out: string): { ntpSynchronized?: boolean; ntp?: boolean } {
  const kv = parseKeyValueLines(out);
  return {
    ntpSynchronized: kv.NTPSynchronized === undefined ? undefined : kv.NTPSynchronized === 'yes',
    ntp: kv.NTP === undefined ? undefined : kv.NTP === 'yes',
  };
}

/** `timedatectl timesync-status`: "Offset: +1.234ms" (systemd-timesyncd). */
export function parseTimesyncStatus(out: string): { offsetSeconds?: number; server?: string } {
  const r: { offsetSeconds?: number; server?: string } = {};
  const m = /^\s*Offset:\s*([+-]?[0-9.]+)(us|µs|ms|s|min)\b/m.exec(out);
  if (m) {
    const scale: Record<string, number> = { us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, min: 60 };
    r.offsetSeconds = Number(m[1]) * scale[m[2]];
  }
  const s = /^\s*Server:\s*(.+)$/m.exec(out);
  if (s) r.server = s[1].trim();
  return r;
}

/** /proc/net/route: the interface of the default route (destination 00000000). */
export function parseDefaultRouteInterface(out: string): string | undefined {
  for (const line of out.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 7 && f[1] === '00000000' && f[7] === '00000000') return f[0];
  }
  return undefined;
}

/** "NAME MTU OPERSTATE" lines. */
export function parseNetdevs(out: string): { name: string; mtu: number; state: string }[] {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[0])
    .map((f) => ({ name: f[0], mtu: Number(f[1]), state: f[2] ?? 'unknown' }));
}

/** Kernel release "6.1.0-18-amd64" → [6, 1, 0]. */
export function parseKernelVersion(release: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}
