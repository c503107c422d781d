// Reaches a pod's TCP port through the API server's portforward WebSocket.
//
//   const stream = await connectPodPort(kube, { namespace, pod, port: 8069 });   // one connection, a Duplex
//   const fwd = await openPortForward(kube, { namespace, pod, port: 8069 });     // a local listener
//   http.get(`http://127.0.0.1:${fwd.localPort}/web/health`, ...); await fwd.close();
//
// openPortForward listens on 127.0.0.1 (an ephemeral port unless localPort is given) and tunnels each
// accepted connection over its own WebSocket, as kubectl port-forward does with its streams.
//
// Protocol (v4.channel.k8s.io, the kubelet's WebSocket port-forward): one port per connection here;
// channel 0 carries data and channel 1 errors, and each starts with the port as 2 bytes little-endian,
// which are skipped. Text on the error channel (e.g. "connection refused" inside the pod) destroys the
// stream with that message. The protocol has no half-close: ending our side keeps the stream open
// until the pod's side closes or the stream is destroyed.
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { ApiError, apiErrorFromResponse, ConnectionError } from './errors.js';
import { FailureError } from '../errors.js';
import type { KubeClient } from './client.js';
import { webSocketFactory, type StreamDeps, type WebSocketLike } from './exec.js';

export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io'];
const DATA = 0;
const ERROR = 1;

export interface PodPortOptions {
  namespace: string;
  pod: string;
  port: number;
}

export function portForwardPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`;
}

/**
 * Wraps an open port-forward WebSocket as a Duplex: writes go to the pod's port, reads come from it.
 * Exported for tests that feed frames through a fake socket.
 */
export function podPortStream(ws: WebSocketLike, label: string): Duplex {
  // Bytes of the port prefix still to skip on each channel.
  const skip = [2, 2];
  let errorText = '';
  const stream = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== 1) return cb(new FailureError(`the port-forward to ${label} is closed`));
      const b = Buffer.allocUnsafe(chunk.length + 1);
      b[0] = DATA;
      chunk.copy(b, 1);
      ws.send(b, (e) => cb(e ?? null));
    },
    final(cb) {
      // No half-close in the protocol: the pod's side decides when the connection ends.
      cb();
    },
    read() {
      ws.resume?.();
    },
    destroy(err, cb) {
      if (ws.readyState === 0 || ws.readyState === 1) ws.close(1000);
      cb(err);
    },
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0];
    if (ch !== DATA && ch !== ERROR) return;
    let payload = data.subarray(1);
    if (skip[ch] > 0) {
      const n = Math.min(skip[ch], payload.length);
      skip[ch] -= n;
      payload = payload.subarray(n);
    }
    if (payload.length === 0) return;
    if (ch === ERROR) errorText += payload.toString('utf8');
    else if (!stream.push(Buffer.from(payload))) ws.pause?.();
  });
  ws.on('close', () => {
    if (errorText) stream.destroy(new FailureError(`port-forward to ${label} failed: ${errorText.trim()}`));
    else stream.push(null);
  });
  ws.on('error', (e) => stream.destroy(new ConnectionError(`port-forward to ${label} failed: ${e.message}`, e)));
  return stream;
}

/** Opens one connection to the pod's port; resolves once the WebSocket is established. */
export async function connectPodPort(kube: Pick<KubeClient, 'websocketOptions'>, opts: PodPortOptions, deps: StreamDeps = {}): Promise<Duplex> {
  const path = portForwardPath(opts.namespace, opts.pod);
  const { url, options } = await kube.websocketOptions(path, [['ports', String(opts.port)]]);
  const create = await webSocketFactory(deps.createWebSocket);
  const ws = create(url, PORT_FORWARD_PROTOCOLS, options);
  const label = `pod ${opts.pod} port ${opts.port}`;
  const stream = podPortStream(ws, label);
  // Until the caller holds the stream, a failure is reported through the rejected promise only.
  const quiet = () => {};
  stream.on('error', quiet);
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', (e) => reject(new ConnectionError(`port-forward to ${label} failed: ${e.message}`, e)));
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const e = apiErrorFromResponse(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'), { method: 'GET', path });
        reject(new ApiError(e.status, `port-forward to ${label} failed: ${e.message}`, { reason: e.reason, apiStatus: e.apiStatus }));
      });
    });
  }).catch((e) => {
    stream.destroy();
    throw e;
  });
  stream.off('error', quiet);
  return stream;
}

export interface PortForwardOptions extends PodPortOptions {
  /** Local port on 127.0.0.1; default an ephemeral one. */
  localPort?: number;
  /** Called when one tunnelled connection fails (the listener keeps serving others). */
  onError?: (err: Error) => void;
}

export interface PortForward {
  localPort: number;
  close(): Promise<void>;
}

export async function openPortForward(kube: Pick<KubeClient, 'websocketOptions'>, opts: PortForwardOptions, deps: StreamDeps = {}): Promise<PortForward> {
  const live = new Set<Socket | Duplex>();
  const server: Server = createServer((sock) => {
    live.add(sock);
    sock.on('close', () => live.delete(sock));
    sock.on('error', () => {});
    sock.pause();
    connectPodPort(kube, opts, deps).then(
      (remote) => {
        live.add(remote);
        if (sock.destroyed) return remote.destroy();
        sock.pipe(remote);
        remote.pipe(sock);
        sock.resume();
        remote.on('error', (e) => {
          opts.onError?.(e);
          sock.destroy();
        });
        remote.on('close', () => {
          live.delete(remote);
          sock.end();
        });
        sock.on('close', () => remote.destroy());
      },
      (e: Error) => {
        opts.onError?.(e);
        sock.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.localPort ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const localPort = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    localPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
}
