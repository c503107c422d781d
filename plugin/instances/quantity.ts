// Kubernetes resource quantities (`10Gi`, `500m`, `2`, `1e3`), plus the platform's storage sizes where
// `10G` means `10Gi` (the instance-service appends `i` to its plan sizes before creating a PVC).
import { UsageError } from '../core/errors.js';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

// The grammar of resource.Quantity: sign, digits with an optional fraction, then a suffix
// (binary SI, decimal SI or a decimal exponent).
const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

export interface Quantity {
  /** Value in base units (bytes, cores). */
  value: number;
  /** The text as Kubernetes accepts it. */
  text: string;
}

/** Parses a Kubernetes quantity; undefined when it is not one. */
export function parseQuantity(text: string): Quantity | undefined {
  const m = QUANTITY_RE.exec(text.trim());
  if (!m) return undefined;
  const [, sign, digits, suffix = ''] = m;
  let factor: number;
  if (suffix in BINARY) factor = BINARY[suffix];
  else if (suffix in DECIMAL) factor = DECIMAL[suffix];
  else factor = 10 ** Number(suffix.slice(1));
  const value = (sign === '-' ? -1 : 1) * Number(digits) * factor;
  if (!Number.isFinite(value)) return undefined;
  return { value, text: text.trim() };
}

/** -1, 0, 1 comparing two quantities by value (`1Gi` = `1024Mi`). */
export function compareQuantities(a: string, b: string): number {
  const qa = parseQuantity(a)?.value ?? NaN;
  const qb = parseQuantity(b)?.value ?? NaN;
  if (Number.isNaN(qa) || Number.isNaN(qb)) throw new Error(`cannot compare quantities ${a} and ${b}`);
  // Tolerate float error from fractions (1.5Gi vs 1536Mi).
  const diff = qa - qb;
  if (Math.abs(diff) <= Math.max(Math.abs(qa), Math.abs(qb)) * 1e-12) return 0;
  return diff < 0 ? -1 : 1;
}

/**
 * A storage size for a PVC: a Kubernetes quantity, or the platform's plan size where a bare decimal
 * suffix is binary (`10G` = `10Gi`, as the instance-service converts it). Returns the canonical text.
 */
export function parseStorageSize(text: string, flag = '--storage'): Quantity {
  const t = String(text ?? '').trim();
  const platform = /^(\d+)([KMGTP])$/.exec(t);
  const canonical = platform ? `${platform[1]}${platform[2] === 'K' ? 'Ki' : `${platform[2]}i`}` : t;
  const q = parseQuantity(canonical);
  if (!q || /^[+-]/.test(t) || /[num]$/.test(canonical)) {
    throw new UsageError(`invalid ${flag} "${text}": use a size such as 10Gi or 500Mi (the platform's 10G means 10Gi)`);
  }
  if (q.value < 2 ** 20) throw new UsageError(`invalid ${flag} "${text}": an instance volume must be at least 1Mi`);
  return { value: q.value, text: canonical };
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
  if (!q || /^[+-]/.test(t) || /[num]$/.test(t) || !Number.isInteger(q.value)) {
    throw new UsageError(`invalid ${flag} "${text}": use a size such as 2Gi or 512Mi`);
  }
  if (q.value < 2 ** 20) throw new UsageError(`invalid ${flag} "${text}": Odoo needs far more than 1Mi; use a size such as 2Gi`);
  return q;
}

/** Bytes as the largest binary unit that keeps it short: 10737418240 → "10Gi", 1.5 GiB → "1.5Gi". */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '';
  const units = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
  for (const u of units) {
    const f = BINARY[u];
    if (Math.abs(bytes) >= f) {
      const v = bytes / f;
      return `${Number.isInteger(v) ? v : Number(v.toFixed(1))}${u}`;
    }
  }
  return String(bytes);
}

/** A quantity string normalised for display (`10737418240` → `10Gi`); other texts as they are. */
export function displayStorage(text: string | undefined): string {
  if (!text) return '';
  const q = parseQuantity(text);
  if (!q) return text;
  if (/^\d+$/.test(text) || /[kMGTPE]$/.test(text)) return formatBytes(q.value);
  return text;
}
