import { describe, expect, it } from 'vitest';
import { versionCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';
import { pluginVersion } from '../../core/buildInfo.js';

const toOptions = (client: boolean) => versionCommand.toOptions!(optionsContext(), { client });

describe('version options', () => {
  it('asks the server unless --client', () => {
    expect(toOptions(false)).toEqual({ clientOnly: false });
    expect(toOptions(true)).toEqual({ clientOnly: true });
  });

  it('--client prints the client versions without contacting the cluster', async () => {
    const r = await runWithoutCluster(['version', '--client', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ plugin: pluginVersion(), node: process.version });
    expect(JSON.parse(r.stdout).server).toBeUndefined();
    expect(r.contacted).toBe(0);
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['version', '-o', 'wide']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: -o wide is not supported by "kubectl odoo version": use -o table or -o json or -o yaml');
    expect(r.contacted).toBe(0);
  });
});
