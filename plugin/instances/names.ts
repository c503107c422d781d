// Instance names: a plugin instance's name becomes its Deployment, Service and ingress name, its instance
// id label and part of its PVC name (`odoo-instance-<name>`), so it must be a DNS-1035 label short enough
// for all of them.
import { UsageError } from '../../lib/errors.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Pod names add "-<10-char hash>-<5-char suffix>" and must still fit a 63-character hostname. */
export const MAX_INSTANCE_NAME = 63 - 17;

/** Why `name` is not a valid instance name, or undefined when it is. */
export function instanceNameProblem(name: string): string | undefined {
  if (!name) return 'it is empty';
  if (name.length > MAX_INSTANCE_NAME) return `it is ${name.length} characters long (at most ${MAX_INSTANCE_NAME})`;
  if (!DNS1123_LABEL.test(name)) return 'it must consist of lower-case letters, digits and "-", and start and end with a letter or digit';
  if (/^\d/.test(name)) return 'it must start with a letter (it also names the Service, a DNS-1035 label)';
  return undefined;
}

/** Throws a one-line UsageError unless `name` is a valid instance name for create. */
export function validateInstanceName(name: string, what = 'instance name'): string {
  const problem = instanceNameProblem(String(name ?? ''));
  if (problem) throw new UsageError(`invalid ${what} "${name}": ${problem} (e.g. acme or acme-prod)`);
  return name;
}

/**
 * For commands that act on an existing instance: reject what can never name one (paths, spaces, shell
 * characters), but accept every form an instance answers to: Deployment names and instance ids (DNS-1123
 * subdomains, long), the platform's instance-name and database names (label values: upper case and "_").
 */
export function validateInstanceReference(name: string): string {
  const n = String(name ?? '');
  if (!isInstanceReference(n)) {
    throw new UsageError(
      `invalid instance name "${name}": give the Deployment name, instance id, platform instance name or database name (letters, digits, "-", "_" and ".", e.g. acme or odoo-acme-1a2b3c4d)`,
    );
  }
  return n;
}

/** Whether `n` can be a name an instance answers to (validateInstanceReference without the error). */
export function isInstanceReference(n: string): boolean {
  return !!n && n.length <= 253 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(n) && !n.includes('..');
}

/** A namespace given with -n: a DNS-1123 label. */
export function validateNamespace(ns: string, what = 'namespace'): string {
  if (!DNS1123_LABEL.test(ns) || ns.length > 63) {
    throw new UsageError(`invalid ${what} "${ns}": it must be a DNS-1123 label (lower-case letters, digits and "-")`);
  }
  return ns;
}

/** Odoo database name for a plugin instance: the name with "-" as "_" (PostgreSQL identifiers). */
export function databaseNameFor(name: string): string {
  return name.replace(/-/g, '_');
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** Up to `max` candidates close to `name`: same prefix/substring or a small edit distance. */
export function closeMatches(name: string, candidates: Iterable<string>, max = 3): string[] {
  const scored: { c: string; score: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (!c || seen.has(c) || c === name) continue;
    seen.add(c);
    const d = editDistance(name, c);
    const limit = Math.max(2, Math.floor(Math.max(name.length, 1) / 3));
    const contains = name.length >= 3 && (c.includes(name) || name.includes(c));
    if (d <= limit || contains) scored.push({ c, score: contains ? Math.min(d, 1) : d });
  }
  scored.sort((x, y) => x.score - y.score || x.c.localeCompare(y.c));
  return scored.slice(0, max).map((s) => s.c);
}
