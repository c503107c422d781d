import { defineCommand } from '../../cli/command.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';

interface OdooShellArgs {
  name: string;
}

interface OdooShellOptions {
  name: string;
  namespace: string;
}

export const odooShellCommand = defineCommand<OdooShellArgs, OdooShellOptions>({
  command: 'odoo-shell <name>',
  scope: 'instance',
  describe: 'Run "odoo shell -d <database>" in the instance\'s running Odoo container',
  outputs: ['table'],
  stream: true,
  builder: (y) => y.positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    return { name: validateInstanceReference(args.name), namespace: instanceNamespace(ctx) };
  },
  async run(opts, ctx) {
    const { resolveSessionInstance } = await import('../support/attach.js');
    const { odooContainerTarget, runAttached } = await import('../../oncall/session.js');
    const { odooConfPath } = await import('../../odooconf/run.js');
    const { odooArgv } = await import('../../oncall/odooRun.js');
    const { FailureError } = await import('../../../lib/errors.js');
    const { kube, inst } = await resolveSessionInstance(ctx, opts.namespace, opts.name);
    const target = odooContainerTarget(inst);
    const db = inst.facts.database;
    if (!db) throw new FailureError(`instance ${inst.name} names no database (ODOO_DATABASE_NAME): cannot tell odoo shell which one to open`);
    await runAttached(kube, ctx.io, { target, command: odooArgv(odooConfPath(inst), ['shell', '-d', db]), signal: ctx.signal });
  },
});
