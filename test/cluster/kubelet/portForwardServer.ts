// `pods/{name}/portforward` over WebSocket (v4.channel.k8s.io), as the kubelet serves it: for the i-th
// requested port, channel 2i carries data and 2i+1 errors, and each starts with the port as a 2-byte
// little-endian number. The pod's port is found through the annotation
// `test.kubectl-odoo.io/port-<containerPort>: "127.0.0.1:<localPort>"`, so a process running on this
// machine (an agent, an echo server) can stand in for the pod; without it the connection is refused,
// and the error channel says so as a real kubelet does for a closed port.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
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
  targetOf: (pod: any, port: number) => { host: string; port: number } | undefined = portTarget,
): Promise<void> {
  const q = queryOf(req, query);
  const ports = parsePorts(queryAll(q, 'ports'));
  if (typeof ports === 'string') return rejectUpgrade(socket, badRequest(ports));
  if (pod.status?.phase !== 'Running') return rejectUpgrade(socket, internalError(`unable to upgrade connection: pod does not exist`));
  const ws = await acceptWebSocket(req, socket, head, PORT_FORWARD_PROTOCOLS);
  if (!ws) return;

  const conns: (Socket | undefined)[] = [];
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
      // The CRI names the pod sandbox and leaves the uid empty in this message.
      const sandbox = (pod.metadata?.uid ?? '').replace(/-/g, '');
      const msg = `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${pod.metadata?.uid}": failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: ${why} IPv6 dial tcp6 [::1]:${port}: connect: connection refused `;
      if (ws.readyState === ws.OPEN) ws.send(frame(2 * i + 1, msg));
      doneOne();
    };
    if (!target) {
      fail(`dial tcp4 127.0.0.1:${port}: connect: connection refused`);
      return;
    }
    const conn = connect(target.port, target.host);
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
