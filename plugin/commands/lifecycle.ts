// start / stop / restart share their wiring: resolve, change (or, with --dry-run, show the change),
// print the result, optionally follow readiness.
import { defineCommand, type CommandDef } from '../cli/command.js';
import type { CommandContext } from '../cli/context.js';
import { showAction } from '../cli/output.js';
import {
  ACTION_OUTPUTS,
  completeInstanceName,
  dryRunSuffix,
  instanceActionOptions,
  INSTANCE_DRY_RUN,
  prepareInstanceAction,
  refuseWhileBusy,
  type DryRun,
  type InstanceAction,
  type InstanceActionArgs,
} from './support/instance.js';
import type { LifecycleResult } from '../instances/lifecycle.js';

export interface LifecycleVerb {
  verb: 'start' | 'stop' | 'restart';
  describe: string;
  /** Past tense for the result line. */
  done: string;
  /** What an unchanged instance already is. */
  already: string;
  act: (ctx: CommandContext, namespace: string, name: string, dryRun: DryRun) => Promise<LifecycleResult>;
}

export interface LifecycleOptions extends InstanceAction {
  wait: boolean;
}

export function lifecycleCommand(v: LifecycleVerb): CommandDef<InstanceActionArgs, LifecycleOptions> {
  return defineCommand<InstanceActionArgs, LifecycleOptions>({
    command: `${v.verb} <name>`,
    scope: 'instance',
    dryRun: INSTANCE_DRY_RUN,
    describe: v.describe,
    outputs: ACTION_OUTPUTS,
    builder: (y) => instanceActionOptions(y, v.verb === 'stop' ? 'Wait until the pod is gone' : 'Wait until the instance is ready'),
    complete: completeInstanceName,
    toOptions(ctx, args) {
      return { ...prepareInstanceAction(ctx, v.verb, args), wait: args.wait };
    },
    async run(opts, ctx) {
      const { name, namespace, dryRun, timeoutMs } = opts;
      await refuseWhileBusy(ctx, namespace, name);
      if (v.verb !== 'stop') await (await import('../oncall/maintenance.js')).refuseInMaintenance(await ctx.kube(), namespace, name);
      const r = await v.act(ctx, namespace, name, dryRun);
      const replicas = r.deployment.spec?.replicas;
      // With --wait the result line comes once it is true: "stopped" after the pod is gone.
      if (opts.wait && !r.dryRun) {
        const kube = await ctx.kube();
        const { waitForInstance } = await import('../instances/wait.js');
        const { statusText } = await import('../instances/status.js');
        const until = v.verb === 'stop' ? 'stopped' : 'ready';
        ctx.progress(`waiting for instance ${r.name} to ${until === 'ready' ? 'become ready' : 'stop'}...`);
        await waitForInstance(kube, {
          namespace: r.namespace,
          name: r.name,
          podSelector: r.podSelector,
          until,
          timeoutMs,
          clock: ctx.clock,
          signal: ctx.signal,
          onProgress: (s) => ctx.progress(`  ${r.name}: ${statusText(s)}${s.message ? ` - ${s.message}` : ''}`),
        });
      }
      return showAction({
        lines: [r.changed ? `instance/${r.name} ${v.done}${dryRunSuffix(dryRun)}` : `instance/${r.name} is already ${v.already}`],
        name: `instance/${r.name}`,
        data: {
          action: v.verb,
          instance: r.name,
          namespace: r.namespace,
          changed: r.changed,
          replicas,
          ...(r.dryRun ? { dryRun: r.dryRun, patch: { kind: 'Deployment', name: r.name, body: r.patch } } : {}),
        },
      });
    },
  });
}
