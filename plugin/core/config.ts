// The plugin's config file: every default is a flag and an entry here.
// Location: $KUBECTL_ODOO_CONFIG, else $XDG_CONFIG_HOME/kubectl-odoo/config.yaml, else ~/.config/kubectl-odoo/config.yaml.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { UsageError } from './errors.js';
import { parseYaml } from './yaml.js';

export interface PluginConfig {
  /** Namespace of instances when -n is not given. */
  namespace: string;
  storageClass: string;
  backupsPvc: string;
  /** Namespace the node agent runs in. */
  agentNamespace: string;
  /** Devices the node checks judge (a list of paths). */
  devices: string[];
  /** Ceph replication factor for capacity arithmetic. */
  replication: number;
  /** nodes check: parallel nodes, per-node timeout, share of usable capacity lost to overhead [least, most]. */
  nodeChecks: { concurrency: number; timeoutSeconds: number; capacityOverhead: [number, number] };
  retry: { maxAttempts: number; baseDelayMs: number };
  /** Anything else a command reads with its own defaults (e.g. image, domain). */
  [key: string]: unknown;
}

export const DEFAULT_CONFIG: PluginConfig = {
  namespace: 'saasodoo',
  storageClass: 'rook-cephfs',
  backupsPvc: 'odoo-backups-pvc',
  agentNamespace: 'kubectl-odoo',
  devices: ['/dev/sda2'],
  replication: 3,
  nodeChecks: { concurrency: 10, timeoutSeconds: 120, capacityOverhead: [0.07, 0.1] },
  retry: { maxAttempts: 6, baseDelayMs: 250 },
  // Instances (create): image, size and routing defaults from the platform's instance client.
  image: 'bitnamilegacy/odoo',
  odooVersion: '17',
  storage: '10Gi',
  cpu: '1',
  memory: '2Gi',
  ingress: 'ingress',
  baseDomain: 'saasodoo.local',
  dbSecret: 'odoo-db-credentials',
  dbHost: 'postgres',
  dbPort: '5432',
  waitTimeout: '10m',
  // Storage: volume usage above these percentages is warned about (yellow) and critical (red).
  storageWarnPercent: 85,
  storageCriticalPercent: 95,
  // Backups: Job image ('' = the instance's own image), compression (auto|zstd|pigz|gzip), Job deadline.
  backupImage: '',
  backupCompression: 'auto',
  backupTimeout: '6h',
};

export function configPath(env: Record<string, string | undefined>, home = homedir()): string {
  if (env.KUBECTL_ODOO_CONFIG) return env.KUBECTL_ODOO_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(home, '.config');
  return join(base, 'kubectl-odoo', 'config.yaml');
}

export function loadPluginConfig(env: Record<string, string | undefined>, home?: string): PluginConfig {
  const path = configPath(env, home);
  if (!existsSync(path)) {
    if (env.KUBECTL_ODOO_CONFIG) throw new UsageError(`config file ${path} (KUBECTL_ODOO_CONFIG) does not exist`);
    return structuredClone(DEFAULT_CONFIG);
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return structuredClone(DEFAULT_CONFIG);
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`config file ${path} must be a YAML mapping`);
  const merged = { ...structuredClone(DEFAULT_CONFIG), ...(doc as Record<string, unknown>) } as PluginConfig;
  merged.retry = { ...DEFAULT_CONFIG.retry, ...((doc as any).retry ?? {}) };
  if (typeof merged.devices === 'string') merged.devices = [merged.devices];
  return merged;
}
