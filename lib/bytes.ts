// The one way sizes are shown, everywhere: kubectl's binary suffixes, as in a PVC's `10Gi` or `512Mi`,
// with one decimal where it matters (1.5Gi). Below 1Ki the bytes with a B (737B), so no size is unitless; zero is 0.

const UNITS: [string, number][] = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** 10737418240 → "10Gi", 1.5 GiB → "1.5Gi", 737 → "737B", 0 → "0"; '' for an unknown size. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '';
  for (const [u, f] of UNITS) {
    if (Math.abs(bytes) >= f) {
      const v = Number((bytes / f).toFixed(1));
      // 1023.96Ki rounds to 1024Ki: show it in the next unit instead.
      if (Math.abs(v) >= 1024 && u !== 'Ei') return formatBytes(Math.sign(bytes) * 1024 * f);
      return `${v}${u}`;
    }
  }
  const n = Math.round(bytes);
  return n === 0 ? '0' : `${n}B`;
}

/** "125.7-130.4Gi", or "950.5Gi-1.1Ti" when the units differ. */
export function formatByteRange([lo, hi]: [number, number]): string {
  const l = formatBytes(lo);
  const h = formatBytes(hi);
  const unit = (s: string) => s.replace(/^[-\d.]+/, '');
  return unit(l) === unit(h) && unit(l) !== '' ? `${l.slice(0, l.length - unit(l).length)}-${h}` : `${l}-${h}`;
}

/** A transfer rate: "48.3Mi/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond) || '0'}/s`;
}
