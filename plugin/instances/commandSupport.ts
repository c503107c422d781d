// Pieces every instance command shares: the namespace, NAME completion, --dry-run and --timeout parsing.
import type { CommandContext } from '../cli/context.js';
import { UsageError } from '../core/errors.js';
import { instanceNames } from './resolve.js';
import { validateNamespace } from './names.js';
import { parseTimeout } from './wait.js';

export function instanceNamespace(ctx: CommandContext): string {
  return validateNamespace(ctx.namespace());
}

/** CommandDef.complete for NAME arguments: instance names in the namespace. */
export async function completeInstanceName(ctx: CommandContext, _args: unknown, partial: string): Promise<string[]> {
  const kube = await ctx.kube();
  return (await instanceNames(kube, instanceNamespace(ctx))).filter((n) => n.startsWith(partial));
}

export type DryRun = 'client' | 'server' | undefined;

/** `--dry-run` / `--dry-run=client` / `--dry-run=server` / `--dry-run=none`, as kubectl takes it. */
export function parseDryRun(v: unknown): DryRun {
  if (v === undefined || v === false || v === 'none') return undefined;
  if (v === '' || v === true || v === 'client') return 'client';
  if (v === 'server') return 'server';
  throw new UsageError(`invalid --dry-run "${v}": use client, server or none`);
}

export function waitTimeout(ctx: CommandContext, flag: unknown): number {
  return parseTimeout(String(flag ?? ctx.config.waitTimeout ?? '10m'));
}

/** `-A` only where a command lists or watches many instances. */
export function rejectAllNamespaces(ctx: CommandContext, command: string): void {
  if (ctx.globals.allNamespaces) throw new UsageError(`${command} acts on one instance: use -n NAMESPACE instead of -A`);
}
