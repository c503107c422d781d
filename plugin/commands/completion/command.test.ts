import { describe, expect, it } from 'vitest';
import { completionCommand } from './command.js';
import { BASH_COMPLETION, FISH_COMPLETION, ZSH_COMPLETION } from './scripts.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const toOptions = (shell: string) => completionCommand.toOptions!(optionsContext(), { shell });

describe('completion options', () => {
  it('picks the script of the shell', () => {
    expect(toOptions('bash').script).toBe(BASH_COMPLETION);
    expect(toOptions('zsh').script).toBe(ZSH_COMPLETION);
    expect(toOptions('fish').script).toBe(FISH_COMPLETION);
  });

  it('refuses another shell', () => {
    expect(() => toOptions('tcsh')).toThrow('unsupported shell "tcsh": use bash, zsh or fish');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: unsupported shell "powershell": use bash, zsh or fish');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
