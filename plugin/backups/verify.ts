// `kubectl odoo backup verify BACKUP [--restore-test]`: a Job checks the set's files against their
// sha256, lists the archive and the dump, and with --restore-test restores both into a scratch database
// and folder and checks every attachment row against its file (sha1 and size), then removes them.
import { runJob, JobFailedError } from '../core/kube/jobs.js';
import { resolveInstance } from '../instances/resolve.js';
import type { BackupDeps } from './deps.js';
import { backupTargetOf, buildVerifyJob } from './jobSpecs.js';
import { findBackupSet } from './list.js';
import { checkManifest } from './manifest.js';
import { formatBackupTimestamp, parseQualifiedBackupRef, sideDatabaseName } from './naming.js';
import { makeProgressReporter } from './progress.js';

export interface VerifyCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  backup: string;
  ok: boolean;
  checks: VerifyCheck[];
  /** Attachment rows whose files are missing or differ (first ten of each). */
  problems: string[];
}

/** Reads the verify Job's output; the manifest is also checked here against SHA256SUMS. */
export function parseVerifyOutput(log: string, expect: { instance: string; timestamp: string }): Omit<VerifyReport, 'backup'> {
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

export async function runVerify(deps: BackupDeps, opts: { namespace: string; backup: string; restoreTest: boolean }): Promise<VerifyReport> {
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
  let log: string;
  try {
    const r = await runJob(deps.kube, job, {
      namespace: opts.namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
      what: `verify of ${set.path}`,
      keep: 'none',
      onLine: makeProgressReporter(deps.progress, () => deps.clock.now().getTime()),
    });
    log = r.log;
  } catch (e) {
    // A failed check makes the Job fail; its report is still the answer.
    if (!(e instanceof JobFailedError)) throw e;
    log = e.result.log;
  }
  return { backup: set.path, ...parseVerifyOutput(log, { instance: set.instance, timestamp: set.timestamp }) };
}
