// Backup sets as the list Job reports them, turned into records with a state.
//
// The list Job prints, per set folder, tab-separated lines (see LIST_SCRIPT in scripts.ts):
//   SET      <path>  <bytes>  <has manifest 0|1>  <pinned 0|1>
//   MANIFEST <path>  <manifest.json on one line>
//   FAILED   <path>  <first line of the FAILED file>
//   FILE     <path>  <name>  <bytes>      every file in the folder
import { checkManifest, isSafetyBackup, type BackupManifest } from './manifest.js';
import { parseBackupTimestamp, parseSetFolder, backupSetPath } from './naming.js';

/**
 * complete: proven when it was written (every file read back from the volume matched what was written)
 * and its files still have the sizes the manifest gives. unproven: complete by its manifest, but made
 * before sets were proven; never "latest", never counted by prune, restorable by name (the restore
 * checks every sha256 before it changes anything). damaged: a file is missing or has another size.
 */
export type BackupState = 'complete' | 'unproven' | 'damaged' | 'partial' | 'failed' | 'running';

export interface BackupSetInfo {
  /** active/<customer>/<instance>/<timestamp> (the final name, also for partial sets). */
  path: string;
  /** The folder as it is on the volume (.partial-... for incomplete sets). */
  folder: string;
  customerId: string;
  instance: string;
  timestamp: string;
  time: Date;
  state: BackupState;
  /** Size on the backups volume: the bytes of the files in the set's folder. */
  bytes: number;
  pinned: boolean;
  /** A safety backup a restore took of the state it replaced (never what "latest" means). */
  safety: boolean;
  manifest?: BackupManifest;
  /** Why a set is failed or not complete. */
  error?: string;
}

/**
 * Parses the list Job's output. `runningTimestamps` holds `<instance>/<timestamp>` of backup Jobs that
 * are still active: their partial folders are "running", not "partial".
 */
export function parseBackupListing(output: string, runningTimestamps: ReadonlySet<string> = new Set()): BackupSetInfo[] {
  const sets = new Map<string, BackupSetInfo & { hasManifest: boolean }>();
  const manifests = new Map<string, string>();
  const failures = new Map<string, string>();
  const files = new Map<string, Map<string, number>>();
  for (const line of output.split('\n')) {
    const [kind, folder, ...rest] = line.split('\t');
    if (!folder) continue;
    if (kind === 'SET') {
      const id = parseSetFolder(folder);
      if (!id) continue;
      const [bytes, hasManifest, pinned] = rest;
      sets.set(folder, {
        path: backupSetPath(id),
        folder,
        customerId: id.customerId,
        instance: id.instance,
        timestamp: id.timestamp,
        time: parseBackupTimestamp(id.timestamp)!,
        state: id.partial ? 'partial' : 'complete',
        bytes: Number(bytes) || 0,
        pinned: pinned === '1',
        safety: false,
        hasManifest: hasManifest === '1',
      });
    } else if (kind === 'MANIFEST') {
      manifests.set(folder, rest.join('\t'));
    } else if (kind === 'FAILED') {
      failures.set(folder, rest.join('\t').trim() || 'failed');
    } else if (kind === 'FILE') {
      if (!files.has(folder)) files.set(folder, new Map());
      files.get(folder)!.set(rest[0], Number(rest[1]));
    }
  }
  const out: BackupSetInfo[] = [];
  for (const [folder, s] of sets) {
    const { hasManifest, ...info } = s;
    if (info.state === 'partial') {
      if (failures.has(folder)) {
        info.state = 'failed';
        info.error = failures.get(folder);
      } else if (runningTimestamps.has(`${info.instance}/${info.timestamp}`)) {
        info.state = 'running';
      } else {
        info.error = 'interrupted before it was complete';
      }
    } else {
      // A final-named folder without a valid manifest was not made by a complete backup: never "complete".
      const text = manifests.get(folder);
      const check = hasManifest && text !== undefined ? checkManifest(text, { expect: { instance: info.instance, timestamp: info.timestamp } }) : undefined;
      if (!check) {
        info.state = 'partial';
        info.error = 'manifest.json is missing';
      } else if (!check.ok) {
        info.state = 'partial';
        info.error = check.problems[0];
      } else {
        info.manifest = check.manifest;
        info.safety = isSafetyBackup(check.manifest);
        const onDisk = files.get(folder);
        const wrong = onDisk && check.manifest.files.find((f) => onDisk.get(f.name) !== f.size);
        if (wrong) {
          info.state = 'damaged';
          info.error = onDisk!.has(wrong.name) ? `${wrong.name} has ${onDisk!.get(wrong.name)} bytes, the manifest says ${wrong.size}` : `${wrong.name} is missing`;
        } else if (check.manifest.proof !== 'reread') {
          info.state = 'unproven';
          info.error = 'made before backups were proven on disk; "kubectl odoo backup verify" checks it';
        }
      }
    }
    out.push(info);
  }
  return out.sort((a, b) => a.customerId.localeCompare(b.customerId) || a.instance.localeCompare(b.instance) || b.timestamp.localeCompare(a.timestamp));
}

/** "3d4h", "15m": compact ages for tables, like kubectl's AGE column. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  const d = Math.floor(h / 24);
  if (d < 365) return `${d}d${h % 24 && d < 8 ? `${h % 24}h` : ''}`;
  return `${Math.floor(d / 365)}y${d % 365}d`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n}B` : `${v.toFixed(v < 10 ? 1 : 0)}${units[i]}`;
}

/**
 * What "latest" means: the newest complete set that is not a safety backup. A safety backup holds the
 * state a restore replaced; restoring it as "latest" would undo that restore.
 */
export function newestComplete(sets: readonly BackupSetInfo[]): BackupSetInfo | undefined {
  return sets.filter((s) => s.state === 'complete' && !s.safety).sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
}
