// Kubernetes resource quantities (`10Gi`, `500m`, `2`, `1e3`), plus the platform's storage sizes where
// `10G` means `10Gi` (the instance-service appends `i` to its plan sizes before creating a PVC).
//
// Parsing follows k8s.io/apimachinery's resource.ParseQuantity exactly, in exact (BigInt) arithmetic:
// the same grammar, the same suffix table, non-zero values rounded away from zero to a whole nano, and
// binary-SI values above 2^63-1 flagged where Kubernetes would silently cap them. So a size we accept is
// the size the API server stores, never a different one.
import { formatBytes } from '../../lib/bytes.js';

import { UsageError } from '../../lib/errors.js';

const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = Object.fromEntries(Object.entries(BINARY_EXP).map(([k, e]) => [k, 2 ** e]));

// parseQuantityString's scanner as one expression: sign, digits, an optional fraction (`1.` and `.5`
// too), then the suffix letters with an optional signed exponent; the suffix is interpreted separately.
const QUANTITY_RE = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[-+]?\d*)$/;
const INT64_MAX = 2n ** 63n - 1n;
const NANO = 10n ** 9n;

export interface Quantity {
  /** Value in base units (bytes, cores), as a float for display and sorting. */
  value: number;
  /** The text as Kubernetes accepts it. */
  text: string;
  /** The exact value Kubernetes holds: num / den (den a power of ten). */
  num: bigint;
  den: bigint;
  /** A binary-SI value above 2^63-1, which Kubernetes silently caps there. */
  capped: boolean;
}

function interpretSuffix(suffix: string): { base: 2 | 10; exp: number } | undefined {
  if (suffix in DECIMAL_EXP) return { base: 10, exp: DECIMAL_EXP[suffix] };
  if (suffix in BINARY_EXP) return { base: 2, exp: BINARY_EXP[suffix] };
  const m = /^[eE]([+-]?\d+)$/.exec(suffix);
  if (!m) return undefined;
  const exp = Number(m[1]);
  // Kubernetes narrows the exponent to int32 (wrapping); refuse rather than read a different number.
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 2 ** 31 - 1) return undefined;
  return { base: 10, exp };
}

/** Parses a Kubernetes quantity; undefined when resource.ParseQuantity would refuse it. */
export function parseQuantity(text: string): Quantity | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const m = QUANTITY_RE.exec(t);
  if (!m) return undefined;
  const [, sign, intDigits, fracDigits = '', suffix] = m;
  const s = interpretSuffix(suffix);
  if (!s) return undefined;
  // Huge exponents would make enormous BigInts: any |exp| this large is far outside every limit.
  if (Math.abs(s.exp) > 4096) return undefined;
  let num = BigInt(`${intDigits}${fracDigits}` || '0');
  let den = 10n ** BigInt(fracDigits.length);
  if (s.base === 2) num *= 2n ** BigInt(s.exp);
  else if (s.exp >= 0) num *= 10n ** BigInt(s.exp);
  else den *= 10n ** BigInt(-s.exp);
  // Round a non-zero value away from zero to a whole nano, as ParseQuantity does ("0.9n" is "1n").
  if (num !== 0n && den > NANO) {
    const scaled = num * NANO;
    num = scaled / den + (scaled % den === 0n ? 0n : 1n);
    den = NANO;
  }
  const capped = s.base === 2 && num > INT64_MAX * den;
  if (sign === '-') num = -num;
  return { value: Number(num) / Number(den), text: t, num, den, capped };
}

/** -1, 0, 1 comparing two quantities by their exact values (`1Gi` = `1024Mi`, `1.5Gi` = `1536Mi`). */
export function compareQuantities(a: string, b: string): number {
  const qa = parseQuantity(a);
  const qb = parseQuantity(b);
  if (!qa || !qb) throw new Error(`cannot compare quantities ${a} and ${b}`);
  const l = qa.num * qb.den;
  const r = qb.num * qa.den;
  return l === r ? 0 : l < r ? -1 : 1;
}

/** Limits on a storage size: a configurable maximum that --force lets one exceed. */
export interface StorageLimit {
  /** The largest size accepted without --force (config key maxStorage). */
  max: string;
  force: boolean;
}

/**
 * A storage size for a PVC: a Kubernetes quantity, or the platform's plan size where a bare decimal
 * suffix is binary (`10G` = `10Gi`, as the instance-service converts it). Returns the canonical text.
 * Whole bytes only, at least 1Mi, at most `limit.max` unless forced, and never more than a volume's
 * byte count can hold (2^63-1, what Kubernetes caps a binary size at without a word).
 */
export function parseStorageSize(text: string, flag = '--storage', limit?: StorageLimit): Quantity {
  const t = String(text ?? '').trim();
  const platform = /^(\d+)([KMGTP])$/.exec(t);
  const canonical = platform ? `${platform[1]}${platform[2] === 'K' ? 'Ki' : `${platform[2]}i`}` : t;
  const q = parseQuantity(canonical);
  if (!q || /^[+-]/.test(t) || /[num]$/.test(canonical)) {
    throw new UsageError(`invalid ${flag} "${text}": use a size such as 10Gi or 500Mi (the platform's 10G means 10Gi)`);
  }
  if (q.capped || q.num > INT64_MAX * q.den) {
    throw new UsageError(`invalid ${flag} "${text}": larger than any volume Kubernetes can hold (at most 2^63-1 bytes, just under 8Ei)`);
  }
  if (q.num % q.den !== 0n) throw new UsageError(`invalid ${flag} "${text}": a volume size is a whole number of bytes`);
  if (q.num < 2n ** 20n * q.den) throw new UsageError(`invalid ${flag} "${text}": an instance volume must be at least 1Mi`);
  if (limit && !limit.force) {
    const max = parseQuantity(limit.max);
    if (!max || max.num <= 0n) throw new UsageError(`invalid maxStorage "${limit.max}" in the config file: use a size such as 16Ti`);
    if (q.num * max.den > max.num * q.den) {
      throw new UsageError(`${flag} ${text} is more than the maximum of ${displayStorage(limit.max)} (maxStorage in the config file); add --force if you really mean ${formatBytes(q.value)}`);
    }
  }
  return { ...q, text: canonical };
}

/** CPU as requests/limits take it: `500m`, `0.5`, `2`. */
export function parseCpu(text: string, flag = '--cpu'): Quantity {
  const t = String(text ?? '').trim();
  const q = parseQuantity(t);
  if (!q || !/^(\d+(\.\d+)?|\d+m)$/.test(t)) {
    throw new UsageError(`invalid ${flag} "${text}": use cores such as 2 or 0.5, or millicores such as 500m`);
  }
  if (q.value <= 0) throw new UsageError(`invalid ${flag} "${text}": CPU must be greater than zero`);
  if (q.value < 0.001) throw new UsageError(`invalid ${flag} "${text}": the smallest CPU amount is 1m`);
  return q;
}

/** Memory as requests/limits take it: `2Gi`, `512Mi`, `1G`. */
export function parseMemory(text: string, flag = '--memory'): Quantity {
  const t = String(text ?? '').trim();
  const q = parseQuantity(t);
  if (!q || q.capped || /^[+-]/.test(t) || /[num]$/.test(t) || q.num % q.den !== 0n) {
    throw new UsageError(`invalid ${flag} "${text}": use a size such as 2Gi or 512Mi`);
  }
  if (q.value < 2 ** 20) throw new UsageError(`invalid ${flag} "${text}": Odoo needs far more than 1Mi; use a size such as 2Gi`);
  return q;
}


/** A quantity string normalised for display (`10737418240` → `10Gi`); other texts as they are. */
export function displayStorage(text: string | undefined): string {
  if (!text) return '';
  const q = parseQuantity(text);
  if (!q) return text;
  if (/^\d+$/.test(text) || /[kMGTPE]$/.test(text)) return formatBytes(q.value);
  return text;
}
