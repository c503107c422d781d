import type { Read, V1Deployment } from '../../../lib/kube/models.js';
import { defineCommand } from '../../cli/command.js';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { CancelledError, CheckFailedError, FailureError, NotFoundError, UsageError } from '../../../lib/errors.js';
import { renderTable } from '../../core/output/table.js';
import { showAction, showObjects, showScreen, showTable, type CommandOutput } from '../../cli/output.js';
import { completeInstanceName, instanceNamespace, customerFilter } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { CONSISTENCY_MODES, totalSize, type ConsistencyMode } from '../../backups/manifest.js';
import { parseQualifiedBackupRef } from '../../backups/naming.js';
import { parsePlatformArchivePath } from '../../backups/platformArchives.js';
import { validateLabelSelector } from '../../instances/selector.js';
import type { SlotCaps } from '../../backups/slots.js';
import type { FleetResult } from '../../backups/fleet.js';
import { scheduleCommand } from './schedule.js';
import type { BackupDeps } from '../../backups/deps.js';
import type { DrillVerdict } from '../../backups/drill.js';
import { parseDrillCadence, type DrillCadence } from '../../backups/drillCadence.js';
import { parseKeep } from '../../backups/schedule.js';
import type { RetentionPolicy } from '../../backups/retention.js';
import { backupConfigOf, offsiteSettingsOf, slotCapsOf, type BackupConfig } from '../support/backupDeps.js';

interface BackupArgs {
  name?: string;
  all: boolean;
  selector?: string;
  customer?: string;
  maxPerNode?: string;
  maxCluster?: string;
  keep?: string;
  offsite: boolean;
  drill?: string;
  keepRemote?: string;
  wait: boolean;
  consistency: string;
  exportOdooZip: boolean;
  dryRun: boolean;
}

interface BackupOptions {
  namespace: string;
  consistency: ConsistencyMode;
  caps: SlotCaps;
  backup: BackupConfig;
  dryRun: boolean;
  /** The instance of `backup NAME`; absent for a fleet run. */
  name?: string;
  /** --all / -l / --customer: the instances of a fleet run. */
  fleet?: { labelSelector?: string; customerId?: string };
  /** Followed to its end: --wait, or implied by --consistency stop, --keep, --offsite and --drill. */
  wait: boolean;
  exportOdooZip: boolean;
  /** --keep, parsed and as typed. */
  keep?: { policy: RetentionPolicy; text: string };
  offsite?: { secret: string; image: string };
  drill?: DrillCadence;
  /** --keep-remote, parsed and as typed. */
  keepRemote?: { policy: RetentionPolicy; text: string };
}

interface VerifyArgs {
  backup: string;
  restoreTest: boolean;
  drill: boolean;
  dryRun?: string;
}

interface VerifyOptions {
  namespace: string;
  backup: string;
  restoreTest: boolean;
  drill: boolean;
  /** With --drill: the plan only. */
  dryRun: boolean;
  config: BackupConfig;
}

/** The checks of verify's flags and of the backup reference, before anything is read. */
function verifyOptionsOf(ctx: OptionsContext, args: VerifyArgs): VerifyOptions {
  if (args.drill) {
    if (args.restoreTest) throw new UsageError('--drill and --restore-test are two kinds of check: give one');
    if (parsePlatformArchivePath(args.backup)) throw new UsageError(`--drill needs a backup set with a database dump; ${args.backup} is a platform archive (volume only)`);
    parseQualifiedBackupRef(args.backup);
  } else {
    if (args.dryRun) throw new UsageError('--dry-run is for --drill: verify itself changes nothing');
    if (!parsePlatformArchivePath(args.backup)) parseQualifiedBackupRef(args.backup);
  }
  const config = backupConfigOf(ctx);
  return { namespace: instanceNamespace(ctx), backup: args.backup, restoreTest: args.restoreTest, drill: args.drill, dryRun: !!args.dryRun, config };
}

const verifyCommand = defineCommand<VerifyArgs, VerifyOptions>({
  command: 'verify <backup>',
  scope: 'namespace',
  dryRun: { describe: 'With --drill: print the plan and the objects and Jobs the drill would make; change nothing' },
  describe: 'Check a backup set: checksums, archive and dump listings; --restore-test restores it into a scratch database and folder; --drill into a throwaway instance that must serve. A platform archive: gzip, tar, paths and layout',
  outputs: ['table', 'wide', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('backup', { type: 'string', describe: 'INSTANCE/TIMESTAMP, INSTANCE/latest, active/CUSTOMER/INSTANCE/TIMESTAMP, or a platform archive active/CUSTOMER/NAME.tar.gz' })
      .option('restore-test', { type: 'boolean', default: false, describe: 'Also restore into a scratch database and folder and match every attachment row to its file' })
      .option('drill', {
        type: 'boolean',
        default: false,
        describe: 'Restore drill: restore into a throwaway instance (own database and volume, no Ingress), neutralize it, start it, wait for /web/health, match every attachment to its file, then remove it all',
      }),
  toOptions: verifyOptionsOf,
  async run(args, ctx) {
    if (args.drill) return runDrillCommand(ctx, args);
    const { backupDeps } = await import('../support/backupDeps.js');
    const { runVerify } = await import('../../backups/verify.js');
    const report = await runVerify(await backupDeps(ctx, args.config), { namespace: args.namespace, backup: args.backup, restoreTest: args.restoreTest });
    const text = [checksText(ctx, report.checks), ...report.problems.map((p) => `  ${p}\n`), report.note ? `note: ${report.note}\n` : ''].join('');
    return showScreen(text, report, { failure: report.ok ? undefined : new CheckFailedError(`backup ${report.backup} failed verification`) });
  },
});

/** The CHECK/RESULT/DETAIL table of a verify or a drill ('' when there are no checks). */
function checksText(ctx: CommandContext, checks: { check: string; ok: boolean; detail: string }[]): string {
  type Check = (typeof checks)[number];
  const columns = [
    { header: 'CHECK', value: (c: Check) => c.check },
    { header: 'RESULT', value: (c: Check) => (c.ok ? 'ok' : 'FAIL'), style: (t: string, c: Check) => (c.ok ? ctx.colors.green(t) : ctx.colors.red(t)) },
    { header: 'DETAIL', value: (c: Check) => c.detail },
  ];
  return checks.length ? renderTable(checks, columns, { wide: ctx.globals.output === 'wide', aligned: !!ctx.io.stdout.isTTY }) : '';
}

/** backup verify NAME/SET --drill [--dry-run]. */
async function runDrillCommand(ctx: CommandContext, args: VerifyOptions): Promise<CommandOutput> {
  const { backupDeps } = await import('../support/backupDeps.js');
  const { planDrill, runDrill } = await import('../../backups/drill.js');
  const deps = await backupDeps(ctx, args.config);
  const plan = await planDrill(deps, { namespace: args.namespace, backup: args.backup, config: ctx.config });
  if (args.dryRun) {
    const steps = [
      `drill of ${plan.set.path} into the throwaway instance ${plan.spec.name} (database ${plan.spec.database}, ${plan.spec.storage} on ${plan.spec.storageClass}, no Ingress):`,
      `  1. create ${plan.spec.name} stopped and restore the set into it (Job ${plan.job.metadata.name})`,
      `  2. neutralize its database (mail servers and crons off, web.base.url ${plan.baseUrl}) and match every attachment to its file (Job ${plan.drillJob.metadata.name})`,
      `  3. start it and wait for /web/health`,
      `  4. remove everything it made: Deployment, Service, PVC, Jobs and database ${plan.spec.database}`,
    ];
    for (const l of steps) ctx.progress(l);
    return showObjects([...plan.objects, plan.job, plan.drillJob]);
  }
  const verdict = await runDrill(deps, plan);
  return showScreen(drillVerdictText(ctx, verdict), verdict, { failure: drillFailure(verdict) });
}

function drillVerdictText(ctx: CommandContext, verdict: DrillVerdict): string {
  const word = verdict.ok ? ctx.colors.green('PASSED') : ctx.colors.red('FAILED');
  return [checksText(ctx, verdict.checks), ...verdict.missing.map((m) => `  MISSING ${m}\n`), `drill of ${verdict.backup}: ${word} in ${verdict.seconds}s\n`].join('');
}

function drillFailure(verdict: DrillVerdict): Error | undefined {
  return verdict.ok ? undefined : new CheckFailedError(`the drill of ${verdict.backup} failed: ${verdict.checks.filter((c) => !c.ok).map((c) => c.check).join(', ')}`);
}

/**
 * backup NAME --drill CADENCE (what a schedule with --drill runs): after the complete backup, drill it
 * when the last drill is older than the cadence. Undefined when no drill was due.
 */
async function drillIfDue(ctx: CommandContext, deps: BackupDeps, manifest: { namespace: string; instance: string; timestamp: string }, cadence: DrillCadence): Promise<DrillVerdict | undefined> {
  const { planDrill, runDrill, readDrillRecord, drillDue, DRILL_CADENCES } = await import('../../backups/drill.js');
  const { RESOURCES } = await import('../../../lib/kube/resources.js');
  const dep = await deps.kube.get<Read<V1Deployment>>(RESOURCES.deployments, manifest.instance, manifest.namespace);
  const last = readDrillRecord(dep);
  const now = ctx.clock.now();
  if (!drillDue(last, cadence, now)) {
    const next = new Date(Date.parse(last!.at) + DRILL_CADENCES[cadence] * 86_400_000);
    ctx.progress(`drill: the last one (${last!.backup}, ${last!.at}) is less than a ${cadence === 'daily' ? 'day' : cadence.replace(/ly$/, '')} old; next one due ${next.toISOString()}`);
    return undefined;
  }
  ctx.progress(`drill: ${last ? `the last one was ${last.at}` : 'none yet'}; drilling the new backup`);
  const plan = await planDrill(deps, { namespace: manifest.namespace, backup: `${manifest.instance}/${manifest.timestamp}`, config: ctx.config });
  return runDrill(deps, plan);
}


interface PinOptions {
  backup: string;
  namespace: string;
  config: BackupConfig;
}

const pinCommand = (pinned: boolean) => defineCommand<{ backup: string }, PinOptions>({
  command: `${pinned ? 'pin' : 'unpin'} <backup>`,
  scope: 'namespace',
  describe: pinned ? 'Pin a backup set: prune never deletes it' : 'Unpin a backup set',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) => y.positional('backup', { type: 'string', describe: 'INSTANCE/TIMESTAMP or active/CUSTOMER/INSTANCE/TIMESTAMP' }),
  toOptions(ctx, args) {
    parseQualifiedBackupRef(args.backup);
    const config = backupConfigOf(ctx);
    return { backup: args.backup, namespace: instanceNamespace(ctx), config };
  },
  async run(args, ctx) {
    const { backupDeps } = await import('../support/backupDeps.js');
    const { setPinned } = await import('../../backups/prune.js');
    const path = await setPinned(await backupDeps(ctx, args.config), { namespace: args.namespace, backup: args.backup, pinned });
    return showAction({ lines: [`backup/${path} ${pinned ? 'pinned' : 'unpinned'}`], name: `backup/${path}`, data: { backup: path, pinned } });
  },
});

/** backup's checks, in the order it always made them: the flags, the caps, the targets, the config file. */
function backupOptionsOf(ctx: OptionsContext, args: BackupArgs): BackupOptions {
  const fleet = args.all || args.selector !== undefined || args.customer !== undefined;
  if (args.name && fleet) throw new UsageError('backup takes an instance NAME or --all / -l / --customer, not both');
  if (!args.name && !fleet) throw new UsageError('backup needs the instance NAME, or --all / -l SELECTOR / --customer ID (or a subcommand: verify, pin, unpin, schedule)');
  if (args.all && (args.selector !== undefined || args.customer !== undefined)) throw new UsageError('--all backs up every instance: use it without -l and --customer');
  if (!(CONSISTENCY_MODES as readonly string[]).includes(args.consistency)) {
    throw new UsageError(`invalid --consistency "${args.consistency}": use stop or live`);
  }
  const consistency = args.consistency as ConsistencyMode;
  const keep = args.keep !== undefined ? parseKeep(args.keep) : undefined;
  if (keep && fleet) throw new UsageError('--keep is for one instance (and its schedule); prune a fleet with "kubectl odoo backups prune"');
  if (args.offsite && fleet) throw new UsageError('--offsite is for one instance (and its schedule); copy a fleet with "kubectl odoo backups sync --all"');
  const drill = args.drill !== undefined ? parseDrillCadence(args.drill) : undefined;
  if (drill && fleet) throw new UsageError('--drill is for one instance (and its schedule); drill a set with "kubectl odoo backup verify NAME/SET --drill"');
  const keepRemote = args.keepRemote !== undefined ? parseKeep(args.keepRemote, '--keep-remote') : undefined;
  if (keepRemote && fleet) throw new UsageError('--keep-remote is for one instance (and its schedule); prune the remote with "kubectl odoo backups prune --remote"');
  if (keepRemote && !args.offsite) throw new UsageError('--keep-remote is retention for the off-site copies: give it with --offsite');
  const caps = slotCapsOf(ctx, args);
  const common = { consistency, caps, dryRun: args.dryRun, exportOdooZip: args.exportOdooZip };
  if (fleet) {
    const labelSelector = args.selector !== undefined ? validateLabelSelector(args.selector) : undefined;
    const customerId = customerFilter(args.customer);
    if (args.exportOdooZip) throw new UsageError('--export-odoo-zip is for one instance: back it up with backup NAME --export-odoo-zip');
    const backup = backupConfigOf(ctx);
    return { ...common, backup, namespace: instanceNamespace(ctx), fleet: { labelSelector, customerId }, wait: true };
  }
  const name = validateInstanceReference(args.name!);
  const backup = backupConfigOf(ctx);
  return {
    ...common,
    backup,
    namespace: instanceNamespace(ctx),
    name,
    wait: args.wait || consistency === 'stop' || keep !== undefined || args.offsite || drill !== undefined,
    ...(keep ? { keep: { policy: keep, text: args.keep! } } : {}),
    ...(args.offsite ? { offsite: offsiteSettingsOf(ctx) } : {}),
    ...(drill ? { drill } : {}),
    ...(keepRemote ? { keepRemote: { policy: keepRemote, text: args.keepRemote! } } : {}),
  };
}

export const backupCommand = defineCommand<BackupArgs, BackupOptions>({
  // [name], not <name>: a required positional here would also be demanded by the subcommands.
  command: 'backup [name]',
  scope: 'instance',
  dryRun: { describe: 'Print the Job that would run; change nothing' },
  describe: 'Back up an instance: database dump and data volume of the same moment, checksummed, into the backups volume',
  outputs: ['table', 'json', 'yaml', 'name'],
  // The options are not global (yargs' default): they are this command's, and verify/pin/unpin must
  // neither show nor accept them.
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('wait', { type: 'boolean', default: false, global: false, describe: 'Follow the backup to its end, with progress on stderr' })
      .option('consistency', {
        type: 'string',
        default: 'live',
        global: false,
        describe: 'live: the instance keeps running (dump snapshot, then files); stop: stopped during the copy and started again (implies --wait)',
      })
      .option('export-odoo-zip', { type: 'boolean', default: false, global: false, describe: 'Also write odoo.zip, which Odoo\'s database manager restores' })
      .option('all', { type: 'boolean', default: false, global: false, describe: 'Back up every instance of the namespace (a fleet run: each as with --wait, within the caps)' })
      .option('selector', { alias: 'l', type: 'string', global: false, describe: 'Back up the instances whose Deployments match this label selector' })
      .option('customer', { type: 'string', global: false, describe: 'Back up the instances of this customer id' })
      // Strings, parsed by parseSlotCap: yargs turns "abc" into NaN.
      .option('max-per-node', { type: 'string', global: false, describe: 'At most this many backups at once on one node (config backupConcurrency.perNode, default 1)' })
      .option('max-cluster', { type: 'string', global: false, describe: 'At most this many backups at once in all (config backupConcurrency.cluster, default 4)' })
      .option('keep', { type: 'string', global: false, describe: 'After a complete backup, apply this retention to the instance\'s sets (implies --wait): last=7,daily=14,weekly=8,monthly=12' })
      .option('offsite', { type: 'boolean', default: false, global: false, describe: 'After a complete backup (and --keep), copy the instance\'s complete sets to the off-site remote, as backups sync NAME (implies --wait)' })
      .option('drill', { type: 'string', global: false, describe: 'daily, weekly or monthly: after a complete backup, drill it (as backup verify --drill) when the last drill is older than that (implies --wait)' })
      .option('keep-remote', { type: 'string', global: false, describe: 'With --offsite: after the copy, apply this retention to the instance\'s sets on the remote (same rules as --keep)' }),
  subcommands: [verifyCommand, pinCommand(true), pinCommand(false), scheduleCommand],
  complete: completeInstanceName,
  toOptions: backupOptionsOf,
  async run(args, ctx) {
    if (args.fleet) return runFleet(ctx, args, args.fleet);
    const { backupDeps } = await import('../support/backupDeps.js');
    const { consistency, caps, name } = args;
    const keep = args.keep?.policy;
    const keepRemote = args.keepRemote?.policy;
    const drill = args.drill;
    const { startBackup } = await import('../../backups/backup.js');
    const deps = await backupDeps(ctx, args.backup);
    const started = ctx.clock.now().getTime();
    const out = await startBackup(deps, {
      namespace: args.namespace,
      name: name!,
      consistency,
      wait: args.wait,
      exportOdooZip: args.exportOdooZip,
      dryRun: args.dryRun,
      slots: caps,
    });
    if (args.dryRun) return showObjects([out.job]);
    if (keep && out.manifest) {
      // Only after a complete backup: a set is never deleted before a newer complete one exists.
      const { applyRetention } = await import('../../backups/prune.js');
      const pruned = await applyRetention(deps, { namespace: out.manifest.namespace, instance: out.manifest.instance, customerId: out.manifest.customerId, policy: keep });
      ctx.progress(`retention ${args.keep!.text}: ${pruned.deleted.length} older set(s) deleted, ${pruned.decisions.filter((d) => d.keep).length} kept`);
    }
    const offsite = args.offsite;
    if (offsite && out.manifest) {
      const { listBackupSets } = await import('../../backups/list.js');
      const { syncSets } = await import('../../backups/offsite.js');
      const scope = { namespace: out.manifest.namespace, instance: out.manifest.instance, customerId: out.manifest.customerId };
      const local = (await listBackupSets(deps, scope)).filter((s) => s.kind === 'set' && s.state === 'complete');
      // With --keep-remote, only the sets the remote's retention keeps are copied (not old ones it would delete at once).
      const { inventoryRemote, setsWorthCopying } = await import('../../backups/offsite.js');
      const paths = keepRemote ? setsWorthCopying(local, await inventoryRemote(deps, offsite, scope), keepRemote) : local.map((s) => s.path).sort();
      const synced = await syncSets(deps, offsite, scope.namespace, paths);
      ctx.progress(`off-site: ${synced.filter((x) => x.result === 'copied').length} set(s) copied and verified, ${synced.filter((x) => x.result === 'present').length} already there`);
      if (keepRemote) {
        // After the copy: the newest set is then whole on the remote before any older one goes.
        const { applyRemoteRetention } = await import('../../backups/offsite.js');
        const { decisions, result } = await applyRemoteRetention(deps, offsite, scope, keepRemote);
        const skipped = result.skipped.length ? `, ${result.skipped.length} kept after all (${result.skipped.map((x) => x.why).join(', ')})` : '';
        ctx.progress(`off-site retention ${args.keepRemote!.text}: ${result.deleted.length} older set(s) deleted from the remote, ${decisions.filter((d) => d.keep).length} kept${skipped}`);
      }
    }
    const drilled = drill && out.manifest ? await drillIfDue(ctx, deps, out.manifest, drill) : undefined;
    const result = {
      name: `backup/${out.path}`,
      data: { backup: out.path, job: out.jobName, state: out.manifest ? 'complete' : 'running', bytes: out.bytes, manifest: out.manifest, ...(drilled ? { drill: drilled } : {}) },
    };
    if (!out.manifest) {
      const follow = `follow it with: kubectl odoo backups ${name}   or   kubectl logs -f job/${out.jobName} -n ${args.namespace}`;
      return showAction({ ...result, lines: [`backup/${out.path} started (Job ${out.jobName})`], notes: ctx.globals.output === 'table' ? [follow] : [] });
    }
    const { formatBytes } = await import('../../../lib/bytes.js');
    const secs = Math.round((ctx.clock.now().getTime() - started) / 1000);
    const parts = out.manifest.files.map((f) => `${f.name} ${formatBytes(f.size)}`).join(', ');
    // The same figure "backups" lists: the files in the set's folder.
    const line = `backup/${out.path} complete: ${formatBytes(out.bytes ?? totalSize(out.manifest))} on the backups volume (${parts}) in ${secs}s`;
    if (drilled) return showScreen(`${line}\n${drillVerdictText(ctx, drilled)}`, result.data, { names: [result.name], failure: drillFailure(drilled) });
    return showAction({ ...result, lines: [line] });
  },
});

const FLEET_COLUMNS = (ctx: CommandContext, formatBytes: (n: number) => string) => [
  { header: 'INSTANCE', value: (r: FleetResult) => r.instance },
  {
    header: 'RESULT',
    value: (r: FleetResult) => r.state,
    style: (t: string, r: FleetResult) => (r.state === 'complete' ? ctx.colors.green(t) : r.state === 'failed' ? ctx.colors.red(t) : ctx.colors.yellow(t)),
  },
  { header: 'BACKUP', value: (r: FleetResult) => r.backup ?? '' },
  { header: 'SIZE', value: (r: FleetResult) => (r.bytes !== undefined ? formatBytes(r.bytes) : '') },
  { header: 'SECONDS', value: (r: FleetResult) => (r.seconds !== undefined ? String(r.seconds) : '') },
  { header: 'ERROR', value: (r: FleetResult) => r.error ?? '' },
];

/** backup --all / -l / --customer: one backup per instance within the caps, then a summary. */
async function runFleet(ctx: CommandContext, args: BackupOptions, fleet: { labelSelector?: string; customerId?: string }): Promise<CommandOutput> {
  const { consistency, caps } = args;
  const { labelSelector, customerId } = fleet;
  const { backupDeps } = await import('../support/backupDeps.js');
  const { runFleetBackup, planFleetJobs } = await import('../../backups/fleet.js');
  const { FleetDisplay } = await import('../../backups/fleetDisplay.js');
  const { formatBytes } = await import('../../../lib/bytes.js');
  const deps = await backupDeps(ctx, args.backup);
  const namespace = args.namespace;
  const scope = { namespace, labelSelector, customerId };
  if (args.dryRun) {
    return showObjects(await planFleetJobs(deps, { ...scope, consistency }));
  }
  const display = new FleetDisplay(ctx.io.stderr as any);
  const results = await runFleetBackup(
    deps,
    { ...scope, consistency, caps, stopStarting: ctx.signal },
    {
      planned: (rs) => display.planned(rs),
      update: (r, detail) => display.update(r, detail),
      interrupted: (running) =>
        display.say(
          running.length
            ? `interrupted: no more backups start; still running: ${running.join(', ')} (followed to their end; Ctrl-C again exits and leaves their Jobs running)`
            : 'interrupted: no more backups start',
        ),
    },
  );
  if (!results.length) throw new NotFoundError(`no instance matches in namespace ${namespace}${labelSelector ? ` with -l ${labelSelector}` : ''}${customerId ? ` for customer ${customerId}` : ''}`);
  const failed = results.filter((r) => r.state === 'failed');
  const notStarted = results.filter((r) => r.state === 'not started');
  const done = results.length - failed.length - notStarted.length;
  const failure = notStarted.length
    ? new CancelledError(`interrupted: ${done} of ${results.length} backed up, ${failed.length} failed, ${notStarted.length} not started: ${notStarted.map((r) => r.instance).join(', ')}`)
    : failed.length
      ? new FailureError(`${failed.length} of ${results.length} backups failed: ${failed.map((r) => r.instance).join(', ')}`)
      : undefined;
  return showTable({
    rows: results,
    columns: FLEET_COLUMNS(ctx, formatBytes),
    name: (r) => (r.backup ? `backup/${r.backup}` : `instance/${r.instance}`),
    failure,
    notes: failure ? [] : [`${results.length} of ${results.length} instances backed up`],
  });
}
