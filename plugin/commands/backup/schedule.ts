// backup schedule NAME|-l|--all, backup schedule list, backup schedule delete.
import type { Argv } from 'yargs';
import { readFileSync, realpathSync } from 'node:fs';
import { defineCommand } from '../../cli/command.js';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { DeclinedError, UsageError } from '../../../lib/errors.js';
import { toYaml } from '../../core/output/printer.js';
import { showScreen, showTable } from '../../cli/output.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { validateLabelSelector } from '../../instances/selector.js';
import { CONSISTENCY_MODES, type ConsistencyMode } from '../../backups/manifest.js';
import { parseEvery, parseKeep, parseWindow, type RunnerSettings, type ScheduleRow, type ScheduleSpec, type ScheduleTargets } from '../../backups/schedule.js';
import { parseDrillCadence } from '../../backups/drillCadence.js';
import { backupConfigOf, type BackupConfig } from '../support/backupDeps.js';
import type { DryRun } from '../support/instance.js';

interface TargetArgs {
  name?: string;
  all: boolean;
  selector?: string;
  dryRun?: 'client' | 'server';
}

interface ScheduleArgs extends TargetArgs {
  every?: string;
  window?: string;
  consistency: string;
  keep?: string;
  offsite: boolean;
  drill?: string;
  keepRemote?: string;
}

interface ScheduleOptions {
  targets: ScheduleTargets;
  spec: ScheduleSpec;
  backup: BackupConfig;
  runner: RunnerSettings;
  /** The plugin the runs execute, when no scheduleImage has one. */
  bundle?: string;
  offsiteSecret: string;
  dryRun: DryRun;
}

interface DeleteOptions {
  targets: ScheduleTargets;
  yes: boolean;
  dryRun: DryRun;
  backup: BackupConfig;
}

function targetsOf(ctx: OptionsContext, args: TargetArgs, verb: string): ScheduleTargets {
  const given = [args.name !== undefined, args.all, args.selector !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError(`${verb} takes one of: an instance NAME, -l SELECTOR or --all`);
  return {
    namespace: instanceNamespace(ctx),
    ...(args.name !== undefined ? { name: validateInstanceReference(args.name) } : {}),
    ...(args.selector !== undefined ? { labelSelector: validateLabelSelector(args.selector) } : {}),
    all: args.all,
  };
}

const targetOptions = (y: Argv) =>
  y
    .positional('name', { type: 'string', global: false, describe: 'Instance name, instance id or platform Deployment name' })
    .option('all', { type: 'boolean', default: false, global: false, describe: 'Every instance of the namespace' })
    .option('selector', { alias: 'l', type: 'string', global: false, describe: 'The instances whose Deployments match this label selector' });

/** The plugin a scheduled run executes: this very bundle (dist/kubectl-odoo), unless scheduleImage has one. */
function pluginBundle(): string {
  const script = process.argv[1];
  let text = '';
  try {
    text = readFileSync(realpathSync(script), 'utf8');
  } catch {
    text = '';
  }
  if (!text.startsWith('#!/usr/bin/env node')) {
    throw new UsageError('scheduled backups run kubectl-odoo in the cluster: set scheduleImage in the config file to an image that has kubectl-odoo on its PATH (this kubectl-odoo is a single executable, too big for a ConfigMap)');
  }
  return text;
}

/** What a dry run would apply: one List (YAML for people too), `kind/name` with -o name. */
async function objectsOutput(objects: { kind?: string; metadata: { name: string } }[]) {
  const list = { apiVersion: 'v1', kind: 'List', items: objects };
  return showScreen(await toYaml(list), list, { names: objects.map((o) => `${(o.kind ?? '').toLowerCase()}/${o.metadata.name}`) });
}

function scheduleColumns(ctx: CommandContext) {
  const now = ctx.clock.now().getTime();
  const until = (iso?: string) => {
    if (!iso) return '';
    const m = Math.max(0, Math.round((Date.parse(iso) - now) / 60_000));
    return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m`;
  };
  return [
    { header: 'INSTANCE', value: (r: ScheduleRow) => r.instance },
    { header: 'EVERY', value: (r: ScheduleRow) => r.every },
    { header: 'WINDOW', value: (r: ScheduleRow) => r.window ?? '' },
    { header: 'SCHEDULE', value: (r: ScheduleRow) => r.schedule },
    { header: 'NEXT RUN', value: (r: ScheduleRow) => (r.suspended ? 'suspended' : r.nextRun ? `${r.nextRun.replace(':00.000Z', 'Z')} (in ${until(r.nextRun)})` : '') },
    { header: 'KEEP', value: (r: ScheduleRow) => r.keep ?? '' },
    { header: 'OFFSITE', value: (r: ScheduleRow) => (r.offsite ? 'yes' : ''), wide: true },
    { header: 'DRILL', value: (r: ScheduleRow) => r.drill ?? '', wide: true },
    { header: 'KEEP REMOTE', value: (r: ScheduleRow) => r.keepRemote ?? '', wide: true },
    { header: 'CONSISTENCY', value: (r: ScheduleRow) => r.consistency, wide: true },
    { header: 'LAST RUN', value: (r: ScheduleRow) => r.lastScheduleTime ?? '', wide: true },
    { header: 'LAST SUCCESS', value: (r: ScheduleRow) => r.lastSuccessfulTime ?? '', wide: true },
    { header: 'CRONJOB', value: (r: ScheduleRow) => r.cronJob, wide: true },
  ];
}

const listCommand = defineCommand<Record<string, never>, { namespace?: string }>({
  command: 'list',
  scope: 'fleet',
  describe: 'List the backup schedules (of the namespace, or all with -A): when each runs next, its window and retention',
  outputs: ['table', 'wide', 'json', 'yaml', 'name'],
  // -A: every namespace.
  toOptions: (ctx) => ({ namespace: ctx.globals.allNamespaces ? undefined : instanceNamespace(ctx) }),
  async run(opts, ctx) {
    const { listSchedules } = await import('../../backups/schedule.js');
    const namespace = opts.namespace;
    const rows = await listSchedules(await ctx.kube(), namespace, ctx.clock.now());
    return showTable({
      rows,
      columns: scheduleColumns(ctx),
      name: (r) => `cronjob.batch/${r.cronJob}`,
      empty: `No backup schedules found${namespace ? ` in namespace ${namespace}` : ''}.`,
    });
  },
});

const deleteCommand = defineCommand<TargetArgs & { yes: boolean }, DeleteOptions>({
  command: 'delete [name]',
  scope: 'namespace',
  dryRun: { describe: 'Show which schedules would be deleted; delete nothing' },
  describe: 'Delete backup schedules (the backups they made stay); -l and --all ask first unless --yes',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) => targetOptions(y).option('yes', { alias: 'y', type: 'boolean', default: false, global: false, describe: 'Do not ask' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const targets = targetsOf(ctx, args, 'backup schedule delete');
    return { targets, yes: args.yes, dryRun: args.dryRun, backup: backupConfigOf(ctx) };
  },
  async run(args, ctx) {
    const t = args.targets;
    const { backupDeps } = await import('../support/backupDeps.js');
    const { schedulesToDelete, deleteSchedules } = await import('../../backups/scheduleOps.js');
    const deps = await backupDeps(ctx, args.backup);
    const doomed = await schedulesToDelete(deps, t);
    const names = doomed.map((c) => c.metadata.name);
    if (!args.dryRun && !t.name && !args.yes && names.length) {
      const n = String(names.length);
      if (!(await ctx.confirm(`This deletes ${n} backup schedule(s) in namespace ${t.namespace}: ${names.join(', ')}.`, n))) throw new DeclinedError('not confirmed; no schedule was deleted');
    }
    if (!args.dryRun) await deleteSchedules(deps, t.namespace, doomed);
    const structured = ctx.globals.output === 'json' || ctx.globals.output === 'yaml';
    return showScreen(names.map((n) => `cronjob.batch/${n} deleted${args.dryRun ? ' (dry run)' : ''}\n`).join(''), { dryRun: !!args.dryRun, deleted: names }, {
      names: names.map((n) => `cronjob.batch/${n}`),
      notes: !names.length && !structured ? [`No backup schedules found in namespace ${t.namespace}.`] : [],
    });
  },
});

export const scheduleCommand = defineCommand<ScheduleArgs, ScheduleOptions>({
  command: 'schedule [name]',
  scope: 'namespace',
  dryRun: { describe: 'Print the objects it would apply; change nothing' },
  describe: 'Back up instances on a schedule (a CronJob per instance, spread over a window), then apply retention',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) =>
    targetOptions(y)
      .option('every', { type: 'string', global: false, describe: 'daily, hourly, or a cron schedule in UTC ("30 2 * * 0")' })
      .option('window', { type: 'string', global: false, describe: 'HH:MM-HH:MM (UTC): daily and hourly runs are spread over it by a hash of each instance' })
      .option('consistency', { type: 'string', default: 'live', global: false, describe: 'live or stop, as for backup' })
      .option('keep', { type: 'string', global: false, describe: 'Retention after each run: last=7,daily=14,weekly=8,monthly=12' })
      .option('offsite', { type: 'boolean', default: false, global: false, describe: 'Each run also copies the instance\'s complete sets to the off-site remote (backups sync)' })
      .option('drill', { type: 'string', global: false, describe: 'daily, weekly or monthly: a run also drills its new backup (backup verify --drill) when the last drill is older than that' })
      .option('keep-remote', { type: 'string', global: false, describe: 'With --offsite: retention of the instance\'s sets on the remote after each copy, same rules as --keep: last=7,daily=30,monthly=12' }),
  subcommands: [listCommand, deleteCommand],
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const t = targetsOf(ctx, args, 'backup schedule');
    if (args.every === undefined) throw new UsageError('backup schedule needs --every daily, hourly or a cron schedule');
    const every = parseEvery(args.every);
    const window = args.window !== undefined ? parseWindow(args.window) : undefined;
    if (window && every.kind === 'cron') throw new UsageError('--window spreads daily and hourly schedules; a cron schedule runs as written');
    if (!(CONSISTENCY_MODES as readonly string[]).includes(args.consistency)) throw new UsageError(`invalid --consistency "${args.consistency}": use stop or live`);
    const keep = args.keep !== undefined ? parseKeep(args.keep) : undefined;
    const drill = args.drill !== undefined ? parseDrillCadence(args.drill) : undefined;
    const keepRemote = args.keepRemote !== undefined ? parseKeep(args.keepRemote, '--keep-remote') : undefined;
    if (keepRemote && !args.offsite) throw new UsageError('--keep-remote is retention for the off-site copies: give it with --offsite');
    const spec = { every, ...(window ? { window } : {}), consistency: args.consistency as ConsistencyMode, ...(keep ? { keep } : {}), ...(args.offsite ? { offsite: true } : {}), ...(keepRemote ? { keepRemote } : {}), ...(drill ? { drill } : {}) };
    const backup = backupConfigOf(ctx);
    const image = String(ctx.config.scheduleImage ?? '');
    const runner = { image: image || undefined, nodeImage: String(ctx.config.scheduleNodeImage), deadlineSeconds: backup.settings.deadlineSeconds + 3600 };
    return { targets: t, spec, backup, runner, bundle: image ? undefined : pluginBundle(), offsiteSecret: String(ctx.config.offsiteSecret), dryRun: args.dryRun };
  },
  async run(args, ctx) {
    const t = args.targets;
    const { backupDeps } = await import('../support/backupDeps.js');
    const { planSchedules, applySchedules } = await import('../../backups/scheduleOps.js');
    const deps = await backupDeps(ctx, args.backup);
    const objects = await planSchedules(deps, t, args.spec, args.runner, args.bundle, args.offsiteSecret);
    if (args.dryRun) return objectsOutput(objects);
    await applySchedules(deps, t, objects);
    const cronJobs = objects.filter((o) => o.kind === 'CronJob');
    return showScreen(
      cronJobs.map((c) => `cronjob.batch/${c.metadata.name} scheduled: "${c.spec.schedule}" (UTC)\n`).join(''),
      cronJobs.map((c) => ({ instance: c.metadata.labels['kubectl-odoo.io/instance'], cronJob: c.metadata.name, schedule: c.spec.schedule })),
      { names: cronJobs.map((c) => `cronjob.batch/${c.metadata.name}`) },
    );
  },
});
