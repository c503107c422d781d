import type { CommandDef } from '../../cli/command.js';
import { DeclinedError } from '../../core/errors.js';
import {
  ACTION_OUTPUTS,
  DRY_RUN_OPTION,
  completeInstanceName,
  dryRunSuffix,
  instanceNamespace,
  parseDryRun,
  printAction,
  rejectAllNamespaces,
} from '../../instances/commandSupport.js';
import { validateInstanceReference } from '../../instances/names.js';

interface DeleteArgs {
  name: string;
  yes: boolean;
  deleteData: boolean;
  dryRun?: string | boolean;
}

export const deleteCommand: CommandDef<DeleteArgs> = {
  command: 'delete <name>',
  describe: 'Delete an instance\'s Deployment, Service and ingress; its volume stays unless --delete-data',
  outputs: ACTION_OUTPUTS,
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name (also of a deleted instance whose volume was kept)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' })
      .option('delete-data', { type: 'boolean', default: false, describe: 'Also delete the PVC and all its data (asks a second time unless --yes)' })
      .option('dry-run', DRY_RUN_OPTION),
  complete: completeInstanceName,
  async run(ctx, args) {
    rejectAllNamespaces(ctx, 'delete');
    const name = validateInstanceReference(args.name);
    const dryRun = parseDryRun(args.dryRun);
    const namespace = instanceNamespace(ctx);
    const kube = await ctx.kube();
    const { resolveInstance, InstanceNotFoundError } = await import('../../instances/resolve.js');
    const { planDelete, planDeleteRemains, checkPvcDeletable, checkRemainsVolumeDeletable, executeDelete } = await import('../../instances/remove.js');
    const { RESOURCES } = await import('../../core/kube/resources.js');

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
    let plan;
    if (instance) {
      if (args.deleteData) await checkPvcDeletable(kube, instance);
      plan = planDelete(instance, args.deleteData);
    } else {
      plan = planDeleteRemains(remains!, args.deleteData);
      if (args.deleteData) await checkRemainsVolumeDeletable(kube, remains!);
    }
    const pvcTarget = plan.targets.find((t) => t.type === RESOURCES.persistentvolumeclaims);
    const others = plan.targets.filter((t) => t !== pvcTarget);

    if (!args.yes && !dryRun) {
      if (others.length) {
        const kept = plan.keptPvc ? `; the volume (PVC ${plan.keptPvc}) is kept` : '';
        const what = instance ? `instance ${who}` : `what is left of instance ${who}`;
        if (!(await ctx.confirm(`This deletes ${what} in namespace ${namespace}: ${others.map((t) => `${t.type.kind} ${t.name}`).join(', ')}${kept}.`, who))) {
          throw new DeclinedError('not confirmed; nothing was deleted');
        }
      }
      if (pvcTarget) {
        const whose = instance ? `of ${who}` : `kept from deleted instance ${who}`;
        if (!(await ctx.confirm(`--delete-data: PVC ${pvcTarget.name} and ALL DATA ${whose} will be gone for good.`, pvcTarget.name))) {
          throw new DeclinedError('not confirmed; nothing was deleted');
        }
      }
    }
    const done = await executeDelete(kube, namespace, plan, (l) => ctx.progress(l), dryRun);
    const suffix = dryRunSuffix(dryRun);
    const keptNote = plan.keptPvc ? ` (volume kept: PVC ${plan.keptPvc}; delete it with --delete-data)` : '';
    let lines: string[];
    let oName: string;
    if (instance) {
      lines = [`instance/${who} deleted${suffix}${keptNote}`];
      oName = `instance/${who}`;
    } else if (others.length === 0) {
      lines = [`persistentvolumeclaim/${pvcTarget!.name} deleted${suffix} (the volume kept from deleted instance ${who})`];
      oName = `persistentvolumeclaim/${pvcTarget!.name}`;
    } else {
      lines = [`instance/${who}: removed what an unfinished create left${suffix}: ${plan.targets.map((t) => `${t.type.kind.toLowerCase()}/${t.name}`).join(', ')}${keptNote}`];
      oName = `instance/${who}`;
    }
    // A dry run lists each object as kubectl does, so people see exactly what would go.
    if (dryRun) lines = [...plan.targets.map((t) => `${t.type.kind.toLowerCase()}/${t.name} deleted${suffix}`), ...(plan.keptPvc ? [`persistentvolumeclaim/${plan.keptPvc} kept${suffix}`] : [])];
    await printAction(ctx, {
      lines,
      name: oName,
      data: {
        action: 'delete',
        instance: who,
        namespace,
        deleted: done,
        ...(plan.keptPvc ? { keptVolume: plan.keptPvc } : {}),
        ...(dryRun ? { dryRun } : {}),
      },
    });
  },
};
