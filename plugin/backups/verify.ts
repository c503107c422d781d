// `kubectl odoo backup verify BACKUP [--restore-test]`: a Job checks the set's files against their
// sha256, lists the archive and the dump, and with --restore-test restores both into a scratch database
// and folder and checks every attachment row against its file (sha1 and size), then removes them.
// A platform archive (active/<customer>/<name>.tar.gz) is checked for what it is, a volume without a
// database: gzip and tar integrity, safe entry paths, and an Odoo data volume's layout.
import { runJob, JobFailedError } from '../../lib/kube/jobs.js';
import { UsageError } from '../../lib/errors.js';
import { resolveInstance } from '../instances/resolve.js';
import type { BackupDeps } from './deps.js';
import { backupTargetOf, buildVerifyJob, type BuiltJob } from './jobSpecs.js';
import { findBackupSet, findPlatformArchive } from './list.js';
import { checkManifest } from './manifest.js';
import { formatBackupTimestamp, parseQualifiedBackupRef, sideDatabaseName } from './naming.js';
import { makeProgressReporter } from './progress.js';
import { judgeArchiveLayout, parsePlatformArchivePath, type ArchiveLayout } from './platformArchives.js';

export interface VerifyCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  backup: string;
  /** `set` (ours) or `platform` (the platform's volume-only archive). */
  kind: 'set' | 'platform';
  /** Whether the backup holds a database dump. */
  database: boolean;
  ok: boolean;
  checks: VerifyCheck[];
  /** Attachment rows whose files are missing or differ (first ten of each); a platform archive's unsafe paths. */
  problems: string[];
  /** A platform archive's layout, when it is one an Odoo image uses. */
  layout?: ArchiveLayout;
  /** What a reader must know about this kind of backup. */
  note?: string;
}

export const PLATFORM_ARCHIVE_NOTE =
  'a platform archive holds the data volume only and no database: restoring it (restore --files-only) replaces the files and leaves the database as it is';

/** Reads the verify Job's output for a platform archive and judges the layout of its entries. */
export function parsePlatformVerifyOutput(log: string): Omit<VerifyReport, 'backup' | 'kind' | 'database' | 'note'> {
  const checks: VerifyCheck[] = [];
  const problems: string[] = [];
  const entries: string[] = [];
  for (const line of log.split('\n')) {
    const m = /^CHECK (\S+) (ok|fail) ?(.*)$/.exec(line);
    if (m) checks.push({ check: m[1], ok: m[2] === 'ok', detail: m[3] });
    else if (line.startsWith('ENTRY ')) entries.push(line.slice('ENTRY '.length));
    else if (line.startsWith('UNSAFE ')) problems.push(line.slice('UNSAFE '.length));
  }
  let layout: ArchiveLayout | undefined;
  if (checks.some((c) => c.check === 'tar' && c.ok)) {
    const v = judgeArchiveLayout(entries);
    checks.push({ check: 'layout', ok: v.ok, detail: v.detail });
    layout = v.layout;
  }
  if (!checks.length) checks.push({ check: 'verify', ok: false, detail: log.split('\n').find((l) => l.startsWith('ERROR '))?.slice(6) ?? 'the verify Job printed no results' });
  checks.push({ check: 'database', ok: true, detail: 'none: volume only (no database dump in a platform archive)' });
  return { ok: checks.every((c) => c.ok), checks, problems, ...(layout ? { layout } : {}) };
}

/** Reads the verify Job's output; the manifest is also checked here against SHA256SUMS. */
export function parseVerifyOutput(log: string, expect: { instance: string; timestamp: string }): Pick<VerifyReport, 'ok' | 'checks' | 'problems'> {
  const checks: VerifyCheck[] = [];
  const problems: string[] = [];
  let manifestText: string | undefined;
  const sums: string[] = [];
  for (const line of log.split('\n')) {
    const m = /^CHECK (\S+) (ok|fail) ?(.*)$/.exec(line);
    if (m) checks.push({ check: m[1], ok: m[2] === 'ok', detail: m[3] });
    else if (line.startsWith('MANIFEST\t')) manifestText = line.slice('MANIFEST\t'.length);
    else if (line.startsWith('SUMS\t')) sums.push(line.slice('SUMS\t'.length));
    else if (/^(MISSING|MISMATCH) /.test(line)) problems.push(line);
  }
  if (manifestText !== undefined) {
    const c = checkManifest(manifestText, { sha256sums: sums.join('\n'), expect });
    checks.splice(1, 0, { check: 'manifest-content', ok: c.ok, detail: c.ok ? 'agrees with SHA256SUMS and the folder' : c.problems.join('; ') });
  }
  if (!checks.length) checks.push({ check: 'verify', ok: false, detail: log.split('\n').find((l) => l.startsWith('ERROR '))?.slice(6) ?? 'the verify Job printed no results' });
  return { ok: checks.every((c) => c.ok), checks, problems };
}

/** Runs the verify Job and returns its log, also when a failed check made the Job fail. */
async function verifyLog(deps: BackupDeps, namespace: string, job: BuiltJob, what: string): Promise<string> {
  try {
    const r = await runJob(deps.kube, job, {
      namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
      what,
      keep: 'none',
      onLine: makeProgressReporter(deps.progress, () => deps.clock.now().getTime()),
    });
    return r.log;
  } catch (e) {
    // A failed check makes the Job fail; its report is still the answer.
    if (!(e instanceof JobFailedError)) throw e;
    return e.result.log;
  }
}

async function verifyPlatformArchive(deps: BackupDeps, opts: { namespace: string; backup: string; restoreTest: boolean }): Promise<VerifyReport> {
  if (opts.restoreTest) throw new UsageError(`--restore-test needs a database dump; ${opts.backup} is a platform archive (volume only): verify it without --restore-test`);
  const archive = await findPlatformArchive(deps, opts.namespace, opts.backup);
  const job = buildVerifyJob({ namespace: opts.namespace, setPath: archive.path, instance: archive.instance || 'platform', opId: formatBackupTimestamp(deps.clock.now()) }, deps.settings, deps.settings.defaultImage);
  const log = await verifyLog(deps, opts.namespace, job, `verify of ${archive.path}`);
  return { backup: archive.path, kind: 'platform', database: false, ...parsePlatformVerifyOutput(log), note: PLATFORM_ARCHIVE_NOTE };
}

export async function runVerify(deps: BackupDeps, opts: { namespace: string; backup: string; restoreTest: boolean }): Promise<VerifyReport> {
  if (parsePlatformArchivePath(opts.backup)) return verifyPlatformArchive(deps, opts);
  const ref = parseQualifiedBackupRef(opts.backup);
  const set = await findBackupSet(deps, opts.namespace, ref);
  const id = formatBackupTimestamp(deps.clock.now());
  let restoreTest;
  let image = deps.settings.defaultImage;
  if (opts.restoreTest) {
    // The scratch database lives on the instance's own database server, with its credentials.
    const target = backupTargetOf(await resolveInstance(deps.kube, opts.namespace, set.instance));
    image = target.image || image;
    restoreTest = { target, sourceDatabase: set.manifest!.database, scratchDatabase: sideDatabaseName(set.manifest!.database, 'verify', id) };
  }
  const job = buildVerifyJob({ namespace: opts.namespace, setPath: set.path, instance: set.instance, opId: id, restoreTest }, deps.settings, image);
  const log = await verifyLog(deps, opts.namespace, job, `verify of ${set.path}`);
  return { backup: set.path, kind: 'set', database: true, ...parseVerifyOutput(log, { instance: set.instance, timestamp: set.timestamp }) };
}
