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
import { parseCpu, parseMemory } from '../../instances/quantity.js';

interface SetResourcesArgs {
  name: string;
  cpu?: string;
  memory?: string;
  wait: boolean;
  timeout?: string;
  dryRun?: string | boolean;
}

export const setResourcesCommand: CommandDef<SetResourcesArgs> = {
  command: 'set-resources <name>',
  describe: 'Change an instance\'s CPU and memory (requests = limits); the pod is recreated',
  outputs: ACTION_OUTPUTS,
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('cpu', { type: 'string', describe: 'CPU, e.g. 2 or 500m' })
      .option('memory', { type: 'string', describe: 'Memory, e.g. 4Gi' })
      .option('wait', { type: 'boolean', default: false, describe: 'Wait until the new pod is ready' })
      .option('timeout', { type: 'string', describe: 'How long --wait waits (default 10m)' })
      .option('dry-run', DRY_RUN_OPTION),
  complete: completeInstanceName,
  async run(ctx, args) {
    rejectAllNamespaces(ctx, 'set-resources');
    const name = validateInstanceReference(args.name);
    if (args.cpu === undefined && args.memory === undefined) throw new UsageError('set-resources needs --cpu and/or --memory (e.g. --cpu 2 --memory 4Gi)');
    const change = { cpu: args.cpu !== undefined ? parseCpu(args.cpu).text : undefined, memory: args.memory !== undefined ? parseMemory(args.memory).text : undefined };
    const dryRun = parseDryRun(args.dryRun);
    rejectWaitWithDryRun(dryRun, args.wait);
    const timeoutMs = waitTimeout(ctx, args.timeout);
    const kube = await ctx.kube();
    const { setInstanceResources } = await import('../../instances/lifecycle.js');
    const r = await setInstanceResources(kube, instanceNamespace(ctx), name, change, dryRun);
    const now = [change.cpu ? `cpu ${change.cpu}` : '', change.memory ? `memory ${change.memory}` : ''].filter(Boolean).join(', ');
    await printAction(ctx, {
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
    if (!args.wait || !r.changed) return;
    const { waitForInstance } = await import('../../instances/wait.js');
    const replicas = r.deployment.spec?.replicas ?? 1;
    if (replicas === 0) return;
    await waitForInstance(kube, { namespace: r.namespace, name: r.name, podSelector: r.podSelector, until: 'ready', timeoutMs, clock: ctx.clock, signal: ctx.signal });
    ctx.progress(`instance ${r.name} is ready with the new resources`);
  },
};
