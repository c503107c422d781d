// The port-forward client's framing through a fake WebSocket, and the local listener end to end.
import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { connect } from 'node:net';
import { openPortForward, podPortStream } from './portForward.js';
import type { WebSocketLike } from './exec.js';
import { FakeSocket, fakeKube } from './testing/fakeWebSocket.js';

const port8069 = Buffer.from([8069 & 255, 8069 >> 8]);

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    stream.on('data', (d) => (s += d));
    stream.on('end', () => resolve(s));
    stream.on('error', reject);
  });
}

describe('podPortStream', () => {
  it.each([
    ['prefix in its own frame', [[0, port8069], [1, port8069], [0, 'hello'], [0, ' world']]],
    ['prefix split across frames', [[0, Buffer.from([port8069[0]])], [0, Buffer.concat([Buffer.from([port8069[1]]), Buffer.from('hello')])], [0, ' world']]],
    ['prefix and data in one frame', [[0, Buffer.concat([port8069, Buffer.from('hello world')])]]],
  ] as [string, [number, Buffer | string][]][])('skips the 2-byte port on each channel: %s', async (_name, frames) => {
    const ws = new FakeSocket('wss://x', 'v4.channel.k8s.io');
    ws.readyState = 1;
    const stream = podPortStream(ws as unknown as WebSocketLike, 'pod p port 8069');
    const text = readAll(stream);
    for (const [ch, data] of frames) ws.receive(ch, data);
    ws.close();
    expect(await text).toBe('hello world');
  });

  it('sends writes on the data channel', async () => {
    const ws = new FakeSocket('wss://x', 'v4.channel.k8s.io');
    ws.readyState = 1;
    const stream = podPortStream(ws as unknown as WebSocketLike, 'pod p port 8069');
    await new Promise<void>((r) => stream.write('GET / HTTP/1.1\r\n', () => r()));
    expect(ws.sent).toEqual([Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.1\r\n')])]);
  });

  it('fails with the text of the error channel', async () => {
    const ws = new FakeSocket('wss://x', 'v4.channel.k8s.io');
    ws.readyState = 1;
    const stream = podPortStream(ws as unknown as WebSocketLike, 'pod p port 8069');
    stream.resume();
    const failed = once(stream, 'error');
    ws.receive(0, port8069);
    ws.receive(1, port8069);
    ws.receive(1, 'error forwarding port 8069 to pod abc, uid : connection refused');
    ws.close();
    const [err] = await failed;
    expect((err as Error).message).toBe('port-forward to pod p port 8069 failed: error forwarding port 8069 to pod abc, uid : connection refused');
  });
});

describe('openPortForward', () => {
  it('gives each local connection its own WebSocket to the pod port', async () => {
    const { kube, urls } = fakeKube();
    const sockets: FakeSocket[] = [];
    const fwd = await openPortForward(
      kube,
      { namespace: 'acme', pod: 'odoo-1', port: 8069 },
      {
        createWebSocket: (url, protocols) => {
          expect(protocols).toEqual(['v4.channel.k8s.io']);
          const ws = new FakeSocket(url, 'v4.channel.k8s.io');
          // The fake pod answers every data frame with its upper-case version.
          const send = ws.send.bind(ws);
          ws.send = (data, cb) => {
            send(data, cb);
            if (data[0] === 0) queueMicrotask(() => ws.receive(0, data.subarray(1).toString().toUpperCase()));
          };
          sockets.push(ws);
          queueMicrotask(() => {
            ws.open();
            ws.receive(0, port8069);
            ws.receive(1, port8069);
          });
          return ws as unknown as WebSocketLike;
        },
      },
    );
    try {
      for (const msg of ['one', 'two']) {
        const sock = connect(fwd.localPort, '127.0.0.1');
        await once(sock, 'connect');
        sock.write(msg);
        const [data] = await once(sock, 'data');
        expect(data.toString()).toBe(msg.toUpperCase());
        sock.destroy();
      }
    } finally {
      await fwd.close();
    }
    expect(sockets).toHaveLength(2);
    expect(urls[0]).toBe('wss://cluster.test/api/v1/namespaces/acme/pods/odoo-1/portforward?ports=8069');
  });
});
