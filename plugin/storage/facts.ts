// What an instance's storage objects say, and what an on-call person must be warned about: a full
// volume, a resize that is not finishing, a PVC that never binds (and the events that say why), a
// ReadWriteOnce volume written from two nodes. Pure functions over API objects.
import type { CoreV1Event, Read, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '../../lib/kube/models.js';
import { parseQuantity } from '../instances/quantity.js';
import { formatBytes } from '../../lib/bytes.js';

export interface UsageThresholds {
  /** Percent used above which a volume is shown yellow and warned about. */
  warnPercent: number;
  /** Percent used above which it is red. */
  criticalPercent: number;
}

export const DEFAULT_THRESHOLDS: UsageThresholds = { warnPercent: 85, criticalPercent: 95 };

export type Level = 'ok' | 'warning' | 'critical';

export interface StorageWarning {
  level: Exclude<Level, 'ok'>;
  message: string;
}

export interface VolumeUsage {
  usedBytes: number;
  capacityBytes: number;
  availableBytes: number;
  /** Where the figure comes from: "kubelet stats summary on node-1", "measured by a short-lived pod". */
  source: string;
  /**
   * Set when the file system reported more room than the PVC has (CephFS without an enforced quota, a
   * provisioner that ignored the size): its size. capacityBytes is then the PVC's.
   */
  filesystemCapacityBytes?: number;
  /** With filesystemCapacityBytes: usedBytes is the whole file system's, the directory could not be measured. */
  usedIsFilesystemWide?: boolean;
}

/** A file system this much larger than its PVC is not limited to the PVC's size (block file systems show a little less, never more). */
const FS_LARGER_THAN_PVC = 1.05;

/**
 * Usage against the PVC's capacity when the file system reports a size well above it, so a 25Gi volume
 * on a CephFS without quotas is not shown as "22Gi of 252Gi (9%)". Such a file system's used figure is
 * the whole file system's too: the data directory's own total (du) replaces it when known.
 */
export function againstPvcCapacity(u: VolumeUsage, pvcCapacityBytes: number | undefined, directoryBytes?: number): VolumeUsage {
  if (!pvcCapacityBytes || !(pvcCapacityBytes > 0) || !(u.capacityBytes > pvcCapacityBytes * FS_LARGER_THAN_PVC)) return u;
  const used = directoryBytes ?? u.usedBytes;
  return {
    ...u,
    usedBytes: used,
    capacityBytes: pvcCapacityBytes,
    availableBytes: Math.max(0, Math.min(u.availableBytes, pvcCapacityBytes - used)),
    filesystemCapacityBytes: u.capacityBytes,
    ...(directoryBytes === undefined ? { usedIsFilesystemWide: true } : {}),
  };
}

export interface VolumeMount {
  pod: string;
  node?: string;
  phase?: string;
}

export interface PvcFacts {
  name: string;
  phase: string;
  requested?: string;
  capacity?: string;
  storageClass?: string;
  accessModes: string[];
  volumeName?: string;
  /** CephFS subvolume path from the PV's CSI attributes (rook-cephfs). */
  subvolumePath?: string;
  csiDriver?: string;
  /** Resize in flight: condition types and allocatedResourceStatuses, e.g. FileSystemResizePending. */
  resizeConditions: { type: string; message?: string }[];
  resizePending: boolean;
}

export function derivePvcFacts(pvc: Read<V1PersistentVolumeClaim>, pv?: Read<V1PersistentVolume>): PvcFacts {
  const requested: string | undefined = pvc?.spec?.resources?.requests?.storage;
  const capacity: string | undefined = pvc?.status?.capacity?.storage;
  const resizeConditions: PvcFacts['resizeConditions'] = (pvc?.status?.conditions ?? [])
    .filter((c) => c.status !== 'False')
    .map((c) => ({ type: c.type ?? '', message: c.message || undefined }));
  for (const [res, state] of Object.entries(pvc?.status?.allocatedResourceStatuses ?? {})) {
    if (res === 'storage' && !resizeConditions.some((c) => c.type === state)) resizeConditions.push({ type: String(state) });
  }
  const bigger = requested && capacity ? quantityBytes(requested) > quantityBytes(capacity) : false;
  const attrs: Record<string, string | undefined> = pv?.spec?.csi?.volumeAttributes ?? {};
  return {
    name: pvc?.metadata?.name ?? '',
    phase: pvc?.status?.phase ?? 'Pending',
    requested,
    capacity,
    storageClass: pvc?.spec?.storageClassName ?? undefined,
    accessModes: pvc?.spec?.accessModes ?? [],
    volumeName: pvc?.spec?.volumeName || undefined,
    subvolumePath: attrs.subvolumePath || attrs.rootPath || undefined,
    csiDriver: pv?.spec?.csi?.driver,
    resizeConditions,
    resizePending: pvc?.status?.phase === 'Bound' && (bigger || resizeConditions.length > 0),
  };
}

export function quantityBytes(q: string | undefined): number {
  return q ? (parseQuantity(q)?.value ?? NaN) : NaN;
}

export function usedPercent(u: Pick<VolumeUsage, 'usedBytes' | 'capacityBytes'>): number {
  return u.capacityBytes > 0 ? (100 * u.usedBytes) / u.capacityBytes : 0;
}

export function usageLevel(percent: number, t: UsageThresholds = DEFAULT_THRESHOLDS): Level {
  if (percent > t.criticalPercent) return 'critical';
  if (percent > t.warnPercent) return 'warning';
  return 'ok';
}

/**
 * Usage per PVC from kubelet stats summaries (`/api/v1/nodes/<node>/proxy/stats/summary`). A volume
 * mounted by several pods (RWX, or RWO not enforced on CephFS) is reported by each of them: it counts once.
 */
/** A kubelet's stats summary as read (the fields used here), with the node that gave it. */
export interface NodeStatsSummary {
  node: string;
  summary: {
    pods?: {
      podRef?: { name?: string; namespace?: string; uid?: string };
      volume?: { name?: string; pvcRef?: { name?: string; namespace?: string }; usedBytes?: number; capacityBytes?: number; availableBytes?: number; time?: string }[];
    }[];
  };
}

export function usageByPvc(summaries: NodeStatsSummary[]): Map<string, VolumeUsage> {
  const out = new Map<string, VolumeUsage & { time: string }>();
  for (const { node, summary } of summaries) {
    for (const pod of summary?.pods ?? []) {
      for (const v of pod.volume ?? []) {
        if (!v.pvcRef?.name || typeof v.usedBytes !== 'number') continue;
        const key = `${v.pvcRef.namespace ?? pod.podRef?.namespace}/${v.pvcRef.name}`;
        const time = v.time ?? '';
        const prev = out.get(key);
        if (prev && prev.time >= time) continue;
        out.set(key, {
          usedBytes: v.usedBytes,
          capacityBytes: v.capacityBytes ?? 0,
          availableBytes: v.availableBytes ?? Math.max(0, (v.capacityBytes ?? 0) - v.usedBytes),
          source: `kubelet stats summary of node ${node}`,
          time,
        });
      }
    }
  }
  return new Map([...out].map(([k, { time: _t, ...u }]) => [k, u]));
}

/** What a node agent's summary says about instance volumes (see plugin/nodes/report.ts). */
export interface AgentVolumeReport {
  node: string;
  collectedAt: string;
  usage?: { volumes: { namespace: string; pvc: string; sizeBytes?: number; usedBytes?: number; availableBytes?: number }[] };
}

/**
 * Usage per PVC from the node agents' summaries (one list call for every node). Reports older than
 * `maxAgeMs` are ignored (the kubelet is asked instead); a volume seen by several agents counts once.
 */
export function usageFromAgentReports(reports: AgentVolumeReport[], now: Date, maxAgeMs: number): { usage: Map<string, VolumeUsage>; freshNodes: Set<string> } {
  const usage = new Map<string, VolumeUsage & { at: string }>();
  const freshNodes = new Set<string>();
  for (const r of reports) {
    const age = now.getTime() - Date.parse(r.collectedAt);
    if (!(age <= maxAgeMs)) continue;
    freshNodes.add(r.node);
    for (const v of r.usage?.volumes ?? []) {
      if (!v.pvc || typeof v.usedBytes !== 'number') continue;
      const key = `${v.namespace}/${v.pvc}`;
      const prev = usage.get(key);
      if (prev && prev.at >= r.collectedAt) continue;
      const capacity = v.sizeBytes ?? 0;
      usage.set(key, {
        usedBytes: v.usedBytes,
        capacityBytes: capacity,
        availableBytes: v.availableBytes ?? Math.max(0, capacity - v.usedBytes),
        source: `node agent on ${r.node}, ${Math.round(age / 1000)}s ago`,
        at: r.collectedAt,
      });
    }
  }
  return { usage: new Map([...usage].map(([k, { at: _a, ...u }]) => [k, u])), freshNodes };
}

/** Pods (not finished) whose volumes use the claim. */
export function mountsOf(pods: Read<V1Pod>[], pvcName: string): VolumeMount[] {
  return pods
    .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .filter((p) => (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvcName))
    .map((p) => ({ pod: p.metadata?.name ?? '', node: p.spec?.nodeName || undefined, phase: p.status?.phase }));
}

export interface WarningInputs {
  pvcName: string;
  pvc?: Read<V1PersistentVolumeClaim>;
  facts?: PvcFacts;
  /** undefined: not looked up; null: the PVC's StorageClass does not exist. */
  storageClass?: Read<V1StorageClass> | null;
  /** Events about the PVC (newest last). */
  events: Read<CoreV1Event>[];
  mounts: VolumeMount[];
  usage?: VolumeUsage;
  thresholds?: UsageThresholds;
}

const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export function storageWarnings(input: WarningInputs): StorageWarning[] {
  const out: StorageWarning[] = [];
  const t = input.thresholds ?? DEFAULT_THRESHOLDS;
  const warnEvents = input.events.filter((e) => e.type === 'Warning' || e.reason === 'ExternalProvisioning');
  const eventLines = (filter: (e: Read<CoreV1Event>) => boolean) =>
    uniqueMessages(warnEvents.filter(filter)).map((m) => `  event: ${m}`).join('\n');

  if (!input.pvc) {
    const quota = eventLines((e) => /exceeded quota|forbidden/i.test(e.message ?? ''));
    out.push({ level: 'critical', message: `PVC ${input.pvcName} does not exist: the instance has no volume to mount${quota ? `\n${quota}` : ''}` });
    return out;
  }
  const f = input.facts ?? derivePvcFacts(input.pvc);
  if (f.phase === 'Pending') {
    const reasons: string[] = [];
    if (input.storageClass === null) reasons.push(`StorageClass "${f.storageClass}" does not exist`);
    else if (input.storageClass?.provisioner === NO_PROVISIONER) {
      reasons.push(`StorageClass "${f.storageClass}" has no provisioner: a matching PersistentVolume must be created by hand`);
    } else if (input.storageClass?.volumeBindingMode === 'WaitForFirstConsumer' && input.mounts.length === 0) {
      reasons.push(`StorageClass "${f.storageClass}" binds only when a pod uses the volume (WaitForFirstConsumer) and none does`);
    }
    const waiting = warnEvents.filter((e) => e.reason === 'ExternalProvisioning');
    if (waiting.length && !warnEvents.some((e) => e.reason === 'ProvisioningFailed')) {
      const prov = /external provisioner "([^"]+)"/.exec(waiting[waiting.length - 1].message ?? '')?.[1] ?? input.storageClass?.provisioner;
      reasons.push(`the provisioner${prov ? ` ${prov}` : ''} has not created the volume: is its CSI provisioner running (rook-ceph csi-cephfsplugin-provisioner)?`);
    }
    if (warnEvents.some((e) => /exceeded quota/i.test(e.message ?? ''))) reasons.push('a ResourceQuota of the namespace is exhausted');
    const ev = eventLines((e) => e.reason !== 'ExternalProvisioning' || waiting.length > 0);
    out.push({
      level: 'critical',
      message: `PVC ${f.name} is Pending${reasons.length ? `: ${reasons.join('; ')}` : ' (no event explains it yet)'}${ev ? `\n${ev}` : ''}`,
    });
  } else if (f.phase === 'Lost') {
    out.push({ level: 'critical', message: `PVC ${f.name} is Lost: its PersistentVolume ${f.volumeName ?? ''} is gone` });
  }
  if (f.resizePending) {
    const conds = f.resizeConditions.map((c) => `${c.type}${c.message ? ` (${c.message})` : ''}`).join(', ');
    const hint = f.resizeConditions.some((c) => c.type === 'FileSystemResizePending' || c.type === 'NodeResizePending')
      ? ': the file system grows when a pod mounts the volume again (restart the instance)'
      : '';
    const expansion = input.storageClass && input.storageClass.allowVolumeExpansion !== true ? `; StorageClass "${f.storageClass}" does not allow expansion` : '';
    const failed = eventLines((e) => /resize|expan/i.test(`${e.reason} ${e.message}`));
    out.push({
      level: 'warning',
      message: `resize pending: requested ${f.requested ?? '?'}, capacity ${f.capacity ?? '?'}${conds ? ` [${conds}]` : ''}${hint}${expansion}${failed ? `\n${failed}` : ''}`,
    });
  }
  if (input.usage?.filesystemCapacityBytes) {
    const fs = formatBytes(input.usage.filesystemCapacityBytes);
    const cap = formatBytes(input.usage.capacityBytes);
    out.push({
      level: 'warning',
      message:
        `the file system reports ${fs} but PVC ${f.name} has ${cap}: its size is not enforced, nothing stops it growing past ${cap} ` +
        `(on CephFS: no quota on the subvolume, a kernel client older than 4.17, or the noquotadf mount option; else the provisioner ignored the size). ` +
        `Use is shown against the PVC's ${cap}` +
        (input.usage.usedIsFilesystemWide ? `; the used figure is the whole file system's ("kubectl odoo storage NAME" measures the directory)` : ', used is the data directory\'s total (du)'),
    });
  }
  if (input.usage) {
    const pct = usedPercent(input.usage);
    const level = usageLevel(pct, t);
    if (level !== 'ok') out.push({ level, message: `volume is ${pct.toFixed(0)}% full (above ${level === 'critical' ? t.criticalPercent : t.warnPercent}%)` });
  }
  const nodes = [...new Set(input.mounts.map((m) => m.node).filter(Boolean))];
  if (nodes.length > 1 && !f.accessModes.includes('ReadWriteMany')) {
    out.push({
      level: 'warning',
      message: `volume is mounted by pods on ${nodes.length} nodes (${input.mounts.map((m) => `${m.pod} on ${m.node ?? '?'}`).join(', ')}) although it is ${f.accessModes.join(',') || 'ReadWriteOnce'}: CephFS does not enforce ReadWriteOnce, so both write the same files`,
    });
  }
  return out;
}

function uniqueMessages(events: Read<CoreV1Event>[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of events) {
    const m = `${e.reason ?? ''}: ${e.message ?? ''}`.trim();
    if (seen.has(m)) continue;
    seen.add(m);
    out.push(m);
  }
  return out;
}

/** The root's own line of `du -k` output, in bytes. */
export function directoryTotal(duOutput: string, root: string): number | undefined {
  for (const line of duOutput.split('\n')) {
    const m = /^(\d+)\s+(.+)$/.exec(line.trim());
    if (m && (m[2] === root || m[2] === `${root}/`)) return Number(m[1]) * 1024;
  }
  return undefined;
}

/** Parses `du -k -d N` output ("<KiB>\t<path>") into the largest entries under `root`, biggest first. */
export function largestDirectories(duOutput: string, root: string, max = 10): { path: string; bytes: number }[] {
  const rows: { path: string; bytes: number }[] = [];
  for (const line of duOutput.split('\n')) {
    const m = /^(\d+)\s+(.+)$/.exec(line.trim());
    if (!m) continue;
    const path = m[2];
    if (path === root || path === `${root}/`) continue;
    rows.push({ path: path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path, bytes: Number(m[1]) * 1024 });
  }
  rows.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  return rows.slice(0, max);
}
