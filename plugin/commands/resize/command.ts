import type { CommandDef } from '../../cli/command.js';
import { UsageError } from '../../core/errors.js';
import {
  ACTION_OUTPUTS,
  DRY_RUN_OPTION,
  completeInstanceName,
  dryRunSuffix,
  instanceNamespace,
  parseDryRun,
  printAction,
  rejectAllNamespaces,
  rejectWaitWithDryRun,
  waitTimeout,
} from '../../instances/commandSupport.js';
import { validateInstanceReference } from '../../instances/names.js';
import { parseStorageSize, displayStorage } from '../../instances/quantity.js';

interface ResizeArgs {
  name: string;
  storage?: string;
  wait: boolean;
  timeout?: string;
  dryRun?: string | boolean;
}

export const resizeCommand: CommandDef<ResizeArgs> = {
  command: 'resize <name>',
  describe: 'Grow an instance\'s volume (never shrinks)',
  outputs: ACTION_OUTPUTS,
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('storage', { type: 'string', describe: 'New size, e.g. 20Gi (the platform\'s 20G means 20Gi)' })
      .option('wait', { type: 'boolean', default: false, describe: 'Show requested vs capacity until the resize completes' })
      .option('timeout', { type: 'string', describe: 'How long --wait waits (default 10m)' })
      .option('dry-run', DRY_RUN_OPTION),
  complete: completeInstanceName,
  async run(ctx, args) {
    rejectAllNamespaces(ctx, 'resize');
    const name = validateInstanceReference(args.name);
    if (args.storage === undefined) throw new UsageError('--storage is required: the new size, e.g. --storage 20Gi');
    const size = parseStorageSize(args.storage).text;
    const dryRun = parseDryRun(args.dryRun);
    rejectWaitWithDryRun(dryRun, args.wait);
    const timeoutMs = waitTimeout(ctx, args.timeout);
    const kube = await ctx.kube();
    const { resizeInstanceVolume } = await import('../../instances/resize.js');
    const plan = await resizeInstanceVolume(kube, instanceNamespace(ctx), name, size, dryRun);
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
    if (!args.wait) {
      await printAction(ctx, { lines: [requested], name: `instance/${plan.instance}`, data: data(plan.capacity) });
      return;
    }
    // With --wait, people see the request at once; json/yaml get one object with the final capacity.
    const structured = ctx.globals.output !== 'table';
    if (!structured) ctx.io.stdout.write(`${requested}\n`);
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
    if (structured) await printAction(ctx, { lines: [], name: `instance/${plan.instance}`, data: data(p.capacity) });
    else ctx.io.stdout.write(`instance/${plan.instance}: PVC ${plan.pvc} now has ${displayStorage(p.capacity)}\n`);
  },
};
