import type { CommandDef } from '../../cli/command.js';
import { completeInstanceName } from '../support/instance.js';

interface ShellArgs {
  name: string;
  command?: string;
}

export const shellCommand: CommandDef<ShellArgs> = {
  command: 'shell <name>',
  scope: 'instance',
  describe: 'Open a shell in the instance\'s running Odoo container (-c CMD runs one command)',
  outputs: ['table'],
  stream: true,
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('command', { alias: 'c', type: 'string', describe: 'Run this command with sh -c instead of an interactive shell; its exit code is ours' }),
  complete: completeInstanceName,
  async run(args, ctx) {
    const { resolveForSession } = await import('../support/attach.js');
    const { odooContainerTarget, runAttached, LOGIN_SHELL } = await import('../../oncall/session.js');
    const { kube, inst } = await resolveForSession(ctx, 'shell', args.name);
    const target = odooContainerTarget(inst);
    await runAttached(kube, ctx.io, { target, command: ['sh', '-c', args.command ?? LOGIN_SHELL], signal: ctx.signal });
  },
};
