// Backup sets as the list Job reports them, turned into records with a state.
//
// The list Job prints, per set folder, tab-separated lines (see LIST_SCRIPT in scripts.ts):
//   SET      <path>  <bytes>  <has manifest 0|1>  <pinned 0|1>
//   MANIFEST <path>  <manifest.json on one line>
//   FAILED   <path>  <first line of the FAILED file>
//   FILE     <path>  <name>  <bytes>      every file in the folder
//   ARCHIVE  <path>  <bytes>  <mtime, seconds since the epoch>     a platform archive (platformArchives.ts)
import { formatBytes } from '../../lib/bytes.js';

import { checkManifest, isSafetyBackup, type BackupManifest } from './manifest.js';
import { formatBackupTimestamp, parseBackupTimestamp, parseSetFolder, backupSetPath } from './naming.js';
import { archiveOwners, archiveTime, platformArchiveOf, type ArchiveCandidate } from './platformArchives.js';

/**
 * complete: proven when it was written (every file read back from the volume matched what was written)
 * and its files still have the sizes the manifest gives. unproven: complete by its manifest, but made
 * before sets were proven; never "latest", never counted by prune, restorable by name (the restore
 * checks every sha256 before it changes anything). damaged: a file is missing or has another size.
 * volume only: a platform archive, the data volume without a database dump.
 */
export type BackupState = 'complete' | 'unproven' | 'damaged' | 'partial' | 'failed' | 'running' | 'volume only';

export interface BackupSetInfo {
  /** `set`: ours (database and files); `platform`: the platform's volume-only archive. */
  kind: 'set' | 'platform';
  /** Whether it holds a database dump (a platform archive does not). */
  database: boolean;
  /** active/<customer>/<instance>/<timestamp> (the final name, also for partial sets); a platform archive's file. */
  path: string;
  /** The folder as it is on the volume (.partial-... for incomplete sets); a platform archive's file. */
  folder: string;
  customerId: string;
  /** The instance (Deployment name); for a platform archive the one it is matched to, '' when none or several. */
  instance: string;
  /** A platform archive matched to several instances of its customer: all of them. */
  instances?: string[];
  /** YYYYMMDDTHHMMSSZ; a platform archive's from its time. */
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
  return parseListing(output, runningTimestamps).sets;
}

/** A platform archive line of the list Job, before it is matched to an instance. */
export interface ListedArchive {
  path: string;
  customerId: string;
  name: string;
  bytes: number;
  mtime: Date;
}

/** The list Job's output: our sets (judged) and the platform archives it saw. */
export function parseListing(output: string, runningTimestamps: ReadonlySet<string> = new Set()): { sets: BackupSetInfo[]; archives: ListedArchive[] } {
  const archives: ListedArchive[] = [];
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
        kind: 'set',
        database: true,
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
    } else if (kind === 'ARCHIVE') {
      const ref = platformArchiveOf(folder);
      const mtime = new Date(Number(rest[1]) * 1000);
      if (ref && !Number.isNaN(mtime.getTime())) archives.push({ ...ref, bytes: Number(rest[0]) || 0, mtime });
    }
  }
  const out: BackupSetInfo[] = [];
  for (const [folder, s] of sets) {
    const { hasManifest, ...info } = s;
    if (info.state === 'partial') {
      if (failures.has(folder)) {
        // A set cut short by a signal (Ctrl-C, the Job deleted, the node draining) is partial, not failed:
        // nothing went wrong in the backup itself.
        const why = failures.get(folder)!;
        info.state = /^interrupted\b/.test(why) || /exit code (129|130|137|143)\b/.test(why) ? 'partial' : 'failed';
        info.error = why;
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
  return { sets: sortBackups(out), archives };
}

/** Customer, instance, newest first. */
export function sortBackups(list: BackupSetInfo[]): BackupSetInfo[] {
  return list.sort((a, b) => a.customerId.localeCompare(b.customerId) || a.instance.localeCompare(b.instance) || b.timestamp.localeCompare(a.timestamp) || a.path.localeCompare(b.path));
}

/** Platform archives as listed backups, each matched to the instance(s) it belongs to (archiveOwners). */
export function platformBackups(archives: readonly ListedArchive[], candidates: readonly ArchiveCandidate[]): BackupSetInfo[] {
  return archives.map((a) => {
    const owners = archiveOwners(a, candidates);
    const time = archiveTime(a.name, a.mtime);
    return {
      kind: 'platform',
      database: false,
      path: a.path,
      folder: a.path,
      customerId: a.customerId,
      instance: owners.length === 1 ? owners[0] : '',
      ...(owners.length > 1 ? { instances: owners } : {}),
      timestamp: formatBackupTimestamp(time),
      time,
      state: 'volume only',
      bytes: a.bytes,
      pinned: false,
      safety: false,
    };
  });
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


/**
 * What "latest" means: the newest complete set that is not a safety backup. A safety backup holds the
 * state a restore replaced; restoring it as "latest" would undo that restore.
 */
export function newestComplete(sets: readonly BackupSetInfo[]): BackupSetInfo | undefined {
  return sets.filter((s) => s.state === 'complete' && !s.safety).sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
}
