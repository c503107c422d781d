// Progress of a backup or restore Job from its log lines (see the protocol in scripts.ts): bytes done,
// rate and time left, printed on stderr at most every few seconds.
import { TAR_RECORD_BYTES } from './scripts.js';
import { formatBytes, formatRate } from '../../lib/bytes.js';

export type ProgressEvent =
  | { kind: 'total'; data: number; db: number }
  | { kind: 'bytes'; bytes: number }
  | { kind: 'phase'; name: string }
  | { kind: 'error'; message: string }
  | { kind: 'done'; what: string };

export function parseProgressLine(line: string): ProgressEvent | undefined {
  const l = line.trim();
  let m = /^TOTAL data=(\d+) db=(\d+)$/.exec(l);
  if (m) return { kind: 'total', data: Number(m[1]), db: Number(m[2]) };
  // GNU tar's %u is its record counter at the checkpoint, which comes before record n is written or
  // read: n - 1 records are done (what its own %T total says at the same moment). Not a checkpoint number.
  m = /PROGRESS:data:(\d+)$/.exec(l);
  if (m) return { kind: 'bytes', bytes: Math.max(0, Number(m[1]) - 1) * TAR_RECORD_BYTES };
  m = /^PHASE (\S+)$/.exec(l);
  if (m) return { kind: 'phase', name: m[1] };
  m = /^ERROR (.+)$/.exec(l);
  if (m) return { kind: 'error', message: m[1] };
  m = /^DONE (.+)$/.exec(l);
  if (m) return { kind: 'done', what: m[1] };
  return undefined;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** "data 1.2Gi / 3.4Gi (35%), 43Mi/s, ETA 0:50" */
export function formatProgress(p: { bytes: number; total: number; elapsedMs: number }): string {
  const rate = p.elapsedMs > 0 ? p.bytes / (p.elapsedMs / 1000) : 0;
  const total = Math.max(p.total, p.bytes);
  const pct = total > 0 ? Math.min(100, Math.floor((p.bytes / total) * 100)) : 0;
  const eta = rate > 0 && total > p.bytes ? `, ETA ${formatDuration((total - p.bytes) / rate)}` : '';
  return `data ${formatBytes(p.bytes)} / ${formatBytes(total)} (${pct}%), ${formatRate(rate)}${eta}`;
}

/** Feeds log lines, writes progress lines through `write` (at most every `everyMs`, phases always). */
export function makeProgressReporter(write: (line: string) => void, now: () => number, everyMs = 3000): (line: string) => void {
  let total = 0;
  let phaseStart = now();
  let lastPrinted = 0;
  return (line) => {
    const ev = parseProgressLine(line);
    if (!ev) return;
    if (ev.kind === 'total') total = ev.data;
    else if (ev.kind === 'phase') {
      phaseStart = now();
      write(`  ${ev.name}...`);
    } else if (ev.kind === 'bytes') {
      const t = now();
      if (t - lastPrinted < everyMs) return;
      lastPrinted = t;
      write(`  ${formatProgress({ bytes: ev.bytes, total, elapsedMs: t - phaseStart })}`);
    }
  };
}
