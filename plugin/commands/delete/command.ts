import type { Read, V1PersistentVolumeClaim } from '../../../lib/kube/models.js';
import { defineCommand } from '../../cli/command.js';
import { DeclinedError, FailureError, UsageError } from '../../../lib/errors.js';
import {
  ACTION_OUTPUTS,
  INSTANCE_DRY_RUN,
  completeInstanceName,
  dryRunSuffix,
  instanceNamespace,
  parseDryRun,
  type DryRun,
} from '../support/instance.js';
import { showAction } from '../../cli/output.js';
import { validateInstanceReference } from '../../instances/names.js';

interface DeleteArgs {
  name: string;
  yes: boolean;
  deleteData: boolean;
  dropDatabase: boolean;
  backup: boolean;
  dryRun?: string | boolean;
}

interface DeleteOptions {
  name: string;
  namespace: string;
  dryRun: DryRun;
  yes: boolean;
  deleteData: boolean;
  dropDatabase: boolean;
  backup: boolean;
}

export const deleteCommand = defineCommand<DeleteArgs, DeleteOptions>({
  command: 'delete <name>',
  scope: 'instance',
  dryRun: INSTANCE_DRY_RUN,
  describe: 'Delete an instance\'s Deployment, Service and ingress; its volume stays unless --delete-data',
  outputs: ACTION_OUTPUTS,
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name (also of a deleted instance whose volume was kept)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' })
      .option('delete-data', { type: 'boolean', default: false, describe: 'Also delete the PVC and all its data (asks a second time unless --yes); the database on the database server is kept' })
      .option('drop-database', { type: 'boolean', default: false, describe: 'With --delete-data: also drop the instance\'s database on its server, after a final backup (asks a third time unless --yes)' })
      .option('backup', { type: 'boolean', default: true, describe: 'Take the final backup before --drop-database (--no-backup drops without one)' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const name = validateInstanceReference(args.name);
    const dryRun = parseDryRun(args.dryRun);
    if (args.dropDatabase && !args.deleteData) {
      throw new UsageError('--drop-database needs --delete-data: a kept volume without its database could not bring the instance back');
    }
    if (!args.backup && !args.dropDatabase) throw new UsageError('--no-backup only applies to --drop-database (delete takes no backup otherwise)');
    const namespace = instanceNamespace(ctx);
    return { name, namespace, dryRun, yes: args.yes, deleteData: args.deleteData, dropDatabase: args.dropDatabase, backup: args.backup };
  },
  async run(opts, ctx) {
    const { name, namespace, dryRun } = opts;
    const kube = await ctx.kube();
    const { resolveInstance } = await import('../../instances/resolve.js');
    const { InstanceNotFoundError } = await import('../../instances/resolveRemains.js');
    const { planDelete, planDeleteRemains, checkPvcDeletable, checkRemainsVolumeDeletable, executeDelete } = await import('../../instances/remove.js');
    const { RESOURCES } = await import('../../../lib/kube/resources.js');

    // The instance; or, when it has no Deployment, what is left of it (a kept volume, an unfinished create).
    let instance: Awaited<ReturnType<typeof resolveInstance>> | undefined;
    let remains;
    try {
      instance = await resolveInstance(kube, namespace, name);
    } catch (e) {
      if (!(e instanceof InstanceNotFoundError) || !e.remains) throw e;
      remains = e.remains;
    }
    const who = instance?.name ?? remains!.name;
    if (instance) {
      const { assertNotBusy } = await import('../../backups/lock.js');
      await assertNotBusy(kube, namespace, instance.name, ctx.clock);
    }
    let plan = instance ? planDelete(instance, opts.deleteData) : planDeleteRemains(remains!, opts.deleteData);
    // The database is on the database server, not the volume: --delete-data leaves it unless asked.
    // A kept volume says which database its instance used (recorded when that instance was deleted).
    const { describeInstanceDatabase, ANNOTATION_KEPT_DATABASE } = await import('../../instances/remove.js');
    const keptPvc = !instance && opts.deleteData && remains!.pvc ? await kube.getOptional<Read<V1PersistentVolumeClaim>>(RESOURCES.persistentvolumeclaims, remains!.pvc.metadata.name, namespace) : undefined;
    const recorded: string | undefined = keptPvc?.metadata?.annotations?.[ANNOTATION_KEPT_DATABASE];
    const database = opts.deleteData ? (instance ? describeInstanceDatabase(instance) : recorded) : undefined;
    if (opts.dropDatabase && !instance) {
      throw new FailureError(`--drop-database: instance ${who} has no Deployment, so there are no credentials to drop ${recorded ?? 'its database'} with; nothing was deleted`, {
        hint: `delete the volume with "kubectl odoo delete ${who} --delete-data" and drop the database on its server by hand`,
      });
    }
    if (opts.dropDatabase && !database) throw new FailureError(`--drop-database: instance ${who} does not name its database; nothing was deleted`);
    // What cannot be done at all is said first; then whether the volume is in use right now.
    if (opts.deleteData) {
      if (instance) await checkPvcDeletable(kube, instance);
      else await checkRemainsVolumeDeletable(kube, remains!);
    }
    // Only a live instance's database can be dropped from here; a recorded one is dropped by hand.
    const dropHow = instance ? '--drop-database drops it too' : 'drop it on its server by hand if it is no longer needed';
    // A backup schedule would go on firing against the deleted instance: it goes first, before anything
    // else, so no scheduled run starts midway. The backups it made stay on the backups volume.
    const { instanceSchedule } = await import('../../backups/scheduleOps.js');
    const schedule = await instanceSchedule(kube, namespace, who);
    if (schedule) plan = { ...plan, targets: [{ type: RESOURCES.cronjobs, name: schedule.metadata.name, uid: schedule.metadata.uid }, ...plan.targets] };
    const pvcTarget = plan.targets.find((t) => t.type === RESOURCES.persistentvolumeclaims);
    const others = plan.targets.filter((t) => t !== pvcTarget);

    if (!opts.yes && !dryRun) {
      if (others.length) {
        const kept = plan.keptPvc ? `; the volume (PVC ${plan.keptPvc}) is kept` : '';
        const what = instance ? `instance ${who}` : `what is left of instance ${who}`;
        if (!(await ctx.confirm(`This deletes ${what} in namespace ${namespace}: ${others.map((t) => `${t.type.kind} ${t.name}`).join(', ')}${kept}.`, who))) {
          throw new DeclinedError('not confirmed; nothing was deleted');
        }
      }
      if (pvcTarget) {
        const whose = instance ? `of ${who}` : `kept from deleted instance ${who}`;
        const dbNote = database && !opts.dropDatabase ? ` The ${database} is NOT deleted (it lives on the database server, not on the volume); ${dropHow}.` : '';
        if (!(await ctx.confirm(`--delete-data: PVC ${pvcTarget.name} and ALL DATA ${whose} will be gone for good.${dbNote}`, pvcTarget.name))) {
          throw new DeclinedError('not confirmed; nothing was deleted');
        }
      }
      if (opts.dropDatabase) {
        const dbName = instance!.facts.database!;
        const how = opts.backup ? 'after a final backup to the backups volume' : 'WITHOUT a final backup (--no-backup)';
        if (!(await ctx.confirm(`--drop-database: ${database} will be dropped for good, ${how}.`, dbName))) {
          throw new DeclinedError('not confirmed; nothing was deleted');
        }
      }
    }
    let drop: { deps: import('../../backups/deps.js').BackupDeps; target: import('../../backups/jobSpecs.js').BackupTarget; finalBackup?: string } | undefined;
    if (opts.dropDatabase && !dryRun) {
      const { backupDeps } = await import('../support/backupDeps.js');
      const { prepareDatabaseDrop } = await import('../../instances/dropDatabase.js');
      const deps = await backupDeps(ctx);
      drop = { deps, ...(await prepareDatabaseDrop(deps, instance!, { backup: opts.backup })) };
    }
    let done: string[];
    try {
      done = await executeDelete(kube, namespace, plan, (l) => ctx.progress(l), dryRun, ctx.clock.now());
    } catch (e) {
      if (!drop) throw e;
      // Say what happened before: the instance was stopped for the drop, and the final backup exists.
      const taken = drop.finalBackup ? `the final backup ${drop.finalBackup} was taken` : 'no final backup was taken';
      throw new FailureError(`deleting instance ${who} failed: ${(e as Error).message}; ${taken}, ${who} is stopped and its database was not dropped`, {
        cause: e,
        hint: `run the same delete again (add --no-backup if the final backup is enough)`,
      });
    }
    let databaseNote = '';
    if (drop) {
      const { dropInstanceDatabase } = await import('../../instances/dropDatabase.js');
      const backupNote = drop.finalBackup ? `final backup ${drop.finalBackup}` : 'no final backup';
      try {
        await dropInstanceDatabase(drop.deps, drop.target, database!);
      } catch (e) {
        throw new FailureError(`instance ${who} was deleted, but dropping its ${database} failed: ${(e as Error).message}; it is still there (${backupNote})`, {
          cause: e,
          hint: `drop it on the database server by hand (DROP DATABASE), or run the delete again once that is fixed`,
        });
      }
      databaseNote = `; ${database} dropped (${backupNote})`;
    } else if (database && !opts.dropDatabase) {
      databaseNote = `; ${database} kept on the database server (${instance ? 'drop it with --drop-database' : 'drop it there by hand if it is no longer needed'})`;
    }
    const suffix = dryRunSuffix(dryRun);
    const keptNote = plan.keptPvc ? ` (volume kept: PVC ${plan.keptPvc}; delete it with --delete-data)` : '';
    const scheduleNote = schedule ? `; backup schedule cronjob/${schedule.metadata.name} removed (its backups are kept)` : '';
    let lines: string[];
    let oName: string;
    if (instance) {
      lines = [`instance/${who} deleted${suffix}${keptNote}${databaseNote}${scheduleNote}`];
      oName = `instance/${who}`;
    } else if (others.length === 0) {
      lines = [`persistentvolumeclaim/${pvcTarget!.name} deleted${suffix} (the volume kept from deleted instance ${who})${databaseNote}`];
      oName = `persistentvolumeclaim/${pvcTarget!.name}`;
    } else {
      lines = [`instance/${who}: removed what an unfinished create left${suffix}: ${plan.targets.map((t) => `${t.type.kind.toLowerCase()}/${t.name}`).join(', ')}${keptNote}${scheduleNote}`];
      oName = `instance/${who}`;
    }
    // A dry run lists each object as kubectl does, so people see exactly what would go.
    if (dryRun) {
      lines = [
        ...plan.targets.map((t) => `${t.type.kind.toLowerCase()}/${t.name} deleted${suffix}`),
        ...(plan.keptPvc ? [`persistentvolumeclaim/${plan.keptPvc} kept${suffix}`] : []),
        ...(database ? [`${database} ${opts.dropDatabase ? `dropped${opts.backup ? ' after a final backup' : ''}` : 'kept'}${suffix}`] : []),
      ];
    }
    return showAction({
      lines,
      name: oName,
      data: {
        action: 'delete',
        instance: who,
        namespace,
        deleted: done,
        ...(plan.keptPvc ? { keptVolume: plan.keptPvc } : {}),
        ...(schedule ? { backupSchedule: { cronJob: schedule.metadata.name, deleted: !dryRun, backupsKept: true } } : {}),
        ...(database
          ? { database: { ...(instance ? { name: instance.facts.database } : {}), description: database, dropped: !!drop, ...(drop?.finalBackup ? { finalBackup: drop.finalBackup } : {}) } }
          : {}),
        ...(dryRun ? { dryRun } : {}),
      },
    });
  },
});
