// Where backup sets live on the shared backups volume, and what a user may type to name one.
//
// Layout (the platform's `active/<customer-id>/` convention, one folder per set):
//   active/<customer-id>/<instance>/<timestamp>/            a complete set (has manifest.json)
//   active/<customer-id>/<instance>/.partial-<timestamp>/   being written, interrupted, or failed (FAILED inside)
//   active/<customer-id>/<instance>/.deleting-<timestamp>/  being pruned; never listed
// A set is written under `.partial-` and renamed to its final name only when every file is written and
// checksummed, so nothing with the final name is ever incomplete.
import { UsageError } from '../../lib/errors.js';
import { isInstanceReference } from '../instances/names.js';

/** 20250115T103000Z: UTC, sortable as text, safe in paths and label values. */
export const TIMESTAMP_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
export const PARTIAL_PREFIX = '.partial-';
export const DELETING_PREFIX = '.deleting-';
export const ACTIVE_DIR = 'active';

// Customer ids are UUIDs or short slugs on the platform; no slashes, no leading dot.
const CUSTOMER_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
// Instances are Kubernetes object names (DNS-1123 labels).
const INSTANCE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Odoo's own rule for database names (odoo/service/db.py DB_NAME_RE) plus PostgreSQL's 63-byte limit.
const DATABASE_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

export function formatBackupTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** The Date a timestamp names, or undefined when it is not one. */
export function parseBackupTimestamp(ts: string): Date | undefined {
  const m = TIMESTAMP_RE.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject 20251340T..., which Date would silently roll over.
  if (formatBackupTimestamp(date) !== ts) return undefined;
  return date;
}

export function isValidCustomerId(s: string): boolean {
  return CUSTOMER_RE.test(s);
}

export function isValidInstanceName(s: string): boolean {
  return INSTANCE_RE.test(s);
}

export function isValidDatabaseName(s: string): boolean {
  return DATABASE_RE.test(s);
}

export interface BackupSetId {
  customerId: string;
  instance: string;
  timestamp: string;
}

/** The folder of the instance's sets: active/<customer>/<instance>. */
export function instanceBackupDir(customerId: string, instance: string): string {
  return `${ACTIVE_DIR}/${customerId}/${instance}`;
}

/** active/<customer>/<instance>/<timestamp>: what users see and pass to --from and verify. */
export function backupSetPath(id: BackupSetId): string {
  return `${instanceBackupDir(id.customerId, id.instance)}/${id.timestamp}`;
}

export function partialSetPath(id: BackupSetId): string {
  return `${instanceBackupDir(id.customerId, id.instance)}/${PARTIAL_PREFIX}${id.timestamp}`;
}

/** What a folder on the backups volume is, from its path relative to the volume root. */
export function parseSetFolder(rel: string): (BackupSetId & { partial: boolean }) | undefined {
  const parts = rel.replace(/\/+$/, '').split('/');
  if (parts.length !== 4 || parts[0] !== ACTIVE_DIR) return undefined;
  const [, customerId, instance, leaf] = parts;
  if (!isValidCustomerId(customerId) || !isValidInstanceName(instance)) return undefined;
  const partial = leaf.startsWith(PARTIAL_PREFIX);
  const timestamp = partial ? leaf.slice(PARTIAL_PREFIX.length) : leaf;
  if (!parseBackupTimestamp(timestamp)) return undefined;
  return { customerId, instance, timestamp, partial };
}

/**
 * A BACKUP reference as a user types it:
 *   latest                                  the newest complete set of the instance in context
 *   20250115T103000Z                        a set of the instance in context
 *   acme/20250115T103000Z                   a set of instance acme (any customer), named by any of its names
 *   active/cust-1/acme/20250115T103000Z     the full path, as `kubectl odoo backups` prints it
 */
export interface BackupRef {
  customerId?: string;
  instance?: string;
  /** A timestamp, or 'latest'. */
  timestamp: string;
}

const REF_FORMS = 'latest, a timestamp like 20250115T103000Z, INSTANCE/TIMESTAMP or active/CUSTOMER/INSTANCE/TIMESTAMP (as "kubectl odoo backups" lists them)';
const QUALIFIED_FORMS = 'INSTANCE/TIMESTAMP, INSTANCE/latest or active/CUSTOMER/INSTANCE/TIMESTAMP (as "kubectl odoo backups" lists them)';

/**
 * An instance name as it is in a backup path (its Deployment name): a DNS label of at most 63
 * characters, no "."; one line, exit 2.
 */
export function validateBackupInstanceName(name: string, flag?: string): string {
  const prefix = flag ? `${flag}: ` : '';
  if (!name || name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new UsageError(`${prefix}invalid instance name "${name}": names are lower-case letters, digits and "-" (e.g. acme or odoo-acme-1a2b3c4d)`);
  }
  if (!isValidInstanceName(name)) throw new UsageError(`${prefix}invalid instance name "${name}": names are lower-case letters, digits and "-", at most 63 characters (e.g. acme or odoo-acme-1a2b3c4d)`);
  return name;
}

/**
 * Parses a BACKUP reference. Every problem is one line that names what was typed once and says what
 * is expected; `qualified` (verify, pin) requires the instance in the reference.
 */
export function parseBackupRef(raw: string, opts: { qualified?: boolean } = {}): BackupRef {
  const forms = opts.qualified ? QUALIFIED_FORMS : REF_FORMS;
  const ref = raw.trim().replace(/\/+$/, '');
  if (!ref) throw new UsageError(`backup reference is empty: use ${forms}`);
  const parts = ref.split('/');
  // A single word is either the whole reference (then say what forms there are) or one part of a path.
  const whole = parts.length === 1;
  const checkTimestamp = (ts: string) => {
    if (ts === 'latest') return;
    if (ts.startsWith(PARTIAL_PREFIX)) throw new UsageError(`backup "${raw}" is an incomplete set and cannot be used; pick a complete one from "kubectl odoo backups"`);
    if (parseBackupTimestamp(ts)) return;
    if (whole) throw new UsageError(`invalid backup "${raw}": use ${forms}`);
    throw new UsageError(`invalid backup "${raw}": "${ts}" is not a backup timestamp (YYYYMMDDTHHMMSSZ, e.g. 20250115T103000Z) or latest`);
  };
  // In INSTANCE/TIMESTAMP the instance is named as any command takes it (database, instance id, ...);
  // in the full path it is the folder, its Deployment name.
  const checkInstance = (name: string) => {
    if (!isValidInstanceName(name)) throw new UsageError(`invalid backup "${raw}": "${name}" is not an instance's folder (its Deployment name: lower-case letters, digits and "-")`);
  };
  const checkReference = (name: string) => {
    if (!isInstanceReference(name)) {
      throw new UsageError(`invalid backup "${raw}": "${name}" is not an instance name (its Deployment name, instance id, platform instance name or database: letters, digits, "-", "_" and ".")`);
    }
  };
  if (parts.length === 1) {
    if (opts.qualified) {
      throw new UsageError(`invalid backup "${raw}": it does not say which instance it belongs to; use ${forms}`);
    }
    checkTimestamp(parts[0]);
    return { timestamp: parts[0] };
  }
  if (parts.length === 2) {
    checkReference(parts[0]);
    checkTimestamp(parts[1]);
    return { instance: parts[0], timestamp: parts[1] };
  }
  if (parts.length === 4 && parts[0] === ACTIVE_DIR) {
    if (!isValidCustomerId(parts[1])) throw new UsageError(`invalid backup "${raw}": "${parts[1]}" is not a customer id`);
    checkInstance(parts[2]);
    checkTimestamp(parts[3]);
    return { customerId: parts[1], instance: parts[2], timestamp: parts[3] };
  }
  throw new UsageError(`invalid backup "${raw}": use ${forms}`);
}

/** A reference that names its instance (verify, pin): INSTANCE/TIMESTAMP, INSTANCE/latest or the full path. */
export function parseQualifiedBackupRef(raw: string): BackupRef & { instance: string } {
  return parseBackupRef(raw, { qualified: true }) as BackupRef & { instance: string };
}

/** Names Kubernetes accepts for Jobs (and their pods' job-name label): at most 63 characters. */
export function jobName(operation: string, instance: string, timestamp: string): string {
  const suffix = `-${timestamp.toLowerCase()}`;
  const head = `odoo-${operation}-${instance}`.slice(0, 63 - suffix.length).replace(/-+$/, '');
  return `${head}${suffix}`;
}

/**
 * PostgreSQL names for the scratch and the previous database of a restore. At most 63 bytes: the
 * instance's name is shortened, never the distinguishing suffix.
 */
export function sideDatabaseName(database: string, role: 'restore' | 'old' | 'verify', timestamp: string): string {
  const suffix = `__${role}_${timestamp.toLowerCase()}`;
  return `${database.slice(0, 63 - suffix.length)}${suffix}`;
}
