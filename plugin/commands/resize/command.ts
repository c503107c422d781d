import { defineCommand } from '../../cli/command.js';
import { showAction, showText } from '../../cli/output.js';
import { UsageError } from '../../../lib/errors.js';
import {
  ACTION_OUTPUTS,
  completeInstanceName,
  dryRunSuffix,
  instanceActionOptions,
  INSTANCE_DRY_RUN,
  prepareInstanceAction,
  refuseWhileBusy,
  type InstanceAction,
  type InstanceActionArgs,
} from '../support/instance.js';
import { parseStorageSize, displayStorage } from '../../instances/quantity.js';

interface ResizeArgs extends InstanceActionArgs {
  storage?: string;
  force: boolean;
}

interface ResizeOptions extends InstanceAction {
  /** The new size, canonical (20Gi). */
  size: string;
  wait: boolean;
}

export const resizeCommand = defineCommand<ResizeArgs, ResizeOptions>({
  command: 'resize <name>',
  scope: 'instance',
  dryRun: INSTANCE_DRY_RUN,
  describe: 'Grow an instance\'s volume (never shrinks)',
  outputs: ACTION_OUTPUTS,
  builder: (y) =>
    instanceActionOptions(y, 'Show requested vs capacity until the resize completes').option('storage', {
      type: 'string',
      describe: 'New size, e.g. 20Gi (the platform\'s 20G means 20Gi)',
    }).option('force', { type: 'boolean', default: false, describe: 'Accept a size above maxStorage of the config file (default 16Ti)' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const action = prepareInstanceAction(ctx, 'resize', args);
    if (args.storage === undefined) throw new UsageError('--storage is required: the new size, e.g. --storage 20Gi');
    const size = parseStorageSize(args.storage, '--storage', { max: String(ctx.config.maxStorage), force: args.force }).text;
    return { ...action, size, wait: args.wait };
  },
  async run(opts, ctx) {
    const { name, namespace, dryRun, timeoutMs, size } = opts;
    await refuseWhileBusy(ctx, namespace, name);
    const kube = await ctx.kube();
    const { resizeInstanceVolume } = await import('../../instances/resize.js');
    const plan = await resizeInstanceVolume(kube, namespace, name, size, dryRun);
    const data = (capacity: string | undefined) => ({
      action: 'resize',
      instance: plan.instance,
      namespace: plan.namespace,
      pvc: plan.pvc,
      changed: !plan.unchanged,
      from: plan.from,
      to: plan.to,
      capacity,
      ...(dryRun ? { dryRun, patch: { kind: 'PersistentVolumeClaim', name: plan.pvc, body: plan.patch } } : {}),
    });
    const requested = plan.unchanged
      ? `instance/${plan.instance}: PVC ${plan.pvc} already requests ${displayStorage(plan.to)}`
      : `instance/${plan.instance}: PVC ${plan.pvc} resize requested${dryRunSuffix(dryRun)}: ${displayStorage(plan.from)} -> ${displayStorage(plan.to)}`;
    if (!opts.wait) return showAction({ lines: [requested], name: `instance/${plan.instance}`, data: data(plan.capacity) });
    // With --wait, people see the request at once; json/yaml get one object with the final capacity.
    const structured = ctx.globals.output !== 'table';
    if (!structured) await ctx.show(showText(`${requested}\n`));
    const { waitForPvcResize } = await import('../../instances/wait.js');
    const p = await waitForPvcResize(kube, {
      namespace: plan.namespace,
      pvcName: plan.pvc,
      size,
      timeoutMs,
      clock: ctx.clock,
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.progress(`  requested ${displayStorage(p.requested)}, capacity ${displayStorage(p.capacity) || 'unknown'}${p.conditions.length ? ` (${p.conditions.join(', ')})` : ''}`),
    });
    return showAction({ lines: [`instance/${plan.instance}: PVC ${plan.pvc} now has ${displayStorage(p.capacity)}`], name: `instance/${plan.instance}`, data: data(p.capacity) });
  },
});
