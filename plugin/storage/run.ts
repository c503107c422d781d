// `storage NAME` and `storage -A`: where an instance's volume is, how full it is, what is big inside it
// and what is wrong with it, from the PVC, PV, StorageClass, events, pods, the node agents' summaries
// and the kubelets' stats.
import type { KubeClient } from '../../lib/kube/client.js';
import type { CoreV1Event, Read, V1ConfigMap, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '../../lib/kube/models.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { ApiError } from '../../lib/kube/errors.js';
import type { Clock } from '../cli/context.js';
import { resolveInstance, type InstanceObjects } from '../instances/resolve.js';
import { listFleet } from '../instances/resolveFleet.js';
import { formatBytes } from '../../lib/bytes.js';
import type { PodExec } from './podExec.js';
import { SUMMARY_SELECTOR, parseSummaryConfigMap } from '../../lib/nodes/summary.js';
import { withInstanceFiles, runningInstancePod } from './volumePod.js';
import {
  againstPvcCapacity,
  quantityBytes,
  derivePvcFacts,
  directoryTotal,
  largestDirectories,
  mountsOf,
  storageWarnings,
  usageByPvc,
  usageFromAgentReports,
  usageLevel,
  usedPercent,
  type Level,
  type PvcFacts,
  type StorageWarning,
  type UsageThresholds,
  type VolumeMount,
  type AgentVolumeReport,
  type NodeStatsSummary,
  type VolumeUsage,
} from './facts.js';

export interface StorageDeps {
  kube: KubeClient;
  exec: PodExec;
  clock: Clock;
  signal?: AbortSignal;
  progress: (m: string) => void;
}

export interface InstanceStorage {
  instance: string;
  namespace: string;
  pvcName?: string;
  /** A legacy instance's hostPath directory (no PVC). */
  hostPath?: string;
  pvc?: PvcFacts;
  mounts: VolumeMount[];
  usage?: VolumeUsage;
  /** Why there is no usage figure. */
  usageNote?: string;
  largest?: { path: string; bytes: number }[];
  largestNote?: string;
  warnings: StorageWarning[];
}

const AGENT_REPORT_MAX_AGE_MS = 5 * 60_000;

/**
 * Usage of the volumes mounted on `nodes`: from the node agents' summary ConfigMaps (one list call),
 * and from the kubelet stats summary of each node without a fresh agent report.
 */
async function volumeUsage(kube: KubeClient, agentNamespace: string, nodes: string[], now: Date): Promise<{ usage: Map<string, VolumeUsage>; errors: string[] }> {
  let reports: AgentVolumeReport[] = [];
  try {
    const cms = await kube.list<Read<V1ConfigMap>>(RESOURCES.configmaps, { namespace: agentNamespace, labelSelector: SUMMARY_SELECTOR });
    reports = cms.items.map((cm) => parseSummaryConfigMap(cm).report).filter((r): r is NonNullable<typeof r> => !!r);
  } catch {
    // No agent installed (or no permission to read its namespace): the kubelet answers instead.
  }
  const fromAgents = usageFromAgentReports(reports, now, AGENT_REPORT_MAX_AGE_MS);
  const { summaries, errors } = await nodeSummaries(kube, nodes.filter((n) => !fromAgents.freshNodes.has(n)));
  const usage = new Map(fromAgents.usage);
  for (const [k, v] of usageByPvc(summaries)) if (!usage.has(k)) usage.set(k, v);
  return { usage, errors };
}

/** Kubelet stats summaries of the given nodes (failures become notes, not errors). */
async function nodeSummaries(kube: KubeClient, nodes: string[]): Promise<{ summaries: NodeStatsSummary[]; errors: string[] }> {
  const summaries: NodeStatsSummary[] = [];
  const errors: string[] = [];
  const queue = [...new Set(nodes)];
  const worker = async () => {
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      try {
        summaries.push({ node, summary: await kube.request({ method: 'GET', path: `/api/v1/nodes/${encodeURIComponent(node)}/proxy/stats/summary`, timeoutMs: 15_000 }) });
      } catch (e) {
        errors.push(`node ${node}: ${e instanceof ApiError ? e.message : (e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  return { summaries, errors };
}

export async function describeStorage(
  deps: StorageDeps,
  opts: { namespace: string; name: string; measure: boolean; thresholds: UsageThresholds; agentNamespace: string },
): Promise<InstanceStorage> {
  const inst = await resolveInstance(deps.kube, opts.namespace, opts.name, { events: true });
  const out: InstanceStorage = { instance: inst.name, namespace: inst.namespace, pvcName: inst.pvcName, hostPath: inst.facts.hostPath, mounts: [], warnings: [] };
  const nsPods = (await deps.kube.list<Read<V1Pod>>(RESOURCES.pods, { namespace: inst.namespace })).items;
  let pvEvents: Read<CoreV1Event>[] = [];
  let storageClass: Read<V1StorageClass> | null | undefined;
  let rawUsage: VolumeUsage | undefined;
  if (inst.facts.hostPath) {
    out.mounts = inst.pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').map((p) => ({ pod: p.metadata.name, node: p.spec?.nodeName, phase: p.status?.phase }));
  } else if (inst.pvcName) {
    const pvc = inst.pvc;
    let pv: Read<V1PersistentVolume> | undefined;
    [pv, storageClass] = await Promise.all([
      pvc?.spec?.volumeName ? deps.kube.getOptional<Read<V1PersistentVolume>>(RESOURCES.persistentvolumes, pvc.spec.volumeName) : undefined,
      pvc?.spec?.storageClassName ? deps.kube.getOptional<Read<V1StorageClass>>(RESOURCES.storageclasses, pvc.spec.storageClassName).then((sc) => sc ?? null) : undefined,
    ]);
    if (pvc) out.pvc = derivePvcFacts(pvc, pv);
    out.mounts = mountsOf(nsPods, inst.pvcName);
    pvEvents = (inst.events ?? []).filter((e) => e.involvedObject?.kind === 'PersistentVolumeClaim' || e.involvedObject?.name === inst.pvcName);
    const running = out.mounts.filter((m) => m.phase === 'Running' && m.node);
    if (running.length) {
      const { usage, errors } = await volumeUsage(deps.kube, opts.agentNamespace, running.map((m) => m.node!), deps.clock.now());
      rawUsage = usage.get(`${inst.namespace}/${inst.pvcName}`);
      if (!rawUsage) out.usageNote = errors.length ? `the kubelet stats summary is unavailable (${errors.join('; ')})` : 'the kubelet has not reported this volume yet';
    } else if (pvc?.status?.phase === 'Bound') {
      out.usageNote = 'no figure: no running pod mounts the volume (the kubelet reports usage only for mounted volumes); --measure starts a short-lived pod to measure it';
    }
  }
  // What is big inside: in the running pod, or (with --measure) a short-lived one; df too when measuring.
  let directoryBytes: number | undefined;
  const canLook = !!runningInstancePod(inst) || (opts.measure && (inst.facts.hostPath || out.pvc?.phase === 'Bound'));
  if (canLook) {
    await withInstanceFiles(deps, inst, async (t, viaHelper) => {
      const root = inst.facts.dataMountPath;
      // A hostPath directory of the shared tree has no capacity of its own: df would show the whole tree.
      if (!out.hostPath && (viaHelper || !rawUsage)) {
        const df = await deps.exec({ ...t, command: ['df', '-Pk', root] });
        const m = /\n\S+\s+(\d+)\s+(\d+)\s+(\d+)/.exec(df.stdout);
        if (df.exitCode === 0 && m) {
          rawUsage = { capacityBytes: Number(m[1]) * 1024, usedBytes: Number(m[2]) * 1024, availableBytes: Number(m[3]) * 1024, source: viaHelper ? `measured by short-lived pod ${t.pod}` : `df in pod ${t.pod}` };
          out.usageNote = undefined;
        }
      }
      const du = await deps.exec({ ...t, command: ['du', '-k', '-x', '-d', '2', root] });
      if (du.stdout.trim()) {
        out.largest = largestDirectories(du.stdout, root);
        directoryBytes = directoryTotal(du.stdout, root);
        if (out.hostPath && directoryBytes !== undefined) {
          out.usageNote = `${formatBytes(directoryBytes) || '0'} in the directory (du); a directory of the shared CephFS tree has no capacity of its own`;
        }
      } else out.largestNote = `du failed: ${du.stderr.trim() || `exit code ${du.exitCode}`}`;
    });
  } else {
    out.largestNote = 'instance not running: --measure looks inside through a short-lived pod';
  }
  if (!out.hostPath && inst.pvcName) {
    // Percentages are against the PVC's size, even when the file system reports a bigger one.
    out.usage = rawUsage && againstPvcCapacity(rawUsage, pvcCapacityBytes(inst.pvc), directoryBytes);
    out.warnings = storageWarnings({ pvcName: inst.pvcName, pvc: inst.pvc, storageClass, events: sortEvents(pvEvents), mounts: out.mounts, usage: out.usage, thresholds: opts.thresholds });
  }
  return out;
}

/** The PVC's size: its capacity once bound, else what it requests. */
function pvcCapacityBytes(pvc: Read<V1PersistentVolumeClaim> | undefined): number | undefined {
  const b = quantityBytes(pvc?.status?.capacity?.storage ?? pvc?.spec?.resources?.requests?.storage);
  return Number.isFinite(b) ? b : undefined;
}

function sortEvents(events: Read<CoreV1Event>[]): Read<CoreV1Event>[] {
  const t = (e: Read<CoreV1Event>) => e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '';
  return [...events].sort((a, b) => String(t(a)).localeCompare(String(t(b))));
}

/** The status of a volume whose instance was deleted with its data kept. */
export const KEPT_VOLUME_STATUS = 'deleted (volume kept)';

export interface UsageRow {
  namespace: string;
  /** Instances using this volume (several when an RWX volume is shared). */
  instances: string[];
  pvc: string;
  phase: string;
  capacity?: string;
  usedBytes?: number;
  capacityBytes?: number;
  percent?: number;
  level: Level;
  nodes: string[];
  warnings: number;
}

/** One row per volume (shared volumes count once), with usage from one stats call per node. */
export async function fleetUsage(
  deps: Pick<StorageDeps, 'kube' | 'clock'>,
  scope: { namespace?: string; allNamespaces: boolean },
  thresholds: UsageThresholds,
  agentNamespace: string,
): Promise<{ rows: UsageRow[]; notes: string[] }> {
  const { instances, keptVolumes } = await listFleet(deps.kube, { namespace: scope.namespace, allNamespaces: scope.allNamespaces });
  const byVolume = new Map<string, { ns: string; pvc: string; insts: InstanceObjects[] }>();
  for (const i of instances) {
    const vol = i.facts.hostPath ? `hostPath:${i.facts.hostPath}` : (i.pvcName ?? `none:${i.name}`);
    const key = `${i.namespace}/${vol}`;
    const g = byVolume.get(key) ?? { ns: i.namespace, pvc: vol, insts: [] };
    g.insts.push(i);
    byVolume.set(key, g);
  }
  const nodes = instances.flatMap((i) => i.pods.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName).map((p) => p.spec?.nodeName as string));
  const { usage, errors } = await volumeUsage(deps.kube, agentNamespace, nodes, deps.clock.now());
  const rows: UsageRow[] = [];
  const unenforced: string[] = [];
  for (const g of byVolume.values()) {
    const pvcObj = g.insts.find((i) => i.pvc)?.pvc;
    const facts = pvcObj ? derivePvcFacts(pvcObj) : undefined;
    const measured = pvcObj ? usage.get(`${g.ns}/${g.pvc}`) : undefined;
    const u = measured && againstPvcCapacity(measured, pvcCapacityBytes(pvcObj));
    const mounts = g.insts.flatMap((i) => i.pods.filter((p) => p.status?.phase === 'Running').map((p) => ({ pod: p.metadata.name, node: p.spec?.nodeName, phase: 'Running' })));
    // A file system larger than its PVC reports its own used bytes, not the volume's: no figure then.
    const known = u && !u.usedIsFilesystemWide ? u : undefined;
    if (u?.usedIsFilesystemWide) unenforced.push(`${g.ns}/${g.pvc}`);
    const percent = known ? usedPercent(known) : undefined;
    const warnings = g.pvc.startsWith('hostPath:') ? [] : storageWarnings({ pvcName: g.pvc, pvc: pvcObj, events: [], mounts, usage: u, thresholds });
    rows.push({
      namespace: g.ns,
      instances: g.insts.map((i) => i.name).sort(),
      pvc: g.pvc,
      phase: g.pvc.startsWith('hostPath:') ? 'legacy' : (facts?.phase ?? 'Missing'),
      capacity: facts?.capacity,
      usedBytes: known?.usedBytes,
      capacityBytes: u?.capacityBytes,
      percent,
      level: percent === undefined ? 'ok' : usageLevel(percent, thresholds),
      nodes: [...new Set(mounts.map((m) => m.node).filter(Boolean) as string[])].sort(),
      warnings: warnings.length,
    });
  }
  // Volumes kept after "delete": no pod mounts them, so no usage figure; they still hold data and space.
  for (const k of keptVolumes) {
    rows.push({
      namespace: k.namespace,
      instances: [k.name],
      pvc: k.pvc.metadata.name,
      phase: KEPT_VOLUME_STATUS,
      capacity: derivePvcFacts(k.pvc).capacity,
      capacityBytes: pvcCapacityBytes(k.pvc),
      level: 'ok',
      nodes: [],
      warnings: 0,
    });
  }
  const notes = errors.map((e) => `usage unavailable from ${e}`);
  if (unenforced.length) {
    notes.push(`the file system of ${unenforced.join(', ')} is larger than the PVC (its size is not enforced), so its used figure is not the volume's: "kubectl odoo storage NAME" measures the directory`);
  }
  return { rows, notes };
}

export const SORT_KEYS = ['use', 'used', 'capacity', 'name'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function sortUsageRows(rows: UsageRow[], key: SortKey): UsageRow[] {
  const byName = (a: UsageRow, b: UsageRow) => a.namespace.localeCompare(b.namespace) || a.instances[0].localeCompare(b.instances[0]);
  const desc = (f: (r: UsageRow) => number | undefined) => (a: UsageRow, b: UsageRow) => (f(b) ?? -1) - (f(a) ?? -1) || byName(a, b);
  const cmp = { use: desc((r) => r.percent), used: desc((r) => r.usedBytes), capacity: desc((r) => r.capacityBytes), name: byName }[key];
  return [...rows].sort(cmp);
}
