// The server side of SPDY/3.1 as Kubernetes streams use it (moby/spdystream, the kubelet's
// portforward.k8s.io server): frames over a byte stream — a raw socket after `Upgrade: SPDY/3.1`, or the
// binary messages of a WebSocket for kubectl's tunnelling (`SPDY/3.1+portforward.k8s.io`). Header
// blocks are zlib-compressed with the SPDY/3 dictionary, one compression context per direction for the
// whole connection. The client opens streams (SYN_STREAM), each is answered with SYN_REPLY; DATA frames
// carry bytes, FIN half-closes, RST_STREAM aborts; PINGs are echoed. spdystream does not send
// WINDOW_UPDATE, so none is required before sending.
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

const VERSION = 3;
const TYPE = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
const FLAG_FIN = 0x01;
export const RST_CANCEL = 5;
export const RST_PROTOCOL_ERROR = 1;

// The SPDY/3 header dictionary (draft 3, section 2.6.10.1): length-prefixed words, then a raw tail.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'age',
  'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding', 'content-language', 'content-length',
  'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma',
  'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public',
  'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found' +
  '500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 ' +
  'Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,' +
  'text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

export type Headers = Record<string, string>;

export interface SpdyHandlers {
  /** A stream the client opened; it has already been answered with SYN_REPLY. */
  stream(id: number, headers: Headers): void;
  data(id: number, data: Buffer): void;
  /** The client half-closed the stream (FIN). */
  end(id: number): void;
  /** The client reset the stream. */
  reset(id: number): void;
  /** The connection is over (GOAWAY, a protocol error, or the transport closed). */
  close(): void;
}

export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [k, v] of Object.entries(headers)) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const out: Headers = {};
  let off = 0;
  const take = () => {
    const len = block.readUInt32BE(off);
    off += 4;
    const s = block.subarray(off, off + len).toString();
    off += len;
    return s;
  };
  const n = block.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < n; i++) {
    const name = take();
    out[name] = take(); // several values would be NUL-separated; Kubernetes sends one
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Runs one zlib step to its sync flush and returns what it produced. */
function zstep(z: Inflate | Deflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (d: Buffer) => chunks.push(d);
    const onError = (e: Error) => {
      z.off('data', onData);
      reject(e);
    };
    z.on('data', onData);
    z.once('error', onError);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

export class SpdySession {
  private buf: Buffer = Buffer.alloc(0);
  private readonly inflate = createInflate({ dictionary: SPDY_DICTIONARY });
  private readonly deflate = createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  /** Frames are handled, and written, strictly in order. */
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly write: (bytes: Buffer) => void,
    private readonly on: SpdyHandlers,
  ) {}

  /** Bytes from the transport. */
  receive(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + length) break;
      const frame = this.buf.subarray(0, 8 + length);
      this.buf = this.buf.subarray(8 + length);
      this.inbound = this.inbound.then(() => this.handle(frame)).catch(() => this.shutdown());
    }
  }

  /** Sends bytes on a stream (in frames of at most 32 KiB), FIN with the last when `fin`. */
  send(id: number, data: Buffer, fin = false): void {
    for (let off = 0; off < data.length || (fin && off === 0); off += 32 * 1024) {
      const part = data.subarray(off, off + 32 * 1024);
      const last = off + 32 * 1024 >= data.length;
      this.emit(dataFrame(id, part, fin && last ? FLAG_FIN : 0));
      if (data.length === 0) break;
    }
  }

  reset(id: number, status = RST_CANCEL): void {
    this.emit(control(TYPE.rstStream, 0, Buffer.concat([u32(id & 0x7fffffff), u32(status)])));
  }

  /** Transport gone, or a protocol error: no more frames either way. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.inflate.close();
    this.deflate.close();
    this.on.close();
  }

  /** Queues a frame; one built with the shared compressor is built only when its turn comes. */
  private emit(frame: Buffer | (() => Promise<Buffer>)): void {
    this.outbound = this.outbound.then(async () => {
      const bytes = typeof frame === 'function' ? await frame() : frame;
      if (!this.closed) this.write(bytes);
    });
    this.outbound.catch(() => this.shutdown());
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const isControl = (frame[0] & 0x80) !== 0;
    const flags = frame[4];
    const body = frame.subarray(8);
    if (!isControl) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      if (body.length) this.on.data(id, Buffer.from(body));
      if (flags & FLAG_FIN) this.on.end(id);
      return;
    }
    const version = frame.readUInt16BE(0) & 0x7fff;
    const type = frame.readUInt16BE(2);
    if (version !== VERSION) return this.shutdown();
    switch (type) {
      case TYPE.synStream: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await zstep(this.inflate, body.subarray(10)));
        this.emit(async () => control(TYPE.synReply, 0, Buffer.concat([u32(id), await zstep(this.deflate, encodeHeaderBlock({}))])));
        this.on.stream(id, headers);
        if (flags & FLAG_FIN) this.on.end(id);
        return;
      }
      case TYPE.headers:
        // Headers after the stream opened must still go through the shared decompressor.
        await zstep(this.inflate, body.subarray(4));
        return;
      case TYPE.rstStream:
        this.on.reset(body.readUInt32BE(0) & 0x7fffffff);
        return;
      case TYPE.ping:
        this.emit(control(TYPE.ping, 0, Buffer.from(body.subarray(0, 4))));
        return;
      case TYPE.goAway:
        return this.shutdown();
      default:
        return; // SETTINGS, WINDOW_UPDATE: nothing to do
    }
  }
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(body.length, 4);
  head[4] = flags;
  return Buffer.concat([head, body]);
}

function dataFrame(id: number, data: Buffer, flags: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id & 0x7fffffff, 0);
  head.writeUInt32BE(data.length, 4);
  head[4] = flags;
  return Buffer.concat([head, data]);
}
