import { describe, expect, it } from 'vitest';
import { agentInstallCommand, agentStatusCommand, agentUninstallCommand, agentUpgradeCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

type ApplyArgs = Parameters<NonNullable<typeof agentInstallCommand.toOptions>>[1];
const install = (over: Record<string, unknown> = {}, ctx = optionsContext()) => agentInstallCommand.toOptions!(ctx, { 'dry-run': false, ...over } as ApplyArgs);
const upgrade = (over: Record<string, unknown> = {}, ctx = optionsContext()) => agentUpgradeCommand.toOptions!(ctx, { 'dry-run': false, ...over } as ApplyArgs);
const uninstall = (over: Record<string, unknown> = {}, ctx = optionsContext()) => agentUninstallCommand.toOptions!(ctx, { yes: false, 'dry-run': false, ...over } as any);
const IMAGE = 'registry.example/odoo-node-agent:0.1.0';
const notImage = (what: string, image: string) => `${what} "${image}" is not an image reference: use [registry/]repository[:tag][@sha256:digest], in lower case`;

describe('agent install and upgrade options', () => {
  it('install: --image, --no-build, else agentImage of the config, else the stock Node.js image', () => {
    const ctx = optionsContext({ config: { agentNamespace: 'agents', devices: ['/dev/sdb', '/dev/sdc'], agentPort: 9000, agentNodeImage: 'node:22' } });
    expect(install({ image: IMAGE, 'dry-run': 'client' }, ctx)).toEqual({ namespace: 'agents', dryRun: true, mode: { kind: 'image', image: IMAGE }, devices: ['/dev/sdb', '/dev/sdc'], port: 9000 });
    expect(install({ build: false, 'agent-namespace': 'other' }, ctx)).toEqual({ namespace: 'other', dryRun: false, mode: { kind: 'no-build', nodeImage: 'node:22' }, devices: ['/dev/sdb', '/dev/sdc'], port: 9000 });
    expect(install({}, ctx).mode).toEqual({ kind: 'no-build', nodeImage: 'node:22' });
    expect(install({}, optionsContext({ config: { agentImage: IMAGE } })).mode).toEqual({ kind: 'image', image: IMAGE });
  });

  it('upgrade: without --image or --no-build, keeps the installed mode (found in the cluster)', () => {
    expect(upgrade({}, optionsContext({ config: { agentImage: IMAGE, agentNodeImage: 'node:22' } })).mode).toEqual({ kind: 'installed', nodeImage: 'node:22' });
    // agentNodeImage is checked only if the installed agent turns out to have no image.
    expect(upgrade({}, optionsContext({ config: { agentNodeImage: 'Node:22' } })).mode).toEqual({ kind: 'installed', nodeImage: 'Node:22' });
    expect(upgrade({ image: IMAGE }).mode).toEqual({ kind: 'image', image: IMAGE });
    expect(upgrade({ build: false }).mode).toEqual({ kind: 'no-build', nodeImage: 'node:22-bookworm-slim' });
  });

  it('refuses conflicting flags, a bad image, no devices and a bad port', () => {
    for (const run of [install, upgrade]) {
      expect(() => run({ image: IMAGE, build: false })).toThrow('--image and --no-build exclude each other: --image runs an image built from agent/Dockerfile, --no-build a stock Node.js image');
      expect(() => run({ image: 'Registry/Agent' })).toThrow(notImage('--image', 'Registry/Agent'));
      expect(() => run({ build: false }, optionsContext({ config: { agentNodeImage: 'node 22' } }))).toThrow(notImage('agentNodeImage (config file)', 'node 22'));
      expect(() => run({}, optionsContext({ config: { devices: [] } }))).toThrow('config file: devices is empty: name at least one device for the agent to judge');
      expect(() => run({}, optionsContext({ config: { agentPort: 70000 } }))).toThrow('config file: agentPort must be a port number from 1 to 65535, got 70000');
    }
    expect(() => install({}, optionsContext({ config: { agentImage: 'A:B' } }))).toThrow(notImage('agentImage (config file)', 'A:B'));
    expect(() => install({}, optionsContext({ config: { agentNodeImage: 'node 22' } }))).toThrow(notImage('agentNodeImage (config file)', 'node 22'));
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    for (const sub of ['install', 'upgrade']) {
      const r = await runWithoutCluster(['agent', sub, '--image', 'Bad/Image']);
      expect(r.code).toBe(2);
      expect(r.firstLine).toBe(`error: ${notImage('--image', 'Bad/Image')}`);
      expect(r.contacted).toBe(0);
    }
  });
});

describe('agent status and uninstall options', () => {
  it('status: the agent namespace', () => {
    expect(agentStatusCommand.toOptions!(optionsContext({ config: { agentNamespace: 'agents' } }), {})).toEqual({ namespace: 'agents' });
    expect(agentStatusCommand.toOptions!(optionsContext(), { 'agent-namespace': 'other' })).toEqual({ namespace: 'other' });
  });

  it('uninstall: what names every object an install makes, from the config file', () => {
    expect(uninstall({ yes: true, 'dry-run': 'client' }, optionsContext({ config: { devices: ['/dev/sdb'], agentPort: 9000, agentNodeImage: 'node:22' } }))).toEqual({
      namespace: 'kubectl-odoo',
      yes: true,
      dryRun: true,
      nodeImage: 'node:22',
      devices: ['/dev/sdb'],
      port: 9000,
    });
    expect(() => uninstall({}, optionsContext({ config: { agentNodeImage: 'node 22' } }))).toThrow(notImage('agentNodeImage (config file)', 'node 22'));
    expect(() => uninstall({}, optionsContext({ config: { devices: [] } }))).toThrow('config file: devices is empty: name at least one device for the agent to judge');
    expect(() => uninstall({}, optionsContext({ config: { agentPort: 0 } }))).toThrow('config file: agentPort must be a port number from 1 to 65535, got 0');
  });
});
