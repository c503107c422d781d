// GET pods/{name}/log: container, follow, previous, tailLines, sinceSeconds/sinceTime, timestamps and
// limitBytes, with the API server's error messages. Pods that really run serve what their processes
// printed; simulated ReplicaSet pods serve generated Odoo lines (see odooLog.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatLine, selectLines, type ContainerLog, type LogLine, type LogQuery } from './containerLog.js';
import { pickContainer } from './execServer.js';
import { simulatedOdooLines } from './odooLog.js';
import type { PodRuntime } from './podRuntime.js';
import { badRequest, failureStatus, queryBool, queryOf, queryOne, respondStatus, type Query, type StatusBody } from './streamProtocol.js';
import { getObject, type KubeletStore } from './store.js';

export interface LogDeps {
  store: KubeletStore;
  runtime: PodRuntime;
  tickMs: number;
  /** What the Odoo stand-in logged for a simulated pod's container run (by containerID), if it runs one. */
  standInLog?: (podUid: string, containerID: string | undefined) => { lines: LogLine[]; servingSince?: Date } | undefined;
}

export interface ParsedLogQuery extends LogQuery {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
}

/** PodLogOptions as the API server decodes and validates them. */
export function parseLogQuery(podName: string, q: Query): ParsedLogQuery | StatusBody {
  const num = (k: string) => {
    const v = queryOne(q, k);
    return v === undefined || v === '' ? undefined : Number(v);
  };
  const errs: string[] = [];
  const tailLines = num('tailLines');
  const sinceSeconds = num('sinceSeconds');
  const limitBytes = num('limitBytes');
  const sinceTimeRaw = queryOne(q, 'sinceTime');
  if (tailLines !== undefined && (!Number.isInteger(tailLines) || tailLines < 0)) errs.push(`tailLines: Invalid value: ${queryOne(q, 'tailLines')}: must be greater than or equal to 0`);
  if (sinceSeconds !== undefined && (!Number.isInteger(sinceSeconds) || sinceSeconds < 1)) errs.push(`sinceSeconds: Invalid value: ${queryOne(q, 'sinceSeconds')}: must be greater than 0`);
  if (limitBytes !== undefined && (!Number.isInteger(limitBytes) || limitBytes < 1)) errs.push(`limitBytes: Invalid value: ${queryOne(q, 'limitBytes')}: must be greater than 0`);
  if (sinceSeconds !== undefined && sinceTimeRaw) errs.push(': Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (errs.length) {
    const list = errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
    return failureStatus(422, 'Invalid', `PodLogOptions "${podName}" is invalid: ${list}`);
  }
  const sinceTime = sinceTimeRaw ? new Date(sinceTimeRaw) : undefined;
  return {
    container: queryOne(q, 'container'),
    follow: queryBool(q, 'follow'),
    previous: queryBool(q, 'previous'),
    timestamps: queryBool(q, 'timestamps'),
    tailLines,
    sinceSeconds,
    sinceTime: sinceTime && !Number.isNaN(sinceTime.getTime()) ? sinceTime : undefined,
    limitBytes,
  };
}

/** Writes lines up to limitBytes; false once the limit is reached. */
class LimitedWriter {
  private written = 0;
  constructor(
    private readonly res: ServerResponse,
    private readonly limit: number | undefined,
    private readonly timestamps: boolean,
  ) {}
  write(lines: LogLine[]): boolean {
    for (const l of lines) {
      let text = formatLine(l, this.timestamps);
      if (this.limit !== undefined) {
        const room = this.limit - this.written;
        if (room <= 0) return false;
        if (Buffer.byteLength(text) > room) text = Buffer.from(text).subarray(0, room).toString();
      }
      this.written += Buffer.byteLength(text);
      this.res.write(text);
    }
    return this.limit === undefined || this.written < this.limit;
  }
}

export async function handleLog(deps: LogDeps, req: IncomingMessage, res: ServerResponse, pod: any, query?: Query): Promise<void> {
  const parsed = parseLogQuery(pod.metadata.name, queryOf(req, query));
  if ('kind' in parsed) return respondStatus(res, parsed);
  const picked = pickContainer(pod, parsed.container);
  if ('kind' in picked) return respondStatus(res, picked);
  const name = picked.name;
  const podRef = `container "${name}" in pod "${pod.metadata.name}"`;

  const own = deps.runtime.container(pod.metadata.uid, name);
  if (own || deps.runtime.has(pod.metadata.uid)) {
    const log: ContainerLog | undefined = parsed.previous ? own?.previousLog : own?.log;
    if (!log) {
      if (parsed.previous) return respondStatus(res, badRequest(`previous terminated ${podRef} not found`));
      const reason = own && 'waiting' in own.state ? own.state.waiting.reason : 'ContainerCreating';
      return respondStatus(res, badRequest(`${podRef} is waiting to start: ${reason}`));
    }
    return serveContainerLog(res, req, log, parsed);
  }

  // A simulated pod: the container's status decides what there is to show.
  const st = (pod.status?.containerStatuses ?? []).find((s: any) => s.name === name);
  if (parsed.previous) {
    const last = st?.lastState?.terminated;
    if (!last?.startedAt) return respondStatus(res, badRequest(`previous terminated ${podRef} not found`));
    const lines = simulatedOdooLines(pod, picked.spec, new Date(last.startedAt), new Date(), deps.tickMs, new Date(last.finishedAt ?? Date.now()));
    return serveStatic(res, lines, parsed);
  }
  const running = st?.state?.running?.startedAt;
  const terminated = st?.state?.terminated;
  if (!running && !terminated?.startedAt) {
    const reason = st?.state?.waiting?.reason ?? 'ContainerCreating';
    return respondStatus(res, badRequest(`${podRef} is waiting to start: ${reason}`));
  }
  const startedAt = new Date(running ?? terminated.startedAt);
  const finishedAt = terminated?.finishedAt ? new Date(terminated.finishedAt) : undefined;
  let until = new Date();
  // The generated lines; where the Odoo stand-in runs this container, what it did, then the generated
  // lines from when Odoo started serving.
  const linesUntil = (t: Date, end?: Date): LogLine[] => {
    const own = deps.standInLog?.(pod.metadata.uid, st?.containerID);
    if (!own) return simulatedOdooLines(pod, picked.spec, startedAt, t, deps.tickMs, end);
    const generated = own.servingSince ? simulatedOdooLines(pod, picked.spec, own.servingSince, t, deps.tickMs, end) : [];
    return [...own.lines.filter((l) => l.time <= t), ...generated].sort((a, b) => a.time.getTime() - b.time.getTime());
  };
  const history = linesUntil(until, finishedAt);
  const writer = startResponse(res, parsed);
  if (!writer.write(selectLines(history, parsed, until)) || !parsed.follow || finishedAt) return void res.end();

  // Following: one more line per tick while the container runs.
  const timer = setInterval(async () => {
    const cur = await getObject(deps.store, 'pods', pod.metadata.namespace, pod.metadata.name).catch(() => undefined);
    const curSt = (cur?.status?.containerStatuses ?? []).find((s: any) => s.name === name);
    const stillRunning = cur?.metadata?.uid === pod.metadata.uid && curSt?.state?.running?.startedAt === running;
    const now = new Date();
    const fresh = linesUntil(now).filter((l) => l.time > until);
    until = now;
    if (!stillRunning || !writer.write(fresh)) {
      clearInterval(timer);
      res.end();
    }
  }, Math.max(10, deps.tickMs));
  req.on('close', () => clearInterval(timer));
}

function startResponse(res: ServerResponse, q: ParsedLogQuery): LimitedWriter {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  return new LimitedWriter(res, q.limitBytes, q.timestamps);
}

function serveStatic(res: ServerResponse, lines: LogLine[], q: ParsedLogQuery): void {
  startResponse(res, q).write(selectLines(lines, q));
  res.end();
}

function serveContainerLog(res: ServerResponse, req: IncomingMessage, log: ContainerLog, q: ParsedLogQuery): void {
  const writer = startResponse(res, q);
  if (!writer.write(selectLines(log.lines, q)) || !q.follow || log.closed) return void res.end();
  const onLine = (l: LogLine) => {
    if (!writer.write([l])) done();
  };
  const done = () => {
    log.off('line', onLine);
    log.off('close', done);
    res.end();
  };
  log.on('line', onLine);
  log.once('close', done);
  req.on('close', () => {
    log.off('line', onLine);
    log.off('close', done);
  });
}
