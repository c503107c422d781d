import type { CommandDef } from '../../cli/command.js';
import { UsageError } from '../../core/errors.js';
import { printStructured } from '../../core/output/printer.js';
import { completeInstanceName, instanceNamespace, rejectAllNamespaces } from '../../instances/commandSupport.js';
import { validateInstanceReference } from '../../instances/names.js';
import { validateRestoreArgs } from '../../backups/restore.js';
import { printObject } from '../backup/command.js';

interface RestoreArgs {
  name: string;
  from?: string;
  to?: string;
  dryRun: boolean;
}

export const restoreCommand: CommandDef<RestoreArgs> = {
  command: 'restore <name>',
  describe: 'Restore an instance from a backup set: safety backup first, database and files swapped in together',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance whose backup is restored (and the target, unless --to)' })
      .option('from', { type: 'string', describe: 'The backup: latest, a TIMESTAMP, INSTANCE/TIMESTAMP or active/CUSTOMER/INSTANCE/TIMESTAMP' })
      .option('to', { type: 'string', describe: 'Restore into this other existing instance (a copy) instead' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print the restore Job; change nothing' }),
  complete: completeInstanceName,
  async run(ctx, args) {
    rejectAllNamespaces(ctx, 'restore');
    const name = validateInstanceReference(args.name);
    if (!args.from) throw new UsageError('--from is required: the backup to restore (see "kubectl odoo backups NAME")');
    validateRestoreArgs({ name, from: args.from, to: args.to });
    const { backupDeps } = await import('../../backups/commandSupport.js');
    const { runRestore } = await import('../../backups/restore.js');
    const out = await runRestore(await backupDeps(ctx), { namespace: instanceNamespace(ctx), name, from: args.from, to: args.to, dryRun: args.dryRun });
    if (args.dryRun) return printObject(ctx, out.job);
    if (await printStructured(ctx.io, ctx.globals.output, out)) return;
    ctx.io.stdout.write(`instance/${out.instance} restored from ${out.restored} and ready (safety backup: ${out.safetyBackup})\n`);
  },
};
