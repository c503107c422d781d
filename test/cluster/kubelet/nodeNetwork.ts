// Each node's own network, for the host-network pods the kubelet runs. On a real cluster a host-network
// pod shares its node's network namespace: the agents of three nodes each listen on 127.0.0.1:8765 of
// their own node, and port-forward to one of them reaches that node's loopback. Here all nodes are this
// machine, so each node gets a network namespace of its own (`unshare --net`, its loopback up), held by
// a small relay process that is its first resident:
//   - dial: the kubelet reaches 127.0.0.1:<port> inside the node (port-forward, Services backed by a
//     host-network pod) through the relay's Unix socket: it sends "<port>\n" and gets "OK\n" once
//     connected, or "ERR <code>\n" (ECONNREFUSED when nothing listens there);
//   - the API server: pods find it at KUBERNETES_SERVICE_HOST:PORT (127.0.0.1:<its port>), where the
//     relay listens inside the node and forwards to a Unix socket the kubelet serves on this machine's
//     network, to the API server.
// Unix sockets with a path are reachable from every network namespace, which is what joins the two.
// Needs root, as the rest of the kubelet's sandbox does.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';

const UNSHARE_BIN = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p)) ?? 'unshare';
const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

// Runs inside the node's namespace: argv = dial socket, API socket, API port.
const RELAY = `const net = require('node:net');
const [dialSock, apiSock, apiPort] = process.argv.slice(1);
const join = (a, b) => { a.on('error', () => b.destroy()); b.on('error', () => a.destroy()); a.on('close', () => b.destroy()); b.on('close', () => a.destroy()); a.pipe(b); b.pipe(a); };
const dial = net.createServer((c) => {
  let head = Buffer.alloc(0);
  const onData = (d) => {
    head = Buffer.concat([head, d]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    c.off('data', onData);
    c.pause();
    const rest = head.subarray(nl + 1);
    const up = net.connect(Number(head.subarray(0, nl).toString()), '127.0.0.1');
    let connected = false;
    up.once('connect', () => { connected = true; c.write('OK\\n'); if (rest.length) up.write(rest); join(c, up); c.resume(); });
    up.once('error', (e) => { if (!connected) c.end('ERR ' + (e.code || 'EIO') + '\\n'); });
  };
  c.on('data', onData);
  c.on('error', () => {});
});
const api = net.createServer((c) => join(c, net.connect(apiSock)));
dial.listen(dialSock, () => api.listen(Number(apiPort), '127.0.0.1', () => process.stdout.write('ready\\n')));
`;

interface NodeNet {
  relay: ChildProcess;
  dialSock: string;
  apiServer: Server;
  ready: Promise<void>;
}

export class NodeNetworks {
  private readonly nets = new Map<string, NodeNet>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: { dir: string; api: () => { host: string; port: string } }) {}

  /** The network namespace of a node, created on first use: /proc/<relay pid>/ns/net. */
  async namespaceOf(node: string): Promise<string> {
    const net = this.nets.get(node) ?? this.create(node);
    await net.ready;
    return `/proc/${net.relay.pid}/ns/net`;
  }

  /** Whether the node's network exists (a host-network pod ran there). */
  has(node: string): boolean {
    return this.nets.has(node);
  }

  /**
   * A connection to 127.0.0.1:<port> inside the node, as a socket: it emits 'connect' once the port
   * answered, or an error with code ECONNREFUSED (or the like) if it did not.
   */
  dial(node: string, port: number): Duplex & { connecting: boolean } {
    const net = this.nets.get(node);
    return new RelayConnection(net ? net.ready.then(() => connect(net.dialSock)) : Promise.resolve(undefined), port, this.sockets);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const nets = [...this.nets.values()];
    this.nets.clear();
    await Promise.all(
      nets.map(async (n) => {
        const gone = new Promise((r) => (n.relay.exitCode !== null || n.relay.signalCode !== null ? r(null) : n.relay.once('exit', r)));
        if (n.relay.pid !== undefined) n.relay.kill('SIGKILL');
        await gone;
        await new Promise((r) => n.apiServer.close(r));
      }),
    );
    rmSync(this.opts.dir, { recursive: true, force: true });
  }

  private create(node: string): NodeNet {
    const dir = join(this.opts.dir, node);
    mkdirSync(dir, { recursive: true });
    const dialSock = join(dir, 'dial.sock');
    const apiSock = join(dir, 'api.sock');
    rmSync(dialSock, { force: true });
    rmSync(apiSock, { force: true });
    const api = this.opts.api();
    const apiServer = createServer((c) => {
      const up = connect(Number(api.port), api.host);
      for (const s of [c, up]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      c.on('close', () => up.destroy());
      up.on('close', () => c.destroy());
      c.pipe(up);
      up.pipe(c);
    });
    const relay = spawn(UNSHARE_BIN, ['--net', '--', '/bin/sh', '-c', `"$0" link set lo up && exec "$@"`, IP_BIN, process.execPath, '-e', RELAY, dialSock, apiSock, api.port], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    relay.stderr!.on('data', (d) => (stderr += d));
    const ready = new Promise<void>((resolve, reject) => {
      apiServer.listen(apiSock, () => {
        relay.stdout!.once('data', () => resolve());
        relay.once('exit', (code) => reject(new Error(`the network of node ${node} could not be set up (unshare --net exited ${code}): ${stderr.trim()}`)));
      });
    });
    ready.catch(() => {});
    const net = { relay, dialSock, apiServer, ready };
    this.nets.set(node, net);
    return net;
  }
}

/** A connection through a node's relay, shaped like a net.Socket for those who pipe to one. */
class RelayConnection extends Duplex {
  connecting = true;
  private sock?: Socket;
  private pending: { chunk: Buffer; cb: (e?: Error | null) => void }[] = [];
  private ended = false;

  constructor(sock: Promise<Socket | undefined>, port: number, live: Set<Socket>) {
    super();
    sock.then(
      (s) => {
        if (!s) return this.fail('ECONNREFUSED');
        live.add(s);
        s.on('close', () => live.delete(s));
        if (this.destroyed) return void s.destroy();
        this.sock = s;
        s.write(`${port}\n`);
        let head = Buffer.alloc(0);
        const onData = (d: Buffer) => {
          head = Buffer.concat([head, d]);
          const nl = head.indexOf(10);
          if (nl < 0) return;
          s.off('data', onData);
          const line = head.subarray(0, nl).toString();
          if (line !== 'OK') return this.fail(line.replace(/^ERR /, '') || 'ECONNREFUSED');
          this.connecting = false;
          const rest = head.subarray(nl + 1);
          s.on('data', (chunk: Buffer) => {
            if (!this.push(chunk)) s.pause();
          });
          s.on('end', () => this.push(null));
          s.on('close', () => this.destroy());
          this.emit('connect');
          if (rest.length) this.push(rest);
          for (const p of this.pending.splice(0)) s.write(p.chunk, p.cb);
          if (this.ended) s.end();
        };
        s.on('data', onData);
        s.on('error', (e) => (this.connecting ? this.fail((e as NodeJS.ErrnoException).code ?? 'EIO') : this.destroy()));
        s.on('close', () => this.connecting && this.fail('ECONNREFUSED'));
      },
      () => this.fail('ECONNREFUSED'),
    );
  }

  private fail(code: string): void {
    if (this.destroyed) return;
    const err = Object.assign(new Error(`connect ${code}`), { code });
    this.sock?.destroy();
    this.destroy(err);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.sock && !this.connecting) this.sock.write(chunk, cb);
    else this.pending.push({ chunk, cb });
  }

  override _final(cb: () => void): void {
    this.ended = true;
    if (this.sock && !this.connecting) this.sock.end();
    cb();
  }

  override _read(): void {
    this.sock?.resume();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.sock?.destroy();
    cb(err);
  }
}
