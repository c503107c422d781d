// start / stop / restart share their wiring: resolve, change, optionally follow readiness.
import type { CommandDef } from '../cli/command.js';
import type { CommandContext } from '../cli/context.js';
import { completeInstanceName, instanceNamespace, rejectAllNamespaces, waitTimeout } from './commandSupport.js';
import { validateInstanceReference } from './names.js';
import type { LifecycleResult } from './lifecycle.js';

interface LifecycleArgs {
  name: string;
  wait: boolean;
  timeout?: string;
}

export interface LifecycleVerb {
  verb: 'start' | 'stop' | 'restart';
  describe: string;
  /** Past tense for the result line. */
  done: string;
  /** What an unchanged instance already is. */
  already: string;
  act: (ctx: CommandContext, namespace: string, name: string) => Promise<LifecycleResult>;
}

export function lifecycleCommand(v: LifecycleVerb): CommandDef<LifecycleArgs> {
  return {
    command: `${v.verb} <name>`,
    describe: v.describe,
    builder: (y) =>
      y
        .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
        .option('wait', { type: 'boolean', default: false, describe: v.verb === 'stop' ? 'Wait until the pod is gone' : 'Wait until the instance is ready' })
        .option('timeout', { type: 'string', describe: 'How long --wait waits (default 10m)' }),
    complete: completeInstanceName,
    async run(ctx, args) {
      rejectAllNamespaces(ctx, v.verb);
      const name = validateInstanceReference(args.name);
      const timeoutMs = waitTimeout(ctx, args.timeout);
      const namespace = instanceNamespace(ctx);
      const r = await v.act(ctx, namespace, name);
      ctx.io.stdout.write(r.changed ? `instance/${r.name} ${v.done}\n` : `instance/${r.name} is already ${v.already}\n`);
      if (!args.wait) return;
      const kube = await ctx.kube();
      const { waitForInstance } = await import('./wait.js');
      const { statusText } = await import('./status.js');
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
      ctx.progress(until === 'ready' ? `instance ${r.name} is ready` : `instance ${r.name} is stopped`);
    },
  };
}
