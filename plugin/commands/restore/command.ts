import { defineCommand } from '../../cli/command.js';
import { DeclinedError, UsageError } from '../../../lib/errors.js';
import { showAction, showObjects } from '../../cli/output.js';
import { completeInstanceName, instanceNamespace, parseDryRun } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { describeSetTime, restoreQuestion, validateRestoreArgs } from '../../backups/restore.js';
import { parseBackupRef, type BackupRef } from '../../backups/naming.js';

interface RestoreArgs {
  name: string;
  from?: string;
  to?: string;
  domain?: string;
  subdomain?: string;
  dryRun: boolean;
  yes: boolean;
  filesOnly: boolean;
}

interface RestoreOptions {
  name: string;
  namespace: string;
  /** The backup as given (--from). */
  from: string;
  /** --from remote:SET: the set to fetch from the off-site remote first. */
  remoteRef?: BackupRef;
  to?: string;
  domain?: string;
  subdomain?: string;
  filesOnly: boolean;
  dryRun: boolean;
  yes: boolean;
}

export const restoreCommand = defineCommand<RestoreArgs, RestoreOptions>({
  command: 'restore <name>',
  scope: 'instance',
  dryRun: { describe: 'Show which backup and print the restore Job; change nothing' },
  describe: 'Restore an instance from a backup set: safety backup first, database and files swapped in together; asks first unless --yes',
  outputs: ['table', 'json', 'yaml', 'name'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance whose backup is restored (and the target, unless --to)' })
      .option('from', {
        type: 'string',
        describe: 'The backup: latest (the newest complete one that is not a safety backup), a TIMESTAMP, INSTANCE/TIMESTAMP or active/CUSTOMER/INSTANCE/TIMESTAMP',
      })
      .option('to', {
        type: 'string',
        describe: 'Restore into this other instance instead: a new one (a copy with its own database, created like NAME) when it does not exist, else its data is replaced',
      })
      .option('domain', { type: 'string', describe: 'With --to NEW: the copy\'s host name (a copy has no ingress otherwise)' })
      .option('subdomain', { type: 'string', describe: 'With --to NEW: the copy\'s host name as SUBDOMAIN.<baseDomain>' })
      .option('files-only', { type: 'boolean', default: false, describe: 'Replace the files only and leave the database as it is (needed for a platform archive, active/CUSTOMER/NAME.tar.gz)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const name = validateInstanceReference(args.name);
    if (!args.from) throw new UsageError('--from is required: the backup to restore (see "kubectl odoo backups NAME")');
    const remoteRef = args.from.startsWith('remote:') ? parseBackupRef(args.from.slice('remote:'.length)) : undefined;
    if (remoteRef && (args.to !== undefined || args.filesOnly)) throw new UsageError('--from remote:SET restores into NAME itself: fetch the set with "restore NAME --from remote:SET" first, then use --to or --files-only with the set\'s path');
    if (!remoteRef) validateRestoreArgs({ name, from: args.from, to: args.to, filesOnly: args.filesOnly });
    const dryRun = parseDryRun(args.dryRun) !== undefined;
    if (remoteRef && dryRun) throw new UsageError('--dry-run cannot show a restore from the remote before the set is fetched: list it with "kubectl odoo backups --remote"');
    if ((args.domain !== undefined || args.subdomain !== undefined) && args.to === undefined) {
      throw new UsageError('--domain/--subdomain are for a new instance made with --to NEW');
    }
    return {
      name,
      namespace: instanceNamespace(ctx),
      from: args.from,
      ...(remoteRef ? { remoteRef } : {}),
      to: args.to,
      domain: args.domain,
      subdomain: args.subdomain,
      filesOnly: args.filesOnly,
      dryRun,
      yes: args.yes,
    };
  },
  async run(opts, ctx) {
    const { name, namespace, remoteRef } = opts;
    let from = opts.from;
    const { backupDeps, offsiteSettingsOf } = await import('../support/backupDeps.js');
    const { planRestore, executeRestore, isCopyPlan } = await import('../../backups/restore.js');
    const deps = await backupDeps(ctx);
    if (remoteRef) {
      // Fetched onto the backups volume (checked against its checksums), then restored as any set is.
      const { resolveInstance } = await import('../../instances/resolve.js');
      const { backupTargetOf } = await import('../../backups/jobSpecs.js');
      const { bringBackRemoteSet } = await import('../../backups/offsite.js');
      const target = backupTargetOf(await resolveInstance(deps.kube, namespace, name));
      from = await bringBackRemoteSet(deps, offsiteSettingsOf(ctx), { namespace: target.namespace, instance: target.name, customerId: target.customerId, ref: remoteRef });
    }
    const copy = { config: ctx.config, domain: opts.domain, subdomain: opts.subdomain };
    const plan = await planRestore(deps, { namespace, name, from, to: opts.to, copy, filesOnly: opts.filesOnly });
    if (plan.latest) ctx.progress(`--from latest: ${plan.set.path} (${describeSetTime(plan.set)}; the newest complete backup that is not a safety backup)`);
    if (isCopyPlan(plan)) {
      if (opts.dryRun) {
        ctx.progress(`instance ${plan.spec.name} does not exist: it would be created as a copy of ${plan.source} (database ${plan.spec.database}), then filled by the restore Job`);
        return showObjects([...plan.objects, plan.job]);
      }
      const { refuseIfBusy } = await import('../../backups/backup.js');
      await refuseIfBusy(deps, plan.target);
      // A database of that name on the server is said before the question, and before anything is made.
      const { checkCopyDatabaseFree, executeCopy } = await import('../../backups/restoreCopy.js');
      await checkCopyDatabaseFree(deps, plan);
      if (!opts.yes && !(await ctx.confirm(restoreQuestion(plan), plan.target.name))) {
        throw new DeclinedError('not confirmed; nothing was created or changed');
      }
      const out = await executeCopy(deps, plan);
      return showAction({ lines: [`instance/${out.instance} created as a copy of ${out.copyOf} from ${out.restored} (database ${out.database}) and ready`], name: `instance/${out.instance}`, data: out });
    }
    if (opts.dryRun) return showObjects([plan.job]);
    // A maintenance pod holds the volume and someone is working in it: the restore would swap the files
    // under them and start the instance at the end. End the maintenance first.
    const { refuseInMaintenance } = await import('../../oncall/maintenance.js');
    await refuseInMaintenance(deps.kube, plan.namespace, plan.target.name);
    // Busy is said before the question, not after the user confirmed.
    const { refuseIfBusy } = await import('../../backups/backup.js');
    await refuseIfBusy(deps, plan.target);
    if (!opts.yes && !(await ctx.confirm(restoreQuestion(plan), plan.target.name))) {
      throw new DeclinedError('not confirmed; nothing was restored or changed');
    }
    const out = await executeRestore(deps, plan);
    return showAction({ lines: [`instance/${out.instance} restored from ${out.restored} and ready (safety backup: ${out.safetyBackup})`], name: `instance/${out.instance}`, data: out });
  },
});
