import type { CommandDef } from '../../cli/command.js';
import { DeclinedError } from '../../../lib/errors.js';
import { printStructured } from '../../core/output/printer.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';

interface RecoverArgs {
  name: string;
  yes: boolean;
  dryRun: boolean;
}

export const recoverCommand: CommandDef<RecoverArgs> = {
  command: 'recover <name>',
  scope: 'instance',
  dryRun: { describe: 'Show what was found and what recover would do; change nothing' },
  describe: 'Finish or undo what an interrupted restore, backup or migration left: the swap, the lock, the replicas, the replaced files and database; asks first unless --yes',
  outputs: ['table', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'The instance' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
  complete: completeInstanceName,
  async run(ctx, args) {
    const name = validateInstanceReference(args.name);
    const { backupDeps } = await import('../support/backupDeps.js');
    const { planRecover, describeRecoverPlan, executeRecover } = await import('../../backups/recover.js');
    const deps = await backupDeps(ctx);
    const plan = await planRecover(deps, instanceNamespace(ctx), name);
    const screen = describeRecoverPlan(plan, ctx.clock.now());
    const nothing = plan.actions.length === 0;
    if (args.dryRun || nothing) {
      const result = { instance: plan.instance, actions: plan.actions, notes: plan.notes, restores: plan.restores, lock: plan.lock ?? null };
      if (await printStructured(ctx.io, ctx.globals.output, result)) return;
      if (screen) ctx.io.stdout.write(`${screen}\n`);
      if (nothing) ctx.io.stdout.write(`instance/${plan.instance}: nothing to recover\n`);
      return;
    }
    ctx.progress(screen);
    if (!args.yes && !(await ctx.confirm(`Recover instance ${plan.instance} in namespace ${plan.namespace} as above.`, plan.instance))) {
      throw new DeclinedError('not confirmed; nothing was changed');
    }
    const out = await executeRecover(deps, plan);
    if (await printStructured(ctx.io, ctx.globals.output, out)) return;
    for (const d of out.done) ctx.io.stdout.write(`instance/${out.instance}: ${d}\n`);
    for (const n of out.notes) ctx.progress(`note: ${n}`);
  },
};
