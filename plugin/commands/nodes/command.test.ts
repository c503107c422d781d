import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodesCommand, nodesCheckCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

type CheckArgs = Parameters<NonNullable<typeof nodesCheckCommand.toOptions>>[1];
const args = (over: Record<string, unknown> = {}) => ({ 'accept-new-host-key': false, 'allow-loop-devices': false, 'devices-only': false, ...over }) as CheckArgs;
const check = (over: Record<string, unknown> = {}, ctx = optionsContext()) => nodesCheckCommand.toOptions!(ctx, args(over));

const home = mkdtempSync(join(tmpdir(), 'nodes-options-'));
const emptyHome = mkdtempSync(join(tmpdir(), 'nodes-options-empty-'));
mkdirSync(join(home, '.ssh'));
writeFileSync(join(home, '.ssh', 'id_ecdsa'), 'the default key');
writeFileSync(join(home, 'given.key'), 'the given key');
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(emptyHome, { recursive: true, force: true });
});

describe('nodes options', () => {
  it('the agent namespace: --agent-namespace, else the config file', () => {
    expect(nodesCommand.toOptions!(optionsContext({ config: { agentNamespace: 'agents' } }), {})).toEqual({ agentNamespace: 'agents' });
    expect(nodesCommand.toOptions!(optionsContext({ config: { agentNamespace: 'agents' } }), { 'agent-namespace': 'other' })).toEqual({ agentNamespace: 'other' });
  });
});

describe('nodes check options', () => {
  it('through the agents: nodes, devices, the config file\'s defaults and the judge', () => {
    const o = check(
      { node: ['node-1', 'node-2'], device: ['/dev/sdb'], replication: 2, 'ceph-release': 'reef', 'ceph-fsid': 'A1B2C3D4-0000-4000-8000-000000000000', 'devices-only': true },
      optionsContext({ config: { agentNamespace: 'agents', nodeChecks: { timeoutSeconds: 30, capacityOverhead: [0.05, 0.1], concurrency: 8 } } }),
    );
    expect(o).toEqual({
      agentNamespace: 'agents',
      nodes: ['node-1', 'node-2'],
      devices: ['/dev/sdb'],
      concurrency: 8,
      timeoutMs: 30_000,
      replication: 2,
      overhead: [0.05, 0.1],
      judge: { release: 18, cephFsid: 'a1b2c3d4-0000-4000-8000-000000000000' },
      devicesOnly: true,
    });
    expect(check({ concurrency: 3, timeout: 10 })).toMatchObject({ nodes: [], devices: undefined, concurrency: 3, timeoutMs: 10_000, replication: 3, judge: {} });
  });

  it('over SSH: the targets, the key (-i, the agent, else ~/.ssh) and known_hosts', () => {
    const given = check({ ssh: ['root@10.0.0.1'], node: ['admin@10.0.0.2:2222'], i: join(home, 'given.key'), 'accept-new-host-key': true }, optionsContext({ env: { HOME: home } }));
    expect(given.nodes).toEqual([]);
    expect(given.ssh).toEqual({
      targets: [
        { user: 'root', host: '10.0.0.1', port: 22 },
        { user: 'admin', host: '10.0.0.2', port: 2222 },
      ],
      auth: { privateKey: Buffer.from('the given key'), agentSocket: undefined },
      knownHosts: join(home, '.ssh', 'known_hosts'),
      acceptNew: true,
      allowLoop: false,
    });
    expect(check({ ssh: ['h1'] }, optionsContext({ env: { HOME: home, SSH_AUTH_SOCK: '/run/agent.sock' } })).ssh!.auth).toEqual({ privateKey: undefined, agentSocket: '/run/agent.sock' });
    expect(check({ ssh: ['h1'], 'known-hosts': '/etc/kh' }, optionsContext({ env: { HOME: home } })).ssh).toMatchObject({ auth: { privateKey: Buffer.from('the default key') }, knownHosts: '/etc/kh' });
  });

  it('refuses each bad flag', () => {
    expect(() => check({ device: ['sdb'] })).toThrow('--device must be a device path under /dev/ (e.g. /dev/sda2), got "sdb"');
    expect(() => check({ device: ['/dev/../etc/passwd'] })).toThrow('--device must be a device path under /dev/ (e.g. /dev/sda2), got "/dev/../etc/passwd"');
    expect(() => check({ concurrency: 0 })).toThrow('--concurrency must be a whole number of at least 1, got 0');
    expect(() => check({ timeout: 'soon' })).toThrow('invalid --timeout "soon": use a duration such as 90s, 5m or 1h');
    expect(() => check({ concurrency: 'abc' })).toThrow('--concurrency must be a whole number of at least 1, got abc');
    expect(check({ timeout: '2m' }).timeoutMs).toBe(120_000);
    expect(check({ timeout: '45' }).timeoutMs).toBe(45_000);
    expect(() => check({ replication: -1 })).toThrow('--replication must be a whole number of at least 1, got -1');
    expect(() => check({ 'ceph-release': 'octopus' })).toThrow('--ceph-release must be one of 16 (pacific), 17 (quincy), 18 (reef), 19 (squid), got "octopus"');
    expect(() => check({ 'ceph-fsid': 'abc' })).toThrow('--ceph-fsid must be a UUID (ceph fsid prints it), got "abc"');
    expect(() => check({ i: '/k' })).toThrow('-i only applies with --ssh');
    expect(() => check({ 'known-hosts': '/kh' })).toThrow('--known-hosts only applies with --ssh');
    expect(() => check({ 'accept-new-host-key': true })).toThrow('--accept-new-host-key only applies with --ssh');
    expect(() => check({ 'allow-loop-devices': true })).toThrow('--allow-loop-devices only applies with --ssh');
    expect(() => check({ node: ['Node_1'] })).toThrow('"Node_1" is not a valid node name');
    expect(() => check({ ssh: ['root@bad host'] })).toThrow('"root@bad host" is not an SSH target: use user@host or user@host:port');
    expect(() => check({ ssh: ['h1'], i: join(home, 'missing.key') })).toThrow(`cannot read the SSH key ${join(home, 'missing.key')}: ENOENT`);
    expect(() => check({ ssh: ['h1'] }, optionsContext({ env: { HOME: emptyHome } }))).toThrow('no SSH key: pass -i KEY, or run an ssh-agent (SSH_AUTH_SOCK)');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['nodes', 'check', '--ceph-fsid', 'not-a-uuid']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --ceph-fsid must be a UUID (ceph fsid prints it), got "not-a-uuid"');
    expect(r.contacted).toBe(0);
  });
});
