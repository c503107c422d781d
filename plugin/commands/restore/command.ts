import type { CommandDef } from '../../cli/command.js';
import { DeclinedError, UsageError } from '../../core/errors.js';
import { printStructured } from '../../core/output/printer.js';
import { completeInstanceName, instanceNamespace, rejectAllNamespaces } from '../../instances/commandSupport.js';
import { validateInstanceReference } from '../../instances/names.js';
import { describeSetTime, restoreQuestion, validateRestoreArgs } from '../../backups/restore.js';
import { printObject } from '../backup/command.js';

interface RestoreArgs {
  name: string;
  from?: string;
  to?: string;
  dryRun: boolean;
  yes: boolean;
}

export const restoreCommand: CommandDef<RestoreArgs> = {
  command: 'restore <name>',
  describe: 'Restore an instance from a backup set: safety backup first, database and files swapped in together; asks first unless --yes',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance whose backup is restored (and the target, unless --to)' })
      .option('from', {
        type: 'string',
        describe: 'The backup: latest (the newest complete one that is not a safety backup), a TIMESTAMP, INSTANCE/TIMESTAMP or active/CUSTOMER/INSTANCE/TIMESTAMP',
      })
      .option('to', { type: 'string', describe: 'Restore into this other existing instance (a copy; its data is replaced) instead' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show which backup and print the restore Job; change nothing' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
  complete: completeInstanceName,
  async run(ctx, args) {
    rejectAllNamespaces(ctx, 'restore');
    const name = validateInstanceReference(args.name);
    if (!args.from) throw new UsageError('--from is required: the backup to restore (see "kubectl odoo backups NAME")');
    validateRestoreArgs({ name, from: args.from, to: args.to });
    const { backupDeps } = await import('../../backups/commandSupport.js');
    const { planRestore, executeRestore } = await import('../../backups/restore.js');
    const deps = await backupDeps(ctx);
    const plan = await planRestore(deps, { namespace: instanceNamespace(ctx), name, from: args.from, to: args.to });
    if (plan.latest) ctx.progress(`--from latest: ${plan.set.path} (${describeSetTime(plan.set)}; the newest complete backup that is not a safety backup)`);
    if (args.dryRun) return printObject(ctx, plan.job);
    // Busy is said before the question, not after the user confirmed.
    const { refuseIfBusy } = await import('../../backups/backup.js');
    await refuseIfBusy(deps, plan.target);
    if (!args.yes && !(await ctx.confirm(restoreQuestion(plan), plan.target.name))) {
      throw new DeclinedError('not confirmed; nothing was restored or changed');
    }
    const out = await executeRestore(deps, plan);
    if (await printStructured(ctx.io, ctx.globals.output, out)) return;
    if (ctx.globals.output === 'name') ctx.io.stdout.write(`instance/${out.instance}\n`);
    else ctx.io.stdout.write(`instance/${out.instance} restored from ${out.restored} and ready (safety backup: ${out.safetyBackup})\n`);
  },
};
