// The shape of a command module: flags become typed args, `run` does the work with the context.
import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

export interface CommandDef<A = any> {
  /** yargs command string, e.g. "create <name>". */
  command: string;
  describe: string;
  aliases?: string[];
  builder?: (y: Argv) => Argv<any>;
  run?: (ctx: CommandContext, args: A) => Promise<void>;
  /** Nested commands (e.g. "nodes check"). */
  subcommands?: CommandDef[];
  /** Completes positional arguments (instance names and the like). */
  complete?: (ctx: CommandContext, args: A, partial: string) => Promise<string[]>;
}
