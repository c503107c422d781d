// The platform's own backups: volume-only archives the instance-service writes to the shared backups
// volume as `active/<customer-id>/<backup-name>.tar.gz` (a tar of the data volume, no database dump).
// Pure: recognising their paths, their time, which instance they belong to, and whether their layout is
// an Odoo data volume. Restoring one (files only) uses the same path check and layout judge.
import { UsageError } from '../../lib/errors.js';
import { ACTIVE_DIR, isValidCustomerId } from './naming.js';

export const PLATFORM_ARCHIVE_EXTENSIONS = ['.tar.gz', '.tgz'] as const;
const ARCHIVE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,250}$/;

export interface PlatformArchiveRef {
  /** active/<customer-id>/<file>, relative to the backups volume. */
  path: string;
  customerId: string;
  /** The file name without its extension (the platform's backup name). */
  name: string;
}

/** Whether `raw` is written as a platform archive path (ends in .tar.gz or .tgz), valid or not. */
export function looksLikePlatformArchive(raw: string): boolean {
  return PLATFORM_ARCHIVE_EXTENSIONS.some((e) => raw.trim().endsWith(e));
}

/**
 * A platform archive path as a user types it or the list Job prints it: exactly
 * `active/<customer-id>/<name>.tar.gz` (or .tgz). Absolute paths, `..`, empty or extra components
 * are refused with one line (exit 2); undefined when `raw` is not written as an archive at all.
 */
export function parsePlatformArchivePath(raw: string): PlatformArchiveRef | undefined {
  const path = raw.trim();
  if (!looksLikePlatformArchive(path)) return undefined;
  const forms = `use the path "kubectl odoo backups" lists, e.g. ${ACTIVE_DIR}/customer-001/backup-2025-01-15.tar.gz`;
  if (path.startsWith('/')) throw new UsageError(`invalid platform archive "${raw}": an absolute path is not allowed; ${forms}`);
  const parts = path.split('/');
  if (parts.includes('..')) throw new UsageError(`invalid platform archive "${raw}": ".." is not allowed; ${forms}`);
  if (parts.length !== 3 || parts[0] !== ACTIVE_DIR) throw new UsageError(`invalid platform archive "${raw}": ${forms}`);
  const [, customerId, file] = parts;
  if (!isValidCustomerId(customerId)) throw new UsageError(`invalid platform archive "${raw}": "${customerId}" is not a customer id`);
  const ext = PLATFORM_ARCHIVE_EXTENSIONS.find((e) => file.endsWith(e))!;
  const name = file.slice(0, -ext.length);
  if (!ARCHIVE_NAME_RE.test(file) || !name) throw new UsageError(`invalid platform archive "${raw}": "${file}" is not an archive name (letters, digits, ".", "_" and "-")`);
  return { path, customerId, name };
}

/** parsePlatformArchivePath without the error: for lines of the list Job. */
export function platformArchiveOf(path: string): PlatformArchiveRef | undefined {
  try {
    return parsePlatformArchivePath(path);
  } catch {
    return undefined;
  }
}

function validDate(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | undefined {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  const ok = t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
  return ok && y >= 2000 && y < 2200 ? t : undefined;
}

/**
 * The moment a date in an archive's name gives (UTC), and whether it has a time of day:
 * 20250115T103000Z, 2025-01-15T10:30:00, 2025-01-15_10-30-00, 20250115_103000, 2025-01-15, 20250115.
 */
export function dateInArchiveName(name: string): { date: Date; timeOfDay: boolean } | undefined {
  const withTime = /(?:^|[^0-9])(\d{4})-?(\d{2})-?(\d{2})[T_ -](\d{2})[-:]?(\d{2})[-:]?(\d{2})Z?(?:$|[^0-9])/.exec(name);
  if (withTime) {
    const [y, mo, d, h, mi, s] = withTime.slice(1).map(Number);
    const date = validDate(y, mo, d, h, mi, s);
    if (date) return { date, timeOfDay: true };
  }
  const day = /(?:^|[^0-9])(\d{4})-?(\d{2})-?(\d{2})(?:$|[^0-9])/.exec(name);
  if (day) {
    const [y, mo, d] = day.slice(1).map(Number);
    const date = validDate(y, mo, d);
    if (date) return { date, timeOfDay: false };
  }
  return undefined;
}

/**
 * When an archive was taken: the date and time in its name; a date alone gives way to the file's
 * mtime on that same day (more precise) and wins over an mtime of another day (a copied file);
 * no date in the name: the mtime.
 */
export function archiveTime(name: string, mtime: Date): Date {
  const inName = dateInArchiveName(name);
  if (!inName) return mtime;
  if (inName.timeOfDay) return inName.date;
  return mtime.toISOString().slice(0, 10) === inName.date.toISOString().slice(0, 10) ? mtime : inName.date;
}

/** What archives are matched against: an instance of the namespace by its names. */
export interface ArchiveCandidate {
  /** The Deployment name. */
  name: string;
  customerId?: string;
  /** Instance ids in every form (full, 32-hex, id8). */
  ids: string[];
  databases: string[];
}

/** The length of the longest of `values` the archive name holds as a whole word (bounded by start, end, "-", "_" or "."). */
function longestWordIn(name: string, values: string[]): number {
  let best = 0;
  for (const v of values) {
    if (!v || v.length <= best) continue;
    for (let i = name.indexOf(v); i >= 0; i = name.indexOf(v, i + 1)) {
      const before = i === 0 || /[-_.]/.test(name[i - 1]);
      const after = i + v.length === name.length || /[-_.]/.test(name[i + v.length]);
      if (before && after) {
        best = v.length;
        break;
      }
    }
  }
  return best;
}

/**
 * The instances an archive belongs to: by customer id (its folder), narrowed to the instance whose id
 * or database the archive name holds (the longest such name wins: `shop_eu-...` is shop_eu's, not
 * shop's). Instances without a customer id (the refactoring guide's) are matched by id or database
 * alone. More than one owner: the customer has several instances and the name says not which.
 */
export function archiveOwners(archive: PlatformArchiveRef, candidates: readonly ArchiveCandidate[]): string[] {
  const named = (pool: readonly ArchiveCandidate[]) => {
    const scored = pool.map((c) => ({ c, n: longestWordIn(archive.name, [...c.ids, ...c.databases]) })).filter((x) => x.n > 0);
    const top = Math.max(0, ...scored.map((x) => x.n));
    return scored.filter((x) => x.n === top).map((x) => x.c);
  };
  const customer = candidates.filter((c) => c.customerId === archive.customerId);
  const owners = customer.length ? (named(customer).length ? named(customer) : customer) : named(candidates.filter((c) => !c.customerId));
  return owners.map((c) => c.name).sort();
}

export type ArchiveLayout = 'bitnami' | 'official';

export interface LayoutVerdict {
  ok: boolean;
  layout?: ArchiveLayout;
  detail: string;
  /** Databases whose filestore the archive holds. */
  filestores: string[];
}

/**
 * Judges the top of an archive from its entry paths (the first components, as the verify Job prints
 * them). Bitnami's volume (/bitnami/odoo) holds conf/ and data/filestore/<db>; the official image's
 * (/var/lib/odoo) filestore/<db> and sessions/. Entries may start with "./", and a tar of /bitnami
 * wraps everything in odoo/.
 */
export function judgeArchiveLayout(entries: readonly string[]): LayoutVerdict {
  let paths = entries.map((e) => e.replace(/^(\.\/)+/, '').replace(/^\.$/, '')).filter(Boolean);
  const wrapped = paths.length > 0 && paths.every((p) => p === 'odoo' || p === 'odoo/' || p.startsWith('odoo/'));
  if (wrapped) paths = paths.map((p) => p.replace(/^odoo\/?/, '')).filter(Boolean);
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = p.replace(/\/+$/, '').split('/');
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const prefix = wrapped ? 'odoo/' : '';
  const under = (dir: string) => [...dirs].filter((d) => d.startsWith(`${dir}/`) && !d.slice(dir.length + 1).includes('/')).map((d) => d.slice(dir.length + 1)).sort();
  if (dirs.has('data/filestore') || (dirs.has('conf') && dirs.has('data'))) {
    const filestores = under('data/filestore');
    const conf = dirs.has('conf') ? `${prefix}conf/, ` : '';
    return { ok: true, layout: 'bitnami', filestores, detail: `bitnami image (${conf}${prefix}data/filestore/${filestores.length ? `: ${filestores.join(', ')}` : ''})` };
  }
  if (dirs.has('filestore') || dirs.has('sessions')) {
    const filestores = under('filestore');
    return { ok: true, layout: 'official', filestores, detail: `official image (${prefix}filestore/${filestores.length ? `: ${filestores.join(', ')}` : ''})` };
  }
  const top = [...new Set(paths.map((p) => p.split('/')[0]))].sort().slice(0, 8);
  return {
    ok: false,
    filestores: [],
    detail: `not an Odoo data volume: expected bitnami's conf/ and data/filestore/ or the official image's filestore/ at the top, found ${top.length ? top.map((t) => `${prefix}${t}`).join(', ') : 'no entries'}`,
  };
}
