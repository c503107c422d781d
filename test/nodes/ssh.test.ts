// `kubectl odoo nodes check --ssh` against a real sshd started by the test on a loopback port, with a
// generated host key and user key, judging the same real loop devices as the agent tests with plain
// shell commands on the "remote" side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlOdoo } from '../harness/plugin.js';
import { SSHD, startSshd, type Sshd } from './sshd.js';
import { buildDeviceLab, expectedReasons, requireRoot, MISSING_DEVICE, type DeviceLab, type LabState } from './deviceLab.js';

const runs = requireRoot();
if (runs && !SSHD && process.env.CI === 'true') throw new Error('sshd is missing: scripts/test-deps.sh installs openssh-server');

let lab: DeviceLab;
let sshd: Sshd;
let dir: string;
let userKey: string;
let hostPub: string;
let port: number;

const odoo = (args: string[], env: Record<string, string | undefined> = {}) => kubectlOdoo(args, { timeoutMs: 120_000, env: { SSH_AUTH_SOCK: undefined, ...env } });
const target = () => sshd.target;

describe.skipIf(!runs || !SSHD)('nodes check --ssh against a real sshd', () => {
  beforeAll(async () => {
    lab = buildDeviceLab('ssh');
    try {
      dir = join(lab.dir, 'ssh');
      sshd = await startSshd(dir);
      ({ userKey, hostPub, port } = sshd);
    } catch (e) {
      lab.cleanup();
      throw e;
    }
  });

  afterAll(async () => {
    await sshd?.stop();
    lab?.cleanup();
  });

  it('refuses a host key that is not in known_hosts, and says how to trust it', async () => {
    const knownHosts = join(dir, 'empty_known_hosts');
    const r = await odoo(['nodes', 'check', '--ssh', target(), '-i', userKey, '--known-hosts', knownHosts, '--device', lab.devices.raw, '-o', 'json']);
    expect(r.code).toBe(1);
    const node = JSON.parse(r.stdout).nodes[0];
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', sshd.hostPubFile], { encoding: 'utf8' }).split(' ')[1];
    expect(node.error).toBe(
      `the host key of [127.0.0.1]:${port} (ssh-ed25519 ${fp}) is not in known_hosts; check the fingerprint and pass --accept-new-host-key to trust it (known_hosts: ${knownHosts})`,
    );
    expect(existsSync(knownHosts)).toBe(false);
  });

  it('refuses a changed host key even with --accept-new-host-key', async () => {
    const knownHosts = join(dir, 'wrong_known_hosts');
    const other = readFileSync(`${userKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${other}\n`);
    const r = await odoo(['nodes', 'check', '--ssh', target(), '-i', userKey, '--known-hosts', knownHosts, '--accept-new-host-key', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).nodes[0].error).toMatch(new RegExp(`^HOST KEY MISMATCH for \\[127\\.0\\.0\\.1\\]:${port}: known_hosts line 1 has a different key`));
  });

  it('records a new host key only with --accept-new-host-key, then judges every device like the agent', async () => {
    const knownHosts = join(dir, 'known_hosts');
    const devices = [...Object.values(lab.devices), MISSING_DEVICE.device].flatMap((d) => ['--device', d]);
    const r = await odoo(['nodes', 'check', '--ssh', target(), '-i', userKey, '--known-hosts', knownHosts, '--accept-new-host-key', '--allow-loop-devices', ...devices, '-o', 'json']);
    expect(r.stderr).toContain(`Warning: permanently added the host key of 127.0.0.1:${port} to ${knownHosts}`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(`[127.0.0.1]:${port} ${hostPub.split(' ').slice(0, 2).join(' ')}\n`);
    const out = JSON.parse(r.stdout);
    const node = out.nodes[0];
    expect(node).toMatchObject({ source: 'ssh', target: `root@127.0.0.1:${port}` });
    expect(node.error).toBeUndefined();
    const byDevice = Object.fromEntries(node.devices.map((d: any) => [d.device, { verdict: d.verdict, reasons: d.reasons.map((x: any) => (x.detail ? `${x.message} (${x.detail})` : x.message)) }]));
    const expected = expectedReasons(lab);
    for (const state of Object.keys(expected) as LabState[]) expect(byDevice[lab.devices[state]], state).toEqual(expected[state]);
    expect(byDevice[MISSING_DEVICE.device]).toEqual({ verdict: MISSING_DEVICE.verdict, reasons: MISSING_DEVICE.reasons });
    expect(node.checks.slice(-6).map((c: any) => c.name)).toEqual(['kernel', 'rbd module', 'ceph module', 'udev', 'clock sync', 'mtu']);
    expect(out.capacity).toMatchObject({ devices: 1, rawBytes: 6 * 2 ** 30 });
    expect(r.code).toBe(1);
  });

  it('judges loop devices as ceph-volume does by default (not acceptable) and prints the table', async () => {
    const r = await odoo(['nodes', 'check', '--ssh', target(), '-i', userKey, '--known-hosts', join(dir, 'known_hosts'), '--device', lab.devices.raw]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`\\t${lab.devices.raw}\\t6Gi\\tNOT_READY\\tDevice type is not acceptable\\. It should be raw device or partition \\(type loop\\)\\t`));
  });

  it('rejects a malformed target before connecting', async () => {
    const r = await odoo(['nodes', 'check', '--ssh', 'root@bad host', '-i', userKey]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"root@bad host" is not an SSH target: use user@host or user@host:port');
  });
});
