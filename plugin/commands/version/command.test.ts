import { describe, expect, it } from 'vitest';
import { versionCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runInProcess } from '../../../test/harness/inProcess.js';
import { pluginVersion } from '../../core/buildInfo.js';

const toOptions = (client: boolean) => versionCommand.toOptions!(optionsContext(), { client });

describe('version options', () => {
  it('asks the server unless --client', () => {
    expect(toOptions(false)).toEqual({ clientOnly: false });
    expect(toOptions(true)).toEqual({ clientOnly: true });
  });

  it('--client prints the client versions without contacting the cluster', async () => {
    let contacted = 0;
    const r = await runInProcess(['version', '--client', '-o', 'json'], {
      kubeFactory: async () => {
        contacted++;
        throw new Error('the cluster was contacted');
      },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ plugin: pluginVersion(), node: process.version });
    expect(JSON.parse(r.stdout).server).toBeUndefined();
    expect(contacted).toBe(0);
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    let contacted = 0;
    const r = await runInProcess(['version', '-o', 'wide'], {
      kubeFactory: async () => {
        contacted++;
        throw new Error('the cluster was contacted');
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: -o wide is not supported by "kubectl odoo version": use -o table or -o json or -o yaml');
    expect(contacted).toBe(0);
  });
});
