import type { CommandDef } from '../../cli/command.js';
import { UsageError } from '../../core/errors.js';
import { completeInstanceName, instanceNamespace, rejectAllNamespaces, waitTimeout } from '../../instances/commandSupport.js';
import { validateInstanceReference } from '../../instances/names.js';
import { parseStorageSize, displayStorage } from '../../instances/quantity.js';

interface ResizeArgs {
  name: string;
  storage?: string;
  wait: boolean;
  timeout?: string;
}

export const resizeCommand: CommandDef<ResizeArgs> = {
  command: 'resize <name>',
  describe: 'Grow an instance\'s volume (never shrinks)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('storage', { type: 'string', describe: 'New size, e.g. 20Gi (the platform\'s 20G means 20Gi)' })
      .option('wait', { type: 'boolean', default: false, describe: 'Show requested vs capacity until the resize completes' })
      .option('timeout', { type: 'string', describe: 'How long --wait waits (default 10m)' }),
  complete: completeInstanceName,
  async run(ctx, args) {
    rejectAllNamespaces(ctx, 'resize');
    const name = validateInstanceReference(args.name);
    if (args.storage === undefined) throw new UsageError('--storage is required: the new size, e.g. --storage 20Gi');
    const size = parseStorageSize(args.storage).text;
    const timeoutMs = waitTimeout(ctx, args.timeout);
    const kube = await ctx.kube();
    const { resizeInstanceVolume } = await import('../../instances/resize.js');
    const plan = await resizeInstanceVolume(kube, instanceNamespace(ctx), name, size);
    if (plan.unchanged) ctx.io.stdout.write(`instance/${plan.instance}: PVC ${plan.pvc} already requests ${displayStorage(plan.to)}\n`);
    else ctx.io.stdout.write(`instance/${plan.instance}: PVC ${plan.pvc} resize requested: ${displayStorage(plan.from)} -> ${displayStorage(plan.to)}\n`);
    if (!args.wait) return;
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
    ctx.io.stdout.write(`instance/${plan.instance}: PVC ${plan.pvc} now has ${displayStorage(p.capacity)}\n`);
  },
};
