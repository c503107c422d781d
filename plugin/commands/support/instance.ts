// Pieces every instance command shares: the namespace, NAME completion, --dry-run and --timeout parsing.
import { isValidCustomerId } from '../../backups/naming.js';
import type { Argv } from 'yargs';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { UsageError } from '../../../lib/errors.js';
import type { OutputFormat } from '../../core/output/printer.js';
import { instanceNames } from '../../instances/resolve.js';
import { validateInstanceReference, validateNamespace } from '../../instances/names.js';
import { parseTimeout } from '../../instances/wait.js';

export function instanceNamespace(ctx: OptionsContext): string {
  return validateNamespace(ctx.namespace());
}

/** CommandDef.complete for NAME arguments: every name an instance of the namespace answers to, with what it is. */
export async function completeInstanceName(ctx: CommandContext, _args: unknown, partial: string): Promise<string[]> {
  const kube = await ctx.kube();
  return (await instanceNames(kube, instanceNamespace(ctx))).filter((n) => n.value.startsWith(partial)).map((n) => (n.describe ? `${n.value}\t${n.describe}` : n.value));
}

export type DryRun = 'client' | 'server' | undefined;

import { parseDryRun } from '../../cli/command.js';

export { parseDryRun };

export function waitTimeout(ctx: OptionsContext, flag: unknown): number {
  return parseTimeout(flag === undefined ? ctx.config.waitTimeout : String(flag), flag === undefined ? 'waitTimeout (config)' : '--timeout');
}


/** -o formats of commands that change one instance: a sentence, the result as json/yaml, or `-o name`. */
export const ACTION_OUTPUTS = ['table', 'json', 'yaml', 'name'] as const satisfies readonly OutputFormat[];

/** ` (dry run)` / ` (server dry run)`, as kubectl marks what it did not really do. */
export function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
}

/** --dry-run of the commands that change one instance (CommandDef.dryRun): the API server can check them too. */
export const INSTANCE_DRY_RUN = { server: true, describe: 'Show what would change and change nothing' } as const;

/** --dry-run with --wait makes no sense: nothing changes that could be waited for. */
export function rejectWaitWithDryRun(dryRun: DryRun, wait: boolean | undefined): void {
  if (dryRun && wait) throw new UsageError('--wait cannot be used with --dry-run: nothing changes that could be waited for');
}

/** NAME, --wait and --timeout: the flags of every command that changes one instance (--dry-run comes from CommandDef.dryRun). */
export function instanceActionOptions(y: Argv, waitDescribe: string): Argv {
  return y
    .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
    .option('wait', { type: 'boolean', default: false, describe: waitDescribe })
    .option('timeout', { type: 'string', describe: 'How long --wait waits (default 10m)' });
}

export interface InstanceActionArgs {
  name: string;
  wait: boolean;
  timeout?: string;
  dryRun?: string | boolean;
}

export interface InstanceAction {
  name: string;
  namespace: string;
  dryRun: DryRun;
  timeoutMs: number;
}

/** Checks those flags before anything is read from the cluster. */
export function prepareInstanceAction(ctx: OptionsContext, command: string, args: InstanceActionArgs): InstanceAction {
  const name = validateInstanceReference(args.name);
  const dryRun = parseDryRun(args.dryRun);
  rejectWaitWithDryRun(dryRun, args.wait);
  return { name, namespace: instanceNamespace(ctx), dryRun, timeoutMs: waitTimeout(ctx, args.timeout) };
}

/**
 * Refuses (exit 1) while an operation (restore, backup --consistency stop, migrate-storage, recover)
 * holds the instance, or an interrupted one left its lock: the one check every command that changes an
 * instance makes before it changes anything.
 */
export async function refuseWhileBusy(ctx: CommandContext, namespace: string, name: string): Promise<void> {
  const kube = await ctx.kube();
  const { resolveInstance } = await import('../../instances/resolve.js');
  const { assertNotBusy } = await import('../../backups/lock.js');
  const inst = await resolveInstance(kube, namespace, name);
  await assertNotBusy(kube, namespace, inst.name, ctx.clock);
}

/** --tail N: a whole number of lines, 0 or more, as typed (the flag is read as text so "abc" is named). */
export function parseTail(v: unknown): number {
  const text = String(v).trim();
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid --tail "${text}": a number of lines, 0 or more`);
  return Number(text);
}

/** --customer of the commands that filter by it (list, watch, backup, backups): a customer id as the platform writes it. */
export function customerFilter(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const c = String(v);
  if (!isValidCustomerId(c)) throw new UsageError(`--customer "${c}" is not a valid customer id (letters, digits, ".", "_" and "-")`);
  return c;
}

/** --agent-namespace, else agentNamespace of the config file: where the node agent runs (agent and nodes commands). */
export function agentNamespaceOf(ctx: OptionsContext, flag: string | undefined): string {
  return flag ? validateNamespace(flag, '--agent-namespace') : validateNamespace(String(ctx.config.agentNamespace), 'agentNamespace (config)');
}
