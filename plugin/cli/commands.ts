// The explicit list of commands. Each area adds its commands here (no directory scanning: the bundle
// must see every command).
import type { CommandDef } from './command.js';
import { versionCommand } from '../commands/version/command.js';
import { completionCommand } from '../commands/completion/command.js';

export const COMMANDS: CommandDef[] = [
  versionCommand,
  completionCommand,
];
