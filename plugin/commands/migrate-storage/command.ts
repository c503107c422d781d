// kubectl odoo migrate-storage: move legacy instances from the shared CephFS directory to their own PVC.
import type { CommandDef } from '../../cli/command.js';
import { completeInstanceName, instanceNamespace } from '../../instances/commandSupport.js';
import type { CommandContext } from '../../cli/context.js';
import { CancelledError, FailureError, UsageError } from '../../core/errors.js';
import { printResult, printStructured } from '../../core/output/printer.js';
import { validateInstanceReference } from '../../instances/names.js';
import { parseTimeout } from '../../instances/wait.js';
import { parseStorageSize, formatBytes } from '../../instances/quantity.js';
import type { MigrationReport, MigrationOptions } from '../../migration/run.js';

interface Args {
  name?: string;
  all: boolean;
  plan: boolean;
  dryRun: boolean;
  dropLegacy: boolean;
  yes: boolean;
  size?: string;
  storageClass?: string;
  timeout?: string;
  jobTimeout?: string;
}

function validate(args: Args, allNamespaces: boolean): void {
  if (args.name !== undefined) validateInstanceReference(args.name);
  if (args.all && args.name) throw new UsageError('give an instance NAME or --all, not both');
  if (!args.all && !args.name) throw new UsageError('migrate-storage needs an instance NAME or --all');
  if (args.plan && !args.all) throw new UsageError('--plan goes with --all (for one instance use --dry-run)');
  if (allNamespaces && !args.all) throw new UsageError('-A goes with --all');
  if (args.dropLegacy && (args.all || args.dryRun || args.plan)) throw new UsageError('--drop-legacy works on one instance and cannot be combined with --all, --plan or --dry-run');
  if (args.size !== undefined) parseStorageSize(args.size, '--size');
}

function options(ctx: CommandContext, args: Args): MigrationOptions {
  return {
    storageClass: args.storageClass ?? ctx.config.storageClass,
    size: args.size ?? String(ctx.config.storage ?? '10Gi'),
    sizeForced: args.size !== undefined,
    timeoutMs: parseTimeout(args.timeout ?? String(ctx.config.waitTimeout ?? '10m')),
    jobDeadlineSeconds: Math.ceil(parseTimeout(args.jobTimeout ?? '6h', '--job-timeout') / 1000),
    dryRun: args.dryRun,
  };
}

function printReport(ctx: CommandContext, r: MigrationReport): void {
  const out = ctx.io.stdout;
  out.write(`instance:  ${r.namespace}/${r.instance}\nlegacy:    ${r.legacyPath}\npvc:       ${r.pvc}${r.size ? ` (${r.size})` : ''}\n`);
  for (const s of r.steps) out.write(`  ${s.ok ? ctx.colors.green('✓') : ctx.colors.red('✗')} ${s.step}: ${s.detail}\n`);
  if (r.ok) out.write(r.objects ? 'dry run: nothing changed\n' : `migrated: ${r.legacyPath} is left untouched; remove it with "kubectl odoo migrate-storage ${r.instance} --drop-legacy" once you are satisfied\n`);
  else out.write(`${ctx.colors.red('stopped at')} ${r.stoppedAt}: the Deployment keeps its legacy volume${r.stoppedAt === 'start' ? ' (switched back)' : ''}; nothing in ${r.legacyPath} was changed\n`);
}

export const migrateStorageCommand: CommandDef<Args> = {
  command: 'migrate-storage [name]',
  complete: completeInstanceName,
  describe: 'Move a legacy instance from its shared CephFS hostPath directory to its own PVC (copy, verify, switch)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name' })
      .option('all', { type: 'boolean', default: false, describe: 'Every legacy instance of the namespace (-A: all namespaces), one by one' })
      .option('plan', { type: 'boolean', default: false, describe: 'With --all: list legacy instances, their size and the PVC each would get' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Measure and show the plan and objects; change nothing' })
      .option('drop-legacy', { type: 'boolean', default: false, describe: 'After a successful migration: remove the legacy directory (asks first)' })
      .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation (--drop-legacy)' })
      .option('size', { type: 'string', describe: 'PVC size (default: the plan size from the config file, grown to fit the data)' })
      .option('storage-class', { type: 'string', describe: 'StorageClass of the new PVC (default from the config file, rook-cephfs)' })
      .option('timeout', { type: 'string', describe: 'How long to wait for the PVC to bind and the instance to stop/start (default 10m)' })
      .option('job-timeout', { type: 'string', describe: 'Deadline of each copy and verify Job (default 6h)' }),
  async run(ctx, args) {
    validate(args, ctx.globals.allNamespaces);
    const opts = options(ctx, args);
    const run = await import('../../migration/run.js');
    const deps = { kube: await ctx.kube(), clock: ctx.clock, signal: ctx.signal, progress: ctx.progress };
    const scope = { namespace: ctx.globals.allNamespaces ? undefined : instanceNamespace(ctx), allNamespaces: ctx.globals.allNamespaces };

    if (args.dropLegacy) {
      const r = await run.dropLegacy(deps, instanceNamespace(ctx), args.name!, (inst, path) =>
        args.yes ? Promise.resolve(true) : ctx.confirm(`This removes ${path}, the legacy data directory of ${inst}, for good.`, inst),
      );
      ctx.io.stdout.write(`removed ${r.legacyPath} (legacy directory of ${r.instance})\n`);
      return;
    }
    if (args.plan) {
      const rows = await run.planAll(deps, scope, opts);
      await printResult(ctx.io, ctx.globals.output, {
        rows,
        columns: [
          ...(ctx.globals.allNamespaces ? [{ header: 'namespace', value: (r: (typeof rows)[number]) => r.namespace }] : []),
          { header: 'instance', value: (r) => r.instance },
          { header: 'legacy path', value: (r) => r.legacyPath },
          { header: 'used', value: (r) => (r.usedBytes === undefined ? '?' : formatBytes(r.usedBytes) || '0'), align: 'right' },
          { header: 'target pvc', value: (r) => r.pvc },
          { header: 'pvc size', value: (r) => r.size ?? '-' },
          { header: 'note', value: (r) => r.note ?? '' },
        ],
        empty: 'No legacy instances (every instance already has its own PVC)',
      });
      return;
    }
    if (args.all) {
      const reports = await run.migrateAll(deps, scope, opts);
      if (!(await printStructured(ctx.io, ctx.globals.output, reports))) {
        for (const r of reports) printReport(ctx, r);
        if (reports.length === 0) ctx.io.stderr.write('No legacy instances to migrate\n');
        else ctx.io.stdout.write(`\nsummary: ${reports.filter((r) => r.ok).length} migrated, ${reports.filter((r) => !r.ok).length} failed\n`);
        for (const r of reports.filter((x) => !x.ok)) ctx.io.stdout.write(`  failed: ${r.namespace}/${r.instance} at ${r.stoppedAt}\n`);
      }
      const failed = reports.filter((r) => !r.ok);
      if (failed.length) throw new FailureError(`${failed.length} of ${reports.length} migrations failed`);
      return;
    }
    const r = await run.migrateInstance(deps, instanceNamespace(ctx), args.name!, opts);
    if (!(await printStructured(ctx.io, ctx.globals.output, r))) printReport(ctx, r);
    if (r.interrupted) throw new CancelledError(`interrupted: migration of ${r.instance} stopped at ${r.stoppedAt}`);
    if (!r.ok) throw new FailureError(`migration of ${r.instance} stopped at ${r.stoppedAt}`);
  },
};
