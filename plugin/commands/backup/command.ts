import type { CommandDef } from '../../cli/command.js';
import type { CommandContext } from '../../cli/context.js';
import { CancelledError, CheckFailedError, FailureError, NotFoundError, UsageError } from '../../../lib/errors.js';
import { printObjects, printResult, printStructured } from '../../core/output/printer.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { CONSISTENCY_MODES, totalSize, type ConsistencyMode } from '../../backups/manifest.js';
import { parseQualifiedBackupRef } from '../../backups/naming.js';
import { parsePlatformArchivePath } from '../../backups/platformArchives.js';
import { validateLabelSelector } from '../../instances/selector.js';
import { isValidCustomerId } from '../../backups/naming.js';
import type { SlotCaps } from '../../backups/slots.js';
import type { FleetResult } from '../../backups/fleet.js';
import { scheduleCommand } from './schedule.js';

interface BackupArgs {
  name?: string;
  all: boolean;
  selector?: string;
  customer?: string;
  maxPerNode?: string;
  maxCluster?: string;
  keep?: string;
  offsite: boolean;
  keepRemote?: string;
  wait: boolean;
  consistency: string;
  exportOdooZip: boolean;
  dryRun: boolean;
}

/** Prints the Job (or List) a --dry-run would run: YAML, a List with -o json, `job.batch/NAME` with -o name. */
export function printObject(ctx: CommandContext, obj: any): Promise<void> {
  return printObjects(ctx.io, ctx.globals.output, obj?.kind === 'List' ? obj.items : [obj]);
}

const verifyCommand: CommandDef<{ backup: string; restoreTest: boolean }> = {
  command: 'verify <backup>',
  scope: 'namespace',
  describe: 'Check a backup set: checksums, archive and dump listings; --restore-test restores it into a scratch database and folder. A platform archive: gzip, tar, paths and layout',
  outputs: ['table', 'wide', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('backup', { type: 'string', describe: 'INSTANCE/TIMESTAMP, INSTANCE/latest, active/CUSTOMER/INSTANCE/TIMESTAMP, or a platform archive active/CUSTOMER/NAME.tar.gz' })
      .option('restore-test', { type: 'boolean', default: false, describe: 'Also restore into a scratch database and folder and match every attachment row to its file' }),
  async run(ctx, args) {
    if (!parsePlatformArchivePath(args.backup)) parseQualifiedBackupRef(args.backup);
    const { backupDeps } = await import('../support/backupDeps.js');
    const { runVerify } = await import('../../backups/verify.js');
    const report = await runVerify(await backupDeps(ctx), { namespace: instanceNamespace(ctx), backup: args.backup, restoreTest: args.restoreTest });
    if (!(await printStructured(ctx.io, ctx.globals.output, report))) {
      await printResult(ctx.io, ctx.globals.output, {
        rows: report.checks,
        columns: [
          { header: 'CHECK', value: (c) => c.check },
          { header: 'RESULT', value: (c) => (c.ok ? 'ok' : 'FAIL'), style: (t, c) => (c.ok ? ctx.colors.green(t) : ctx.colors.red(t)) },
          { header: 'DETAIL', value: (c) => c.detail },
        ],
      });
      for (const p of report.problems) ctx.io.stdout.write(`  ${p}\n`);
      if (report.note) ctx.io.stdout.write(`note: ${report.note}\n`);
    }
    if (!report.ok) throw new CheckFailedError(`backup ${report.backup} failed verification`);
  },
};

const pinCommand = (pinned: boolean): CommandDef<{ backup: string }> => ({
  command: `${pinned ? 'pin' : 'unpin'} <backup>`,
  scope: 'namespace',
  describe: pinned ? 'Pin a backup set: prune never deletes it' : 'Unpin a backup set',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) => y.positional('backup', { type: 'string', describe: 'INSTANCE/TIMESTAMP or active/CUSTOMER/INSTANCE/TIMESTAMP' }),
  async run(ctx, args) {
    parseQualifiedBackupRef(args.backup);
    const { backupDeps } = await import('../support/backupDeps.js');
    const { setPinned } = await import('../../backups/prune.js');
    const path = await setPinned(await backupDeps(ctx), { namespace: instanceNamespace(ctx), backup: args.backup, pinned });
    if (await printStructured(ctx.io, ctx.globals.output, { backup: path, pinned })) return;
    ctx.io.stdout.write(ctx.globals.output === 'name' ? `backup/${path}\n` : `backup/${path} ${pinned ? 'pinned' : 'unpinned'}\n`);
  },
});

export const backupCommand: CommandDef<BackupArgs> = {
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
      .option('keep-remote', { type: 'string', global: false, describe: 'With --offsite: after the copy, apply this retention to the instance\'s sets on the remote (same rules as --keep)' }),
  subcommands: [verifyCommand, pinCommand(true), pinCommand(false), scheduleCommand],
  complete: completeInstanceName,
  async run(ctx, args) {
    const fleet = args.all || args.selector !== undefined || args.customer !== undefined;
    if (args.name && fleet) throw new UsageError('backup takes an instance NAME or --all / -l / --customer, not both');
    if (!args.name && !fleet) throw new UsageError('backup needs the instance NAME, or --all / -l SELECTOR / --customer ID (or a subcommand: verify, pin, unpin, schedule)');
    if (args.all && (args.selector !== undefined || args.customer !== undefined)) throw new UsageError('--all backs up every instance: use it without -l and --customer');
    if (!(CONSISTENCY_MODES as readonly string[]).includes(args.consistency)) {
      throw new UsageError(`invalid --consistency "${args.consistency}": use stop or live`);
    }
    const consistency = args.consistency as ConsistencyMode;
    const { parseKeep } = await import('../../backups/schedule.js');
    const keep = args.keep !== undefined ? parseKeep(args.keep) : undefined;
    if (keep && fleet) throw new UsageError('--keep is for one instance (and its schedule); prune a fleet with "kubectl odoo backups prune"');
    if (args.offsite && fleet) throw new UsageError('--offsite is for one instance (and its schedule); copy a fleet with "kubectl odoo backups sync --all"');
    const keepRemote = args.keepRemote !== undefined ? parseKeep(args.keepRemote, '--keep-remote') : undefined;
    if (keepRemote && fleet) throw new UsageError('--keep-remote is for one instance (and its schedule); prune the remote with "kubectl odoo backups prune --remote"');
    if (keepRemote && !args.offsite) throw new UsageError('--keep-remote is retention for the off-site copies: give it with --offsite');
    const { backupDeps, slotCapsOf } = await import('../support/backupDeps.js');
    const caps = slotCapsOf(ctx, args);
    if (fleet) return runFleet(ctx, args, consistency, caps);
    const name = validateInstanceReference(args.name!);
    const { startBackup } = await import('../../backups/backup.js');
    const deps = await backupDeps(ctx);
    const started = ctx.clock.now().getTime();
    const out = await startBackup(deps, {
      namespace: instanceNamespace(ctx),
      name,
      consistency,
      wait: args.wait || consistency === 'stop' || keep !== undefined || args.offsite,
      exportOdooZip: args.exportOdooZip,
      dryRun: args.dryRun,
      slots: caps,
    });
    if (args.dryRun) return printObject(ctx, out.job);
    if (keep && out.manifest) {
      // Only after a complete backup: a set is never deleted before a newer complete one exists.
      const { applyRetention } = await import('../../backups/prune.js');
      const pruned = await applyRetention(deps, { namespace: out.manifest.namespace, instance: out.manifest.instance, customerId: out.manifest.customerId, policy: keep });
      ctx.progress(`retention ${args.keep}: ${pruned.deleted.length} older set(s) deleted, ${pruned.decisions.filter((d) => d.keep).length} kept`);
    }
    if (args.offsite && out.manifest) {
      const { offsiteSettingsOf } = await import('../support/backupDeps.js');
      const { listBackupSets } = await import('../../backups/list.js');
      const { syncSets } = await import('../../backups/offsite.js');
      const scope = { namespace: out.manifest.namespace, instance: out.manifest.instance, customerId: out.manifest.customerId };
      const paths = (await listBackupSets(deps, scope)).filter((s) => s.kind === 'set' && s.state === 'complete').map((s) => s.path).sort();
      const synced = await syncSets(deps, offsiteSettingsOf(ctx), scope.namespace, paths);
      ctx.progress(`off-site: ${synced.filter((x) => x.result === 'copied').length} set(s) copied and verified, ${synced.filter((x) => x.result === 'present').length} already there`);
      if (keepRemote) {
        // After the copy: the newest set is then whole on the remote before any older one goes.
        const { applyRemoteRetention } = await import('../../backups/offsite.js');
        const { decisions, result } = await applyRemoteRetention(deps, offsiteSettingsOf(ctx), scope, keepRemote);
        const skipped = result.skipped.length ? `, ${result.skipped.length} kept after all (${result.skipped.map((x) => x.why).join(', ')})` : '';
        ctx.progress(`off-site retention ${args.keepRemote}: ${result.deleted.length} older set(s) deleted from the remote, ${decisions.filter((d) => d.keep).length} kept${skipped}`);
      }
    }
    if (await printStructured(ctx.io, ctx.globals.output, { backup: out.path, job: out.jobName, state: out.manifest ? 'complete' : 'running', bytes: out.bytes, manifest: out.manifest })) return;
    if (ctx.globals.output === 'name') {
      ctx.io.stdout.write(`backup/${out.path}\n`);
      return;
    }
    if (!out.manifest) {
      ctx.io.stdout.write(`backup/${out.path} started (Job ${out.jobName})\n`);
      ctx.progress(`follow it with: kubectl odoo backups ${name}   or   kubectl logs -f job/${out.jobName} -n ${instanceNamespace(ctx)}`);
      return;
    }
    const { formatBytes } = await import('../../../lib/bytes.js');
    const secs = Math.round((ctx.clock.now().getTime() - started) / 1000);
    const parts = out.manifest.files.map((f) => `${f.name} ${formatBytes(f.size)}`).join(', ');
    // The same figure "backups" lists: the files in the set's folder.
    ctx.io.stdout.write(`backup/${out.path} complete: ${formatBytes(out.bytes ?? totalSize(out.manifest))} on the backups volume (${parts}) in ${secs}s\n`);
  },
};

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
async function runFleet(ctx: CommandContext, args: BackupArgs, consistency: ConsistencyMode, caps: SlotCaps): Promise<void> {
  const labelSelector = args.selector !== undefined ? validateLabelSelector(args.selector) : undefined;
  if (args.customer !== undefined && !isValidCustomerId(args.customer)) throw new UsageError(`--customer "${args.customer}" is not a valid customer id (letters, digits, ".", "_" and "-")`);
  if (args.exportOdooZip) throw new UsageError('--export-odoo-zip is for one instance: back it up with backup NAME --export-odoo-zip');
  const { backupDeps } = await import('../support/backupDeps.js');
  const { runFleetBackup, planFleetJobs } = await import('../../backups/fleet.js');
  const { FleetDisplay } = await import('../../backups/fleetDisplay.js');
  const { formatBytes } = await import('../../../lib/bytes.js');
  const deps = await backupDeps(ctx);
  const namespace = instanceNamespace(ctx);
  const scope = { namespace, labelSelector, customerId: args.customer };
  if (args.dryRun) {
    const jobs = await planFleetJobs(deps, { ...scope, consistency });
    if (ctx.globals.output === 'name') {
      for (const j of jobs) ctx.io.stdout.write(`job.batch/${j.metadata.name}\n`);
      return;
    }
    return printObject(ctx, { apiVersion: 'v1', kind: 'List', items: jobs });
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
  if (!results.length) throw new NotFoundError(`no instance matches in namespace ${namespace}${labelSelector ? ` with -l ${labelSelector}` : ''}${args.customer ? ` for customer ${args.customer}` : ''}`);
  if (!(await printStructured(ctx.io, ctx.globals.output, results))) {
    await printResult(ctx.io, ctx.globals.output, { rows: results, columns: FLEET_COLUMNS(ctx, formatBytes), name: (r) => (r.backup ? `backup/${r.backup}` : `instance/${r.instance}`) });
  }
  const failed = results.filter((r) => r.state === 'failed');
  const notStarted = results.filter((r) => r.state === 'not started');
  const done = results.length - failed.length - notStarted.length;
  if (notStarted.length) throw new CancelledError(`interrupted: ${done} of ${results.length} backed up, ${failed.length} failed, ${notStarted.length} not started: ${notStarted.map((r) => r.instance).join(', ')}`);
  if (failed.length) throw new FailureError(`${failed.length} of ${results.length} backups failed: ${failed.map((r) => r.instance).join(', ')}`);
  ctx.progress(`${results.length} of ${results.length} instances backed up`);
}
