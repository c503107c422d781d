// manifest.json of a backup set: what was backed up, how, and the size and sha256 of every file.
//
// The plugin knows the static part before the Job starts (instance, database, image, mode) and hands it
// to the Job as JSON in an environment variable; the Job adds what only it can know (compression used,
// Odoo and PostgreSQL versions, times, sizes, checksums) and writes the whole file last.
import { isValidDatabaseName, isValidInstanceName, TIMESTAMP_RE } from './naming.js';

export const MANIFEST_FORMAT = 'kubectl-odoo.backup/v1';
export const CONSISTENCY_MODES = ['stop', 'live'] as const;
export type ConsistencyMode = (typeof CONSISTENCY_MODES)[number];
export type FileRole = 'database' | 'data' | 'odoo-zip';
/**
 * Why a set was made, when not on request: `safety-before-restore` is the state a restore replaced.
 * Such a set is never what "latest" means (restoring it again would undo the restore).
 */
export const BACKUP_REASONS = ['safety-before-restore'] as const;
export type BackupReason = (typeof BACKUP_REASONS)[number];

export interface ManifestFile {
  name: string;
  role: FileRole;
  size: number;
  sha256: string;
}

/** Known to the plugin before the Job runs. */
export interface ManifestBase {
  format: typeof MANIFEST_FORMAT;
  timestamp: string;
  instance: string;
  namespace: string;
  customerId: string;
  database: string;
  image: string;
  dataMountPath: string;
  consistency: ConsistencyMode;
  tool: { name: 'kubectl-odoo'; version: string };
  /** Absent for a backup made on request. */
  reason?: BackupReason;
  /** For a safety backup: the set whose restore it preceded (active/<customer>/<instance>/<timestamp>). */
  restoring?: string;
}

/** The complete manifest as the Job writes it. */
export interface BackupManifest extends ManifestBase {
  compression: 'zstd' | 'pigz' | 'gzip';
  odooVersion: string;
  pgVersion: string;
  /** Bytes of the data volume before compression. */
  dataBytes: number;
  /** The database's size on the server when it was dumped (sets from 0.2 on). */
  dbBytes?: number;
  /**
   * "reread": every file was flushed and read back from the backups volume, and matched the stream
   * written (sets from 0.2 on). Sets without it are listed unproven and never picked as "latest".
   */
  proof?: 'reread';
  startedAt: string;
  finishedAt: string;
  files: ManifestFile[];
}

export function buildManifestBase(input: Omit<ManifestBase, 'format' | 'tool'> & { toolVersion: string }): ManifestBase {
  const { toolVersion, reason, restoring, ...rest } = input;
  return { format: MANIFEST_FORMAT, ...rest, tool: { name: 'kubectl-odoo', version: toolVersion }, ...(reason ? { reason } : {}), ...(restoring ? { restoring } : {}) };
}

/** A set the restore of another one made first (the state that restore replaced). */
export function isSafetyBackup(m: Pick<ManifestBase, 'reason'> | undefined): boolean {
  return m?.reason === 'safety-before-restore';
}

/**
 * The base as one line of JSON that ends in "}": the Job strips that brace and appends its own fields,
 * so it needs no JSON tool. Every value is JSON-escaped here, never by the shell.
 */
export function encodeManifestBase(base: ManifestBase): string {
  return JSON.stringify(base);
}

const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Parses `sha256sum` output ("<hex>  <name>" per line). */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) sums.set(m[2], m[1]);
  }
  return sums;
}

export type ManifestCheck = { ok: true; manifest: BackupManifest } | { ok: false; problems: string[]; manifest?: BackupManifest };

/**
 * Checks a manifest's shape and that it agrees with SHA256SUMS (when given) and, optionally, with the
 * set it claims to describe. Returns every problem found, each one line.
 */
export function checkManifest(
  manifestText: string,
  opts: { sha256sums?: string; expect?: { instance?: string; timestamp?: string } } = {},
): ManifestCheck {
  // The manifest as parsed (JSON): untyped until each field is checked below.
  let doc: any;
  try {
    doc = JSON.parse(manifestText);
  } catch (e) {
    return { ok: false, problems: [`manifest.json is not valid JSON (${(e as Error).message})`] };
  }
  const problems: string[] = [];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, problems: ['manifest.json is not a JSON object'] };
  if (doc.format !== MANIFEST_FORMAT) problems.push(`manifest format is ${JSON.stringify(doc.format)}, expected "${MANIFEST_FORMAT}"`);
  const str = (k: string, test?: (v: string) => boolean) => {
    if (typeof doc[k] !== 'string' || doc[k] === '') problems.push(`manifest field "${k}" is missing`);
    else if (test && !test(doc[k])) problems.push(`manifest field "${k}" has an invalid value ${JSON.stringify(doc[k])}`);
  };
  str('timestamp', (v) => TIMESTAMP_RE.test(v));
  str('instance', isValidInstanceName);
  str('customerId');
  str('database', isValidDatabaseName);
  str('image');
  str('startedAt', (v) => !Number.isNaN(Date.parse(v)));
  str('finishedAt', (v) => !Number.isNaN(Date.parse(v)));
  str('compression', (v) => ['zstd', 'pigz', 'gzip'].includes(v));
  str('consistency', (v) => (CONSISTENCY_MODES as readonly string[]).includes(v));
  if (doc.reason !== undefined && !(BACKUP_REASONS as readonly unknown[]).includes(doc.reason)) problems.push(`manifest field "reason" has an invalid value ${JSON.stringify(doc.reason)}`);
  if (doc.restoring !== undefined && typeof doc.restoring !== 'string') problems.push('manifest field "restoring" is not a backup path');
  if (!Number.isSafeInteger(doc.dataBytes) || doc.dataBytes < 0) problems.push('manifest field "dataBytes" is not a byte count');
  const files: ManifestFile[] = Array.isArray(doc.files) ? doc.files : [];
  if (!Array.isArray(doc.files)) problems.push('manifest lists no files');
  for (const role of ['database', 'data'] as const) {
    if (!files.some((f) => f?.role === role)) problems.push(`manifest has no ${role === 'database' ? 'database dump' : 'data archive'}`);
  }
  const sums = opts.sha256sums !== undefined ? parseSha256Sums(opts.sha256sums) : undefined;
  for (const f of files) {
    if (!f || typeof f.name !== 'string' || !FILE_NAME_RE.test(f.name)) {
      problems.push(`manifest lists a file with an invalid name ${JSON.stringify(f?.name)}`);
      continue;
    }
    if (!Number.isSafeInteger(f.size) || f.size < 0) problems.push(`${f.name}: size in the manifest is not a byte count`);
    if (typeof f.sha256 !== 'string' || !SHA256_RE.test(f.sha256)) problems.push(`${f.name}: sha256 in the manifest is not a SHA-256 digest`);
    else if (sums) {
      const s = sums.get(f.name);
      if (s === undefined) problems.push(`${f.name}: missing from SHA256SUMS`);
      else if (s !== f.sha256) problems.push(`${f.name}: sha256 differs between manifest.json and SHA256SUMS`);
    }
  }
  if (opts.expect?.instance && doc.instance !== opts.expect.instance) problems.push(`manifest is for instance ${JSON.stringify(doc.instance)}, not "${opts.expect.instance}"`);
  if (opts.expect?.timestamp && doc.timestamp !== opts.expect.timestamp) problems.push(`manifest timestamp ${JSON.stringify(doc.timestamp)} does not match the folder "${opts.expect.timestamp}"`);
  return problems.length ? { ok: false, problems, manifest: doc } : { ok: true, manifest: doc as BackupManifest };
}

export function totalSize(m: Pick<BackupManifest, 'files'>): number {
  return m.files.reduce((n, f) => n + (Number.isFinite(f.size) ? f.size : 0), 0);
}
