// The shape of a command module: flags become typed args, `run` does the work with the context and
// returns what to show; the app prints it (cli/output.ts).
import type { Argv } from 'yargs';
import type { CommandContext, OptionsContext } from './context.js';
import type { CommandOutput } from './output.js';
import type { OutputFormat } from '../core/output/printer.js';
import { UsageError } from '../../lib/errors.js';

export type CommandScope = 'instance' | 'namespace' | 'fleet' | 'cluster';

export interface CommandDef<A = any, O = A> {
  /** yargs command string, e.g. "create <name>". */
  command: string;
  describe: string;
  aliases?: string[];
  builder?: (y: Argv) => Argv<any>;
  /**
   * Turns the parsed flags into the plain options `run` takes, and refuses bad input (UsageError, exit 2).
   * Pure: it reads the flags, the global options, the config file and the environment, never the
   * cluster, so every refusal comes before anything is read or changed, and is tested in-process
   * without a cluster. Every command that runs declares it.
   */
  toOptions?: (ctx: OptionsContext, args: A) => O;
  /**
   * Does the work with the options and returns its output (cli/output.ts: a table, objects, an action,
   * a screen, text), which the app prints in the -o format. Nothing returned: the command printed
   * nothing on stdout, or is a `stream`.
   */
  run?: (options: O, ctx: CommandContext) => Promise<CommandOutput | void>;
  /**
   * The command writes to stdout itself as it goes, which no returned output can do: a log, a watch,
   * an interactive session. Every other command leaves stdout to the app.
   */
  stream?: boolean;
  /** Nested commands (e.g. "nodes check"). */
  subcommands?: CommandDef[];
  /**
   * The -o formats this command prints. Any other is refused before the command runs, so `-o json`
   * never silently prints text. Absent: the command handles every format itself.
   */
  outputs?: readonly OutputFormat[];
  /**
   * What one run acts on, which decides -A: `instance` (one instance; -A refused), `namespace` (one
   * namespace at a time; -A refused), `fleet` (a namespace, or every one with -A), `cluster` (nodes,
   * the agent; no namespace). Every command that runs declares it.
   */
  scope?: CommandScope;
  /**
   * --dry-run, declared once here so it reads the same everywhere, as kubectl takes it: `--dry-run` or
   * `--dry-run=client` shows what would happen and changes nothing; `--dry-run=server` (where `server`
   * is set) also has the API server check every change and store nothing; `--dry-run=none` is a run.
   * The command gets `dryRun`: 'client' | 'server' | undefined.
   */
  dryRun?: { server?: boolean; describe: string };
  /** Completes positional arguments (instance names and the like). */
  complete?: (ctx: CommandContext, args: A, partial: string) => Promise<string[]>;
}

/** Declares a command, typing `run`'s options from `toOptions`. */
export function defineCommand<A, O = A>(def: CommandDef<A, O>): CommandDef<A, O> {
  return def;
}

/** `--dry-run` / `--dry-run=client` / `--dry-run=server` / `--dry-run=none`, as kubectl takes it. */
export function parseDryRun(v: unknown, server = true): 'client' | 'server' | undefined {
  if (v === undefined || v === false || v === 'none') return undefined;
  if (v === '' || v === true || v === 'client') return 'client';
  if (v === 'server') return 'server';
  throw new UsageError(`invalid --dry-run "${v}": use ${server ? 'client, server or none' : 'client or none'}`);
}
