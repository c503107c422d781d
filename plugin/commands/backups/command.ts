import type { CommandDef } from '../../cli/command.js';
import type { CommandContext } from '../../cli/context.js';
import { UsageError } from '../../core/errors.js';
import { printResult, printStructured } from '../../core/output/printer.js';
import { completeInstanceName, instanceNamespace } from '../../instances/commandSupport.js';
import { isValidCustomerId, isValidInstanceName } from '../../backups/naming.js';
import { formatAge, formatBytes, type BackupSetInfo } from '../../backups/listing.js';

interface ScopeArgs {
  name?: string;
  customer?: string;
}

/** NAME, --customer C, or everything (-A or nothing): validated before anything runs. */
function scopeFrom(ctx: CommandContext, args: ScopeArgs) {
  if (args.name !== undefined && !isValidInstanceName(args.name)) throw new UsageError(`"${args.name}" is not a valid instance name (lowercase letters, digits and "-")`);
  if (args.customer !== undefined && !isValidCustomerId(args.customer)) throw new UsageError(`--customer "${args.customer}" is not a valid customer id (letters, digits, ".", "_" and "-")`);
  return { namespace: instanceNamespace(ctx), instance: args.name, customerId: args.customer };
}

function backupRows(ctx: CommandContext, sets: BackupSetInfo[]) {
  const now = ctx.clock.now().getTime();
  const c = ctx.colors;
  const color = (text: string, s: BackupSetInfo) => (s.state === 'complete' ? c.green(text) : s.state === 'running' ? c.blue(text) : c.red(text));
  return {
    rows: sets,
    columns: [
      { header: 'BACKUP', value: (s: BackupSetInfo) => s.path },
      { header: 'TIME', value: (s: BackupSetInfo) => s.time.toISOString().replace('.000Z', 'Z') },
      { header: 'SIZE', value: (s: BackupSetInfo) => formatBytes(s.bytes) },
      { header: 'STATE', value: (s: BackupSetInfo) => s.state, style: color },
      { header: 'AGE', value: (s: BackupSetInfo) => formatAge(now - s.time.getTime()) },
      { header: 'PINNED', value: (s: BackupSetInfo) => (s.pinned ? 'yes' : '') },
      { header: 'CONSISTENCY', value: (s: BackupSetInfo) => s.manifest?.consistency ?? '', wide: true },
      { header: 'ODOO', value: (s: BackupSetInfo) => s.manifest?.odooVersion ?? '', wide: true },
      { header: 'NOTE', value: (s: BackupSetInfo) => s.error ?? '', wide: true },
    ],
  };
}

const pruneCommand: CommandDef<ScopeArgs & { keepLast?: number; keepDaily?: number; keepWeekly?: number; keepMonthly?: number; dryRun: boolean }> = {
  command: 'prune [name]',
  describe: 'Delete backup sets a retention policy does not keep (per instance; never the newest complete one or a pinned one)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Only this instance\'s sets' })
      .option('customer', { type: 'string', describe: 'Only this customer\'s sets' })
      .option('keep-last', { type: 'number', describe: 'Keep the N newest complete sets' })
      .option('keep-daily', { type: 'number', describe: 'Keep the newest set of each of the last N days that have sets' })
      .option('keep-weekly', { type: 'number', describe: 'Keep the newest set of each of the last N ISO weeks that have sets' })
      .option('keep-monthly', { type: 'number', describe: 'Keep the newest set of each of the last N months that have sets' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would be kept and deleted; delete nothing' }),
  complete: completeInstanceName,
  async run(ctx, args) {
    const scope = scopeFrom(ctx, args);
    const policy = { keepLast: args.keepLast, keepDaily: args.keepDaily, keepWeekly: args.keepWeekly, keepMonthly: args.keepMonthly };
    const { validatePolicy, runPrune } = await import('../../backups/prune.js');
    validatePolicy(policy);
    const { backupDeps } = await import('../../backups/commandSupport.js');
    const result = await runPrune(await backupDeps(ctx), { scope, policy, dryRun: args.dryRun });
    const deleted = new Set(result.deleted);
    const skipped = new Set(result.skipped);
    const rows = result.decisions.map((d) => ({
      backup: d.set.path,
      state: d.set.state,
      action: d.keep ? 'keep' : args.dryRun ? 'would delete' : skipped.has(d.set.folder) ? 'kept (pinned meanwhile)' : deleted.has(d.set.folder) ? 'deleted' : 'not deleted',
      reason: d.reasons.join(', '),
    }));
    if (await printStructured(ctx.io, ctx.globals.output, { dryRun: args.dryRun, decisions: rows })) return;
    await printResult(ctx.io, ctx.globals.output, {
      rows,
      columns: [
        { header: 'BACKUP', value: (r) => r.backup },
        { header: 'STATE', value: (r) => r.state },
        { header: 'ACTION', value: (r) => r.action },
        { header: 'WHY', value: (r) => r.reason },
      ],
      empty: 'No backups found.',
    });
    const n = rows.filter((r) => r.action === (args.dryRun ? 'would delete' : 'deleted')).length;
    ctx.progress(args.dryRun ? `${n} set(s) would be deleted; run again without --dry-run to delete them` : `${n} set(s) deleted`);
  },
};

export const backupsCommand: CommandDef<ScopeArgs> = {
  command: 'backups [name]',
  describe: 'List backup sets (of an instance, a customer, or all with -A): time, size, state, age',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name (the backups of an instance that was deleted are listed too)' })
      .option('customer', { type: 'string', describe: 'Only this customer\'s sets' }),
  subcommands: [pruneCommand],
  complete: completeInstanceName,
  async run(ctx, args) {
    const scope = scopeFrom(ctx, args);
    const { backupDeps } = await import('../../backups/commandSupport.js');
    const { listBackupSets } = await import('../../backups/list.js');
    const sets = await listBackupSets(await backupDeps(ctx), scope);
    if (await printStructured(ctx.io, ctx.globals.output, sets.map((s) => ({ ...s, time: s.time.toISOString() })))) return;
    await printResult(ctx.io, ctx.globals.output, {
      ...backupRows(ctx, sets),
      name: (s) => `backup/${s.path}`,
      empty: `No backups found in namespace ${scope.namespace}${scope.instance ? ` for instance ${scope.instance}` : ''}${scope.customerId ? ` for customer ${scope.customerId}` : ''}.`,
    });
  },
};
