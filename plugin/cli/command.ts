// The shape of a command module: flags become typed args, `run` does the work with the context.
import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';
import type { OutputFormat } from '../core/output/printer.js';

export interface CommandDef<A = any> {
  /** yargs command string, e.g. "create <name>". */
  command: string;
  describe: string;
  aliases?: string[];
  builder?: (y: Argv) => Argv<any>;
  run?: (ctx: CommandContext, args: A) => Promise<void>;
  /** Nested commands (e.g. "nodes check"). */
  subcommands?: CommandDef[];
  /**
   * The -o formats this command prints. Any other is refused before the command runs, so `-o json`
   * never silently prints text. Absent: the command handles every format itself.
   */
  outputs?: readonly OutputFormat[];
  /** Completes positional arguments (instance names and the like). */
  complete?: (ctx: CommandContext, args: A, partial: string) => Promise<string[]>;
}
