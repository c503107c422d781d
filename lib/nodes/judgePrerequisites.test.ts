import { describe, expect, it } from 'vitest';
import { judgePrerequisites } from './judgePrerequisites.js';
import type { Check, HostFacts } from './facts.js';
import { healthyHostFacts } from './testing/fixtures.js';

const missing = (tool: string) => ({ ok: false as const, error: `${tool} not available`, missing: true });
const noModules: Partial<HostFacts> = {
  modules: { ok: true, out: 'loop 1 0 - Live 0x0\n' },
  sysModules: { ok: true, out: 'loop\n' },
  modulesBuiltin: { ok: true, out: '' },
};

interface Case {
  name: string;
  host: Partial<HostFacts>;
  check: string;
  expected: Pick<Check, 'status'> & { message: string | RegExp };
}

const cases: Case[] = [
  { name: 'current kernel', host: {}, check: 'kernel', expected: { status: 'ok', message: '6.1.0-18-amd64' } },
  { name: 'old but usable kernel', host: { kernelRelease: { ok: true, out: '4.19.0-25-amd64' } }, check: 'kernel', expected: { status: 'warning', message: /older than the recommended 5\.4/ } },
  { name: 'kernel without CephFS quotas', host: { kernelRelease: { ok: true, out: '4.15.0-213-generic' } }, check: 'kernel', expected: { status: 'error', message: /older than 4\.17/ } },
  { name: 'rbd loaded', host: {}, check: 'rbd module', expected: { status: 'ok', message: 'loaded' } },
  {
    name: 'rbd available on disk',
    host: { ...noModules },
    check: 'rbd module',
    expected: { status: 'ok', message: /available as \/lib\/modules\/6\.1\.0-18-amd64\/kernel\/drivers\/block\/rbd\.ko/ },
  },
  { name: 'rbd built in', host: { ...noModules, modulesBuiltin: { ok: true, out: 'kernel/drivers/block/rbd.ko\n' } }, check: 'rbd module', expected: { status: 'ok', message: 'built into the kernel' } },
  {
    name: 'rbd nowhere',
    host: { ...noModules, moduleFiles: { rbd: { ok: true, out: '' }, ceph: { ok: true, out: '' } } },
    check: 'rbd module',
    expected: { status: 'error', message: /not loaded, not built in/ },
  },
  { name: 'udev running', host: {}, check: 'udev', expected: { status: 'ok', message: 'running' } },
  { name: 'no udev', host: { udevRun: { ok: false, error: 'ENOENT' } }, check: 'udev', expected: { status: 'error', message: /udev is not running \(ENOENT\)/ } },
  { name: 'chrony in sync', host: {}, check: 'clock sync', expected: { status: 'ok', message: /^chrony: offset 1\.2e-5 s, reference C0A80101/ } },
  {
    name: 'chrony 0.12 s off',
    host: { chrony: { ok: true, out: 'System time     : 0.120000000 seconds slow of NTP time\nLeap status     : Normal\n' } },
    check: 'clock sync',
    expected: { status: 'error', message: /offset 0\.120 s exceeds 0\.05 s/ },
  },
  { name: 'chrony not synchronised', host: { chrony: { ok: true, out: 'Leap status     : Not synchronised\n' } }, check: 'clock sync', expected: { status: 'error', message: 'chrony: Not synchronised' } },
  {
    name: 'timesyncd with a small offset',
    host: { chrony: missing('chronyc'), timedatectl: { ok: true, out: 'NTP=yes\nNTPSynchronized=yes\n' }, timesyncStatus: { ok: true, out: '       Server: 10.0.0.1 (ntp)\n       Offset: -3.201ms\n' } },
    check: 'clock sync',
    expected: { status: 'ok', message: /systemd-timesyncd: offset 0\.003 s/ },
  },
  {
    name: 'timesyncd with a large offset',
    host: { chrony: missing('chronyc'), timedatectl: { ok: true, out: 'NTPSynchronized=yes\n' }, timesyncStatus: { ok: true, out: 'Offset: +75.5ms\n' } },
    check: 'clock sync',
    expected: { status: 'error', message: /0\.07[56] s exceeds 0\.05 s/ },
  },
  {
    name: 'timedatectl says not synchronised',
    host: { chrony: missing('chronyc'), timedatectl: { ok: true, out: 'NTPSynchronized=no\n' }, timesyncStatus: { ok: false, error: 'exited with 1' } },
    check: 'clock sync',
    expected: { status: 'error', message: /not synchronised/ },
  },
  {
    name: 'no time tool at all',
    host: { chrony: missing('chronyc'), timedatectl: missing('timedatectl'), timesyncStatus: missing('timedatectl') },
    check: 'clock sync',
    expected: { status: 'warning', message: /cannot tell.*chronyc: not installed; timedatectl: not installed/ },
  },
  { name: 'MTU 1500', host: {}, check: 'mtu', expected: { status: 'ok', message: 'eth0 MTU 1500' } },
  { name: 'MTU 1450', host: { netdevs: { ok: true, out: 'eth0 1450 up\n' } }, check: 'mtu', expected: { status: 'warning', message: /MTU 1450 is below 1500/ } },
  { name: 'no default route', host: { route: { ok: true, out: 'Iface\tDestination\tGateway\n' } }, check: 'mtu', expected: { status: 'warning', message: /no default route/ } },
];

describe('judgePrerequisites', () => {
  it.each(cases)('$name', (c) => {
    const checks = judgePrerequisites(healthyHostFacts(c.host));
    const check = checks.find((x) => x.name === c.check);
    expect(check?.status).toBe(c.expected.status);
    if (typeof c.expected.message === 'string') expect(check?.message).toBe(c.expected.message);
    else expect(check?.message).toMatch(c.expected.message);
  });

  it('checks kernel, rbd and ceph modules, udev, clock and MTU in that order', () => {
    expect(judgePrerequisites(healthyHostFacts()).map((c) => c.name)).toEqual(['kernel', 'rbd module', 'ceph module', 'udev', 'clock sync', 'mtu']);
  });
});
