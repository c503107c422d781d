// kubectl odoo update NAME -m MODS | --all-modules [-i MODS] [--no-backup] [--dry-run] | --list-pending
import type { CommandDef } from '../../cli/command.js';
import { DeclinedError, UsageError } from '../../../lib/errors.js';
import { completeInstanceName } from '../support/instance.js';
import { showObjects, showScreen } from '../../cli/output.js';

interface UpdateArgs {
  name: string;
  modules?: string;
  allModules: boolean;
  install?: string;
  backup: boolean;
  dryRun: boolean;
  listPending: boolean;
  yes: boolean;
}

export const updateCommand: CommandDef<UpdateArgs> = {
  command: 'update <name>',
  scope: 'instance',
  dryRun: { describe: 'Print the plan and the Job; change nothing' },
  describe: 'Update (or install) Odoo modules safely: lock, stop, backup, odoo -u in a Job, start and wait for /web/health; left stopped with the restore command on failure',
  outputs: ['table', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('modules', { alias: 'm', type: 'string', describe: 'Modules to update, separated by commas (odoo -u)' })
      .option('all-modules', { type: 'boolean', default: false, describe: 'Update every installed module (odoo -u all)' })
      .option('install', { alias: 'i', type: 'string', describe: 'Modules to install, separated by commas (odoo -i)' })
      .option('backup', { type: 'boolean', default: true, describe: 'Back up the instance first (--no-backup skips it; asked about on a terminal)' })
      .option('list-pending', { type: 'boolean', default: false, describe: 'Show the modules waiting in "to upgrade", "to install" or "to remove" (read through psql)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'With --no-backup: do not ask' }),
  complete: completeInstanceName,
  async run(args, ctx) {
    const { parseModules, planUpdate, executeUpdate, UpdateFailedError, PENDING_SQL } = await import('../../oncall/update.js');
    const update = args.allModules ? ('all' as const) : args.modules !== undefined ? parseModules('-m', args.modules) : undefined;
    const install = args.install !== undefined ? parseModules('-i', args.install) : [];
    if (args.listPending) {
      if (update || install.length || args.dryRun || !args.backup) throw new UsageError('--list-pending only reads: it takes no -m, --all-modules, -i, --no-backup or --dry-run');
      if (ctx.globals.output !== 'table') throw new UsageError('--list-pending prints psql\'s table; -o json|yaml is for the update itself');
    } else {
      if (args.allModules && args.modules !== undefined) throw new UsageError('-m and --all-modules cannot be used together: name the modules, or update them all');
      if (!update && !install.length) throw new UsageError('update needs modules: -m MOD[,MOD...], --all-modules or -i MOD[,MOD...] (or --list-pending)');
    }
    const { resolveForSession } = await import('../support/attach.js');
    const { kube, inst } = await resolveForSession(ctx, 'update', args.name);
    if (args.listPending) {
      const { runPsql } = await import('../support/psqlSession.js');
      const { runningInstancePod } = await import('../../storage/volumePod.js');
      await runPsql(ctx, kube, inst, runningInstancePod(inst), { args: ['-v', 'ON_ERROR_STOP=1', '-c', PENDING_SQL] });
      return;
    }
    const { backupDeps } = await import('../support/backupDeps.js');
    const deps = await backupDeps(ctx);
    const plan = planUpdate(deps, inst, { update, install, backup: args.backup });
    if (args.dryRun) {
      ctx.io.stderr.write(`plan for ${inst.name} (database ${inst.facts.database}):\n${plan.steps.map((s, i) => `  ${i + 1}. ${s}\n`).join('')}`);
      return showObjects([plan.job]);
    }
    const { refuseInMaintenance } = await import('../../oncall/maintenance.js');
    await refuseInMaintenance(kube, inst.namespace, inst.name);
    const { refuseIfBusy } = await import('../../backups/backup.js');
    const { backupTargetOf } = await import('../../backups/jobSpecs.js');
    await refuseIfBusy(deps, backupTargetOf(inst));
    if (!args.backup && !args.yes && ctx.io.stdin.isTTY) {
      if (!(await ctx.confirm(`Update ${inst.name} without a backup first? A failed update then has nothing to go back to.`, inst.name))) throw new DeclinedError();
    }
    try {
      const out = await executeUpdate(deps, plan, (line) => ctx.io.stderr.write(`  | ${line}\n`));
      const what = [update ? `updated ${update === 'all' ? 'all modules' : update.join(',')}` : '', install.length ? `installed ${install.join(',')}` : ''].filter(Boolean).join(', ');
      return showScreen(
        `instance/${out.instance}: ${what}${out.backup ? ` (backup before: ${out.backup})` : ''}; ${out.started ? 'started again, /web/health answers' : 'left stopped, as it was'}\n`,
        { ...out, namespace: inst.namespace, modules: update ?? [], installed: install },
      );
    } catch (e) {
      if (e instanceof UpdateFailedError) ctx.io.stderr.write(`last lines of the log:\n${e.lastLines.map((l) => `  ${l}\n`).join('')}`);
      throw e;
    }
  },
};
