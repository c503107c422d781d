// The "last backup" line of `status`: the backups area supplies the provider here (it knows the backup
// layout on the shared backups PVC). Undefined means status prints "unknown".
import type { LastBackupProvider } from './statusReport.js';
import { lastBackupOf } from '../backups/lastBackup.js';

export const lastBackupProvider: LastBackupProvider | undefined = lastBackupOf;
