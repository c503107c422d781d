// kubectl odoo migrate-storage: move legacy instances from the shared CephFS directory to their own PVC.
import { defineCommand } from '../../cli/command.js';
import { completeInstanceName, instanceNamespace, waitTimeout } from '../support/instance.js';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { CancelledError, FailureError, UsageError } from '../../../lib/errors.js';
import { showScreen, showTable } from '../../cli/output.js';
import { validateInstanceReference } from '../../instances/names.js';
import { parseTimeout } from '../../instances/wait.js';
import { parseStorageSize } from '../../instances/quantity.js';
import { formatBytes } from '../../../lib/bytes.js';
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
  force?: boolean;
  timeout?: string;
  jobTimeout?: string;
}

interface MigrateOptions {
  name?: string;
  all: boolean;
  plan: boolean;
  dropLegacy: boolean;
  yes: boolean;
  /** Undefined with -A. */
  namespace?: string;
  allNamespaces: boolean;
  migration: MigrationOptions;
}

function validate(args: Args, allNamespaces: boolean, maxStorage: unknown): void {
  if (args.name !== undefined) validateInstanceReference(args.name);
  if (args.all && args.name) throw new UsageError('give an instance NAME or --all, not both');
  if (!args.all && !args.name) throw new UsageError('migrate-storage needs an instance NAME or --all');
  if (args.plan && !args.all) throw new UsageError('--plan goes with --all (for one instance use --dry-run)');
  if (allNamespaces && !args.all) throw new UsageError('-A goes with --all');
  if (args.dropLegacy && (args.all || args.dryRun || args.plan)) throw new UsageError('--drop-legacy works on one instance and cannot be combined with --all, --plan or --dry-run');
  if (args.size !== undefined) parseStorageSize(args.size, '--size', { max: String(maxStorage), force: !!args.force });
  if (args.storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(args.storageClass)) {
    throw new UsageError(`invalid --storage-class "${args.storageClass}": a StorageClass name such as rook-cephfs`);
  }
}

function options(ctx: OptionsContext, args: Args): MigrationOptions {
  return {
    storageClass: args.storageClass ?? ctx.config.storageClass,
    size: args.size ?? String(ctx.config.storage ?? '10Gi'),
    sizeForced: args.size !== undefined,
    timeoutMs: waitTimeout(ctx, args.timeout),
    jobDeadlineSeconds: Math.ceil(parseTimeout(args.jobTimeout ?? '6h', '--job-timeout') / 1000),
    dryRun: !!args.dryRun,
  };
}

/**
 * The outcome on stdout. Every step was already printed on stderr as it happened, so this says only
 * how it ended and what to do next, not the steps again.
 */
function outcomeText(ctx: CommandContext, r: MigrationReport): string {
  const out: string[] = [];
  const who = `${r.namespace}/${r.instance}`;
  if (r.ok && r.objects) {
    const used = r.usedBytes === undefined ? 'size unknown' : `${formatBytes(r.usedBytes) || '0'} on disk`;
    out.push(`dry run ${who}: ${r.legacyPath} (${used}) would move to PVC ${r.pvc} (${r.size}); nothing changed (-o yaml shows the objects)`);
  } else if (r.ok) {
    const v = r.verification?.source;
    out.push(`migrated ${who}: ${r.legacyPath} -> PVC ${r.pvc} (${r.size})${v ? `, ${v.files} files and ${formatBytes(v.bytes) || '0'} of file data verified` : ''}`);
    out.push(`  ${r.legacyPath} is left untouched; remove it with "kubectl odoo migrate-storage ${r.instance} --drop-legacy" once you are satisfied`);
  } else {
    const last = r.steps.at(-1);
    out.push(`${ctx.colors.red('failed')} ${who}: stopped at ${r.stoppedAt}${last && !last.ok ? `: ${last.detail}` : ''}`);
    out.push(`  ${stateAfterStop(r)}`);
  }
  return out.map((l) => `${l}\n`).join('');
}

/** What a stopped migration left behind, for the report and the interrupt message. */
function stateAfterStop(r: MigrationReport): string {
  const volume = r.switchedBack ? 'the Deployment was switched back to its legacy volume' : 'the Deployment still uses its legacy volume';
  const pvc = r.steps.some((s) => s.step === 'create PVC' && s.ok) ? `; PVC ${r.pvc} is kept and a new run resumes with it` : '';
  return `${volume}, with its replicas as before; nothing in ${r.legacyPath} was changed${pvc}`;
}

export const migrateStorageCommand = defineCommand<Args, MigrateOptions>({
  command: 'migrate-storage [name]',
  scope: 'fleet',
  dryRun: { describe: 'Measure and show the plan and objects; change nothing' },
  complete: completeInstanceName,
  describe: 'Move a legacy instance from its shared CephFS hostPath directory to its own PVC (copy, verify, switch)',
  // --plan is a table (wide: the same); a migration prints its outcome, -o json|yaml the full report.
  outputs: ['table', 'wide', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name' })
      .option('all', { type: 'boolean', default: false, describe: 'Every legacy instance of the namespace (-A: all namespaces), one by one' })
      .option('plan', { type: 'boolean', default: false, describe: 'With --all: list legacy instances, their size and the PVC each would get' })
      .option('drop-legacy', { type: 'boolean', default: false, describe: 'After a successful migration: remove the legacy directory (asks first)' })
      .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation (--drop-legacy)' })
      .option('size', { type: 'string', describe: 'PVC size (default: the plan size from the config file, grown to fit the data)' })
      .option('storage-class', { type: 'string', describe: 'StorageClass of the new PVC (default from the config file, rook-cephfs)' })
      .option('force', { type: 'boolean', default: false, describe: 'Accept a --size above maxStorage of the config file (default 16Ti)' })
      .option('timeout', { type: 'string', describe: 'How long to wait for the PVC to bind and the instance to stop/start (default 10m)' })
      .option('job-timeout', { type: 'string', describe: 'Deadline of each copy and verify Job (default 6h)' }),
  toOptions(ctx, args) {
    validate(args, ctx.globals.allNamespaces, ctx.config.maxStorage);
    const migration = options(ctx, args);
    return {
      name: args.name,
      all: args.all,
      plan: args.plan,
      dropLegacy: args.dropLegacy,
      yes: args.yes,
      namespace: ctx.globals.allNamespaces ? undefined : instanceNamespace(ctx),
      allNamespaces: ctx.globals.allNamespaces,
      migration,
    };
  },
  async run(args, ctx) {
    const opts = args.migration;
    const run = await import('../../migration/run.js');
    const { whoAmI } = await import('../support/backupDeps.js');
    const deps = { kube: await ctx.kube(), clock: ctx.clock, signal: ctx.signal, progress: ctx.progress, holder: whoAmI() };
    const scope = { namespace: args.namespace, allNamespaces: args.allNamespaces };

    if (args.dropLegacy) {
      const r = await run.dropLegacy(deps, args.namespace!, args.name!, (inst, path) =>
        args.yes ? Promise.resolve(true) : ctx.confirm(`This removes ${path}, the legacy data directory of ${inst}, for good.`, inst),
      );
      return showScreen(`removed ${r.legacyPath} (legacy directory of ${r.instance})\n`, { instance: r.instance, namespace: args.namespace, removed: r.legacyPath });
    }
    if (args.plan) {
      const rows = await run.planAll(deps, scope, opts);
      return showTable({
        rows,
        columns: [
          ...(args.allNamespaces ? [{ header: 'namespace', value: (r: (typeof rows)[number]) => r.namespace }] : []),
          { header: 'instance', value: (r) => r.instance },
          { header: 'legacy path', value: (r) => r.legacyPath },
          { header: 'used', value: (r) => (r.usedBytes === undefined ? '?' : formatBytes(r.usedBytes) || '0'), align: 'right' },
          { header: 'target pvc', value: (r) => r.pvc },
          { header: 'pvc size', value: (r) => r.size ?? '-' },
          { header: 'note', value: (r) => r.note ?? '' },
        ],
        empty: 'No legacy instances (every instance already has its own PVC)',
      });
    }
    if (args.all) {
      const reports = await run.migrateAll(deps, scope, opts);
      const text = reports.length ? `${reports.map((r) => outcomeText(ctx, r)).join('')}summary: ${reports.filter((r) => r.ok).length} migrated, ${reports.filter((r) => !r.ok).length} failed\n` : '';
      const stopped = reports.find((r) => r.interrupted);
      const failed = reports.filter((r) => !r.ok);
      const failure = stopped
        ? new CancelledError(`interrupted: migration of ${stopped.namespace}/${stopped.instance} stopped at ${stopped.stoppedAt}; ${stateAfterStop(stopped)}; instances after it were not started`)
        : failed.length
          ? new FailureError(`${failed.length} of ${reports.length} migrations failed`)
          : undefined;
      return showScreen(text, reports, { empty: 'No legacy instances to migrate', failure });
    }
    const r = await run.migrateInstance(deps, args.namespace!, args.name!, opts);
    const failure = r.interrupted
      ? new CancelledError(`interrupted: migration of ${r.instance} stopped at ${r.stoppedAt}; ${stateAfterStop(r)}`)
      : !r.ok
        ? new FailureError(`migration of ${r.instance} stopped at ${r.stoppedAt}`)
        : undefined;
    return showScreen(outcomeText(ctx, r), r, { failure });
  },
});
