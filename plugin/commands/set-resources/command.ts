import { defineCommand } from '../../cli/command.js';
import { showAction } from '../../cli/output.js';
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
import { parseCpu, parseMemory } from '../../instances/quantity.js';

interface SetResourcesArgs extends InstanceActionArgs {
  cpu?: string;
  memory?: string;
}

interface SetResourcesOptions extends InstanceAction {
  /** The new CPU and memory, canonical; only what was given. */
  change: { cpu?: string; memory?: string };
  wait: boolean;
}

export const setResourcesCommand = defineCommand<SetResourcesArgs, SetResourcesOptions>({
  command: 'set-resources <name>',
  scope: 'instance',
  dryRun: INSTANCE_DRY_RUN,
  describe: 'Change an instance\'s CPU and memory (requests = limits); the pod is recreated',
  outputs: ACTION_OUTPUTS,
  builder: (y) =>
    instanceActionOptions(y, 'Wait until the new pod is ready')
      .option('cpu', { type: 'string', describe: 'CPU, e.g. 2 or 500m' })
      .option('memory', { type: 'string', describe: 'Memory, e.g. 4Gi' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const action = prepareInstanceAction(ctx, 'set-resources', args);
    if (args.cpu === undefined && args.memory === undefined) throw new UsageError('set-resources needs --cpu and/or --memory (e.g. --cpu 2 --memory 4Gi)');
    const change = { cpu: args.cpu !== undefined ? parseCpu(args.cpu).text : undefined, memory: args.memory !== undefined ? parseMemory(args.memory).text : undefined };
    return { ...action, change, wait: args.wait };
  },
  async run(opts, ctx) {
    const { name, namespace, dryRun, timeoutMs, change } = opts;
    await refuseWhileBusy(ctx, namespace, name);
    const kube = await ctx.kube();
    const { setInstanceResources } = await import('../../instances/lifecycle.js');
    const r = await setInstanceResources(kube, namespace, name, change, dryRun);
    const now = [change.cpu ? `cpu ${change.cpu}` : '', change.memory ? `memory ${change.memory}` : ''].filter(Boolean).join(', ');
    const result = showAction({
      lines: [r.changed ? `instance/${r.name} resources set${dryRunSuffix(dryRun)}: ${now} (was cpu ${r.before.cpu ?? '-'}, memory ${r.before.memory ?? '-'})` : `instance/${r.name} already has ${now}`],
      name: `instance/${r.name}`,
      data: {
        action: 'set-resources',
        instance: r.name,
        namespace: r.namespace,
        changed: r.changed,
        before: r.before,
        after: { cpu: change.cpu ?? r.before.cpu, memory: change.memory ?? r.before.memory },
        ...(r.dryRun ? { dryRun: r.dryRun, patch: { kind: 'Deployment', name: r.name, body: r.patch } } : {}),
      },
    });
    if (!opts.wait || !r.changed) return result;
    // The change is made and stands whatever the wait brings: it is shown first.
    await ctx.show(result);
    const { waitForInstance } = await import('../../instances/wait.js');
    const replicas = r.deployment.spec?.replicas ?? 1;
    if (replicas === 0) return;
    await waitForInstance(kube, { namespace: r.namespace, name: r.name, podSelector: r.podSelector, until: 'ready', timeoutMs, clock: ctx.clock, signal: ctx.signal });
    ctx.progress(`instance ${r.name} is ready with the new resources`);
  },
});
