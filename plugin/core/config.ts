// The plugin's config file: every default is a flag and an entry here.
// Location: $KUBECTL_ODOO_CONFIG, else $XDG_CONFIG_HOME/kubectl-odoo/config.yaml, else ~/.config/kubectl-odoo/config.yaml.
import { editDistance } from '../instances/names.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { UsageError } from '../../lib/errors.js';
import { parseYaml } from '../../lib/yaml.js';

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
  /** nodes check: parallel nodes (unset: sized to the fleet), per-node timeout, share of usable capacity lost to overhead [least, most]. */
  nodeChecks: { concurrency?: number; timeoutSeconds: number; capacityOverhead: [number, number] };
  retry: { maxAttempts: number; baseDelayMs: number };
  /** create: the image (without tag), the Odoo version (its tag), and the instance's size and resources. */
  image: string;
  odooVersion: string;
  storage: string;
  /** The largest volume create and resize accept without --force. */
  maxStorage: string;
  cpu: string;
  memory: string;
  /** create: Ingress or IngressRoute, the domain instances are served under, database Secret and server. */
  ingress: string;
  baseDomain: string;
  dbSecret: string;
  dbHost: string;
  dbPort: string;
  /** How long --wait waits when --timeout is not given. */
  waitTimeout: string;
  storageWarnPercent: number;
  storageCriticalPercent: number;
  /** Backups: Job image ('' = the instance's own), compression (auto|zstd|pigz|gzip), Job deadline. */
  backupImage: string;
  backupCompression: string;
  backupTimeout: string;
  /** Backups at once (fleet runs, schedules, backup --wait): per node and in all. */
  backupConcurrency: { perNode: number; cluster: number };
  /** Scheduled runs: an image with kubectl-odoo on PATH ('' = the bundle from a ConfigMap on scheduleNodeImage). */
  scheduleImage: string;
  scheduleNodeImage: string;
  /** Off-site copies: the Secret with rclone.conf and remote, and the image that runs rclone. */
  offsiteSecret: string;
  rcloneImage: string;
  /** Node agent: image built from agent/Dockerfile ('' = the bundled agent on agentNodeImage), its port. */
  agentImage: string;
  agentNodeImage: string;
  agentPort: number;
  /** psql NAME: the image of the short-lived pod used when the Odoo container has no psql. */
  psqlImage: string;
  /** create: the customer id when --customer is not given (no default). */
  customer?: string;
}

export const DEFAULT_CONFIG: PluginConfig = {
  namespace: 'saasodoo',
  storageClass: 'rook-cephfs',
  backupsPvc: 'odoo-backups-pvc',
  agentNamespace: 'kubectl-odoo',
  devices: ['/dev/sda2'],
  replication: 3,
  nodeChecks: { timeoutSeconds: 120, capacityOverhead: [0.07, 0.1] },
  retry: { maxAttempts: 6, baseDelayMs: 250 },
  // Instances (create): image, size and routing defaults from the platform's instance client.
  image: 'bitnamilegacy/odoo',
  odooVersion: '17',
  storage: '10Gi',
  // The largest volume create and resize accept without --force (a typo such as 100000Gi is refused).
  maxStorage: '16Ti',
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
  // Backups at once (fleet runs, schedules, backup --wait): at most perNode on one node, cluster in all.
  backupConcurrency: { perNode: 1, cluster: 4 },
  // Scheduled backups run kubectl-odoo in the cluster: from an image that has it on PATH, or ('') the
  // bundled plugin from a ConfigMap on a stock Node.js image.
  scheduleImage: '',
  scheduleNodeImage: 'node:22-bookworm-slim',
  // Off-site copies: the Secret with rclone.conf and remote, and the image that runs rclone.
  offsiteSecret: 'odoo-backups-offsite',
  rcloneImage: 'rclone/rclone:1.60',
  // Node agent (agent install): an image built from agent/Dockerfile ('' = none: run the bundled agent
  // from a ConfigMap on agentNodeImage, a stock Node.js image), and the port it listens on (host network).
  agentImage: '',
  agentNodeImage: 'node:22-bookworm-slim',
  agentPort: 8765,
  // psql NAME: the image of the short-lived pod used when the Odoo container has no psql.
  psqlImage: 'postgres:16-alpine',
};

/** Keys a config file may set that have no default. */
const OPTIONAL_KEYS: Record<string, 'string' | 'number' | 'boolean'> = { customer: 'string' };

/** A typo in the config file is an error, not a silently ignored setting. */
export function validateConfig(doc: Record<string, unknown>, path: string): void {
  const known = [...Object.keys(DEFAULT_CONFIG), ...Object.keys(OPTIONAL_KEYS)];
  for (const [key, value] of Object.entries(doc)) {
    if (!known.includes(key)) {
      const close = known.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
      throw new UsageError(`config file ${path}: unknown key "${key}"${close.length ? ` (did you mean "${close[0]}"?)` : ''}`);
    }
    const def = key in DEFAULT_CONFIG ? (DEFAULT_CONFIG as unknown as Record<string, unknown>)[key] : undefined;
    const want = def === undefined ? OPTIONAL_KEYS[key] : Array.isArray(def) ? 'array' : typeof def;
    const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    const ok = got === want || (key === 'devices' && got === 'string') || (want === 'string' && got === 'number');
    if (!ok) throw new UsageError(`config file ${path}: "${key}" must be ${want === 'array' ? 'a list' : want === 'object' ? 'a mapping' : `a ${want}`}, not ${got === 'array' ? 'a list' : got}`);
  }
}


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
  validateConfig(doc as Record<string, unknown>, path);
  const merged = { ...structuredClone(DEFAULT_CONFIG), ...(doc as Record<string, unknown>) } as PluginConfig;
  // The mappings the file sets (validateConfig checked they are mappings) go over the defaults key by key.
  const mappings = doc as { retry?: object; nodeChecks?: object; backupConcurrency?: object };
  merged.retry = { ...DEFAULT_CONFIG.retry, ...(mappings.retry ?? {}) };
  merged.nodeChecks = { ...DEFAULT_CONFIG.nodeChecks, ...(mappings.nodeChecks ?? {}) };
  merged.backupConcurrency = { ...(DEFAULT_CONFIG.backupConcurrency as object), ...(mappings.backupConcurrency ?? {}) } as PluginConfig['backupConcurrency'];
  if (typeof merged.devices === 'string') merged.devices = [merged.devices];
  return merged;
}
