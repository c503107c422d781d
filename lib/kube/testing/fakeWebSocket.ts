// A fake of the `ws` WebSocket for the stream clients' tests: records what is sent and lets a test
// play the server's frames.
import { EventEmitter } from 'node:events';

export class FakeSocket extends EventEmitter {
  readyState = 0;
  bufferedAmount = 0;
  sent: Buffer[] = [];
  closed = false;
  constructor(
    public url: string,
    public protocol: string,
  ) {
    super();
  }
  send(data: Buffer, cb?: (err?: Error) => void): void {
    this.sent.push(Buffer.from(data));
    cb?.();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readyState = 3;
    this.emit('close', 1000, Buffer.alloc(0));
  }
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }
  /** A frame from the server. */
  receive(channel: number, payload: string | Buffer): void {
    this.emit('message', Buffer.concat([Buffer.from([channel]), Buffer.from(payload)]), true);
  }
}

export function fakeKube(): { kube: any; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    kube: {
      async websocketOptions(path: string, query: [string, string][]) {
        const u = new URL(`wss://cluster.test${path}`);
        for (const [k, v] of query) u.searchParams.append(k, v);
        urls.push(u.href);
        return { url: u.href, options: { headers: { Authorization: 'Bearer t' } } };
      },
    },
  };
}
