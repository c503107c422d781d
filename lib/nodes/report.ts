// A node's report: the verdict of every device and the prerequisite checks, judged from one set of facts.
// The agent publishes it in its summary ConfigMap and answers it to `nodes check`; the SSH path builds
// the same report from facts it collected with shell commands.
import type { Check, DeviceVerdict, NodeFacts } from './facts.js';
import { judgeOsdReadiness, type ReadinessPolicy, DEFAULT_READINESS_POLICY, formatReason } from './judgeOsdReadiness.js';
import { judgePrerequisites, defaultRouteMtu, type PrerequisitePolicy, DEFAULT_PREREQUISITE_POLICY } from './judgePrerequisites.js';

export interface FilesystemUsage {
  mountPoint: string;
  source: string;
  fsType: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export interface VolumeUsage {
  namespace: string;
  pod: string;
  pvc: string;
  pv: string;
  instance?: string;
  path: string;
  sizeBytes?: number;
  usedBytes?: number;
  availableBytes?: number;
  error?: string;
}

export interface DiskUsage {
  filesystems: FilesystemUsage[];
  volumes: VolumeUsage[];
  errors: string[];
}

export interface NodeReport {
  node: string;
  collectedAt: string;
  /** agent: from the DaemonSet pod; ssh: collected over SSH. */
  source: 'agent' | 'ssh';
  ready: boolean;
  devices: DeviceVerdict[];
  prerequisites: Check[];
  /** MTU of the default-route interface, to compare nodes. */
  mtu?: number;
  usage?: DiskUsage;
}

export interface JudgePolicy {
  readiness: ReadinessPolicy;
  prerequisites: PrerequisitePolicy;
}

export const DEFAULT_JUDGE_POLICY: JudgePolicy = { readiness: DEFAULT_READINESS_POLICY, prerequisites: DEFAULT_PREREQUISITE_POLICY };

export function buildNodeReport(facts: NodeFacts, source: NodeReport['source'], policy: JudgePolicy = DEFAULT_JUDGE_POLICY): NodeReport {
  const devices = facts.devices.map((d) => judgeOsdReadiness(d, facts.host, policy.readiness));
  const prerequisites = judgePrerequisites(facts.host, policy.prerequisites);
  return {
    node: facts.node,
    collectedAt: facts.collectedAt,
    source,
    ready: isNodeReady(devices, prerequisites),
    devices,
    prerequisites,
    mtu: defaultRouteMtu(facts.host),
  };
}

/** A node is ready when every device is READY and no prerequisite is in error (warnings do not block). */
export function isNodeReady(devices: DeviceVerdict[], prerequisites: Check[]): boolean {
  return devices.length > 0 && devices.every((d) => d.verdict === 'READY') && prerequisites.every((c) => c.status !== 'error');
}

/** The stable check list of `nodes check -o json`: one per device, then the prerequisites. */
export function reportChecks(r: NodeReport): Check[] {
  const deviceChecks: Check[] = r.devices.map((d) => ({
    name: `device ${d.device}`,
    status: d.verdict === 'READY' ? 'ok' : d.verdict === 'NOT_READY' ? 'error' : 'unknown',
    message: d.verdict === 'READY' ? 'READY' : `${d.verdict}: ${d.reasons.map(formatReason).join('; ')}`,
  }));
  return [...deviceChecks, ...r.prerequisites];
}
