// Secrets in odoo.conf (the master password, database and SMTP passwords) never reach a screen or a
// log unless asked for with --show-secrets.
import type { ParsedConf } from './parse.js';

export const MASK = '********';

// admin_passwd, db_password, smtp_password, and any key that names a password, secret, token or ends in key.
const SECRET_KEY_RE = /(passw|secret|token|key$)/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key.toLowerCase());
}

export function maskValue(key: string, value: string): string {
  return isSecretKey(key) && value !== '' ? MASK : value;
}

/** The file's lines with the values of secret options replaced by the mask (continuation lines too). */
export function maskedLines(conf: ParsedConf): string[] {
  const out = [...conf.lines];
  for (const o of conf.options) {
    if (!isSecretKey(o.key) || o.value === '') continue;
    for (const i of o.lines) {
      if (i === o.line) {
        const m = /^(\s*.*?\s*[=:][ \t]*)/.exec(conf.lines[i])!;
        out[i] = conf.lines[i].length > m[1].length ? m[1] + MASK : m[1];
      } else if (conf.lines[i].trim() !== '') {
        out[i] = conf.lines[i].replace(/\S.*$/, MASK);
      }
    }
  }
  return out;
}

/** Shown after a masked value that differs from the old one, so a diff of two masks still says it changed. */
export const CHANGED_MARK = ' (changed)';

/**
 * The new file's lines masked, with the key line of every secret whose value differs from `before`
 * marked: "-db_password = ********" / "+db_password = ******** (changed)".
 */
export function maskedLinesMarkingChanges(before: ParsedConf, after: ParsedConf): string[] {
  const out = maskedLines(after);
  const old = new Map(before.options.map((o) => [`${o.section}\u0000${o.key}`, o.value]));
  for (const o of after.options) {
    const was = old.get(`${o.section}\u0000${o.key}`);
    if (isSecretKey(o.key) && o.value !== '' && was !== undefined && was !== '' && was !== o.value) out[o.line] += CHANGED_MARK;
  }
  return out;
}
