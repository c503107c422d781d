// Collectors: gather the raw facts of a node and its devices through a HostAccess. A collector that
// fails records why in its Probe and the judge turns that into UNKNOWN; nothing here decides readiness.
import { posix } from 'node:path';
import type { DeviceFacts, HostFacts, NodeFacts, Probe, SysfsFacts } from './facts.js';
import type { ExecOutcome, HostAccess, HostPaths } from './hostAccess.js';
import { mapLimit } from './mapLimit.js';

// BlueStore's label (with ceph_fsid in its meta) fits in its first 4 KiB block.
const HEAD_BYTES = 4096;
/** Where BlueStore keeps copies of its label besides offset 0 (Ceph 19: BlueStore.cc bdev_label_positions). */
export const BLUESTORE_LABEL_COPIES = [1, 10, 100, 1000].map((gib) => gib * 2 ** 30);
const TOOL_TIMEOUT_MS = 10_000;
const MODULE_DIRS: Record<string, string> = { rbd: 'kernel/drivers/block', ceph: 'kernel/fs/ceph' };

const skipped = (why: string): Probe => ({ ok: false, error: why });

/** Turns a command outcome into a Probe; `accept` lists exit codes that mean "ran fine". */
export function probeFromExec(tool: string, r: ExecOutcome, accept: number[] = [0]): Probe {
  if (r.missing) return { ok: false, error: `${tool} not available`, missing: true };
  if (r.error) return { ok: false, error: `${tool}: ${r.error}` };
  if (r.code !== null && accept.includes(r.code)) return { ok: true, out: r.stdout, code: r.code };
  const msg = (r.stderr || r.stdout).trim().split('\n').filter((l) => !/leaked on \w+ invocation/.test(l)).join(' ').slice(0, 300);
  return { ok: false, error: `${tool} exited with ${r.code}${msg ? `: ${msg}` : ''}` };
}

/** Maps a device path given for the host (/dev/sda2) to where the collector sees it. */
export function hostDevicePath(device: string, paths: HostPaths): string {
  return paths.dev !== '/dev' && device.startsWith('/dev/') ? posix.join(paths.dev, device.slice(5)) : device;
}

export async function collectHostFacts(host: HostAccess, paths: HostPaths): Promise<HostFacts> {
  const kernelRelease = await host.readText(`${paths.proc}/sys/kernel/osrelease`);
  const release = kernelRelease.ok ? kernelRelease.out.trim() : undefined;
  const [mountinfo, swaps, modules, sysModules, modulesBuiltin, udevRun, chrony, timedatectl, timesyncStatus, route, netdevs, ...moduleFiles] =
    await Promise.all([
      readMountinfo(host, paths),
      host.readText(`${paths.proc}/swaps`),
      host.readText(`${paths.proc}/modules`),
      host.list(`${paths.sys}/module`),
      release ? host.readText(`${paths.modules}/${release}/modules.builtin`) : Promise.resolve(skipped('kernel release unknown')),
      host.list(paths.udev),
      host.exec(['chronyc', '-n', 'tracking'], { timeoutMs: 3000 }).then((r) => probeFromExec('chronyc', r)),
      host.exec(['timedatectl', 'show'], { timeoutMs: 3000 }).then((r) => probeFromExec('timedatectl', r)),
      host.exec(['timedatectl', 'timesync-status'], { timeoutMs: 3000 }).then((r) => probeFromExec('timedatectl', r)),
      host.readText(`${paths.proc}/net/route`),
      readNetdevs(host, paths),
      ...Object.entries(MODULE_DIRS).map(async ([mod, dir]) => {
        if (!release) return skipped('kernel release unknown');
        const listing = await host.list(`${paths.modules}/${release}/${dir}`);
        if (!listing.ok) return listing;
        const files = listing.out.split('\n').filter((f) => new RegExp(`^${mod}\\.ko(\\.[a-z]+)?$`).test(f));
        return { ok: true as const, out: files.map((f) => `${paths.modules}/${release}/${dir}/${f}`).join('\n') };
      }),
    ]);
  return {
    mountinfo,
    swaps,
    kernelRelease,
    modules,
    sysModules,
    modulesBuiltin,
    moduleFiles: Object.fromEntries(Object.keys(MODULE_DIRS).map((m, i) => [m, moduleFiles[i]])),
    udevRun,
    chrony,
    timedatectl,
    timesyncStatus,
    route,
    netdevs,
  };
}

async function readMountinfo(host: HostAccess, paths: HostPaths): Promise<Probe> {
  // PID 1's table is the host's; when that is not readable (no privileges), our own is second best.
  const init = await host.readText(`${paths.proc}/1/mountinfo`);
  return init.ok ? init : host.readText(`${paths.proc}/self/mountinfo`);
}

async function readNetdevs(host: HostAccess, paths: HostPaths): Promise<Probe> {
  const names = await host.list(`${paths.sys}/class/net`);
  if (!names.ok) return names;
  const lines = await Promise.all(
    names.out.split('\n').filter(Boolean).map(async (n) => {
      const [mtu, state] = await Promise.all([host.readText(`${paths.sys}/class/net/${n}/mtu`), host.readText(`${paths.sys}/class/net/${n}/operstate`)]);
      return mtu.ok ? `${n} ${mtu.out.trim()} ${state.ok ? state.out.trim() : 'unknown'}` : '';
    }),
  );
  return { ok: true, out: lines.filter(Boolean).join('\n') };
}

export async function collectDeviceFacts(host: HostAccess, device: string, paths: HostPaths): Promise<DeviceFacts> {
  const path = hostDevicePath(device, paths);
  const stat = await host.statDevice(path);
  const base: DeviceFacts = {
    device,
    stat,
    sysfs: { ok: false, error: 'not a block device' },
    blkid: skipped('not a block device'),
    head: skipped('not a block device'),
    lsblk: skipped('not a block device'),
    pvs: skipped('not a block device'),
    udev: skipped('not a block device'),
    byId: { ok: false, error: 'not a block device' },
  };
  if (!stat.ok || !stat.out.startsWith('block')) return base;
  const [, major, minor] = stat.out.trim().split(/\s+/);
  const real = await host.realpath(path);
  const realPath = real.ok ? real.out.trim() : path;

  const [sysfs, blkid, head, lsblk, pvs, udev, byId, exclusiveOpen] = await Promise.all([
    collectSysfs(host, paths, major, minor),
    host.exec(['blkid', '-p', '-o', 'export', realPath], { timeoutMs: TOOL_TIMEOUT_MS }).then((r) => {
      // 2: nothing found; 8: several signatures that contradict each other (still "has something").
      if (r.code === 8 && !r.missing) return { ok: true as const, out: 'TYPE=several signatures (blkid: ambivalent result)\n', code: 8 };
      return probeFromExec('blkid', r, [0, 2]);
    }),
    host.readHead(realPath, HEAD_BYTES),
    host
      .exec(['lsblk', '-J', '-b', '-o', 'NAME,KNAME,PKNAME,TYPE,SIZE,RO,RM,TRAN,PARTLABEL,PARTTYPE', realPath], { timeoutMs: TOOL_TIMEOUT_MS })
      .then((r) => probeFromExec('lsblk', r)),
    collectPvs(host, realPath),
    host.readText(`${paths.udev}/data/b${major}:${minor}`).then((p) => (!p.ok && p.error === 'ENOENT' ? { ok: true as const, out: '' } : p)),
    host.links(`${paths.dev}/disk/by-id`).then((p): DeviceFacts['byId'] => {
      if (!p.ok) return p.error === 'ENOENT' ? { ok: true, links: [] } : { ok: false, error: p.error };
      const links = p.out
        .split('\n')
        .map((l) => l.split('\t'))
        .filter(([, target]) => target === realPath)
        .map(([name]) => `/dev/disk/by-id/${name}`);
      return { ok: true, links: links.sort() };
    }),
    host.exclusiveOpen(realPath),
  ]);
  const facts: DeviceFacts = { ...base, realPath, sysfs, blkid, head, lsblk, pvs, udev, byId, exclusiveOpen };
  if (sysfs.ok && sysfs.value.parent) facts.parentHead = await host.readHead(`${paths.dev}/${sysfs.value.parent}`, HEAD_BYTES);
  const size = sysfs.ok && sysfs.value.size !== undefined ? Number(sysfs.value.size) * 512 : NaN;
  const copies = BLUESTORE_LABEL_COPIES.filter((offset) => offset + HEAD_BYTES <= size);
  if (copies.length) facts.labelCopies = await Promise.all(copies.map(async (offset) => ({ offset, probe: await host.readHead(realPath, HEAD_BYTES, offset) })));
  return facts;
}

async function collectSysfs(host: HostAccess, paths: HostPaths, major: string, minor: string): Promise<DeviceFacts['sysfs']> {
  const dirProbe = await host.realpath(`${paths.sys}/dev/block/${major}:${minor}`);
  if (!dirProbe.ok) return { ok: false, error: dirProbe.error };
  const dir = dirProbe.out.trim();
  const kname = posix.basename(dir);
  const attr = async (p: string) => {
    const r = await host.readText(p);
    return r.ok ? r.out.trim() : undefined;
  };
  const [size, ro, removable, partition, holders, entries, backingFile, offset, sizelimit] = await Promise.all([
    attr(`${dir}/size`),
    attr(`${dir}/ro`),
    attr(`${dir}/removable`),
    attr(`${dir}/partition`),
    host.list(`${dir}/holders`),
    host.list(dir),
    attr(`${dir}/loop/backing_file`),
    attr(`${dir}/loop/offset`),
    attr(`${dir}/loop/sizelimit`),
  ]);
  if (size === undefined) return { ok: false, error: `cannot read ${dir}/size` };
  const candidates = entries.ok ? entries.out.split('\n').filter((e) => e.startsWith(kname) && e !== kname) : [];
  const partitions = (await Promise.all(candidates.map(async (c) => ((await attr(`${dir}/${c}/partition`)) !== undefined ? c : '')))).filter(Boolean);
  const value: SysfsFacts = {
    dir,
    kname,
    size,
    ro,
    removable,
    partition,
    holders: holders.ok ? holders.out.split('\n').filter(Boolean) : [],
    partitions,
  };
  if (partition !== undefined) {
    value.parent = posix.basename(posix.dirname(dir));
    value.parentRemovable = await attr(`${posix.dirname(dir)}/removable`);
  }
  if (backingFile !== undefined || offset !== undefined) value.loop = { backingFile, offset, sizelimit };
  return { ok: true, value };
}

async function collectPvs(host: HostAccess, realPath: string): Promise<Probe> {
  // Only this device is scanned (the filter rejects everything else) and no locks are taken.
  const re = realPath.replace(/[|\\^$.*+?()[\]{}]/g, '\\$&');
  const config = `devices { global_filter = [ "a|^${re}$|", "r|.*|" ] filter = [ "a|^${re}$|", "r|.*|" ] }`;
  const r = await host.exec(['pvs', '--readonly', '--noheadings', '--nameprefixes', '-o', 'pv_name,vg_name,vg_free_count', '--config', config, realPath], { timeoutMs: TOOL_TIMEOUT_MS });
  if (!r.missing && r.code !== 0 && /Failed to find physical volume|No physical volume (label )?(read|found)/i.test(r.stderr)) return { ok: true, out: '', code: r.code ?? undefined };
  return probeFromExec('pvs', r);
}

export interface CollectOptions {
  node: string;
  devices: string[];
  paths: HostPaths;
  now?: () => Date;
  /** Devices collected at once (default: all); each runs several host tools. */
  deviceConcurrency?: number;
}

export async function collectNodeFacts(host: HostAccess, opts: CollectOptions): Promise<NodeFacts> {
  const [hostFacts, devices] = await Promise.all([
    collectHostFacts(host, opts.paths),
    mapLimit(opts.devices, opts.deviceConcurrency ?? opts.devices.length, (d) => collectDeviceFacts(host, d, opts.paths)),
  ]);
  return { node: opts.node, collectedAt: (opts.now?.() ?? new Date()).toISOString(), host: hostFacts, devices };
}
