// kubectl odoo storage [NAME] [-A]: one instance's volume in detail, or every volume's usage as a table.
import { defineCommand } from '../../cli/command.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import type { CommandContext } from '../../cli/context.js';
import { UsageError } from '../../../lib/errors.js';
import { showScreen, showTable } from '../../cli/output.js';
import { validateInstanceReference } from '../../instances/names.js';
import { formatBytes } from '../../../lib/bytes.js';
import type { InstanceStorage, SortKey, UsageRow } from '../../storage/run.js';
import type { Level, UsageThresholds } from '../../storage/facts.js';

interface Args {
  name?: string;
  measure: boolean;
  sort: SortKey;
}

interface StorageOptions {
  /** One instance's volume in detail; undefined for the table of volumes. */
  name?: string;
  /** undefined with -A: every namespace. */
  namespace?: string;
  measure: boolean;
  sort: SortKey;
  thresholds: UsageThresholds;
}

export function storageThresholds(ctx: Pick<CommandContext, 'config'>): UsageThresholds {
  return {
    warnPercent: Number(ctx.config.storageWarnPercent ?? 85),
    criticalPercent: Number(ctx.config.storageCriticalPercent ?? 95),
  };
}

type Painter = Pick<CommandContext, 'colors'>;

function paint(ctx: Painter, level: Level, text: string): string {
  return level === 'critical' ? ctx.colors.red(text) : level === 'warning' ? ctx.colors.yellow(text) : text;
}

const pct = (used: number, cap: number) => (cap > 0 ? `${Math.round((100 * used) / cap)}%` : '?');

/** The storage NAME screen (the support bundle holds it too). */
export function renderInstanceStorage(ctx: Painter, s: InstanceStorage): string {
  const b = ctx.colors.bold;
  const lines: string[] = [`${b('Instance:')}     ${s.namespace}/${s.instance}`];
  if (s.hostPath) {
    lines.push(`${b('Volume:')}       legacy hostPath ${s.hostPath} (shared CephFS tree; "kubectl odoo migrate-storage ${s.instance}" moves it to its own PVC)`);
  } else if (s.pvc) {
    const p = s.pvc;
    const phase = p.phase === 'Bound' ? ctx.colors.green(p.phase) : ctx.colors.red(p.phase);
    lines.push(`${b('PVC:')}          ${p.name}  ${phase}`);
    lines.push(`  Requested:    ${p.requested ?? '-'}`);
    lines.push(`  Capacity:     ${p.capacity ?? '-'}`);
    lines.push(`  Class:        ${p.storageClass ?? '-'}`);
    lines.push(`  Access:       ${p.accessModes.join(',') || '-'}`);
    lines.push(`  Volume:       ${p.volumeName ?? '-'}${p.csiDriver ? ` (${p.csiDriver})` : ''}`);
    if (p.subvolumePath) lines.push(`  Subvolume:    ${p.subvolumePath}`);
    lines.push(`  Resize:       ${p.resizePending ? ctx.colors.yellow(`pending ${p.capacity ?? '?'} -> ${p.requested ?? '?'}${p.resizeConditions.length ? ` (${p.resizeConditions.map((c) => c.type).join(', ')})` : ''}`) : '-'}`);
  } else {
    lines.push(`${b('PVC:')}          ${s.pvcName ?? '-'}  ${ctx.colors.red('missing')}`);
  }
  lines.push(`${b('Mounted by:')}   ${s.mounts.length ? s.mounts.map((m) => `${m.pod} on ${m.node ?? '(not scheduled)'} (${m.phase ?? '?'})`).join(', ') : 'no pod'}`);
  if (s.usage) {
    const u = s.usage;
    const level: Level = s.warnings.some((w) => /full/.test(w.message)) ? s.warnings.find((w) => /full/.test(w.message))!.level : 'ok';
    lines.push(`${b('Usage:')}        ${paint(ctx, level, `${formatBytes(u.usedBytes) || '0'} used of ${formatBytes(u.capacityBytes) || '0'} (${pct(u.usedBytes, u.capacityBytes)})`)}, ${formatBytes(u.availableBytes) || '0'} available${u.filesystemCapacityBytes ? ` (the file system reports ${formatBytes(u.filesystemCapacityBytes)}: see the warning)` : ''}  [${u.source}]`);
  } else {
    lines.push(`${b('Usage:')}        ${s.usageNote ?? 'unknown'}`);
  }
  if (s.largest?.length) {
    lines.push(b('Largest directories:'));
    const w = Math.max(...s.largest.map((d) => formatBytes(d.bytes).length || 1));
    for (const d of s.largest) lines.push(`  ${(formatBytes(d.bytes) || '0').padStart(w)}  ${d.path}`);
  } else if (s.largestNote) {
    lines.push(`${b('Largest directories:')} ${s.largestNote}`);
  }
  if (s.warnings.length) {
    lines.push(b('Warnings:'));
    for (const wmsg of s.warnings) {
      const [first, ...rest] = wmsg.message.split('\n');
      lines.push(`  ${paint(ctx, wmsg.level, `${wmsg.level === 'critical' ? '✗' : '!'} ${first}`)}`);
      for (const r of rest) lines.push(`  ${r}`);
    }
  } else {
    lines.push(`${b('Warnings:')}     none`);
  }
  return lines.join('\n') + '\n';
}

export const storageCommand = defineCommand<Args, StorageOptions>({
  command: 'storage [name]',
  scope: 'fleet',
  complete: completeInstanceName,
  describe: "Where an instance's volume is mounted, how full it is, what is big inside, and what is wrong (-A: every volume)",
  // -o name (persistentvolumeclaim/...) is for the table of volumes; storage NAME refuses it.
  outputs: ['table', 'wide', 'json', 'yaml', 'name'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name (omit for a usage table of the namespace, or use -A)' })
      .option('measure', { type: 'boolean', default: false, describe: 'For a stopped instance: measure through a short-lived pod that mounts the volume' })
      .option('sort', { type: 'string', choices: ['use', 'used', 'capacity', 'name'], default: 'use', describe: 'Table order (use = percent full, highest first)' }),
  toOptions(ctx, args) {
    const name = args.name !== undefined ? validateInstanceReference(args.name) : undefined;
    if (name !== undefined && ctx.globals.allNamespaces) throw new UsageError('storage NAME acts on one instance: use -n NAMESPACE instead of -A (or -A without a NAME, for every namespace)');
    if (args.measure && name === undefined) throw new UsageError('--measure goes with an instance NAME');
    if (name !== undefined && ctx.globals.output === 'name') throw new UsageError('-o name is for the table of volumes ("kubectl odoo storage -o name"); for one instance use -o json or yaml');
    const namespace = ctx.globals.allNamespaces ? undefined : instanceNamespace(ctx);
    return { name, namespace, measure: args.measure, sort: args.sort, thresholds: storageThresholds(ctx) };
  },
  async run(opts, ctx) {
    const kube = await ctx.kube();
    const run = await import('../../storage/run.js');
    if (opts.name !== undefined) {
      const { kubeExec } = await import('../../storage/podExec.js');
      const s = await run.describeStorage(
        { kube, exec: kubeExec(kube), clock: ctx.clock, signal: ctx.signal, progress: ctx.progress },
        { namespace: opts.namespace!, name: opts.name, measure: opts.measure, thresholds: opts.thresholds, agentNamespace: ctx.config.agentNamespace },
      );
      return showScreen(renderInstanceStorage(ctx, s), s);
    }
    const scope = { namespace: opts.namespace, allNamespaces: ctx.globals.allNamespaces };
    const { rows, notes } = await run.fleetUsage({ kube, clock: ctx.clock }, scope, opts.thresholds, ctx.config.agentNamespace);
    const sorted = run.sortUsageRows(rows, opts.sort);
    for (const n of notes) ctx.io.stderr.write(`warning: ${n}\n`);
    return showTable({
      rows: sorted,
      columns: [
        ...(ctx.globals.allNamespaces ? [{ header: 'namespace', value: (r: UsageRow) => r.namespace }] : []),
        { header: 'instance', value: (r) => r.instances.join(',') },
        { header: 'pvc', value: (r) => r.pvc },
        { header: 'status', value: (r) => r.phase, style: (t, r) => (r.phase === 'Bound' || r.phase === 'legacy' ? t : ctx.colors.red(t)) },
        { header: 'used', value: (r) => (r.usedBytes === undefined ? '-' : formatBytes(r.usedBytes) || '0'), align: 'right' },
        { header: 'capacity', value: (r) => (r.capacityBytes !== undefined ? formatBytes(r.capacityBytes) : (r.capacity ?? '-')), align: 'right' },
        { header: 'use%', value: (r) => (r.percent === undefined ? '-' : `${Math.round(r.percent)}%`), align: 'right', style: (t, r) => paint(ctx, r.level, t) },
        { header: 'nodes', value: (r) => r.nodes.join(',') || '-' },
        { header: 'warnings', value: (r) => String(r.warnings), wide: true },
      ],
      data: sorted,
      // A legacy hostPath tree or an instance without a volume is no PersistentVolumeClaim.
      name: (r) => (r.phase === 'legacy' || r.pvc.startsWith('none:') ? undefined : `persistentvolumeclaim/${r.pvc}`),
      empty: 'No instances found',
    });
  },
});
