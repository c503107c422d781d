// The server side of the Kubernetes streaming protocols over WebSocket (k8s.io/apimachinery
// .../util/httpstream/wsstream): subprotocol negotiation, channel-prefixed binary frames, and error
// answers written before an upgrade as metav1.Status JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** Channel numbers of the remote command protocol. */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const STATUS = 3;
export const RESIZE = 4;
/** v5.channel.k8s.io: [255, channel] closes that channel (stdin EOF). */
export const CLOSE = 255;

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io'];

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message: string }[] };
  code?: number;
}

export function failureStatus(code: number, reason: string, message: string, causes?: { reason?: string; message: string }[]): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(causes ? { details: { causes } } : {}), code };
}

/** What the API server answers when the kubelet could not run the stream (e.g. container not running). */
export function internalError(cause: string): StatusBody {
  return failureStatus(500, 'InternalError', `Internal error occurred: ${cause}`, [{ message: cause }]);
}

export function badRequest(message: string): StatusBody {
  return failureStatus(400, 'BadRequest', message);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** Answers an upgrade request with an HTTP error instead of switching protocols. */
export function rejectUpgrade(socket: Duplex, status: StatusBody): void {
  const body = JSON.stringify(status);
  const code = status.code ?? 500;
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_TEXT[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function respondStatus(res: ServerResponse, status: StatusBody): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code ?? 500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Completes a WebSocket upgrade choosing the first subprotocol the client offers that we support, as
 * wsstream does; rejects with 400 when it offers none of them (or is not a WebSocket request at all,
 * e.g. a SPDY upgrade, which the test cluster does not speak).
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, supported: string[]): Promise<WebSocket | undefined> {
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade !== 'websocket') {
    rejectUpgrade(
      socket,
      badRequest(`the test cluster streams exec, attach and port-forward over WebSockets (${supported.join(', ')}); a ${req.headers.upgrade ?? 'plain HTTP'} upgrade is not supported`),
    );
    return Promise.resolve(undefined);
  }
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chosen = offered.find((p) => supported.includes(p));
  if (!chosen) {
    rejectUpgrade(socket, badRequest(`requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`));
    return Promise.resolve(undefined);
  }
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => chosen, perMessageDeflate: false });
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

export function frame(channel: number, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = channel;
  payload.copy(out, 1);
  return out;
}

/** Query parameter access over URLSearchParams or a plain record (repeated keys as arrays). */
export type Query = URLSearchParams | Record<string, string | string[] | undefined>;

export function queryAll(q: Query | undefined, key: string): string[] {
  if (!q) return [];
  if (q instanceof URLSearchParams) return q.getAll(key);
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function queryOne(q: Query | undefined, key: string): string | undefined {
  return queryAll(q, key)[0];
}

export function queryBool(q: Query | undefined, key: string): boolean {
  const v = queryOne(q, key);
  return v === 'true' || v === '1';
}

/** The query of a request when the caller did not pass one. */
export function queryOf(req: IncomingMessage, query?: Query): Query {
  return query ?? new URL(req.url ?? '/', 'http://x').searchParams;
}
