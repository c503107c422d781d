// The screens of `nodes` and `nodes check`: pure text from reports (tables via the shared table layer).
import type { Colors } from '../core/output/colors.js';
import { renderTable, type Column } from '../core/output/table.js';
import type { Check, DeviceVerdict } from '../../lib/nodes/facts.js';
import type { ChecksOutput } from './checkNodes.js';
import { describeCapacity } from '../../lib/nodes/capacity.js';
import { formatBytes } from '../../lib/bytes.js';
import { formatReason, reasonMark } from '../../lib/nodes/judgeOsdReadiness.js';
import type { DiskUsage, NodeReport } from '../../lib/nodes/report.js';
import { STALE_AFTER_INTERVALS, type NodeSummaries, type NodeSummaryItem } from './listNodes.js';

export function colorVerdict(c: Colors, v: string): string {
  if (v === 'READY' || v === 'ok') return c.green(v);
  if (v === 'NOT_READY' || v === 'error' || v === 'ERROR') return c.red(v);
  return c.yellow(v);
}

/** "ok", or the problems: "error: udev; warning: clock sync". */
export function summarisePrerequisites(checks: Check[]): string {
  const bad = checks.filter((c) => c.status !== 'ok');
  if (!checks.length) return '-';
  if (!bad.length) return 'ok';
  const by = (s: string) => bad.filter((c) => c.status === s).map((c) => c.name);
  return ['error', 'warning', 'unknown']
    .filter((s) => by(s).length)
    .map((s) => `${s}: ${by(s).join(', ')}`)
    .join('; ');
}

/** "/ 45%, 3 volumes (fullest 80% acme)". */
export function summariseUsage(u: DiskUsage | undefined): string {
  if (!u) return '-';
  const pct = (used: number, size: number) => (size > 0 ? `${Math.round((used / size) * 100)}%` : '?');
  const root = u.filesystems.find((f) => f.mountPoint === '/') ?? u.filesystems[0];
  const parts: string[] = [];
  if (root) parts.push(`${root.mountPoint} ${pct(root.usedBytes, root.sizeBytes)}`);
  const vols = u.volumes.filter((v) => v.sizeBytes);
  if (vols.length) {
    const fullest = vols.reduce((a, b) => (b.usedBytes! / b.sizeBytes! > a.usedBytes! / a.sizeBytes! ? b : a));
    parts.push(`${vols.length} volume${vols.length === 1 ? '' : 's'} (fullest ${pct(fullest.usedBytes!, fullest.sizeBytes!)} ${fullest.instance ?? fullest.pvc})`);
  }
  return parts.join(', ') || '-';
}

interface DeviceRow {
  node: string;
  device?: DeviceVerdict;
  report?: NodeReport;
  error?: string;
  /** Shown instead of the device's verdict (a node that was not checked: UNKNOWN). */
  verdict?: string;
  /** `nodes`: the summary's state, for the age column. */
  summary?: NodeSummaryItem;
}

function deviceColumns(c: Colors, opts: { usage: boolean; age?: (r: DeviceRow) => string }): Column<DeviceRow>[] {
  const cols: Column<DeviceRow>[] = [
    { header: 'node', value: (r) => r.node },
    { header: 'device', value: (r) => r.device?.device ?? '-' },
    { header: 'size', value: (r) => (r.device?.sizeBytes !== undefined ? formatBytes(r.device.sizeBytes) : '-'), align: 'right' },
    { header: 'verdict', value: (r) => r.verdict ?? (r.error ? 'ERROR' : r.device?.verdict ?? '-'), style: (t) => colorVerdict(c, t) },
    { header: 'reason', value: (r) => (r.error ? r.error : r.device?.reasons[0] ? formatReason(r.device.reasons[0]) + reasonMark(r.device.reasons[0]) : '') },
    { header: 'prerequisites', value: (r) => (r.report ? summarisePrerequisites(r.report.prerequisites) : '-') },
  ];
  if (opts.usage) cols.push({ header: 'disk usage', value: (r) => summariseUsage(r.report?.usage) });
  cols.push({ header: 'by-id', value: (r) => r.device?.byId.join(',') || '-', wide: true });
  if (opts.age) cols.push({ header: 'age', value: opts.age });
  return cols;
}

function deviceRows(items: { node: string; report?: NodeReport; error?: string }[]): DeviceRow[] {
  return items.flatMap((i): DeviceRow[] =>
    i.report && i.report.devices.length ? i.report.devices.map((d) => ({ node: i.node, device: d, report: i.report })) : [{ node: i.node, report: i.report, error: i.error ?? 'no devices inspected' }],
  );
}

/**
 * The `nodes` screen: a row per device of every node (UNKNOWN rows for nodes without a usable summary,
 * stale ages marked), then what keeps nodes from counting as ready, and the count.
 */
export function renderNodeList(s: NodeSummaries, c: Colors, opts: { wide: boolean; aligned: boolean; namespace: string }): string {
  const rows = s.nodes.flatMap((i): DeviceRow[] => {
    if (i.summary === 'missing' || i.summary === 'unreadable') {
      return [{ node: i.node, summary: i, verdict: 'UNKNOWN', error: i.summary === 'missing' ? 'no agent summary' : 'summary unreadable' }];
    }
    return deviceRows([i]).map((r) => ({ ...r, summary: i }));
  });
  const age = (r: DeviceRow) => {
    const a = r.summary?.ageSeconds;
    if (a === undefined) return '-';
    const tag = r.summary?.summary === 'stale' ? ' (stale)' : r.summary?.summary === 'orphaned' ? ' (no such node)' : '';
    return `${formatAge(a * 1000)}${tag}`;
  };
  let text = renderTable(rows, deviceColumns(c, { usage: true, age }), opts);
  const inCluster = s.nodes.filter((i) => i.summary !== 'orphaned');
  if (s.forbidden) {
    text += `\nThe node summaries in namespace ${opts.namespace} cannot be read (${s.forbidden}): is the node agent installed (kubectl odoo agent install, which also lets operators read them)? Without it: kubectl odoo nodes check --ssh root@HOST\n`;
  } else if (inCluster.length && inCluster.every((i) => i.summary === 'missing')) {
    // One explanation instead of the same one per node.
    text += `\nNo node has a summary in namespace ${opts.namespace}: is the node agent installed (kubectl odoo agent install)? Without it: kubectl odoo nodes check --ssh root@HOST\n`;
  } else {
    const notes = s.nodes.filter((i) => i.error).map((i) => `${i.node}: ${i.error}`);
    if (notes.length) text += `\n${notes.join('\n')}\n`;
  }
  const ready = inCluster.filter((i) => i.ready).length;
  const why = ` (a node is ready when its summary is younger than ${STALE_AFTER_INTERVALS} refresh intervals, every device is READY and no prerequisite is in error; "kubectl odoo nodes check" inspects now)`;
  text += `\n${ready} of ${inCluster.length} node${inCluster.length === 1 ? '' : 's'} ready${s.ready ? '' : why}\n`;
  return text;
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** The `nodes check` screen: devices, prerequisite problems, cluster checks, capacity, the verdict. */
export function renderChecks(out: ChecksOutput, c: Colors, opts: { wide: boolean; aligned: boolean }): string {
  const items = out.nodes.map((n) => ({
    node: n.node,
    error: n.error,
    report: n.error ? undefined : ({ devices: n.devices, prerequisites: n.checks.filter((k) => !k.name.startsWith('device ')) } as unknown as NodeReport),
  }));
  let text = renderTable(deviceRows(items), deviceColumns(c, { usage: false }), opts);

  // Every reason of every device that is not ready, so nothing hides behind the first one.
  const details: string[] = [];
  for (const n of out.nodes) {
    for (const d of n.devices) {
      if (d.reasons.length > 1) details.push(`${n.node} ${d.device}:`, ...d.reasons.map((r) => `  - ${formatReason(r)}${reasonMark(r)}${r.kind === 'unknown' ? ' [unknown]' : ''}`));
    }
  }
  if (details.length) text += `\n${details.join('\n')}\n`;

  const problems = out.nodes.filter((n) => !n.error).flatMap((n) => n.checks.filter((k) => !k.name.startsWith('device ') && k.status !== 'ok').map((k) => ({ node: n.node, ...k })));
  const statusColumns: Column<Check & { node?: string }>[] = [
    { header: 'check', value: (r) => r.name },
    { header: 'status', value: (r) => r.status, style: (t) => colorVerdict(c, t) },
    { header: 'message', value: (r) => r.message },
  ];
  if (problems.length) {
    text += '\nPrerequisites that need attention:\n';
    text += renderTable(problems, [{ header: 'node', value: (r) => r.node ?? '' }, ...statusColumns], opts);
  }
  if (out.clusterChecks.length) {
    text += '\nCluster:\n';
    text += renderTable(out.clusterChecks, statusColumns, opts);
  }
  const readyCount = out.nodes.filter((n) => n.ready).length;
  text += `\nJudged for Ceph ${out.ceph.release} (${out.ceph.releaseName}), from ${out.ceph.releaseFrom}${out.ceph.cephFsid ? `; cluster fsid ${out.ceph.cephFsid} from ${out.ceph.fsidFrom}` : ''}. Reasons marked [rook] are Rook's, [kubectl-odoo] our stricter checks; unmarked ones are ceph-volume's.\n`;
  text += `\n${describeCapacity(out.capacity)}\n`;
  text += `${readyCount} of ${out.nodes.length} node${out.nodes.length === 1 ? '' : 's'} ready${out.ready || out.devicesOnly ? '' : ' (a node is ready when every device is READY and no prerequisite is in error)'}\n`;
  if (out.devicesOnly) text += `--devices-only: ${out.devicesReady ? 'every device is READY' : 'not every device is READY'}; prerequisites and cluster checks do not count for the exit code\n`;
  return text;
}
