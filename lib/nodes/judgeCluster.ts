// The cluster as a whole, like Rook's preflight: enough nodes with a READY device for the pool size, one
// MTU, clocks within Ceph's mon_clock_drift_allowed of each other, the kernel and the rbd/ceph modules on
// every node, and the usable capacity with the gap between the largest and smallest OSD. Pure: it reads
// the nodes' reports and the clock offsets measured while checking them.
import type { Check } from './facts.js';
import type { NodeReport } from './report.js';
import { formatBytes } from '../bytes.js';

/** A node's clock against the reference clock, measured at the midpoint of one round trip. */
export interface ClockSample {
  offsetSeconds: number;
  /** Half the round trip: the sample is off by at most this much. */
  uncertaintySeconds: number;
}

export interface ClusterNode {
  node: string;
  report?: NodeReport;
  /** false: cordoned (spec.unschedulable); undefined: not known (SSH). */
  schedulable?: boolean;
  clock?: ClockSample;
}

export interface ClusterPolicy {
  /** The pool size: this many nodes need a READY device (Rook's default replicated pool: 3, failure domain host). */
  replication: number;
  /** Ceph's mon_clock_drift_allowed. */
  maxClockSkewSeconds: number;
  /** A smaller OSD below this share of the largest gets a warning: CRUSH weights by size, so it fills unevenly. */
  minOsdSizeShare: number;
}

export const DEFAULT_CLUSTER_POLICY: ClusterPolicy = { replication: 3, maxClockSkewSeconds: 0.05, minOsdSizeShare: 0.8 };

/** Clock of a node from one round trip: its reading against the midpoint of when we asked and when it answered. */
export function clockSample(sentAtMs: number, nodeTimeMs: number, receivedAtMs: number): ClockSample {
  return { offsetSeconds: (nodeTimeMs - (sentAtMs + receivedAtMs) / 2) / 1000, uncertaintySeconds: (receivedAtMs - sentAtMs) / 2000 };
}

/**
 * What r replicas on r distinct hosts can store: the largest U with sum(min(host, U)) >= r * U (no host
 * holds more than one copy of an object). Equal to raw / r when the hosts are balanced; less when one
 * host is larger than the others can mirror. 0 with fewer hosts than replicas.
 */
export function usableAcrossHosts(hostBytes: number[], replication: number): number {
  const hosts = hostBytes.filter((b) => b > 0);
  if (hosts.length < replication) return 0;
  const fits = (u: number) => hosts.reduce((s, b) => s + Math.min(b, u), 0) >= replication * u;
  let lo = 0;
  let hi = hosts.reduce((a, b) => a + b, 0) / replication;
  if (fits(hi)) return hi;
  for (let i = 0; i < 64; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

const list = (ns: string[]) => ns.join(', ');

export function judgeCluster(nodes: ClusterNode[], policy: ClusterPolicy = DEFAULT_CLUSTER_POLICY): Check[] {
  const reported = nodes.filter((n) => n.report);
  if (!reported.length) return [];
  const checks: Check[] = [];

  // 1. Enough nodes with a READY device for the pool size.
  const withReady = reported.filter((n) => n.report!.devices.some((d) => d.verdict === 'READY'));
  const cordoned = withReady.filter((n) => n.schedulable === false).map((n) => n.node);
  const usable = withReady.filter((n) => n.schedulable !== false);
  const need = policy.replication;
  checks.push({
    name: 'osd nodes',
    status: usable.length >= need ? 'ok' : 'error',
    message:
      `${usable.length} schedulable node${usable.length === 1 ? '' : 's'} with a READY device` +
      (usable.length >= need ? ` (the pool size ${need} needs ${need})` : `; the pool size ${need} needs ${need}, one copy per node`) +
      (cordoned.length ? `; cordoned: ${list(cordoned)}` : ''),
  });

  // 2. One MTU on the cluster network (the default-route interface of every node).
  const mtus = new Map<number, string[]>();
  for (const n of reported) if (n.report!.mtu) mtus.set(n.report!.mtu, [...(mtus.get(n.report!.mtu) ?? []), n.node]);
  if (mtus.size > 1) checks.push({ name: 'mtu consistency', status: 'warning', message: `nodes use different MTUs: ${[...mtus].map(([m, ns]) => `${m} (${list(ns)})`).join('; ')}` });
  else if (mtus.size === 1 && reported.length > 1) checks.push({ name: 'mtu consistency', status: 'ok', message: `every node uses MTU ${[...mtus.keys()][0]}` });

  // 3. Clock skew between nodes, from the offsets measured against one reference clock.
  const clocks = reported.filter((n) => n.clock).sort((a, b) => a.clock!.offsetSeconds - b.clock!.offsetSeconds);
  if (clocks.length >= 2) {
    const [min, max] = [clocks[0], clocks[clocks.length - 1]];
    const skew = max.clock!.offsetSeconds - min.clock!.offsetSeconds;
    const slack = max.clock!.uncertaintySeconds + min.clock!.uncertaintySeconds;
    const limit = policy.maxClockSkewSeconds;
    const what = `clock skew ${skew.toFixed(3)} s (±${slack.toFixed(3)}) between ${max.node} and ${min.node}; Ceph warns above mon_clock_drift_allowed ${limit} s`;
    if (skew - slack > limit) checks.push({ name: 'clock skew', status: 'error', message: what });
    else if (skew + slack > limit) checks.push({ name: 'clock skew', status: 'unknown', message: `${what}: the measurement is not precise enough to tell` });
    else checks.push({ name: 'clock skew', status: 'ok', message: what });
  } else if (reported.length >= 2) {
    checks.push({ name: 'clock skew', status: 'unknown', message: `measured on ${clocks.length} of ${reported.length} nodes` });
  }

  // 4. The same node prerequisite on every node: the kernel and the modules.
  for (const name of ['kernel', 'rbd module', 'ceph module']) {
    const per = reported.map((n) => ({ node: n.node, check: n.report!.prerequisites.find((c) => c.name === name) }));
    const bad = per.filter((p) => !p.check || p.check.status !== 'ok');
    const label = name === 'kernel' ? 'kernel' : `${name} loadable`;
    if (!bad.length) checks.push({ name: `${name} everywhere`, status: 'ok', message: `${label} on all ${per.length} nodes` });
    else {
      const status = bad.some((p) => p.check?.status === 'error') ? 'error' : 'warning';
      checks.push({ name: `${name} everywhere`, status, message: `${label} on ${per.length - bad.length} of ${per.length} nodes; not on ${bad.map((p) => `${p.node} (${p.check?.message ?? 'not checked'})`).join(', ')}` });
    }
  }

  // 5. Usable capacity at the pool size with one copy per node, and how far apart the OSDs are.
  const hostBytes = usable.map((n) => n.report!.devices.filter((d) => d.verdict === 'READY').reduce((s, d) => s + (d.sizeBytes ?? 0), 0));
  const sizes = usable.flatMap((n) => n.report!.devices.filter((d) => d.verdict === 'READY' && d.sizeBytes).map((d) => d.sizeBytes!));
  if (sizes.length) {
    const raw = hostBytes.reduce((a, b) => a + b, 0);
    const u = usableAcrossHosts(hostBytes, need);
    const balanced = raw / need;
    checks.push({
      name: 'usable capacity',
      status: u > 0 ? (u < balanced * 0.999 ? 'warning' : 'ok') : 'error',
      message:
        u > 0
          ? `${formatBytes(u)} usable at ${need}x with one copy per node${u < balanced * 0.999 ? ` (not ${formatBytes(balanced)}: the nodes' READY capacity is unequal)` : ''}`
          : `nothing usable at ${need}x: fewer than ${need} nodes with a READY device`,
    });
    const largest = Math.max(...sizes);
    const smallest = Math.min(...sizes);
    checks.push({
      name: 'osd size gap',
      status: smallest >= largest * policy.minOsdSizeShare ? 'ok' : 'warning',
      message: `largest OSD ${formatBytes(largest)}, smallest ${formatBytes(smallest)}, gap ${formatBytes(largest - smallest)}${smallest >= largest * policy.minOsdSizeShare ? '' : ': CRUSH weights by size, so the larger OSDs take more data and fill first'}`,
    });
  }
  return checks;
}
