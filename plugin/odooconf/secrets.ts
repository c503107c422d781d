// Secrets in odoo.conf (the master password, database and SMTP passwords) never reach a screen or a
// log unless asked for with --show-secrets.
import type { ParsedConf } from './parse.js';

export const MASK = '********';

const SECRET_KEY_RE = /(passw|secret|token)/;

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
