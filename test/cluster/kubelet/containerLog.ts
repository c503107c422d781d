// A container's log as the runtime keeps it: one timestamped record per line of stdout/stderr, so
// `kubectl logs` can apply tailLines, sinceSeconds/sinceTime, timestamps and limitBytes, and follow.
import { EventEmitter } from 'node:events';

export interface LogLine {
  time: Date;
  stream: 'stdout' | 'stderr';
  /** The line including its trailing newline (a final partial line has none). */
  text: string;
}

export class ContainerLog extends EventEmitter {
  readonly lines: LogLine[] = [];
  closed = false;
  private partial: Record<'stdout' | 'stderr', { text: string; time: Date } | undefined> = { stdout: undefined, stderr: undefined };

  /** Feeds a chunk of output; complete lines become records, the rest waits for its newline. */
  write(stream: 'stdout' | 'stderr', chunk: Buffer | string, time = new Date()): void {
    let text = (this.partial[stream]?.text ?? '') + chunk.toString();
    const started = this.partial[stream]?.time ?? time;
    this.partial[stream] = undefined;
    let first = true;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      this.push({ time: first ? started : time, stream, text: text.slice(0, nl + 1) });
      text = text.slice(nl + 1);
      first = false;
    }
    if (text) this.partial[stream] = { text, time: first ? started : time };
  }

  /** Appends one complete line (simulated output). */
  append(text: string, time = new Date(), stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.push({ time, stream, text: text.endsWith('\n') ? text : text + '\n' });
  }

  /** The container exited: flush partial lines and wake followers. */
  close(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      const p = this.partial[s];
      if (p) this.push({ time: p.time, stream: s, text: p.text });
      this.partial[s] = undefined;
    }
    this.closed = true;
    this.emit('close');
  }

  private push(line: LogLine): void {
    this.lines.push(line);
    this.emit('line', line);
  }
}

export interface LogQuery {
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  timestamps?: boolean;
  limitBytes?: number;
}

/** Lines selected by tailLines and since*, in order (the kubelet applies since first, then tail). */
export function selectLines(lines: LogLine[], q: LogQuery, now = new Date()): LogLine[] {
  let since: number | undefined;
  if (q.sinceSeconds !== undefined) since = now.getTime() - q.sinceSeconds * 1000;
  if (q.sinceTime) since = q.sinceTime.getTime();
  let out = since === undefined ? lines : lines.filter((l) => l.time.getTime() >= since!);
  if (q.tailLines !== undefined) out = q.tailLines <= 0 ? [] : out.slice(-q.tailLines);
  return out;
}

/** RFC3339 with nine fractional digits, the format the kubelet prefixes with `timestamps=true`. */
export function formatLogTimestamp(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, 23)}000000Z`;
}

export function formatLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${formatLogTimestamp(line.time)} ${line.text}` : line.text;
}
