// Real block devices in every state a node's /dev/sda2 can be found in: sparse disk images attached
// with losetup (an offset/sizelimit loop device stands in for a partition of a GPT disk), formatted,
// made LVM PVs, labelled as BlueStore, mounted... Everything is undone by cleanup(), in reverse order,
// even when a step failed half-way. Needs root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, writeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { bluestoreLabelBytes } from '../../lib/nodes/testing/fixtures.js';

export const GiB = 1 << 30;

export type LabState = 'raw' | 'ext4' | 'lvm' | 'bluestore' | 'gpt' | 'small' | 'readonly' | 'mounted' | 'swap' | 'luks';

export interface DeviceLab {
  dir: string;
  devices: Record<LabState, string>;
  vgName: string;
  osdUuid: string;
  /** The ceph_fsid in the BlueStore label. */
  cephFsid: string;
  mountPoint: string;
  /** Adds an ext4 device (for wipe tests) and returns its path. */
  addExt4(name: string): string;
  cleanup(): void;
}

export const sh = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input, env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' } });

/** LVM limited to one device, so the host's own disks are never scanned or touched. */
export function lvmConfig(dev: string): string {
  const f = `[ "a|^${dev}$|", "r|.*|" ]`;
  return `devices { filter = ${f} global_filter = ${f} use_devicesfile = 0 } activation { udev_sync = 0 udev_rules = 0 }`;
}

/** A scratch directory for disk images and the steps that undo what was made there, in reverse order. */
export interface LabSpace {
  dir: string;
  /** A sparse image file of that size. */
  image(name: string, bytes: number): string;
  /** losetup of an image; detached by its path when undone. */
  attach(file: string, extra?: string[]): string;
  /** Something to undo later (before the steps already recorded). */
  onUndo(step: () => void): void;
  /** Undoes every step recorded since the last undo, newest first, even when one fails. */
  undo(): void;
  /** undo(), then removes the directory. */
  cleanup(): void;
}

export function createLabSpace(tag: string): LabSpace {
  const dir = mkdtempSync(join(tmpdir(), `kubectl-odoo-${tag}-`));
  const steps: (() => void)[] = [];
  const undo = () => {
    for (const step of steps.splice(0).reverse()) {
      try {
        step();
      } catch {
        // keep undoing the rest
      }
    }
  };
  return {
    dir,
    image(name, bytes) {
      const p = join(dir, `${name}.img`);
      sh('truncate', ['-s', String(bytes), p]);
      return p;
    },
    attach(file, extra = []) {
      const dev = sh('losetup', ['--find', '--show', ...extra, file]).trim();
      steps.push(() => sh('losetup', ['-d', dev]));
      return dev;
    },
    onUndo: (step) => steps.push(step),
    undo,
    cleanup() {
      undo();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function buildDeviceLab(tag: string): DeviceLab {
  const space = createLabSpace(tag);
  const { dir, image, attach } = space;
  const vgName = `kotest${tag.replace(/[^a-z0-9]/gi, '')}${process.pid}`;
  const osdUuid = randomUUID();
  const cephFsid = randomUUID();
  const mountPoint = join(dir, 'mnt');
  const lab = { dir, devices: {} as Partial<Record<LabState, string>>, vgName, osdUuid, cephFsid, mountPoint } as Partial<DeviceLab> & { devices: Partial<Record<LabState, string>> };

  const cleanup = space.cleanup;
  lab.cleanup = cleanup;

  try {
    // raw: partition 2 of a GPT disk image, attached at its offset and size, as /dev/sda2 would be.
    const disk = image('disk', 7 * GiB);
    sh('sgdisk', ['-n', '1:2048:+16M', '-n', '2:0:+6G', disk]);
    const info = sh('sgdisk', ['-i', '2', disk]);
    const first = Number(/First sector: (\d+)/.exec(info)![1]);
    const last = Number(/Last sector: (\d+)/.exec(info)![1]);
    lab.devices.raw = attach(disk, ['--offset', String(first * 512), '--sizelimit', String((last - first + 1) * 512)]);

    lab.devices.ext4 = attach(image('ext4', 6 * GiB));
    sh('mkfs.ext4', ['-q', '-F', lab.devices.ext4]);

    const lvm = attach(image('lvm', 6 * GiB));
    const cfg = lvmConfig(lvm);
    sh('pvcreate', ['-q', '-y', '--config', cfg, lvm]);
    space.onUndo(() => sh('pvremove', ['-q', '-ff', '-y', '--config', cfg, lvm]));
    sh('vgcreate', ['-q', '--config', cfg, vgName, lvm]);
    space.onUndo(() => sh('vgremove', ['-q', '-f', '--config', cfg, vgName]));
    lab.devices.lvm = lvm;

    // What BlueStore writes at offset 0 of an OSD's device (ceph-bluestore-tool show-label reads it).
    const bs = image('bluestore', 6 * GiB);
    const fd = openSync(bs, 'r+');
    const label = bluestoreLabelBytes({ osdUuid, cephFsid, whoami: '0' });
    writeSync(fd, label, 0, label.length, 0);
    closeSync(fd);
    lab.devices.bluestore = attach(bs);

    lab.devices.gpt = attach(image('gpt', 6 * GiB));
    sh('sgdisk', ['-o', '-n', '1:0:+100M', lab.devices.gpt]);

    lab.devices.small = attach(image('small', 1 * GiB));
    lab.devices.readonly = attach(image('readonly', 6 * GiB), ['--read-only']);

    lab.devices.mounted = attach(image('mounted', 6 * GiB));
    sh('mkfs.ext4', ['-q', '-F', lab.devices.mounted]);
    mkdirSync(mountPoint);
    sh('mount', [lab.devices.mounted, mountPoint]);
    space.onUndo(() => sh('umount', [mountPoint]));

    lab.devices.swap = attach(image('swap', 6 * GiB));
    sh('mkswap', ['-q', lab.devices.swap]);

    lab.devices.luks = attach(image('luks', 6 * GiB));
    const keyFile = join(dir, 'luks.key');
    writeFileSync(keyFile, 'not-a-secret');
    sh('cryptsetup', ['luksFormat', '-q', '--type', 'luks2', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file', keyFile, lab.devices.luks]);
  } catch (e) {
    cleanup();
    throw e;
  }

  lab.addExt4 = (name: string) => {
    const dev = attach(image(name, 6 * GiB));
    sh('mkfs.ext4', ['-q', '-F', dev]);
    return dev;
  };
  return lab as DeviceLab;
}

/** What the judge must say about each state for the default Ceph release (19), loop devices allowed. */
export function expectedReasons(lab: DeviceLab): Record<LabState, { verdict: string; reasons: string[] }> {
  const fs = (t: string) => [`Has a FileSystem (${t})`, `because it contains a filesystem "${t}"`];
  return {
    raw: { verdict: 'READY', reasons: [] },
    ext4: { verdict: 'NOT_READY', reasons: fs('ext4') },
    lvm: { verdict: 'NOT_READY', reasons: ['Has a FileSystem (LVM2_member)', `LVM detected (PV of VG ${lab.vgName})`, 'because it contains a filesystem "LVM2_member"'] },
    bluestore: {
      verdict: 'NOT_READY',
      reasons: [
        'Has a FileSystem (ceph_bluestore)',
        `Has BlueStore device label (osd_uuid ${lab.osdUuid})`,
        'because it contains a filesystem "ceph_bluestore"',
        `detected an existing OSD. UUID=${lab.osdUuid} (ceph_fsid ${lab.cephFsid}; pass --ceph-fsid to compare with the cluster's)`,
      ],
    },
    gpt: { verdict: 'NOT_READY', reasons: ['Has GPT headers'] },
    small: { verdict: 'NOT_READY', reasons: ['Insufficient space (<5GB) (1073741824 bytes)'] },
    readonly: { verdict: 'NOT_READY', reasons: ['read-only'] },
    // The kernel refuses an exclusive open of a mounted device: the agent and the SSH path both see it.
    mounted: { verdict: 'NOT_READY', reasons: [...fs('ext4'), `with mountpoint "${lab.mountPoint}"`, 'locked (exclusive open refused: EBUSY; ceph-volume 19 does not check this)'] },
    swap: { verdict: 'NOT_READY', reasons: fs('swap') },
    luks: { verdict: 'NOT_READY', reasons: fs('crypto_LUKS') },
  };
}

export const NOT_A_BLOCK_DEVICE = { device: '/dev/null', verdict: 'NOT_READY', reasons: ['Device type is not acceptable. It should be raw device or partition (/dev/null is not a block device)'] };
export const MISSING_DEVICE = { device: '/dev/kubectl-odoo-missing', verdict: 'NOT_READY', reasons: ['Unable to proceed with non-existing device: /dev/kubectl-odoo-missing'] };

/** Root is needed for loop devices; under CI a missing privilege is a failure, not a skip. */
export function requireRoot(): boolean {
  const root = process.getuid?.() === 0;
  if (!root && process.env.CI === 'true') throw new Error('these tests need root (loop devices, mount, LVM, sshd) and CI=true forbids skipping');
  return root;
}
