import type { BackupDeps } from '../../backups/deps.js';
import { defineCommand } from '../../cli/command.js';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { DeclinedError, UsageError } from '../../../lib/errors.js';
import { showTable, type CommandOutput } from '../../cli/output.js';
import { renderTable } from '../../core/output/table.js';
import { completeInstanceName, instanceNamespace, customerFilter } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { formatAge, type BackupSetInfo } from '../../backups/listing.js';
import { formatBytes } from '../../../lib/bytes.js';
import { parseKeepCount, validatePolicy, type PruneDecision, type RetentionPolicy } from '../../backups/retention.js';
import { backupConfigOf, offsiteSettingsOf, type BackupConfig } from '../support/backupDeps.js';
import type { DryRun } from '../support/instance.js';

interface ScopeArgs {
  name?: string;
  customer?: string;
  remote?: boolean;
}

/** The sets a command lists or acts on, checked. */
interface BackupScope {
  namespace: string;
  instance?: string;
  customerId?: string;
}

/** What every backups command takes from the config file: the Jobs' settings and the off-site remote. */
interface BackupsOptions {
  scope: BackupScope;
  backup: BackupConfig;
  offsite: { secret: string; image: string };
}

/** NAME (any name the instance answers to), --customer C, or everything (-A or nothing): validated before anything runs. */
function scopeFrom(ctx: OptionsContext, args: ScopeArgs): BackupScope {
  if (args.name !== undefined) validateInstanceReference(args.name);
  return { namespace: instanceNamespace(ctx), instance: args.name, customerId: customerFilter(args.customer) };
}

/** "safety" for the backups a restore took first, "platform" for the platform's archives, "" for the others. */
function kindOf(s: BackupSetInfo): string {
  return s.kind === 'platform' ? 'platform' : s.safety ? 'safety' : '';
}

function noteOf(s: BackupSetInfo): string {
  if (s.kind === 'platform') {
    const whose = s.instance ? `of ${s.instance}` : s.instances ? `of customer ${s.customerId} (${s.instances.join(', ')})` : 'matched to no instance';
    return `platform archive ${whose}: data volume only, no database`;
  }
  return s.error ?? (s.safety ? `taken before restoring ${s.manifest?.restoring ?? 'another set'}` : '');
}

/** The backups NAME table (the support bundle holds it too). */
export function backupRows(ctx: Pick<CommandContext, 'clock' | 'colors'>, sets: BackupSetInfo[]) {
  const now = ctx.clock.now().getTime();
  const c = ctx.colors;
  const color = (text: string, s: BackupSetInfo) =>
    s.state === 'complete' ? c.green(text) : s.state === 'running' ? c.blue(text) : s.state === 'volume only' ? c.yellow(text) : c.red(text);
  return {
    rows: sets,
    columns: [
      { header: 'BACKUP', value: (s: BackupSetInfo) => s.path },
      { header: 'TIME', value: (s: BackupSetInfo) => s.time.toISOString().replace('.000Z', 'Z') },
      { header: 'SIZE', value: (s: BackupSetInfo) => formatBytes(s.bytes) },
      { header: 'STATE', value: (s: BackupSetInfo) => s.state, style: color },
      { header: 'AGE', value: (s: BackupSetInfo) => formatAge(now - s.time.getTime()) },
      { header: 'PINNED', value: (s: BackupSetInfo) => (s.pinned ? 'yes' : '') },
      { header: 'KIND', value: kindOf, style: (t: string) => c.yellow(t) },
      { header: 'CONSISTENCY', value: (s: BackupSetInfo) => s.manifest?.consistency ?? '', wide: true },
      { header: 'ODOO', value: (s: BackupSetInfo) => s.manifest?.odooVersion ?? '', wide: true },
      { header: 'NOTE', value: noteOf, wide: true },
    ],
  };
}

interface PruneArgs extends ScopeArgs {
  includePlatform: boolean;
  keepLast?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  dryRun: boolean;
  yes: boolean;
}

interface PruneOptions extends BackupsOptions {
  policy: RetentionPolicy;
  includePlatform: boolean;
  remote: boolean;
  dryRun: DryRun;
  yes: boolean;
}

interface PruneRow {
  backup: string;
  state: string;
  kind: string;
  action: string;
  reason: string;
}

function planRows(decisions: PruneDecision[], action: (d: PruneDecision) => string): PruneRow[] {
  return decisions.map((d) => ({ backup: d.set.path, state: d.set.state, kind: kindOf(d.set), action: action(d), reason: d.reasons.join(', ') }));
}

const PRUNE_COLUMNS = [
  { header: 'BACKUP', value: (r: PruneRow) => r.backup },
  { header: 'STATE', value: (r: PruneRow) => r.state },
  { header: 'KIND', value: (r: PruneRow) => r.kind },
  { header: 'ACTION', value: (r: PruneRow) => r.action },
  { header: 'WHY', value: (r: PruneRow) => r.reason },
];

const pruneCommand = defineCommand<PruneArgs, PruneOptions>({
  command: 'prune [name]',
  scope: 'namespace',
  dryRun: { describe: 'Show what would be kept and deleted; delete nothing' },
  describe: 'Delete backup sets a retention policy does not keep (per instance; never the newest complete one or a pinned one); asks first unless --yes',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Only this instance\'s sets' })
      .option('customer', { type: 'string', describe: 'Only this customer\'s sets' })
      // Strings, parsed by parseKeepCount: yargs turns "abc" into NaN and the message into nonsense.
      .option('keep-last', { type: 'string', describe: 'Keep the N newest complete sets (safety backups do not count)' })
      .option('keep-daily', { type: 'string', describe: 'Keep the newest set of each of the last N days that have sets' })
      .option('keep-weekly', { type: 'string', describe: 'Keep the newest set of each of the last N ISO weeks that have sets' })
      .option('keep-monthly', { type: 'string', describe: 'Keep the newest set of each of the last N months that have sets' })
      .option('include-platform', { type: 'boolean', default: false, describe: 'Also prune the platform\'s own archives (active/CUSTOMER/NAME.tar.gz), by the same rules in their own group' })
      .option('remote', { type: 'boolean', default: false, describe: 'Prune the off-site copies on the rclone remote instead, by the same rules (a set pinned on the backups volume is kept there too)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Delete without asking (the plan is not shown first)' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const scope = scopeFrom(ctx, args);
    const policy = {
      keepLast: parseKeepCount('--keep-last', args.keepLast),
      keepDaily: parseKeepCount('--keep-daily', args.keepDaily),
      keepWeekly: parseKeepCount('--keep-weekly', args.keepWeekly),
      keepMonthly: parseKeepCount('--keep-monthly', args.keepMonthly),
    };
    validatePolicy(policy);
    if (args.remote && args.includePlatform) throw new UsageError('--include-platform is for the backups volume: the platform\'s archives are never copied off-site');
    return {
      scope,
      policy,
      includePlatform: args.includePlatform,
      remote: !!args.remote,
      dryRun: args.dryRun as unknown as DryRun,
      yes: args.yes,
      backup: backupConfigOf(ctx),
      offsite: offsiteSettingsOf(ctx),
    };
  },
  async run(args, ctx) {
    const { policy } = args;
    const { planPruneRun, executePrune } = await import('../../backups/prune.js');
    const { backupDeps } = await import('../support/backupDeps.js');
    const { resolveBackupScope } = await import('../../backups/list.js');
    const deps = await backupDeps(ctx, args.backup);
    const scope = await resolveBackupScope(deps, args.scope);
    // --remote: the same plan, table and question over the sets on the off-site remote.
    const remote = args.remote ? { ...(await import('../../backups/offsite.js')), settings: args.offsite } : undefined;
    const { decisions, platformLeftOut } = remote
      ? { decisions: await remote.planRemotePruneRun(deps, remote.settings, scope, policy), platformLeftOut: 0 }
      : await planPruneRun(deps, { scope, policy, includePlatform: args.includePlatform });
    if (platformLeftOut) ctx.progress(`${platformLeftOut} platform archive(s) left out: prune touches them only with --include-platform`);
    const doomed = decisions.filter((d) => !d.keep);
    let rows: PruneRow[];
    if (args.dryRun || doomed.length === 0) {
      rows = planRows(decisions, (d) => (d.keep ? 'keep' : 'would delete'));
    } else {
      if (!args.yes) {
        // The plan goes to stderr with the question: stdout carries only the result.
        ctx.io.stderr.write(renderTable(planRows(decisions, (d) => (d.keep ? 'keep' : 'delete')), PRUNE_COLUMNS, { aligned: true }));
        const where = scope.instance ? `of instance ${scope.instance}` : scope.customerId ? `of customer ${scope.customerId}` : `in namespace ${scope.namespace}`;
        const n = String(doomed.length);
        if (!(await ctx.confirm(`This deletes ${n} backup set(s) ${where}${remote ? ' from the off-site remote' : ''} for good (marked "delete" above).`, n))) {
          throw new DeclinedError('not confirmed; no backup was deleted');
        }
      }
      let deleted: Set<string>;
      let skipped: Map<string, string>;
      if (remote) {
        const result = await remote.executeRemotePrune(deps, remote.settings, scope.namespace, decisions);
        deleted = new Set(result.deleted);
        skipped = new Map(result.skipped.map((x) => [x.path, x.why === 'pinned' ? 'pinned meanwhile' : `${x.why} meanwhile`]));
      } else {
        const result = await executePrune(deps, { scope, decisions });
        deleted = new Set(result.deleted);
        skipped = new Map(result.skipped.map((f) => [f, 'pinned meanwhile']));
      }
      rows = planRows(decisions, (d) =>
        d.keep ? 'keep' : skipped.has(d.set.folder) ? `kept (${skipped.get(d.set.folder)})` : deleted.has(d.set.folder) ? 'deleted' : 'not deleted',
      );
    }
    const gone = rows.filter((r) => r.action === (args.dryRun ? 'would delete' : 'deleted'));
    const structured = ctx.globals.output === 'json' || ctx.globals.output === 'yaml';
    const from = args.remote ? ' from the remote' : '';
    return showTable({
      rows: ctx.globals.output === 'name' ? gone : rows,
      columns: PRUNE_COLUMNS,
      data: { dryRun: args.dryRun, decisions: rows },
      name: (r) => `${args.remote ? 'remote:' : 'backup/'}${r.backup}`,
      empty: args.remote ? 'No backups found on the remote.' : 'No backups found.',
      notes: structured ? [] : [args.dryRun ? `${gone.length} set(s) would be deleted${from}; run again without --dry-run to delete them` : `${gone.length} set(s) deleted${from}`],
    });
  },
});

async function listRemote(ctx: CommandContext, deps: BackupDeps, o: { secret: string; image: string }, scope: { namespace: string; instance?: string; customerId?: string }): Promise<CommandOutput> {
  const { listRemoteSets } = await import('../../backups/offsite.js');
  const { formatBytes } = await import('../../../lib/bytes.js');
  const sets = (await listRemoteSets(deps, o, scope.namespace)).filter(
    (s) => (scope.instance === undefined || s.instance === scope.instance) && (scope.customerId === undefined || s.customerId === scope.customerId),
  );
  return showTable({
    rows: sets,
    columns: [
      { header: 'BACKUP', value: (s) => s.path },
      { header: 'SIZE', value: (s) => formatBytes(s.bytes) },
      { header: 'STATE', value: (s) => s.state, style: (t, s) => (s.state === 'complete' ? ctx.colors.green(t) : ctx.colors.yellow(t)) },
    ],
    name: (s) => `remote:${s.path}`,
    empty: 'No backups found on the remote.',
  });
}

interface SyncArgs extends ScopeArgs {
  all: boolean;
  dryRun?: 'client' | 'server';
}

interface SyncOptions extends BackupsOptions {
  dryRun: DryRun;
}

const syncCommand = defineCommand<SyncArgs, SyncOptions>({
  command: 'sync [name]',
  scope: 'namespace',
  dryRun: { describe: 'Show which sets would be copied; copy nothing' },
  describe: 'Copy complete backup sets to the off-site rclone remote (Secret odoo-backups-offsite), each file verified there, the manifest last',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Only this instance\'s sets' })
      .option('customer', { type: 'string', describe: 'Only this customer\'s sets' })
      .option('all', { type: 'boolean', default: false, describe: 'Every complete set in the namespace' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const given = [args.name !== undefined, args.customer !== undefined, args.all].filter(Boolean).length;
    if (given !== 1) throw new UsageError('backups sync takes one of: an instance NAME, --customer ID or --all');
    const scope = scopeFrom(ctx, args);
    return { scope, dryRun: args.dryRun, backup: backupConfigOf(ctx), offsite: offsiteSettingsOf(ctx) };
  },
  async run(args, ctx) {
    const { backupDeps } = await import('../support/backupDeps.js');
    const { listBackupSets, resolveBackupScope } = await import('../../backups/list.js');
    const { syncSets } = await import('../../backups/offsite.js');
    const deps = await backupDeps(ctx, args.backup);
    const scope = await resolveBackupScope(deps, args.scope);
    // Complete sets only: a partial, failed, damaged or unproven one is never copied off-site.
    const sets = (await listBackupSets(deps, scope)).filter((s) => s.kind === 'set' && s.state === 'complete');
    const paths = sets.map((s) => s.path).sort();
    let rows: { backup: string; result: string }[];
    if (args.dryRun) rows = paths.map((p) => ({ backup: p, result: 'would copy' }));
    else {
      const done = await syncSets(deps, args.offsite, scope.namespace, paths);
      rows = done.map((d) => ({ backup: d.backup, result: d.result === 'copied' ? 'copied, verified' : 'already on the remote' }));
    }
    return showTable({
      rows,
      columns: [
        { header: 'BACKUP', value: (r) => r.backup },
        { header: 'RESULT', value: (r) => r.result },
      ],
      data: { dryRun: !!args.dryRun, sets: rows },
      name: (r) => `remote:${r.backup}`,
      empty: 'No complete backup sets to copy.',
    });
  },
});

interface ListOptions extends BackupsOptions {
  remote: boolean;
}

export const backupsCommand = defineCommand<ScopeArgs, ListOptions>({
  command: 'backups [name]',
  scope: 'namespace',
  describe: 'List backup sets (of an instance, a customer, or all with -A): time, size, state, age, safety backups, and the platform\'s own archives',
  outputs: ['table', 'wide', 'json', 'yaml', 'name'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name (the backups of an instance that was deleted are listed too)' })
      // Not global: "backups prune" declares its own.
      .option('customer', { type: 'string', describe: 'Only this customer\'s sets', global: false })
      .option('remote', { type: 'boolean', default: false, global: false, describe: 'List the sets on the off-site remote instead (complete: its manifest is there; partial: a copy cut short)' }),
  subcommands: [pruneCommand, syncCommand],
  complete: completeInstanceName,
  toOptions(ctx, args) {
    // The config file's settings are checked before the flags.
    const backup = backupConfigOf(ctx);
    return { scope: scopeFrom(ctx, args), remote: !!args.remote, backup, offsite: offsiteSettingsOf(ctx) };
  },
  async run(args, ctx) {
    const { backupDeps } = await import('../support/backupDeps.js');
    const { listBackupSets, resolveBackupScope } = await import('../../backups/list.js');
    const deps = await backupDeps(ctx, args.backup);
    const scope = await resolveBackupScope(deps, args.scope);
    if (args.remote) return listRemote(ctx, deps, args.offsite, scope);
    const sets = await listBackupSets(deps, scope, { platform: true });
    return showTable({
      ...backupRows(ctx, sets),
      data: sets.map((s) => ({ ...s, time: s.time.toISOString() })),
      name: (s) => `backup/${s.path}`,
      empty: `No backups found in namespace ${scope.namespace}${scope.instance ? ` for instance ${scope.instance}` : ''}${scope.customerId ? ` for customer ${scope.customerId}` : ''}.`,
    });
  },
});
