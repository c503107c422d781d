import type { KubeClient } from '../../../lib/kube/client.js';
import { RESOURCES } from '../../../lib/kube/resources.js';
import { defineCommand } from '../../cli/command.js';
import { UsageError } from '../../../lib/errors.js';
import { showTable } from '../../cli/output.js';
import { instanceNamespace, customerFilter } from '../support/instance.js';
import { validateLabelSelector } from '../../instances/selector.js';
import { SORT_KEYS, parseSortKey, type SortKey } from '../../instances/summary.js';

interface ListArgs {
  selector?: string;
  customer?: string;
  sort?: string;
  includeKept: boolean;
}

interface ListOptions {
  /** undefined with -A: every namespace. */
  namespace?: string;
  selector?: string;
  customer?: string;
  sort: SortKey;
  includeKept: boolean;
}

export const listCommand = defineCommand<ListArgs, ListOptions>({
  command: 'list',
  scope: 'fleet',
  outputs: ['table', 'wide', 'json', 'yaml', 'name'],
  aliases: ['ls'],
  describe: 'List instances (the plugin\'s and the platform\'s) with status, storage and URL',
  builder: (y) =>
    y
      .option('selector', { alias: 'l', type: 'string', describe: 'Label selector the instances\' Deployments must match' })
      .option('customer', { type: 'string', describe: 'Only instances of this customer id' })
      .option('sort', { type: 'string', choices: SORT_KEYS as unknown as string[], default: 'name', describe: 'Sort by' })
      .option('include-kept', { type: 'boolean', default: false, describe: 'Also list the kept volumes of deleted instances (status "deleted (volume kept)")' }),
  toOptions(ctx, args) {
    const selector = args.selector !== undefined ? validateLabelSelector(args.selector) : undefined;
    if (selector !== undefined && args.includeKept) {
      throw new UsageError('--include-kept cannot be used with -l: a kept volume has no Deployment whose labels could match; use --customer');
    }
    const sort = parseSortKey(args.sort);
    const namespace = ctx.globals.allNamespaces ? undefined : instanceNamespace(ctx);
    const customer = customerFilter(args.customer);
    return { namespace, selector, customer, sort, includeKept: args.includeKept };
  },
  async run(opts, ctx) {
    const { namespace, selector, customer, sort, includeKept } = opts;
    const kube = await ctx.kube();
    const { summarizeFleet } = await import('../../instances/resolveFleet.js');
    const { summarizeInstance, summarizeKeptVolume, sortSummaries, summaryColumns } = await import('../../instances/summary.js');
    const { displayStorage } = await import('../../instances/quantity.js');
    const now = ctx.clock.now();
    const fleet = await summarizeFleet(kube, { namespace, allNamespaces: ctx.globals.allNamespaces, labelSelector: selector }, (o) => summarizeInstance(o, now));
    // Customer ids live in a label only one platform scheme sets, so filter on the derived fact.
    const kept = fleet.keptVolumes.filter((k) => customer === undefined || k.customerId === customer);
    let rows = fleet.rows;
    if (customer !== undefined) rows = rows.filter((r) => r.customerId === customer);
    if (includeKept) rows.push(...kept.map(summarizeKeptVolume));
    rows = sortSummaries(rows, sort);
    const format = ctx.globals.output;
    const table = showTable({
      rows,
      columns: summaryColumns(now, ctx.colors, ctx.globals.allNamespaces, rows),
      name: (r) => (r.kept ? `persistentvolumeclaim/${r.storage.pvc}` : `instance/${r.name}`),
      empty: namespace ? `No instances found in namespace ${namespace}${rows.length === 0 && (await namespaceMissing(kube, namespace)) ? ' (there is no such namespace)' : ''}.` : 'No instances found.',
    });
    // Volumes of deleted instances keep using storage; say so where people look, without changing what scripts read.
    if (!includeKept && kept.length && (format === 'table' || format === 'wide')) {
      const shown = kept.slice(0, 5).map((k) => `${ctx.globals.allNamespaces ? `${k.namespace}/` : ''}${k.pvc.metadata.name} ${displayStorage(k.pvc.spec?.resources?.requests?.storage) || '?'}`);
      const more = kept.length > shown.length ? `, and ${kept.length - shown.length} more` : '';
      table.notes = [`${kept.length} volume(s) of deleted instances kept: ${shown.join(', ')}${more}. List them with --include-kept; remove one with "kubectl odoo delete NAME --delete-data".`];
    }
    return table;
  },
});

/** Whether the namespace is known not to exist (a 404); false when it exists or cannot be read. */
async function namespaceMissing(kube: KubeClient, namespace: string): Promise<boolean> {
  try {
    return (await kube.getOptional(RESOURCES.namespaces, namespace)) === undefined;
  } catch {
    return false;
  }
}
