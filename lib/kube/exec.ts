// Runs a command in a pod's container through the API server's exec WebSocket.
//
//   const { exitCode, stdout, stderr } = await execInPod(kube, {
//     namespace: 'acme', pod: 'odoo-7f9c-abcde', container: 'odoo',
//     command: ['cat', '/etc/odoo/odoo.conf'],      // argv: passed as repeated command= args, never a shell string
//     stdin: 'input' | Buffer | Readable,            // optional; its end is signalled to the command (v5)
//     stdout: writable, stderr: writable,            // optional; when given, output streams there and the
//                                                    // returned stdout/stderr strings stay empty
//     signal,                                        // optional AbortSignal: closes the session, CancelledError
//     tty,                                           // optional: a terminal (kubectl exec -t); its size is sent
//                                                    // on channel 4 at the start and on every resize
//   });
//
// A non-zero exit is not an error: it comes back as exitCode. Errors are thrown for what prevents the
// command from running: the pod or container missing or not running (the API server's message as an
// ApiError), a command not found, the connection dropping before the command finished.
//
// Protocol: subprotocols v5.channel.k8s.io (preferred) and v4.channel.k8s.io; every binary frame is
// prefixed with its channel: 0 stdin, 1 stdout, 2 stderr, 3 status (a metav1.Status: Success, or
// Failure with reason NonZeroExitCode and the exit code in details.causes[reason=ExitCode]), 4 resize.
// v5 adds [255, channel] to close a channel, which is how stdin EOF reaches the command; a v4-only
// server has no way to signal it, so with v4 the command must not wait for the end of its input.
import type { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { ApiError, apiErrorFromResponse, ConnectionError, type ApiStatus } from './errors.js';
import { CancelledError, FailureError } from '../errors.js';
import type { KubeClient } from './client.js';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;
/** Stdin is sent in frames of at most this size. */
const MAX_FRAME = 256 * 1024;
/** Sending pauses while this much is queued on the socket. */
const HIGH_WATER = 4 * 1024 * 1024;

/** The part of a `ws` WebSocket this module uses (tests pass a fake). */
export interface WebSocketLike {
  readonly protocol: string;
  readonly bufferedAmount: number;
  readyState: number;
  send(data: Buffer, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  pause?(): void;
  resume?(): void;
  on(event: 'open', fn: () => void): this;
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'close', fn: (code: number, reason: Buffer) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'unexpected-response', fn: (req: unknown, res: IncomingMessage) => void): this;
}

export type WebSocketFactory = (url: string, protocols: string[], options: Record<string, unknown>) => WebSocketLike;

let wsModule: Promise<typeof import('ws')> | undefined;
/** Loads `ws` on first use so commands that never stream do not pay for it. */
export async function webSocketFactory(custom?: WebSocketFactory): Promise<WebSocketFactory> {
  if (custom) return custom;
  wsModule ??= import('ws');
  const mod = await wsModule;
  const WS = mod.default ?? mod.WebSocket;
  return (url, protocols, options) => new WS(url, protocols, { ...options, perMessageDeflate: false }) as WebSocketLike;
}

export interface ExecOptions {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  stdin?: Buffer | string | Readable;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** Allocate a terminal in the container (stdout and stderr then arrive together on stdout). */
  tty?: TerminalSize;
}

/** The local terminal, whose size the remote one follows. */
export interface TerminalSize {
  size(): { width: number; height: number } | undefined;
  /** Calls listener on every resize; returns the function that stops it. */
  onResize(listener: () => void): () => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface StreamDeps {
  createWebSocket?: WebSocketFactory;
}

export function execPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec`;
}

/** Query pairs for exec: one `command` per argv element, as kubectl sends them. */
export function execQuery(opts: Pick<ExecOptions, 'container' | 'command' | 'stdin' | 'tty'>): [string, string][] {
  const q: [string, string][] = opts.command.map((c) => ['command', c] as [string, string]);
  if (opts.container) q.push(['container', opts.container]);
  if (opts.stdin !== undefined) q.push(['stdin', 'true']);
  // With a terminal there is no separate stderr stream (kubectl sends stderr=false with -t).
  q.push(['stdout', 'true'], ['stderr', opts.tty ? 'false' : 'true']);
  if (opts.tty) q.push(['tty', 'true']);
  return q;
}

/** The exit code in an exec status: 0 for Success, the ExitCode cause for NonZeroExitCode, else undefined. */
export function exitCodeFromStatus(status: ApiStatus): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : undefined;
}

export async function execInPod(kube: Pick<KubeClient, 'websocketOptions'>, opts: ExecOptions, deps: StreamDeps = {}): Promise<ExecResult> {
  if (opts.command.length === 0) throw new FailureError('exec needs a command');
  if (opts.signal?.aborted) throw new CancelledError();
  const path = execPath(opts.namespace, opts.pod);
  const { url, options } = await kube.websocketOptions(path, execQuery(opts));
  const create = await webSocketFactory(deps.createWebSocket);
  const ws = create(url, EXEC_PROTOCOLS, options);

  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let status: ApiStatus | undefined;
    let settled = false;
    let stopResize: (() => void) | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      stopResize?.();
      fn();
    };
    const onAbort = () => {
      settle(() => reject(new CancelledError()));
      (ws.terminate ?? ws.close).call(ws);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => settle(() => reject(apiErrorFromResponse(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'), { method: 'GET', path }))));
      res.on('error', (e) => settle(() => reject(new ConnectionError(`exec in pod ${opts.pod} failed: ${e.message}`, e))));
    });
    ws.on('error', (e) => settle(() => reject(new ConnectionError(`exec in pod ${opts.pod} failed: ${e.message}`, e))));
    ws.on('open', () => {
      if (opts.tty) {
        const tty = opts.tty;
        const sendSize = () => {
          const s = tty.size();
          if (s && ws.readyState === 1) ws.send(frame(RESIZE, Buffer.from(JSON.stringify({ Width: s.width, Height: s.height }))));
        };
        sendSize();
        stopResize = tty.onResize(sendSize);
      }
      if (opts.stdin !== undefined) sendStdin(ws, opts.stdin, (e) => settle(() => reject(e)));
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary || data.length === 0) return;
      const payload = data.subarray(1);
      switch (data[0]) {
        case STDOUT:
          if (opts.stdout) writeWithBackpressure(ws, opts.stdout, payload);
          else out.push(Buffer.from(payload));
          break;
        case STDERR:
          if (opts.stderr) writeWithBackpressure(ws, opts.stderr, payload);
          else err.push(Buffer.from(payload));
          break;
        case STATUS:
          try {
            status = JSON.parse(payload.toString('utf8'));
          } catch {
            status = { status: 'Failure', message: payload.toString('utf8') };
          }
          break;
        default:
        // [255, n] from the server and unknown channels carry nothing for us.
      }
    });
    ws.on('close', () => {
      settle(() => {
        if (!status) {
          reject(new FailureError(`the exec session in pod ${opts.pod} closed before the command finished`));
          return;
        }
        const exitCode = exitCodeFromStatus(status);
        if (exitCode === undefined) {
          reject(new ApiError(status.code ?? 500, status.message ?? `exec in pod ${opts.pod} failed`, { apiStatus: status }));
          return;
        }
        resolve({ exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
  });
}

function frame(channel: number, payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(payload.length + 1);
  b[0] = channel;
  payload.copy(b, 1);
  return b;
}

/** Sends stdin on channel 0, then (v5) the close signal for channel 0. */
function sendStdin(ws: WebSocketLike, input: Buffer | string | Readable, fail: (e: Error) => void): void {
  const canClose = ws.protocol === 'v5.channel.k8s.io';
  const closeStdin = () => {
    if (canClose && ws.readyState === 1) ws.send(Buffer.from([CLOSE, STDIN]));
  };
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    for (let i = 0; i < buf.length; i += MAX_FRAME) ws.send(frame(STDIN, buf.subarray(i, i + MAX_FRAME)));
    closeStdin();
    return;
  }
  input.on('data', (chunk: Buffer | string) => {
    if (ws.readyState !== 1) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let i = 0; i < buf.length; i += MAX_FRAME) ws.send(frame(STDIN, buf.subarray(i, i + MAX_FRAME)));
    if (ws.bufferedAmount > HIGH_WATER) {
      input.pause();
      const resumeWhenDrained = () => (ws.bufferedAmount <= HIGH_WATER || ws.readyState !== 1 ? input.resume() : setTimeout(resumeWhenDrained, 5));
      setTimeout(resumeWhenDrained, 5);
    }
  });
  input.on('end', closeStdin);
  input.on('error', (e) => fail(new FailureError(`reading the input for exec failed: ${e.message}`)));
}

/** Writes to a caller's stream, pausing the socket while that stream is full. */
function writeWithBackpressure(ws: WebSocketLike, w: NodeJS.WritableStream, payload: Buffer): void {
  if (!w.write(Buffer.from(payload)) && ws.pause && ws.resume) {
    ws.pause();
    w.once('drain', () => ws.resume!());
  }
}
