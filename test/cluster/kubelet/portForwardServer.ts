// `pods/{name}/portforward` as the kubelet and API server serve it, in the three ways clients ask:
//   - WebSocket v4.channel.k8s.io (client-node): for the i-th requested port, channel 2i carries data
//     and 2i+1 errors, and each starts with the port as a 2-byte little-endian number;
//   - WebSocket `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+ tunnels SPDY through WebSocket messages)
//     and a plain `Upgrade: SPDY/3.1` (its fallback): per forwarded connection the client opens an
//     error and a data stream with headers streamType, port and requestID (portforward.k8s.io). The pod's port is found through the annotation
// `test.kubectl-odoo.io/port-<containerPort>: "127.0.0.1:<localPort>"`, so a process running on this
// machine (an agent, an echo server) can stand in for the pod; a host-network pod the kubelet runs is
// reached at 127.0.0.1:<port> of its node's own network (nodeNetwork.ts); otherwise the connection is refused,
// and the error channel says so as a real kubelet does for a closed port.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { SpdySession } from './spdy.js';
import { connectEndpoint, type Endpoint } from './serviceProxy.js';
import { acceptWebSocket, badRequest, frame, internalError, PORT_FORWARD_PROTOCOLS, queryAll, queryOf, rejectUpgrade, type Query } from './streamProtocol.js';

export const PORT_ANNOTATION_PREFIX = 'test.kubectl-odoo.io/port-';

/** Parses `ports` (repeatable, comma-separated), with the kubelet's messages. */
export function parsePorts(values: string[]): number[] | string {
  const parts = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return 'query parameter "port" is required';
  const ports: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) return `unable to parse "${p}" as a port: port must be in the range 1-65535`;
    ports.push(n);
  }
  return ports;
}

/** Where the pod's port really is on this machine, from the annotation. */
export function portTarget(pod: any, port: number): { host: string; port: number } | undefined {
  const v = pod.metadata?.annotations?.[`${PORT_ANNOTATION_PREFIX}${port}`];
  if (!v) return undefined;
  const m = String(v).match(/^(.*):(\d+)$/);
  if (!m) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
}

export async function handlePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  pod: any,
  query?: Query,
  targetOf: (pod: any, port: number) => Endpoint | undefined = portTarget,
): Promise<void> {
  const spdy = spdyTransport(req);
  if (spdy) {
    if (pod.status?.phase !== 'Running') return rejectUpgrade(socket, internalError(`unable to upgrade connection: pod does not exist`));
    return serveSpdy(req, socket, head, spdy, pod, targetOf);
  }
  const q = queryOf(req, query);
  const ports = parsePorts(queryAll(q, 'ports'));
  if (typeof ports === 'string') return rejectUpgrade(socket, badRequest(ports));
  if (pod.status?.phase !== 'Running') return rejectUpgrade(socket, internalError(`unable to upgrade connection: pod does not exist`));
  const ws = await acceptWebSocket(req, socket, head, PORT_FORWARD_PROTOCOLS);
  if (!ws) return;

  const conns: (Duplex | undefined)[] = [];
  let open = ports.length;
  const doneOne = () => {
    if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ports.forEach((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    ws.send(frame(2 * i, prefix));
    ws.send(frame(2 * i + 1, prefix));
    const target = targetOf(pod, port);
    const fail = (why: string) => {
      if (ws.readyState === ws.OPEN) ws.send(frame(2 * i + 1, forwardError(pod, port, why)));
      doneOne();
    };
    if (!target) {
      fail(`dial tcp4 127.0.0.1:${port}: connect: connection refused`);
      return;
    }
    const conn = connectEndpoint(target);
    conns[i] = conn;
    let connected = false;
    conn.on('connect', () => (connected = true));
    conn.on('data', (d: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frame(2 * i, d));
      if (ws.bufferedAmount >= 1 << 20) {
        conn.pause();
        const resume = () => (ws.bufferedAmount < 1 << 20 ? conn.resume() : setTimeout(resume, 5));
        setTimeout(resume, 5);
      }
    });
    conn.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) fail(`dial tcp4 127.0.0.1:${port}: connect: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`);
      else doneOne();
    });
    conn.on('close', () => {
      if (connected) doneOne();
    });
  });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0];
    if (ch % 2 !== 0) return; // clients write only to data channels
    const conn = conns[ch / 2];
    if (conn && !conn.destroyed) conn.write(data.subarray(1));
  });
  ws.on('close', () => {
    for (const c of conns) c?.destroy();
  });
  ws.on('error', () => {
    for (const c of conns) c?.destroy();
  });
}

/** The kubelet's message for a port nothing listens on; the CRI names the sandbox and leaves the uid empty. */
function forwardError(pod: any, port: number, why: string): string {
  const sandbox = (pod.metadata?.uid ?? '').replace(/-/g, '');
  return `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${pod.metadata?.uid}": failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: ${why} IPv6 dial tcp6 [::1]:${port}: connect: connection refused `;
}

export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const SPDY_PORT_FORWARD = 'portforward.k8s.io';

/** How a request asks for SPDY: tunnelled in a WebSocket, or a plain SPDY/3.1 upgrade; undefined otherwise. */
function spdyTransport(req: IncomingMessage): 'websocket' | 'upgrade' | undefined {
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'spdy/3.1') return 'upgrade';
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return upgrade === 'websocket' && offered.includes(SPDY_TUNNEL_PROTOCOL) ? 'websocket' : undefined;
}

/** Port-forward over SPDY: each requestID pairs an error stream and a data stream to one connection. */
async function serveSpdy(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  transport: 'websocket' | 'upgrade',
  pod: any,
  targetOf: (pod: any, port: number) => Endpoint | undefined,
): Promise<void> {
  let write: (b: Buffer) => void;
  let closeTransport: () => void;
  const feed: { session?: SpdySession } = {};
  if (transport === 'upgrade') {
    const versions = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim());
    if (!versions.includes(SPDY_PORT_FORWARD)) return rejectUpgrade(socket, badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server supports [${SPDY_PORT_FORWARD}]`));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${SPDY_PORT_FORWARD}\r\n\r\n`);
    write = (b) => socket.writable && socket.write(b);
    closeTransport = () => socket.destroy();
    socket.on('data', (d: Buffer) => feed.session?.receive(d));
    socket.on('close', () => feed.session?.shutdown());
    socket.on('error', () => feed.session?.shutdown());
    if (head.length) setImmediate(() => feed.session?.receive(head));
  } else {
    // ws refuses "/" in a subprotocol token, which this one has: it is answered here instead.
    delete req.headers['sec-websocket-protocol'];
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    wss.on('headers', (h: string[]) => h.push(`Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`));
    const ws = await new Promise<import('ws').WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, (w) => resolve(w)));
    write = (b) => ws.readyState === ws.OPEN && ws.send(b);
    closeTransport = () => ws.close(1000);
    ws.on('message', (d: Buffer, isBinary: boolean) => isBinary && feed.session?.receive(d));
    ws.on('close', () => feed.session?.shutdown());
    ws.on('error', () => feed.session?.shutdown());
  }

  interface Pair {
    port?: number;
    error?: number;
    data?: number;
    conn?: Duplex & { connecting?: boolean };
    pending: Buffer[];
    clientDone: boolean;
  }
  const pairs = new Map<string, Pair>();
  const byStream = new Map<number, Pair>();
  const session = new SpdySession(write, {
    stream(id, headers) {
      const rid = headers.requestid ?? '';
      let p = pairs.get(rid);
      if (!p) pairs.set(rid, (p = { pending: [], clientDone: false }));
      byStream.set(id, p);
      p.port = Number(headers.port);
      if (headers.streamtype === 'error') p.error = id;
      else if (headers.streamtype === 'data') p.data = id;
      if (p.error !== undefined && p.data !== undefined) forward(p);
    },
    data(id, d) {
      const p = byStream.get(id);
      if (!p || id !== p.data) return;
      if (p.conn && !p.conn.connecting) p.conn.write(d);
      else p.pending.push(d);
    },
    end(id) {
      const p = byStream.get(id);
      if (!p || id !== p.data) return;
      p.clientDone = true;
      if (p.conn && !p.conn.connecting) p.conn.end();
    },
    reset(id) {
      byStream.get(id)?.conn?.destroy();
    },
    close() {
      for (const p of pairs.values()) p.conn?.destroy();
      closeTransport();
    },
  });
  feed.session = session;

  function forward(p: Pair): void {
    const port = p.port!;
    const finish = (why?: string) => {
      if (why) session.send(p.error!, Buffer.from(forwardError(pod, port, why)));
      session.send(p.data!, Buffer.alloc(0), true);
      session.send(p.error!, Buffer.alloc(0), true);
    };
    if (!Number.isInteger(port) || port < 1 || port > 65535) return finish(`invalid port`);
    const target = targetOf(pod, port);
    if (!target) return finish(`dial tcp4 127.0.0.1:${port}: connect: connection refused`);
    const conn = connectEndpoint(target);
    p.conn = conn;
    let connected = false;
    conn.on('connect', () => {
      connected = true;
      for (const d of p.pending.splice(0)) conn.write(d);
      if (p.clientDone) conn.end();
    });
    conn.on('data', (d: Buffer) => session.send(p.data!, d));
    conn.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) finish(`dial tcp4 127.0.0.1:${port}: connect: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`);
    });
    conn.on('close', () => {
      if (connected) finish();
    });
  }
}
