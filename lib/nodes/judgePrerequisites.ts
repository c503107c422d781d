// Node prerequisites for a Rook-Ceph rollout, judged from the same raw host facts: kernel version,
// the rbd and ceph kernel modules, udev, clock synchronisation and the MTU of the default route.
import type { Check, HostFacts } from './facts.js';
import { parseChronyTracking, parseDefaultRouteInterface, parseKernelVersion, parseNetdevs, parseTimedatectlShow, parseTimesyncStatus } from './parse.js';

export interface PrerequisitePolicy {
  /** Ceph monitors raise MON_CLOCK_SKEW above mon_clock_drift_allowed (default 0.05 s). */
  maxClockOffsetSeconds: number;
  /** CephFS quotas (PVC sizes) are enforced by the kernel client from 4.17 on. */
  minKernel: [number, number];
  /** Rook recommends a 5.x kernel for RBD and CephFS features. */
  recommendedKernel: [number, number];
  minMtu: number;
  modules: string[];
}

export const DEFAULT_PREREQUISITE_POLICY: PrerequisitePolicy = {
  maxClockOffsetSeconds: 0.05,
  minKernel: [4, 17],
  recommendedKernel: [5, 4],
  minMtu: 1500,
  modules: ['rbd', 'ceph'],
};

export function judgePrerequisites(host: HostFacts, policy: PrerequisitePolicy = DEFAULT_PREREQUISITE_POLICY): Check[] {
  return [
    kernelCheck(host, policy),
    ...policy.modules.map((m) => moduleCheck(host, m)),
    udevCheck(host),
    clockCheck(host, policy),
    mtuCheck(host, policy),
  ];
}

const older = (v: [number, number, number], min: [number, number]) => v[0] < min[0] || (v[0] === min[0] && v[1] < min[1]);

function kernelCheck(host: HostFacts, policy: PrerequisitePolicy): Check {
  const name = 'kernel';
  if (!host.kernelRelease.ok) return { name, status: 'warning', message: `cannot read the kernel release: ${host.kernelRelease.error}` };
  const release = host.kernelRelease.out.trim();
  const v = parseKernelVersion(release);
  if (!v) return { name, status: 'warning', message: `cannot parse the kernel release "${release}"` };
  const min = policy.minKernel.join('.');
  const rec = policy.recommendedKernel.join('.');
  if (older(v, policy.minKernel)) return { name, status: 'error', message: `${release}: older than ${min}, CephFS quotas (PVC sizes) are not enforced` };
  if (older(v, policy.recommendedKernel)) return { name, status: 'warning', message: `${release}: older than the recommended ${rec}` };
  return { name, status: 'ok', message: release };
}

function moduleCheck(host: HostFacts, mod: string): Check {
  const name = `${mod} module`;
  const loaded =
    (host.modules.ok && host.modules.out.split('\n').some((l) => l.split(' ')[0] === mod)) ||
    (host.sysModules.ok && host.sysModules.out.split('\n').includes(mod));
  if (loaded) return { name, status: 'ok', message: 'loaded' };
  const builtin = host.modulesBuiltin.ok && new RegExp(`/${mod}\\.ko$`, 'm').test(host.modulesBuiltin.out);
  if (builtin) return { name, status: 'ok', message: 'built into the kernel' };
  const files = host.moduleFiles[mod];
  const file = files?.ok ? files.out.split('\n').find((l) => l.trim()) : undefined;
  if (file) return { name, status: 'ok', message: `not loaded; available as ${file.trim()} (the Ceph CSI driver loads it)` };
  if (!host.modules.ok && !files?.ok) {
    return { name, status: 'error', message: `not loaded and no ${mod}.ko found (${host.modules.error})` };
  }
  return { name, status: 'error', message: `not loaded, not built in, and no ${mod}.ko under /lib/modules: install the kernel modules package` };
}

function udevCheck(host: HostFacts): Check {
  const name = 'udev';
  if (!host.udevRun.ok) return { name, status: 'error', message: `udev is not running (${host.udevRun.error}): ceph-volume and Rook's device discovery need its database` };
  const entries = host.udevRun.out.split('\n').map((s) => s.trim());
  if (entries.includes('control')) return { name, status: 'ok', message: 'running' };
  if (entries.includes('data')) return { name, status: 'warning', message: 'udev database present but no control socket: is systemd-udevd running?' };
  return { name, status: 'error', message: 'udev is not running (no /run/udev/control)' };
}

function clockCheck(host: HostFacts, policy: PrerequisitePolicy): Check {
  const name = 'clock sync';
  const max = policy.maxClockOffsetSeconds;
  const judgeOffset = (source: string, offset: number, extra = ''): Check => {
    const abs = Math.abs(offset);
    const shown = `${abs < 0.001 ? abs.toExponential(1) : abs.toFixed(3)} s`;
    return abs > max
      ? { name, status: 'error', message: `${source}: offset ${shown} exceeds ${max} s (Ceph's mon_clock_drift_allowed; monitors report MON_CLOCK_SKEW)` }
      : { name, status: 'ok', message: `${source}: offset ${shown}${extra}` };
  };
  if (host.chrony.ok) {
    const t = parseChronyTracking(host.chrony.out);
    if (t.leap && t.leap !== 'Normal') return { name, status: 'error', message: `chrony: ${t.leap}` };
    if (t.offsetSeconds !== undefined) return judgeOffset('chrony', t.offsetSeconds, t.reference ? `, reference ${t.reference}` : '');
  }
  const show = host.timedatectl.ok ? parseTimedatectlShow(host.timedatectl.out) : {};
  if (host.timesyncStatus.ok) {
    const s = parseTimesyncStatus(host.timesyncStatus.out);
    if (show.ntpSynchronized === false) return { name, status: 'error', message: 'systemd-timesyncd: not synchronised' };
    if (s.offsetSeconds !== undefined) return judgeOffset('systemd-timesyncd', s.offsetSeconds, s.server ? `, server ${s.server}` : '');
  }
  if (show.ntpSynchronized === true) return { name, status: 'ok', message: 'synchronised (timedatectl: NTPSynchronized=yes)' };
  if (show.ntpSynchronized === false) return { name, status: 'error', message: 'not synchronised (timedatectl: NTPSynchronized=no)' };
  const why = [host.chrony, host.timedatectl].map((p) => (p.ok ? 'no offset reported' : p.missing ? 'not installed' : p.error));
  return { name, status: 'warning', message: `cannot tell whether the clock is synchronised (chronyc: ${why[0]}; timedatectl: ${why[1]})` };
}

function mtuCheck(host: HostFacts, policy: PrerequisitePolicy): Check {
  const name = 'mtu';
  if (!host.route.ok || !host.netdevs.ok) return { name, status: 'warning', message: `cannot read the network interfaces: ${!host.route.ok ? host.route.error : (host.netdevs as { error: string }).error}` };
  const iface = parseDefaultRouteInterface(host.route.out);
  if (!iface) return { name, status: 'warning', message: 'no default route: cannot tell which interface Ceph traffic uses' };
  const dev = parseNetdevs(host.netdevs.out).find((d) => d.name === iface);
  if (!dev) return { name, status: 'warning', message: `default route interface ${iface} not found` };
  if (dev.mtu < policy.minMtu) return { name, status: 'warning', message: `${iface} MTU ${dev.mtu} is below ${policy.minMtu}: every node and switch must use the same MTU` };
  return { name, status: 'ok', message: `${iface} MTU ${dev.mtu}` };
}

/** The MTU of the default-route interface, for comparing nodes with each other. */
export function defaultRouteMtu(host: HostFacts): number | undefined {
  if (!host.route.ok || !host.netdevs.ok) return undefined;
  const iface = parseDefaultRouteInterface(host.route.out);
  return parseNetdevs(host.netdevs.out).find((d) => d.name === iface)?.mtu;
}
