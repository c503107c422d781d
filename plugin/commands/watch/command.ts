import { defineCommand } from '../../cli/command.js';
import { instanceNamespace, customerFilter } from '../support/instance.js';
import { validateLabelSelector } from '../../instances/selector.js';

interface WatchArgs {
  selector?: string;
  customer?: string;
}

interface WatchOptions {
  /** undefined with -A: every namespace. */
  namespace?: string;
  selector?: string;
  customer?: string;
}

export const watchCommand = defineCommand<WatchArgs, WatchOptions>({
  command: 'watch',
  scope: 'fleet',
  outputs: ['table', 'json'],
  stream: true,
  describe: 'Stream instances\' status transitions as they happen (Ctrl-C to stop)',
  builder: (y) =>
    y
      .option('selector', { alias: 'l', type: 'string', describe: 'Label selector the instances\' Deployments must match' })
      .option('customer', { type: 'string', describe: 'Only instances of this customer id' }),
  toOptions(ctx, args) {
    const selector = args.selector !== undefined ? validateLabelSelector(args.selector) : undefined;
    const namespace = ctx.globals.allNamespaces ? undefined : instanceNamespace(ctx);
    return { namespace, selector, customer: customerFilter(args.customer) };
  },
  async run(opts, ctx) {
    const format = ctx.globals.output;
    const { namespace } = opts;
    const kube = await ctx.kube();
    const { watchInstances, formatTransition } = await import('../../instances/watch.js');
    const { styleStatus } = await import('../../instances/summary.js');
    // Lines are gathered and written once per turn of the event loop: a burst of thousands of
    // transitions costs a few writes, not one write each.
    let out = '';
    let flushing = false;
    const flush = () => {
      flushing = false;
      if (!out) return;
      const text = out;
      out = '';
      ctx.io.stdout.write(text);
    };
    const print = (line: string) => {
      out += line + '\n';
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    };
    try {
      await watchInstances(kube, {
        namespace,
        labelSelector: opts.selector,
        customer: opts.customer,
        signal: ctx.signal,
        now: () => ctx.clock.now(),
        log: ctx.globals.verbose >= 4 ? (l) => ctx.progress(l) : undefined,
        emit: (t) => {
          if (format === 'json') print(JSON.stringify(t));
          else print(formatTransition({ ...t, to: styleStatus(ctx.colors, t.to, t.to) as any }, !namespace));
        },
      });
    } finally {
      flush();
    }
  },
});
