// The raw facts a node inspection gathers: command output and file contents, as they were read, so the
// agent and the SSH path hand the same plain object to the same judge. Nothing here is interpreted yet.

/** One probe: what a command printed or a file held, or why it could not be read. */
export type Probe =
  | { ok: true; out: string; code?: number }
  | { ok: false; error: string; /** the tool itself is not installed */ missing?: boolean };

export interface SysfsFacts {
  /** Absolute sysfs directory of the device (/sys/devices/.../sda/sda2). */
  dir: string;
  kname: string;
  /** Raw file contents (trimmed); undefined when the attribute does not exist. */
  size?: string;
  ro?: string;
  removable?: string;
  /** Present only for partitions. */
  partition?: string;
  /** Kernel name of the parent disk, for partitions. */
  parent?: string;
  parentRemovable?: string;
  holders: string[];
  /** Child partitions (kernel names). */
  partitions: string[];
  /** Loop devices: backing file, offset, sizelimit. */
  loop?: { backingFile?: string; offset?: string; sizelimit?: string };
}

export interface DeviceFacts {
  /** The path that was asked for (e.g. /dev/sda2). */
  device: string;
  /** `stat -L`: "block MAJ MIN", "other" or "missing". */
  stat: Probe;
  realPath?: string;
  sysfs: { ok: true; value: SysfsFacts } | { ok: false; error: string };
  /** `blkid -p -o export DEVICE` (low-level probe of the device itself, not the udev cache). */
  blkid: Probe;
  /** First bytes of the device, base64. */
  head: Probe;
  /** First bytes of the parent disk (partitions only), base64. */
  parentHead?: Probe;
  /**
   * The 4096 bytes at each place BlueStore (Ceph 19 and later) keeps copies of its label, 1, 10, 100 and
   * 1000 GiB in, where the device is large enough; base64.
   */
  labelCopies?: { offset: number; probe: Probe }[];
  /** `lsblk -J -b -o ...` for the device. */
  lsblk: Probe;
  /** `pvs` restricted to this device. */
  pvs: Probe;
  /** udev database entry (/run/udev/data/bMAJ:MIN). */
  udev: Probe;
  /** /dev/disk/by-id links that point at this device. */
  byId: { ok: true; links: string[] } | { ok: false; error: string };
  /** Result of an exclusive open (O_EXCL): "free" or "busy: CODE" (the agent opens it itself, SSH runs perl or python3). */
  exclusiveOpen?: Probe;
}

/** Facts about the host shared by every device and by the prerequisite checks. */
export interface HostFacts {
  /** The host's mount table (/proc/1/mountinfo of the host, not the container's). */
  mountinfo: Probe;
  /** /proc/swaps */
  swaps: Probe;
  /** /proc/sys/kernel/osrelease */
  kernelRelease: Probe;
  /** /proc/modules */
  modules: Probe;
  /** Listing of /sys/module (loaded and built-in modules with parameters). */
  sysModules: Probe;
  /** /lib/modules/RELEASE/modules.builtin */
  modulesBuiltin: Probe;
  /** Loadable module files found for each module we need (a path list, one per line). */
  moduleFiles: Record<string, Probe>;
  /** Whether udev runs: listing of /run/udev (control socket, data dir). */
  udevRun: Probe;
  /** `chronyc -n tracking` */
  chrony: Probe;
  /** `timedatectl show` (NTPSynchronized=...) and `timedatectl timesync-status` */
  timedatectl: Probe;
  timesyncStatus: Probe;
  /** /proc/net/route, to find the default-route interface. */
  route: Probe;
  /** name, mtu and operstate of every network interface: "NAME MTU STATE" lines. */
  netdevs: Probe;
}

export interface NodeFacts {
  node: string;
  collectedAt: string;
  host: HostFacts;
  devices: DeviceFacts[];
}

// ---- what the judges say ----

export type Verdict = 'READY' | 'NOT_READY' | 'UNKNOWN';

/** Who rejects a device for this reason: ceph-volume (of `release`), Rook's OSD prepare job, or our own stricter check. */
export type ReasonSource = 'ceph-volume' | 'rook' | 'kubectl-odoo';

export interface Reason {
  /** Stable identifier for scripts (e.g. "has-filesystem"). */
  code: string;
  /** not-ready: a definite rejection; unknown: a fact could not be established. */
  kind: 'not-ready' | 'unknown';
  /** The words ceph-volume or Rook use, so the same text can be found in their logs. */
  message: string;
  /** What exactly was found (filesystem type, mount point, OSD UUID...). */
  detail?: string;
  source: ReasonSource;
  /** The Ceph release whose ceph-volume gives (source ceph-volume) or would not give (kubectl-odoo) this reason. */
  release?: number;
}

/** What a BlueStore label on the device says, and whether it belongs to the cluster being deployed. */
export interface BluestoreLabelInfo {
  osdUuid?: string;
  cephFsid?: string;
  whoami?: string;
  /** this-cluster: an existing OSD Rook keeps; other-cluster: must be wiped; unknown: no fsid to compare with. */
  belongsTo: 'this-cluster' | 'other-cluster' | 'unknown';
}

export interface DeviceVerdict {
  device: string;
  realPath?: string;
  sizeBytes?: number;
  type?: string;
  byId: string[];
  verdict: Verdict;
  reasons: Reason[];
  /** Present when the device (or its parent disk) carries a BlueStore label. */
  bluestore?: BluestoreLabelInfo;
}

export type CheckStatus = 'ok' | 'warning' | 'error' | 'unknown';

export interface Check {
  name: string;
  status: CheckStatus;
  message: string;
}
