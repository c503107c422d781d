import { defineCommand } from '../../cli/command.js';
import { DeclinedError } from '../../../lib/errors.js';
import { showScreen } from '../../cli/output.js';
import { completeInstanceName, instanceNamespace, parseDryRun } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';

interface RecoverArgs {
  name: string;
  yes: boolean;
  dryRun: boolean;
}

interface RecoverOptions {
  name: string;
  namespace: string;
  dryRun: boolean;
  yes: boolean;
}

export const recoverCommand = defineCommand<RecoverArgs, RecoverOptions>({
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
  toOptions(ctx, args) {
    return { name: validateInstanceReference(args.name), namespace: instanceNamespace(ctx), dryRun: parseDryRun(args.dryRun) !== undefined, yes: args.yes };
  },
  async run(opts, ctx) {
    const { name, namespace } = opts;
    const { backupDeps } = await import('../support/backupDeps.js');
    const { planRecover, describeRecoverPlan, executeRecover } = await import('../../backups/recover.js');
    const deps = await backupDeps(ctx);
    const plan = await planRecover(deps, namespace, name);
    const screen = describeRecoverPlan(plan, ctx.clock.now());
    const nothing = plan.actions.length === 0;
    if (opts.dryRun || nothing) {
      const result = { instance: plan.instance, actions: plan.actions, notes: plan.notes, restores: plan.restores, lock: plan.lock ?? null };
      return showScreen(`${screen ? `${screen}\n` : ''}${nothing ? `instance/${plan.instance}: nothing to recover\n` : ''}`, result);
    }
    ctx.progress(screen);
    if (!opts.yes && !(await ctx.confirm(`Recover instance ${plan.instance} in namespace ${plan.namespace} as above.`, plan.instance))) {
      throw new DeclinedError('not confirmed; nothing was changed');
    }
    const out = await executeRecover(deps, plan);
    return showScreen(out.done.map((d) => `instance/${out.instance}: ${d}\n`).join(''), out, { notes: ctx.globals.output === 'table' ? out.notes.map((n) => `note: ${n}`) : [] });
  },
});
