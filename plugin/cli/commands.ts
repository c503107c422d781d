// The explicit list of commands. Each area adds its commands here (no directory scanning: the bundle
// must see every command).
import type { CommandDef } from './command.js';
import { versionCommand } from '../commands/version/command.js';
import { completionCommand } from '../commands/completion/command.js';
import { createCommand } from '../commands/create/command.js';
import { listCommand } from '../commands/list/command.js';
import { statusCommand } from '../commands/status/command.js';
import { startCommand } from '../commands/start/command.js';
import { stopCommand } from '../commands/stop/command.js';
import { restartCommand } from '../commands/restart/command.js';
import { deleteCommand } from '../commands/delete/command.js';
import { resizeCommand } from '../commands/resize/command.js';
import { setResourcesCommand } from '../commands/set-resources/command.js';
import { watchCommand } from '../commands/watch/command.js';
import { logsCommand } from '../commands/logs/command.js';
import { nodesCommand } from '../commands/nodes/command.js';
import { agentCommand } from '../commands/agent/command.js';
import { configCommand } from '../commands/config/command.js';
import { migrateStorageCommand } from '../commands/migrate-storage/command.js';
import { storageCommand } from '../commands/storage/command.js';
import { backupCommand } from '../commands/backup/command.js';
import { backupsCommand } from '../commands/backups/command.js';
import { restoreCommand } from '../commands/restore/command.js';
import { recoverCommand } from '../commands/recover/command.js';
import { shellCommand } from '../commands/shell/command.js';
import { psqlCommandDef } from '../commands/psql/command.js';
import { odooShellCommand } from '../commands/odoo-shell/command.js';
import { maintenanceCommand } from '../commands/maintenance/command.js';
import { reportCommand } from '../commands/report/command.js';
import { updateCommand } from '../commands/update/command.js';

// Listed in the order --help shows them: instances, their storage and config, backups, nodes, the tool itself.
export const COMMANDS: CommandDef[] = [
  createCommand,
  listCommand,
  statusCommand,
  startCommand,
  stopCommand,
  restartCommand,
  deleteCommand,
  logsCommand,
  resizeCommand,
  setResourcesCommand,
  watchCommand,
  storageCommand,
  configCommand,
  migrateStorageCommand,
  backupCommand,
  backupsCommand,
  restoreCommand,
  recoverCommand,
  shellCommand,
  psqlCommandDef,
  odooShellCommand,
  maintenanceCommand,
  updateCommand,
  reportCommand,
  nodesCommand,
  agentCommand,
  versionCommand,
  completionCommand,
];
