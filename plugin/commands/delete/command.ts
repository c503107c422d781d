import type { CommandDef } from '../../cli/command.js';
import { DeclinedError } from '../../core/errors.js';
import { completeInstanceName, instanceNamespace, rejectAllNamespaces } from '../../instances/commandSupport.js';
import { validateInstanceReference } from '../../instances/names.js';

interface DeleteArgs {
  name: string;
  yes: boolean;
  deleteData: boolean;
}

export const deleteCommand: CommandDef<DeleteArgs> = {
  command: 'delete <name>',
  describe: 'Delete an instance\'s Deployment, Service and ingress; its volume stays unless --delete-data',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' })
      .option('delete-data', { type: 'boolean', default: false, describe: 'Also delete the PVC and all its data (asks a second time unless --yes)' }),
  complete: completeInstanceName,
  async run(ctx, args) {
    rejectAllNamespaces(ctx, 'delete');
    const name = validateInstanceReference(args.name);
    const namespace = instanceNamespace(ctx);
    const kube = await ctx.kube();
    const { resolveInstance } = await import('../../instances/resolve.js');
    const { planDelete, checkPvcDeletable, executeDelete } = await import('../../instances/remove.js');
    const o = await resolveInstance(kube, namespace, name);
    if (args.deleteData) await checkPvcDeletable(kube, o);
    const plan = planDelete(o, args.deleteData);
    const list = plan.targets.map((t) => `${t.type.kind} ${t.name}`).join(', ');
    if (!args.yes) {
      const kept = plan.keptPvc ? `; the volume (PVC ${plan.keptPvc}) is kept` : '';
      if (!(await ctx.confirm(`This deletes instance ${o.name} in namespace ${namespace}: ${list}${kept}.`, o.name))) {
        throw new DeclinedError(`not confirmed; nothing was deleted`);
      }
      if (args.deleteData && o.pvc) {
        const pvc = o.pvc.metadata.name;
        if (!(await ctx.confirm(`--delete-data: PVC ${pvc} and ALL DATA of ${o.name} will be gone for good.`, pvc))) {
          throw new DeclinedError(`not confirmed; nothing was deleted`);
        }
      }
    }
    await executeDelete(kube, namespace, plan, (l) => ctx.progress(l));
    const kept = plan.keptPvc ? ` (volume kept: PVC ${plan.keptPvc}; delete it with --delete-data)` : '';
    ctx.io.stdout.write(`instance/${o.name} deleted${kept}\n`);
  },
};
