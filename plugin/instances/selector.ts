// Label selectors as kubectl's -l takes them, checked before they reach the server so a typo is a
// one-line usage error rather than an API error: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
// `a`, `!a`, joined with commas.
import { UsageError } from '../../lib/errors.js';

const NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const KEY = `(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?${NAME}`;
const VALUE = `(?:${NAME})?`;
const REQUIREMENT = new RegExp(
  `^\\s*(?:!\\s*(${KEY})|(${KEY})\\s*(?:(==|=|!=)\\s*(${VALUE})|\\s(in|notin)\\s*\\(\\s*(${VALUE}(?:\\s*,\\s*${VALUE})*)\\s*\\))?)\\s*$`,
);

/** Splits on commas outside parentheses. */
function requirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** Returns the selector normalised (trimmed requirements) or throws a one-line UsageError. */
export function validateLabelSelector(selector: string, flag = '-l'): string {
  const text = String(selector ?? '').trim();
  if (!text) throw new UsageError(`invalid ${flag} selector: it is empty (e.g. -l saasodoo.io/customer-id=42)`);
  const parts = requirements(text);
  for (const p of parts) {
    if (!REQUIREMENT.test(p)) {
      throw new UsageError(`invalid ${flag} selector "${text}": "${p.trim()}" is not a requirement like key=value, key!=value, key in (a,b), key or !key`);
    }
  }
  return parts.map((p) => p.trim()).join(',');
}
