import { defineCommand } from '../../cli/command.js';
import { UsageError } from '../../../lib/errors.js';
import { showText } from '../../cli/output.js';
import { BASH_COMPLETION, FISH_COMPLETION, ZSH_COMPLETION } from './scripts.js';

const SCRIPTS: Record<string, string> = { bash: BASH_COMPLETION, zsh: ZSH_COMPLETION, fish: FISH_COMPLETION };

interface CompletionOptions {
  /** The script to print. */
  script: string;
}

export const completionCommand = defineCommand<{ shell: string }, CompletionOptions>({
  command: 'completion <shell>',
  scope: 'cluster',
  describe: 'Print a shell completion script (bash, zsh or fish) for kubectl-odoo',
  outputs: ['table'],
  builder: (y) =>
    y.positional('shell', { type: 'string', describe: 'bash, zsh or fish' }).example('source <(kubectl-odoo completion bash)', 'Complete kubectl-odoo in the current bash'),
  toOptions(_ctx, args) {
    const script = SCRIPTS[args.shell];
    if (!script) throw new UsageError(`unsupported shell "${args.shell}": use bash, zsh or fish`);
    return { script };
  },
  async run(opts) {
    return showText(opts.script);
  },
});
