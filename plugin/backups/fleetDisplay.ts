// The progress of a fleet run on a terminal: one line per instance, rewritten in place as it changes.
// Nothing is drawn when stderr is not a terminal (a pipe, a log file): the summary says it all.
import type { FleetResult } from './fleet.js';

/** "acme          running   data 1.2GiB / 3.4GiB (35%)" cut to the terminal's width (pure). */
export function fleetLine(r: FleetResult, detail: string, nameWidth: number, columns: number): string {
  const text = `${r.instance.padEnd(nameWidth)}  ${r.state.padEnd(11)}  ${detail}`;
  return text.length > columns - 1 ? `${text.slice(0, Math.max(0, columns - 2))}…` : text;
}

export interface FleetTerminal {
  write(s: string): void;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export class FleetDisplay {
  private results: readonly FleetResult[] = [];
  private details = new Map<FleetResult, string>();
  private nameWidth = 0;
  private drawn = 0;
  /** More instances than terminal rows: lines are appended as states change instead of rewritten. */
  private appendOnly = false;

  constructor(private readonly term: FleetTerminal) {}

  private get live(): boolean {
    return !!this.term.isTTY;
  }

  planned(results: readonly FleetResult[]): void {
    this.results = results;
    this.nameWidth = Math.min(40, Math.max(8, ...results.map((r) => r.instance.length)));
    if (!this.live) return;
    this.appendOnly = results.length > (this.term.rows ?? 24) - 2;
    if (this.appendOnly) return;
    for (const r of results) this.term.write(`${this.line(r, 'queued')}\n`);
    this.drawn = results.length;
  }

  update(r: FleetResult, detail: string): void {
    const before = this.details.get(r);
    const stateBefore = before?.split('\0')[0];
    this.details.set(r, `${r.state}\0${detail}`);
    if (!this.live) return;
    if (this.appendOnly) {
      if (stateBefore !== r.state) this.term.write(`${this.line(r, detail)}\n`);
      return;
    }
    const i = this.results.indexOf(r);
    if (i < 0) return;
    const up = this.drawn - i;
    // Up to the instance's line, clear it, write it, and back down below the block.
    this.term.write(`\x1b[${up}A\r\x1b[2K${this.line(r, detail)}\r\x1b[${up}B`);
  }

  /** A message below the block (the interrupt notice). */
  say(line: string): void {
    this.term.write(`${line}\n`);
    if (this.live && !this.appendOnly) {
      // The block moved up by one line: redraw it below, so in-place updates stay aligned.
      for (const r of this.results) this.term.write(`${this.line(r, this.details.get(r)?.split('\0')[1] ?? 'queued')}\n`);
    }
  }

  private line(r: FleetResult, detail: string): string {
    return fleetLine(r, detail, this.nameWidth, this.term.columns ?? 100);
  }
}
