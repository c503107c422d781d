// kubectl odoo update NAME -m MODS | --all-modules [-i MODS] [--no-backup] [--dry-run] | --list-pending
import { defineCommand } from '../../cli/command.js';
import { DeclinedError, UsageError } from '../../../lib/errors.js';
import { completeInstanceName, instanceNamespace, parseDryRun } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { parseModules } from '../../oncall/modules.js';
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

interface UpdateOptions {
  name: string;
  namespace: string;
  /** -m MODS, or 'all' (--all-modules); undefined with -i alone or --list-pending. */
  update?: string[] | 'all';
  install: string[];
  backup: boolean;
  dryRun: boolean;
  listPending: boolean;
  yes: boolean;
}

export const updateCommand = defineCommand<UpdateArgs, UpdateOptions>({
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
  toOptions(ctx, args) {
    const update = args.allModules ? ('all' as const) : args.modules !== undefined ? parseModules('-m', args.modules) : undefined;
    const install = args.install !== undefined ? parseModules('-i', args.install) : [];
    const dryRun = parseDryRun(args.dryRun) !== undefined;
    if (args.listPending) {
      if (update || install.length || dryRun || !args.backup) throw new UsageError('--list-pending only reads: it takes no -m, --all-modules, -i, --no-backup or --dry-run');
      if (ctx.globals.output !== 'table') throw new UsageError('--list-pending prints psql\'s table; -o json|yaml is for the update itself');
    } else {
      if (args.allModules && args.modules !== undefined) throw new UsageError('-m and --all-modules cannot be used together: name the modules, or update them all');
      if (!update && !install.length) throw new UsageError('update needs modules: -m MOD[,MOD...], --all-modules or -i MOD[,MOD...] (or --list-pending)');
    }
    const name = validateInstanceReference(args.name);
    return { name, namespace: instanceNamespace(ctx), update, install, backup: args.backup, dryRun, listPending: args.listPending, yes: args.yes };
  },
  async run(opts, ctx) {
    const { update, install } = opts;
    const { planUpdate, executeUpdate, UpdateFailedError, PENDING_SQL } = await import('../../oncall/update.js');
    const kube = await ctx.kube();
    const { resolveInstance } = await import('../../instances/resolve.js');
    const inst = await resolveInstance(kube, opts.namespace, opts.name);
    if (opts.listPending) {
      const { runPsql } = await import('../support/psqlSession.js');
      const { runningInstancePod } = await import('../../storage/volumePod.js');
      await runPsql(ctx, kube, inst, runningInstancePod(inst), { args: ['-v', 'ON_ERROR_STOP=1', '-c', PENDING_SQL] });
      return;
    }
    const { backupDeps } = await import('../support/backupDeps.js');
    const deps = await backupDeps(ctx);
    const plan = planUpdate(deps, inst, { update, install, backup: opts.backup });
    if (opts.dryRun) {
      ctx.io.stderr.write(`plan for ${inst.name} (database ${inst.facts.database}):\n${plan.steps.map((s, i) => `  ${i + 1}. ${s}\n`).join('')}`);
      return showObjects([plan.job]);
    }
    const { refuseInMaintenance } = await import('../../oncall/maintenance.js');
    await refuseInMaintenance(kube, inst.namespace, inst.name);
    const { refuseIfBusy } = await import('../../backups/backup.js');
    const { backupTargetOf } = await import('../../backups/jobSpecs.js');
    await refuseIfBusy(deps, backupTargetOf(inst));
    if (!opts.backup && !opts.yes && ctx.io.stdin.isTTY) {
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
});
