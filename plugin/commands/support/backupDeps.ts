// What the backup commands share: their dependencies built from the command context.
import { hostname, userInfo } from 'node:os';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { pluginVersion } from '../../core/buildInfo.js';
import { UsageError } from '../../../lib/errors.js';
import { parseTimeout } from '../../instances/wait.js';
import type { BackupDeps } from '../../backups/deps.js';
import { parseSlotCap, type SlotCaps } from '../../backups/slots.js';

const COMPRESSIONS = ['auto', 'zstd', 'pigz', 'gzip'];

/** Who holds locks: user@host. */
export function whoAmI(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `kubectl-odoo@${hostname()}`;
  }
}

/** What the backup commands take from the config file, checked: the Jobs' settings and the instance timeout. */
export interface BackupConfig {
  settings: BackupDeps['settings'];
  instanceTimeoutMs: number;
}

/** The config file's backup settings, checked before anything is read from the cluster (for toOptions). */
export function backupConfigOf(ctx: OptionsContext): BackupConfig {
  const c = ctx.config;
  const compression = String(c.backupCompression ?? 'auto');
  if (!COMPRESSIONS.includes(compression)) throw new UsageError(`config backupCompression "${compression}" is not one of ${COMPRESSIONS.join(', ')}`);
  const deadlineMs = parseTimeout(String(c.backupTimeout ?? '6h'), 'backupTimeout (config)');
  const image = String(c.backupImage ?? '');
  return {
    settings: {
      backupsPvc: c.backupsPvc,
      image: image || undefined,
      compression,
      deadlineSeconds: Math.ceil(deadlineMs / 1000),
      defaultImage: image || `${c.image}:${c.odooVersion}`,
    },
    instanceTimeoutMs: parseTimeout(c.waitTimeout, 'waitTimeout (config)'),
  };
}

/** The backup dependencies: `config` as toOptions checked it, else checked here. */
export async function backupDeps(ctx: CommandContext, config?: BackupConfig): Promise<BackupDeps> {
  const { settings, instanceTimeoutMs } = config ?? backupConfigOf(ctx);
  return {
    kube: await ctx.kube(),
    clock: ctx.clock,
    signal: ctx.signal,
    progress: (l) => ctx.progress(l),
    settings,
    toolVersion: pluginVersion(),
    holder: whoAmI(),
    instanceTimeoutMs,
  };
}

/** The caps on backups at once: the flags, else the config file's backupConcurrency. */
export function slotCapsOf(ctx: OptionsContext, flags: { maxPerNode?: string; maxCluster?: string } = {}): SlotCaps {
  const c = (ctx.config.backupConcurrency ?? {}) as Record<string, unknown>;
  return {
    perNode: flags.maxPerNode !== undefined ? parseSlotCap('--max-per-node', flags.maxPerNode) : parseSlotCap('config backupConcurrency.perNode', c.perNode),
    cluster: flags.maxCluster !== undefined ? parseSlotCap('--max-cluster', flags.maxCluster) : parseSlotCap('config backupConcurrency.cluster', c.cluster),
  };
}

/** The off-site remote's Secret and the rclone image, from the config file. */
export function offsiteSettingsOf(ctx: OptionsContext): { secret: string; image: string } {
  return { secret: String(ctx.config.offsiteSecret), image: String(ctx.config.rcloneImage) };
}
