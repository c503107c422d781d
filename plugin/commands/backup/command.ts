import type { CommandDef } from '../../cli/command.js';
import type { CommandContext } from '../../cli/context.js';
import { CheckFailedError, UsageError } from '../../../lib/errors.js';
import { printObjects, printResult, printStructured } from '../../core/output/printer.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { CONSISTENCY_MODES, totalSize, type ConsistencyMode } from '../../backups/manifest.js';
import { parseQualifiedBackupRef } from '../../backups/naming.js';
import { parsePlatformArchivePath } from '../../backups/platformArchives.js';

interface BackupArgs {
  name?: string;
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
      .option('export-odoo-zip', { type: 'boolean', default: false, global: false, describe: 'Also write odoo.zip, which Odoo\'s database manager restores' }),
  subcommands: [verifyCommand, pinCommand(true), pinCommand(false)],
  complete: completeInstanceName,
  async run(ctx, args) {
    if (!args.name) throw new UsageError('backup needs the instance NAME (or a subcommand: verify, pin, unpin)');
    const name = validateInstanceReference(args.name);
    if (!(CONSISTENCY_MODES as readonly string[]).includes(args.consistency)) {
      throw new UsageError(`invalid --consistency "${args.consistency}": use stop or live`);
    }
    const consistency = args.consistency as ConsistencyMode;
    const { backupDeps } = await import('../support/backupDeps.js');
    const { startBackup } = await import('../../backups/backup.js');
    const deps = await backupDeps(ctx);
    const started = ctx.clock.now().getTime();
    const out = await startBackup(deps, {
      namespace: instanceNamespace(ctx),
      name,
      consistency,
      wait: args.wait || consistency === 'stop',
      exportOdooZip: args.exportOdooZip,
      dryRun: args.dryRun,
    });
    if (args.dryRun) return printObject(ctx, out.job);
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
