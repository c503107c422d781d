import { defineCommand } from '../../cli/command.js';
import { UsageError } from '../../../lib/errors.js';
import { completeInstanceName, instanceNamespace, parseTail } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import { parseTimeout } from '../../instances/wait.js';

interface LogsArgs {
  name: string;
  follow: boolean;
  tail?: string;
  since?: string;
  previous: boolean;
  timestamps: boolean;
}

interface LogsOptions {
  name: string;
  namespace: string;
  follow: boolean;
  /** --tail: the last N lines; undefined for the whole log. */
  tailLines?: number;
  /** --since, in whole seconds (at least 1). */
  sinceSeconds?: number;
  previous: boolean;
  timestamps: boolean;
}

export const logsCommand = defineCommand<LogsArgs, LogsOptions>({
  command: 'logs <name>',
  scope: 'instance',
  describe: 'Print the Odoo log of an instance\'s pod',
  // The log is text as Odoo wrote it; there is no structure to print as json/yaml.
  outputs: ['table'],
  stream: true,
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep streaming new lines' })
      .option('tail', { type: 'string', requiresArg: true, describe: 'Only the last N lines' })
      .option('since', { type: 'string', describe: 'Only lines newer than this, e.g. 10m or 1h' })
      .option('previous', { alias: 'p', type: 'boolean', default: false, describe: 'The previous (crashed) container\'s log' })
      .option('timestamps', { type: 'boolean', default: false, describe: 'Prefix each line with its time' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    const name = validateInstanceReference(args.name);
    const tailLines = args.tail !== undefined ? parseTail(args.tail) : undefined;
    const sinceSeconds = args.since !== undefined ? Math.max(1, Math.round(parseTimeout(args.since, '--since') / 1000)) : undefined;
    if (args.previous && args.follow) throw new UsageError('--previous and --follow cannot be used together: the previous container has ended');
    return { name, namespace: instanceNamespace(ctx), follow: args.follow, tailLines, sinceSeconds, previous: args.previous, timestamps: args.timestamps };
  },
  async run(opts, ctx) {
    const kube = await ctx.kube();
    const { resolveInstance } = await import('../../instances/resolve.js');
    const { pickLogPod } = await import('../../instances/logPod.js');
    const { streamPodLogs } = await import('../../../lib/kube/logs.js');
    const o = await resolveInstance(kube, opts.namespace, opts.name);
    const { pod, container } = pickLogPod(o);
    await streamPodLogs(
      kube,
      { namespace: o.namespace, pod, container, follow: opts.follow, tailLines: opts.tailLines, sinceSeconds: opts.sinceSeconds, previous: opts.previous, timestamps: opts.timestamps, signal: ctx.signal },
      ctx.io.stdout,
    );
  },
});
