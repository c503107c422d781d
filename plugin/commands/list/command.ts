import type { CommandDef } from '../../cli/command.js';
import { printResult } from '../../core/output/printer.js';
import { instanceNamespace } from '../../instances/commandSupport.js';
import { validateLabelSelector } from '../../instances/selector.js';
import { SORT_KEYS, parseSortKey } from '../../instances/summary.js';

interface ListArgs {
  selector?: string;
  customer?: string;
  sort?: string;
}

export const listCommand: CommandDef<ListArgs> = {
  command: 'list',
  aliases: ['ls'],
  describe: 'List instances (the plugin\'s and the platform\'s) with status, storage and URL',
  builder: (y) =>
    y
      .option('selector', { alias: 'l', type: 'string', describe: 'Label selector the instances\' Deployments must match' })
      .option('customer', { type: 'string', describe: 'Only instances of this customer id' })
      .option('sort', { type: 'string', choices: SORT_KEYS as unknown as string[], default: 'name', describe: 'Sort by' }),
  async run(ctx, args) {
    const selector = args.selector !== undefined ? validateLabelSelector(args.selector) : undefined;
    const sort = parseSortKey(args.sort);
    const namespace = ctx.globals.allNamespaces ? undefined : instanceNamespace(ctx);
    const customer = args.customer !== undefined ? String(args.customer) : undefined;
    const kube = await ctx.kube();
    const { listInstances } = await import('../../instances/resolve.js');
    const { summarizeInstance, sortSummaries, summaryColumns } = await import('../../instances/summary.js');
    const now = ctx.clock.now();
    const instances = await listInstances(kube, { namespace, allNamespaces: ctx.globals.allNamespaces, labelSelector: selector });
    let rows = instances.map((o) => summarizeInstance(o, now));
    // Customer ids live in a label only one platform scheme sets, so filter on the derived fact.
    if (customer !== undefined) rows = rows.filter((r) => r.customerId === customer);
    rows = sortSummaries(rows, sort);
    await printResult(ctx.io, ctx.globals.output, {
      rows,
      columns: summaryColumns(now, ctx.colors, ctx.globals.allNamespaces),
      name: (r) => `instance/${r.name}`,
      empty: namespace ? `No instances found in namespace ${namespace}.` : 'No instances found.',
    });
  },
};
