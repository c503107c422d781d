// The agent's configuration: a YAML or JSON file (mounted from a ConfigMap) over built-in defaults.
import { readFileSync } from 'node:fs';
import { parseYaml } from '../lib/yaml.js';
import { CEPH_RELEASES, DEFAULT_CEPH_RELEASE, parseCephRelease, UUID_RE, type CephRelease } from '../lib/nodes/cephRelease.js';
import type { HostPaths } from '../lib/nodes/hostAccess.js';
import { DEFAULT_PREREQUISITE_POLICY, type PrerequisitePolicy } from '../lib/nodes/judgePrerequisites.js';

export interface AgentConfig {
  /** Devices to judge, as host paths. */
  devices: string[];
  /** A regular expression over kernel device names (e.g. "^sd.2$"), like Rook's storage.deviceFilter. */
  deviceFilter?: string;
  allowLoopDevices: boolean;
  /** The Ceph release the judge speaks for unless a client asks for another. */
  cephRelease: CephRelease;
  /** The CephCluster's fsid, to tell this cluster's OSDs from another's. */
  cephFsid?: string;
  listen: { host: string; port: number };
  /** File holding the token clients must present (mounted from a Secret). */
  tokenFile: string;
  /** Namespace of the summary ConfigMaps (the agent's own). */
  namespace: string;
  /** Seconds between summary refreshes. */
  summaryIntervalSeconds: number;
  hostPaths: HostPaths & { kubeletPods: string };
  wipe: { enabled: boolean };
  prerequisites: PrerequisitePolicy;
}

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  devices: ['/dev/sda2'],
  allowLoopDevices: false,
  cephRelease: DEFAULT_CEPH_RELEASE,
  // Loopback only: the agent is reached through the API server's port-forward, never over the network.
  listen: { host: '127.0.0.1', port: 8765 },
  tokenFile: '/etc/odoo-node-agent/token/token',
  namespace: 'kubectl-odoo',
  summaryIntervalSeconds: 300,
  hostPaths: { proc: '/host/proc', sys: '/sys', dev: '/dev', udev: '/run/udev', modules: '/lib/modules', kubeletPods: '/var/lib/kubelet/pods' },
  wipe: { enabled: false },
  prerequisites: DEFAULT_PREREQUISITE_POLICY,
};

export class ConfigError extends Error {}

export function loadAgentConfig(path: string | undefined, env: NodeJS.ProcessEnv): AgentConfig {
  // The config file as parsed from its YAML: untyped input, read (and checked) field by field below.
  let doc: Record<string, any> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const parsed = parseYaml(text);
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config ${path} must be a mapping`);
      doc = parsed as Record<string, any>;
    }
  }
  const d = DEFAULT_AGENT_CONFIG;
  const cfg: AgentConfig = {
    devices: doc.devices === undefined ? d.devices : typeof doc.devices === 'string' ? [doc.devices] : doc.devices,
    deviceFilter: doc.deviceFilter || undefined,
    allowLoopDevices: doc.allowLoopDevices ?? d.allowLoopDevices,
    cephRelease: d.cephRelease,
    ...(doc.cephFsid ? { cephFsid: String(doc.cephFsid) } : {}),
    listen: { ...d.listen, ...(doc.listen ?? {}) },
    tokenFile: doc.tokenFile ?? d.tokenFile,
    namespace: doc.namespace ?? env.POD_NAMESPACE ?? d.namespace,
    summaryIntervalSeconds: doc.summaryIntervalSeconds ?? d.summaryIntervalSeconds,
    hostPaths: { ...d.hostPaths, ...(doc.hostPaths ?? {}) },
    wipe: { enabled: doc.wipe?.enabled === true },
    prerequisites: { ...d.prerequisites, ...(doc.prerequisites ?? {}) },
  };
  if (!Array.isArray(cfg.devices) || cfg.devices.some((x) => typeof x !== 'string' || !x.startsWith('/'))) {
    throw new ConfigError('devices must be a list of absolute device paths (e.g. [/dev/sda2])');
  }
  if (cfg.deviceFilter) {
    try {
      new RegExp(cfg.deviceFilter);
    } catch (e) {
      throw new ConfigError(`deviceFilter is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  if (doc.cephRelease !== undefined) {
    const r = parseCephRelease(String(doc.cephRelease));
    if (!r) throw new ConfigError(`cephRelease must be one of ${Object.entries(CEPH_RELEASES).map(([n, name]) => `${n} (${name})`).join(', ')}`);
    cfg.cephRelease = r;
  }
  if (cfg.cephFsid && !UUID_RE.test(cfg.cephFsid)) throw new ConfigError('cephFsid must be a UUID');
  if (!Number.isInteger(cfg.listen.port) || cfg.listen.port < 0 || cfg.listen.port > 65535) throw new ConfigError('listen.port must be a port number');
  if (!(cfg.summaryIntervalSeconds > 0)) throw new ConfigError('summaryIntervalSeconds must be positive');
  return cfg;
}
