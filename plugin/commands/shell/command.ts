import { defineCommand } from '../../cli/command.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';

interface ShellArgs {
  name: string;
  command?: string;
}

interface ShellOptions {
  name: string;
  namespace: string;
  /** -c: the one command to run with sh -c; undefined for an interactive shell. */
  command?: string;
}

export const shellCommand = defineCommand<ShellArgs, ShellOptions>({
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
  toOptions(ctx, args) {
    return { name: validateInstanceReference(args.name), namespace: instanceNamespace(ctx), command: args.command };
  },
  async run(opts, ctx) {
    const { resolveSessionInstance } = await import('../support/attach.js');
    const { odooContainerTarget, runAttached, LOGIN_SHELL } = await import('../../oncall/session.js');
    const { kube, inst } = await resolveSessionInstance(ctx, opts.namespace, opts.name);
    const target = odooContainerTarget(inst);
    await runAttached(kube, ctx.io, { target, command: ['sh', '-c', opts.command ?? LOGIN_SHELL], signal: ctx.signal });
  },
});
