// What the agent does, apart from how it is reached: inspect devices, refresh the node summary,
// report disk usage, and (only when enabled in its config) wipe one named device.
import { promises as fs, constants } from 'node:fs';
import type { KubeClient } from '../lib/kube/client.js';
import { collectNodeFacts, collectDeviceFacts, hostDevicePath } from '../lib/nodes/collectFacts.js';
import type { HostAccess } from '../lib/nodes/hostAccess.js';
import { buildNodeReport, type DiskUsage, type JudgePolicy, type NodeReport } from '../lib/nodes/report.js';
import { judgeOsdReadiness, DEFAULT_READINESS_POLICY } from '../lib/nodes/judgeOsdReadiness.js';
import type { CephRelease } from '../lib/nodes/cephRelease.js';
import type { AgentConfig } from './config.js';
import { collectDiskUsage } from './usage.js';
import { writeSummary } from './summary.js';

export type Progress = (p: { step: string; device?: string }) => void;
export type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export class RequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const WIPE_HEAD_BYTES = 10 << 20;
/** Distinct devices one inspect request may name: more is refused, not queued. */
export const MAX_INSPECT_DEVICES = 64;
/** Devices probed at once (each runs blkid, lsblk and pvs): a long list must not start hundreds of processes. */
export const DEVICE_CONCURRENCY = 4;
const WIPE_TAIL_BYTES = 1 << 20;

export interface AgentDeps {
  node: string;
  config: AgentConfig;
  host: HostAccess;
  kube?: KubeClient;
  log: Log;
  now?: () => Date;
}

export class NodeAgent {
  private lastReport?: NodeReport;
  /** Device work runs one at a time: two exclusive opens of one device would make each other "locked". */
  private deviceWork: Promise<unknown> = Promise.resolve();
  constructor(private readonly deps: AgentDeps) {}

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.deviceWork.then(fn, fn);
    this.deviceWork = run.catch(() => undefined);
    return run;
  }

  /** The judge's policy: the agent's config, with the release and fsid a client asked for. */
  policy(judge: { release?: CephRelease; cephFsid?: string } = {}): JudgePolicy {
    const { allowLoopDevices, cephRelease, cephFsid, prerequisites } = this.deps.config;
    return {
      readiness: { ...DEFAULT_READINESS_POLICY, allowLoopDevices, release: judge.release ?? cephRelease, ...((judge.cephFsid ?? cephFsid) ? { cephFsid: judge.cephFsid ?? cephFsid } : {}) },
      prerequisites,
    };
  }

  /** The configured devices: the list, plus every block device whose kernel name matches deviceFilter. */
  async configuredDevices(): Promise<string[]> {
    const { devices, deviceFilter, hostPaths } = this.deps.config;
    if (!deviceFilter) return devices;
    const re = new RegExp(deviceFilter);
    const listing = await this.deps.host.list(`${hostPaths.sys}/class/block`);
    const matched = listing.ok ? listing.out.split('\n').filter((n) => n && re.test(n)).map((n) => `/dev/${n}`) : [];
    return [...new Set([...devices, ...matched])];
  }

  inspect(requested: string[] | undefined, progress: Progress = () => {}, judge: { release?: CephRelease; cephFsid?: string } = {}): Promise<NodeReport> {
    return this.serialized(() => this.inspectNow(requested, progress, judge));
  }

  private async inspectNow(requested: string[] | undefined, progress: Progress, judge: { release?: CephRelease; cephFsid?: string }): Promise<NodeReport> {
    const devices = await this.distinctDevices(requested?.length ? requested.map(validateDevicePath) : await this.configuredDevices());
    if (requested?.length && devices.length > MAX_INSPECT_DEVICES) {
      throw new RequestError('bad-request', `inspect takes at most ${MAX_INSPECT_DEVICES} distinct devices per request, got ${devices.length}`);
    }
    for (const d of devices) progress({ step: 'inspecting', device: d });
    const facts = await collectNodeFacts(this.deps.host, { node: this.deps.node, devices, paths: this.deps.config.hostPaths, now: this.deps.now, deviceConcurrency: DEVICE_CONCURRENCY });
    for (const f of facts.devices) if (!f.stat.ok || !f.blkid.ok || !f.head.ok) this.deps.log('warn', 'a collector failed', { device: f.device, stat: f.stat, blkid: f.blkid.ok ? 'ok' : f.blkid.error, head: f.head.ok ? 'ok' : f.head.error });
    return buildNodeReport(facts, 'agent', this.policy(judge));
  }

  /** One entry per device: paths that resolve to the same device node (aliases, repeats) keep the first name. */
  private async distinctDevices(devices: string[]): Promise<string[]> {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const d of new Set(devices)) {
      const real = await this.deps.host.realpath(hostDevicePath(d, this.deps.config.hostPaths));
      const key = real.ok ? real.out.trim() : d;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
    return out;
  }

  async usage(): Promise<DiskUsage> {
    const { hostPaths } = this.deps.config;
    return collectDiskUsage({ node: this.deps.node, procPath: hostPaths.proc, kubeletPods: hostPaths.kubeletPods, kube: this.deps.kube });
  }

  /** Inspects the configured devices, adds disk usage, and writes the summary ConfigMap. */
  async refreshSummary(progress: Progress = () => {}): Promise<NodeReport> {
    const [report, usage] = await Promise.all([this.inspect(undefined, progress), this.usage()]);
    report.usage = usage;
    this.lastReport = report;
    if (this.deps.kube) {
      progress({ step: 'writing summary' });
      await writeSummary(this.deps.kube, this.deps.config.namespace, report, this.deps.config.summaryIntervalSeconds);
    }
    this.deps.log('info', 'summary refreshed', { ready: report.ready, devices: report.devices.map((d) => `${d.device}=${d.verdict}`).join(' ') });
    return report;
  }

  /** Block devices report size 0 in stat(2); sysfs has their length in 512-byte sectors. */
  private async deviceBytes(path: string): Promise<number> {
    const st = await this.deps.host.statDevice(path);
    const [, major, minor] = st.ok ? st.out.split(' ') : [];
    const size = await this.deps.host.readText(`${this.deps.config.hostPaths.sys}/dev/block/${major}:${minor}/size`);
    if (!size.ok) throw new RequestError('failed', `cannot read the size of ${path}: ${size.error}`);
    return Number(size.out.trim()) * 512;
  }

  summary(): NodeReport | undefined {
    return this.lastReport;
  }

  /**
   * Destroys the signatures on one device so it can become an OSD. Refused unless wiping is enabled in
   * the agent's config, the device is one of the configured devices, and the request repeats its path.
   */
  async wipe(params: { device?: unknown; confirm?: unknown }, progress: Progress = () => {}) {
    const verdict = await this.serialized(() => this.wipeNow(params, progress));
    // The published summary must not keep saying what the device held before.
    await this.refreshSummary().catch((e) => this.deps.log('error', 'summary refresh after wipe failed', { error: (e as Error).message }));
    return verdict;
  }

  private async wipeNow(params: { device?: unknown; confirm?: unknown }, progress: Progress) {
    if (!this.deps.config.wipe.enabled) throw new RequestError('forbidden', 'wiping is disabled in the agent config (wipe.enabled: false)');
    const device = typeof params.device === 'string' ? params.device : '';
    if (!device) throw new RequestError('bad-request', 'wipe needs the exact device path');
    if (params.confirm !== device) throw new RequestError('bad-request', `wipe of ${device} must be confirmed by repeating the device path`);
    if (!(await this.configuredDevices()).includes(device)) throw new RequestError('forbidden', `${device} is not one of this agent's configured devices`);
    const path = hostDevicePath(device, this.deps.config.hostPaths);
    this.deps.log('warn', 'wiping device', { device });
    progress({ step: 'wiping', device });
    // O_EXCL: the kernel refuses if the device is mounted or held, so a device in use is never touched.
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(path, constants.O_WRONLY | constants.O_EXCL);
    } catch (e) {
      throw new RequestError('conflict', `cannot open ${device} exclusively (${(e as NodeJS.ErrnoException).code}): it is in use`);
    }
    try {
      const total = await this.deviceBytes(path);
      const zeros = Buffer.alloc(1 << 20);
      for (let off = 0; off < Math.min(WIPE_HEAD_BYTES, total); off += zeros.length) await fh.write(zeros, 0, Math.min(zeros.length, total - off), off);
      if (total > WIPE_HEAD_BYTES + WIPE_TAIL_BYTES) await fh.write(zeros, 0, WIPE_TAIL_BYTES, total - WIPE_TAIL_BYTES);
      await fh.sync();
    } finally {
      await fh.close();
    }
    progress({ step: 'verifying', device });
    const facts = await collectDeviceFacts(this.deps.host, device, this.deps.config.hostPaths);
    const mountinfo = await this.deps.host.readText(`${this.deps.config.hostPaths.proc}/1/mountinfo`);
    const swaps = await this.deps.host.readText(`${this.deps.config.hostPaths.proc}/swaps`);
    return judgeOsdReadiness(facts, { mountinfo, swaps }, this.policy().readiness);
  }
}

function validateDevicePath(d: unknown): string {
  if (typeof d !== 'string' || !/^\/dev\/[A-Za-z0-9._:+@/-]+$/.test(d) || d.includes('..')) {
    throw new RequestError('bad-request', `device must be a path under /dev/, got ${JSON.stringify(d)}`);
  }
  return d;
}
