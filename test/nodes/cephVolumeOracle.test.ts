// ceph-volume itself as the oracle: real loop devices in every state this machine can make, judged by
// Debian's ceph-volume 16.2 (`ceph-volume inventory --format json DEVICE`, loop devices allowed) and by
// our judge for release 16, through the built agent (its WebSocket) and through `kubectl odoo nodes
// check --ssh` against a real sshd. Verdicts must be equal and ceph-volume's reasons must be exactly
// our reasons whose source is ceph-volume 16, except in the states listed in DIFFERENCES, each with the
// line of ceph-volume's code that explains it. States are built a few at a time and undone (loop devices
// detached by path) before the next group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { kubectlOdoo } from '../harness/plugin.js';
import { bluestoreLabelBytes } from '../../lib/nodes/testing/fixtures.js';
import { createLabSpace, GiB, lvmConfig, requireRoot, sh, type LabSpace } from './deviceLab.js';
import { agentRequest, startHostAgent, type LocalAgent } from './localAgent.js';
import { SSHD, startSshd, type Sshd } from './sshd.js';

const CEPH_VOLUME = '/usr/sbin/ceph-volume';
const runs = requireRoot();
const tools = { 'ceph-volume': existsSync(CEPH_VOLUME), udevadm: spawnSync('sh', ['-c', 'command -v udevadm']).status === 0, sshd: !!SSHD };
const missing = Object.entries(tools).filter(([, ok]) => !ok).map(([t]) => t);
if (runs && missing.length && process.env.CI === 'true') throw new Error(`${missing.join(', ')} missing: scripts/test-deps.sh installs ceph-osd, udev and openssh-server`);

const TOKEN = 'oracle-agent-token-3f1c';
const RELEASE = 16;

/** A device state: how to make it on a fresh space, returning the device path to judge. */
interface State {
  name: string;
  make(s: LabSpace): string;
}

/**
 * States where ceph-volume 16.2 and our judge must differ, and why (ceph-volume 16.2.15,
 * /usr/lib/python3/dist-packages/ceph_volume/util/). Ours is always the stricter verdict.
 */
const DIFFERENCES: Record<string, { cephVolume: 'READY'; ours: 'NOT_READY'; ourCode: string; why: string }> = {
  'MBR table, partitions not read by the kernel': {
    cephVolume: 'READY',
    ours: 'NOT_READY',
    ourCode: 'partition-table',
    why: "device.py has_partitions: `if self.sys_api.get('partitions'): return True` counts only the partitions sysfs lists; blkid's PTTYPE=dos is not looked at",
  },
  'held open exclusively by a process': {
    cephVolume: 'READY',
    ours: 'NOT_READY',
    ourCode: 'locked',
    why: "device.py _check_generic_reject_reasons: `reasons = [('id_bus', 'usb', 'id_bus'), ('ro', '1', 'read-only')]`: 16.2.15 has no `locked`, disk.get_devices no longer tries an O_EXCL open",
  },
  'ceph-disk partition': {
    cephVolume: 'READY',
    ours: 'NOT_READY',
    ourCode: 'ceph-disk',
    why: "device.py is_ceph_disk_member: `'ceph' in device.get('PARTLABEL', '') or device.get('PARTTYPE', '') in ceph_disk_guids` reads lsblk's PARTLABEL/PARTTYPE, which come from the udev database (none here); blkid -p reads them from the partition table",
  },
};

const mkfs = (cmd: string, args: string[]) => (s: LabSpace, name: string) => {
  const dev = s.attach(s.image(name, 6 * GiB));
  sh(cmd, [...args, dev]);
  return dev;
};
const ext4 = mkfs('mkfs.ext4', ['-q', '-F']);

/** An image with a partition table, attached, its partitions added with partx where asked (the kernel here does not scan). */
function partitioned(s: LabSpace, name: string, table: (img: string) => void, addPartitions: boolean): string {
  const img = s.image(name, 6 * GiB);
  table(img);
  const dev = s.attach(img, ['--partscan']);
  if (addPartitions) {
    sh('partx', ['-a', dev]);
    s.onUndo(() => sh('partx', ['-d', dev]));
  }
  return dev;
}
const gpt = (img: string) => sh('sgdisk', ['-o', '-n', '1:0:+1G', img]);
const mbr = (img: string) => sh('parted', ['-s', img, 'mklabel', 'msdos', 'mkpart', 'primary', '1MiB', '1GiB']);

function writeAt(dev: string, bytes: Buffer, offset = 0): void {
  const fd = openSync(dev, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

function lvm(s: LabSpace, name: string, vg?: { extentSize?: string }): string {
  const dev = s.attach(s.image(name, 6 * GiB));
  const cfg = lvmConfig(dev);
  sh('pvcreate', ['-q', '-y', '--config', cfg, dev]);
  s.onUndo(() => sh('pvremove', ['-q', '-ff', '-y', '--config', cfg, dev]));
  if (vg) {
    const vgName = `kooracle${name.replace(/[^a-z0-9]/gi, '')}${process.pid}`;
    sh('vgcreate', ['-q', ...(vg.extentSize ? ['-s', vg.extentSize] : []), '--config', cfg, vgName, dev]);
    s.onUndo(() => sh('vgremove', ['-q', '-f', '--config', cfg, vgName]));
  }
  return dev;
}

const GROUPS: State[][] = [
  [
    { name: 'raw', make: (s) => s.attach(s.image('raw', 6 * GiB)) },
    { name: 'ext4', make: (s) => ext4(s, 'ext4') },
    { name: 'xfs', make: (s) => mkfs('mkfs.xfs', ['-q', '-f'])(s, 'xfs') },
    { name: 'vfat', make: (s) => mkfs('mkfs.vfat', [])(s, 'vfat') },
    {
      name: 'LUKS2',
      make: (s) => {
        const dev = s.attach(s.image('luks', 6 * GiB));
        const key = join(s.dir, 'luks.key');
        writeFileSync(key, 'not-a-secret');
        sh('cryptsetup', ['luksFormat', '-q', '--type', 'luks2', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file', key, dev]);
        return dev;
      },
    },
    { name: 'swap signature', make: (s) => mkfs('mkswap', ['-q'])(s, 'swap') },
  ],
  [
    { name: 'LVM PV without a VG', make: (s) => lvm(s, 'pv') },
    { name: 'LVM PV in a VG', make: (s) => lvm(s, 'vg', {}) },
    { name: 'LVM PV in a VG with 10 free extents or fewer', make: (s) => lvm(s, 'vgfew', { extentSize: '1G' }) },
    {
      name: 'BlueStore label',
      make: (s) => {
        const dev = s.attach(s.image('bluestore', 6 * GiB));
        writeAt(dev, bluestoreLabelBytes({ osdUuid: randomUUID(), cephFsid: randomUUID() }));
        return dev;
      },
    },
    { name: 'too small', make: (s) => s.attach(s.image('small', 1 * GiB)) },
    { name: 'read-only', make: (s) => s.attach(s.image('readonly', 6 * GiB), ['--read-only']) },
  ],
  [
    { name: 'GPT table, partitions not read by the kernel', make: (s) => partitioned(s, 'gpt', gpt, false) },
    { name: 'GPT table with partition devices', make: (s) => partitioned(s, 'gptp', gpt, true) },
    { name: 'MBR table, partitions not read by the kernel', make: (s) => partitioned(s, 'mbr', mbr, false) },
    { name: 'MBR table with partition devices', make: (s) => partitioned(s, 'mbrp', mbr, true) },
    {
      name: 'partition of a disk with a BlueStore label',
      make: (s) => {
        // The label ends long before the MBR's partition entries at byte 446, so both fit in sector 0.
        const dev = partitioned(s, 'bsparent', (img) => sh('parted', ['-s', img, 'mklabel', 'msdos', 'mkpart', 'primary', '1MiB', '100%']), false);
        writeAt(dev, bluestoreLabelBytes({ osdUuid: randomUUID(), cephFsid: randomUUID() }));
        sh('partx', ['-a', dev]);
        s.onUndo(() => sh('partx', ['-d', dev]));
        return `${dev}p1`;
      },
    },
    {
      name: 'ceph-disk partition',
      make: (s) => `${partitioned(s, 'cephdisk', (img) => sh('sgdisk', ['-o', '-n', '1:0:0', '-c', '1:ceph data', '-t', '1:4fbd7e29-9d25-41b8-afd0-062c0ceff05d', img]), true)}p1`,
    },
  ],
  [
    {
      name: 'mounted',
      make: (s) => {
        const dev = ext4(s, 'mounted');
        const mnt = join(s.dir, 'mnt');
        sh('mkdir', ['-p', mnt]);
        sh('mount', [dev, mnt]);
        s.onUndo(() => sh('umount', [mnt]));
        return dev;
      },
    },
    {
      name: 'held open exclusively by a process',
      make: (s) => {
        const dev = s.attach(s.image('held', 6 * GiB));
        // O_EXCL on a block device: the kernel refuses any other exclusive open until it is closed.
        const holder = spawn('python3', ['-c', 'import os, sys, time\nos.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)\nprint("held", flush=True)\ntime.sleep(600)', dev], { stdio: ['ignore', 'pipe', 'inherit'] });
        s.onUndo(() => holder.kill('SIGKILL'));
        // Wait for the open before anyone judges the device.
        execFileSync('sh', ['-c', `for i in $(seq 100); do [ -e /proc/${holder.pid}/fd/3 ] && exit 0; sleep 0.05; done; exit 1`]);
        return dev;
      },
    },
    {
      name: 'wiped with wipefs -a',
      make: (s) => {
        const dev = ext4(s, 'wipefs');
        sh('wipefs', ['-a', '-q', dev]);
        return dev;
      },
    },
    {
      name: 'first MiB zeroed',
      make: (s) => {
        const dev = ext4(s, 'zeroed');
        writeAt(dev, Buffer.alloc(1 << 20));
        return dev;
      },
    },
  ],
];

interface Judged {
  verdict: string;
  codes: string[];
  cephVolumeReasons: string[];
}

function cephVolumeInventory(dev: string): { verdict: string; reasons: string[] } {
  const out = execFileSync(CEPH_VOLUME, ['inventory', '--format', 'json', dev], { encoding: 'utf8', env: { ...process.env, CEPH_VOLUME_ALLOW_LOOP_DEVICES: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const doc = JSON.parse(out) as { available: boolean; rejected_reasons: string[] };
  return { verdict: doc.available ? 'READY' : 'NOT_READY', reasons: [...doc.rejected_reasons].sort() };
}

const judged = (d: any): Judged => ({
  verdict: d.verdict,
  codes: d.reasons.map((r: any) => r.code).sort(),
  cephVolumeReasons: d.reasons.filter((r: any) => r.source === 'ceph-volume' && r.release === RELEASE).map((r: any) => r.message).sort(),
});

let space: LabSpace;
let sshd: Sshd;
let agent: LocalAgent;
const knownHosts = () => join(space.dir, 'known_hosts');

/** Every state's three answers, filled group by group. */
const answers = new Map<string, { cephVolume: { verdict: string; reasons: string[] }; agent: Judged; ssh: Judged }>();

describe.skipIf(!runs || missing.length > 0)('ceph-volume 16.2 as the oracle of the readiness judge', () => {
  beforeAll(async () => {
    space = createLabSpace('oracle');
    try {
      sshd = await startSshd(join(space.dir, 'ssh'));
      agent = await startHostAgent(space.dir, 'oracle', TOKEN);

      for (const group of GROUPS) {
        const devices = group.map((st) => [st.name, st.make(space)] as const);
        const cv = devices.map(([, dev]) => cephVolumeInventory(dev));
        const inspect = await agentRequest(agent.port, TOKEN, JSON.stringify({ id: 1, method: 'inspect', params: { devices: devices.map(([, d]) => d), release: RELEASE } }));
        const report = inspect.messages.at(-1)?.result;
        if (!report) throw new Error(`agent did not answer: ${JSON.stringify(inspect)} ${agent.logs()}`);
        const r = await kubectlOdoo(
          ['nodes', 'check', '--ssh', sshd.target, '-i', sshd.userKey, '--known-hosts', knownHosts(), '--accept-new-host-key', '--allow-loop-devices', '--ceph-release', String(RELEASE), ...devices.flatMap(([, d]) => ['--device', d]), '-o', 'json'],
          { timeoutMs: 120_000, env: { SSH_AUTH_SOCK: undefined } },
        );
        const node = JSON.parse(r.stdout).nodes[0];
        if (node.error) throw new Error(`ssh check failed: ${node.error}`);
        devices.forEach(([name, dev], i) => {
          answers.set(name, {
            cephVolume: cv[i],
            agent: judged(report.devices.find((d: any) => d.device === dev)),
            ssh: judged(node.devices.find((d: any) => d.device === dev)),
          });
        });
        // Undone before the next group: only a few loop devices exist at any time.
        space.undo();
      }
    } catch (e) {
      await agent?.stop();
      await sshd?.stop();
      space.cleanup();
      throw e;
    }
  }, 300_000);

  afterAll(async () => {
    await agent?.stop();
    await sshd?.stop();
    space?.cleanup();
  });

  const states = GROUPS.flat().map((s) => s.name);

  it.each(states.filter((s) => !DIFFERENCES[s]))('%s: the same verdict and ceph-volume\'s own reasons, through the agent and over SSH', (name) => {
    const a = answers.get(name)!;
    for (const ours of [a.agent, a.ssh]) {
      expect(ours.verdict).toBe(a.cephVolume.verdict);
      expect(ours.cephVolumeReasons).toEqual(a.cephVolume.reasons);
    }
  });

  it.each(states.filter((s) => DIFFERENCES[s]))('%s: differs from ceph-volume 16.2 as listed', (name) => {
    const a = answers.get(name)!;
    const d = DIFFERENCES[name];
    expect(a.cephVolume.verdict, d.why).toBe(d.cephVolume);
    for (const ours of [a.agent, a.ssh]) {
      expect(ours.verdict).toBe(d.ours);
      expect(ours.codes).toContain(d.ourCode);
      // Whatever ceph-volume does say, we say too.
      expect(ours.cephVolumeReasons).toEqual(expect.arrayContaining(a.cephVolume.reasons));
    }
  });

  it('the agent and the SSH path give the same reasons for every state', () => {
    for (const name of states) expect(answers.get(name)!.ssh, name).toEqual(answers.get(name)!.agent);
  });
});
