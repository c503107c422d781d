// Per-test fault injection for the API server: latency, error answers (429 with Retry-After, 500,
// 503), connection resets and dropped watches, each for the first N matching requests or a fraction
// of them. Every request is logged so a test can count what a tool sent.

export interface FaultMatch {
  /** HTTP method, e.g. 'GET'; any when absent. */
  method?: string;
  /** Matched against the URL path (no query), e.g. /\/pods$/. A string must match the path exactly. */
  path?: RegExp | string;
  /** Only watch requests (watch=1) or only non-watch requests. */
  watch?: boolean;
}

export interface FaultRule extends FaultMatch {
  /** Delay before answering (or before the other fault). */
  latencyMs?: number;
  /** Answer with this status and a metav1.Status body instead of serving the request. */
  status?: 429 | 500 | 503 | number;
  /** Retry-After header (seconds) for 429/503; default 1 for 429. */
  retryAfterSeconds?: number;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Close matching watch streams after this many events were sent. */
  dropWatchAfterEvents?: number;
  /** Close matching watch streams this long after they opened. */
  dropWatchAfterMs?: number;
  /** Apply to this many matching requests, then stop (default: all). */
  times?: number;
  /** Apply to this fraction (0..1) of matching requests. */
  fraction?: number;
}

export interface ActiveFault extends FaultRule {
  /** How many requests this fault has affected. */
  hits: number;
  remove(): void;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  /** Status sent, or 0 for a reset connection; undefined while a stream is open. */
  status?: number;
  watch: boolean;
  /** The user the request was authenticated as. */
  user?: string;
  at: number;
}

export class Faults {
  private rules: ActiveFault[] = [];
  readonly requestLog: RequestLogEntry[] = [];
  random: () => number = Math.random;

  /** Adds a fault; returns it so a test can read `hits` or `remove()` it. */
  add(rule: FaultRule): ActiveFault {
    const f: ActiveFault = { ...rule, hits: 0, remove: () => (this.rules = this.rules.filter((r) => r !== f)) };
    this.rules.push(f);
    return f;
  }

  /** Shorthands. */
  latency(ms: number, match: FaultMatch & { times?: number } = {}): ActiveFault {
    return this.add({ ...match, latencyMs: ms });
  }
  error(status: 429 | 500 | 503 | number, match: FaultMatch & { times?: number; fraction?: number; retryAfterSeconds?: number } = {}): ActiveFault {
    return this.add({ ...match, status });
  }
  reset(match: FaultMatch & { times?: number; fraction?: number } = {}): ActiveFault {
    return this.add({ ...match, reset: true });
  }
  dropWatches(opts: FaultMatch & { afterEvents?: number; afterMs?: number; times?: number }): ActiveFault {
    return this.add({ ...opts, watch: true, dropWatchAfterEvents: opts.afterEvents, dropWatchAfterMs: opts.afterMs });
  }

  /** Removes every fault and empties the request log. */
  clear(): void {
    this.rules = [];
    this.requestLog.length = 0;
  }

  /** Requests received, optionally only those matching (method and path as in a fault). */
  count(match: FaultMatch = {}): number {
    return this.requestLog.filter((r) => matches(match, r.method, r.path, r.watch)).length;
  }

  /** The faults that apply to a request; each consumes one of its `times`. Used by the server. */
  take(method: string, path: string, watch: boolean): FaultRule[] {
    const out: FaultRule[] = [];
    let answered = false;
    for (const f of [...this.rules]) {
      if (!matches(f, method, path, watch)) continue;
      // One request gets at most one answer (an error or a reset); later such faults wait their turn.
      const terminal = Boolean(f.status || f.reset);
      if (terminal && answered) continue;
      if (f.fraction !== undefined && this.random() >= f.fraction) continue;
      if (terminal) answered = true;
      f.hits++;
      out.push(f);
      if (f.times !== undefined && f.hits >= f.times) f.remove();
    }
    return out;
  }
}

function matches(m: FaultMatch, method: string, path: string, watch: boolean): boolean {
  if (m.method && m.method.toUpperCase() !== method) return false;
  if (m.watch !== undefined && m.watch !== watch) return false;
  if (m.path !== undefined) {
    if (typeof m.path === 'string' ? m.path !== path : !m.path.test(path)) return false;
  }
  return true;
}
