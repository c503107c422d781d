// The agent under abuse, reached directly over its WebSocket (as the plugin does after port-forwarding):
// oversized and repetitive inspect requests, token rotation while connections are open, and more
// connections than it accepts. Runs the built agent as root against two loop devices of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { requireRoot, GiB } from './deviceLab.js';
import { startLocalAgent, type LocalAgent } from './localAgent.js';

const runs = requireRoot();

/** One WebSocket to the agent; request() resolves with the final answer, or with how the connection ended. */
class Connection {
  private next = 1;
  private pending = new Map<number, (m: any) => void>();
  closed?: { code: number; reason: string };
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.progress) return;
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const r of this.pending.values()) r({ closed: this.closed });
      this.pending.clear();
    });
  }
  static open(port: number, token: string): Promise<Connection | { status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Authorization: `Bearer ${token}` } });
      ws.on('unexpected-response', (_q, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => resolve(new Connection(ws)));
      ws.on('error', (e) => reject(e));
    });
  }
  request(method: string, params: unknown = {}): Promise<any> {
    const id = this.next++;
    return new Promise((resolve) => {
      if (this.closed) return resolve({ closed: this.closed });
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}

async function connect(port: number, token: string): Promise<Connection> {
  const c = await Connection.open(port, token);
  if (!(c instanceof Connection)) throw new Error(`connection refused: HTTP ${c.status} ${c.body}`);
  return c;
}

describe.skipIf(!runs)('odoo-node-agent limits', () => {
  let dir: string;
  let agent: LocalAgent;
  let tokenFile: string;
  let token = 'limits-token-1-3f9c2a';
  const loops: string[] = [];
  let alias: string;
  const cleanups: (() => void | Promise<void>)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-limits-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const name of ['a', 'b']) {
      const img = join(dir, `${name}.img`);
      execFileSync('truncate', ['-s', String(6 * GiB), img]);
      const dev = execFileSync('losetup', ['--find', '--show', img], { encoding: 'utf8' }).trim();
      loops.push(dev);
      cleanups.push(() => void execFileSync('losetup', ['-d', dev]));
    }
    // A second name for the first device, as /dev/disk/by-id links are.
    alias = `/dev/kubectl-odoo-limits-${process.pid}`;
    symlinkSync(loops[0], alias);
    cleanups.push(() => unlinkSync(alias));
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`);
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        devices: [loops[0]],
        allowLoopDevices: true,
        listen: { host: '127.0.0.1', port: 0 },
        tokenFile,
        summaryIntervalSeconds: 3600,
        hostPaths: { proc: '/proc', sys: '/sys', dev: '/dev', udev: '/run/udev', modules: '/lib/modules', kubeletPods: join(dir, 'pods') },
      }),
    );
    agent = await startLocalAgent({ node: 'limits-node', configFile });
    cleanups.push(() => agent.stop());
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // undo the rest
      }
    }
  });

  it('answers 300 repeats of a device (and an alias of it) once per distinct device, correctly', async () => {
    const c = await connect(agent.port, token);
    const devices = [...Array.from({ length: 300 }, () => loops[0]), alias, loops[1], loops[1]];
    const r = await c.request('inspect', { devices });
    await c.close();
    expect(r.error).toBeUndefined();
    expect(r.result.devices.map((d: any) => [d.device, d.verdict, d.reasons])).toEqual([
      [loops[0], 'READY', []],
      [loops[1], 'READY', []],
    ]);
  });

  it('refuses an inspect request over 64 distinct devices and stays up', async () => {
    const c = await connect(agent.port, token);
    const devices = Array.from({ length: 65 }, (_, i) => `/dev/kubectl-odoo-none-${i}`);
    const r = await c.request('inspect', { devices });
    expect(r.error).toEqual({ code: 'bad-request', message: 'inspect takes at most 64 distinct devices per request, got 65' });
    const ok = await c.request('inspect', { devices: devices.slice(0, 64) });
    expect(ok.result.devices).toHaveLength(64);
    expect((await c.request('ping')).result.node).toBe('limits-node');
    await c.close();
  });

  it('stops serving connections whose token was rotated away, and accepts the new token', async () => {
    const old = await connect(agent.port, token);
    expect((await old.request('ping')).result.node).toBe('limits-node');
    const oldToken = token;
    token = 'limits-token-2-81be07';
    writeFileSync(tokenFile, `${token}\n`);
    const after = await old.request('ping');
    expect(after).toEqual({ closed: { code: 4401, reason: 'token no longer valid' } });
    expect(await Connection.open(agent.port, oldToken)).toMatchObject({ status: 401 });
    const fresh = await connect(agent.port, token);
    expect((await fresh.request('ping')).result.node).toBe('limits-node');
    await fresh.close();
    expect(agent.logs()).toContain('its token is no longer valid');
  });

  it('reports a device whose reads hang as UNKNOWN "device did not answer", and keeps answering meanwhile', async () => {
    // Reads of the first device never return: its dd and blkid block (the test machine has no
    // device-mapper to suspend a real device); every other device is read by the real tools.
    const hung = loops[0];
    const shims = join(dir, 'hang-bin');
    mkdirSync(shims);
    for (const tool of ['dd', 'blkid']) {
      const real = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      writeFileSync(join(shims, tool), `#!/bin/sh\ncase " $* " in *"${hung} "*|*"=${hung} "*) exec sleep 600;; esac\nexec ${real} "$@"\n`);
      chmodSync(join(shims, tool), 0o755);
    }
    const configFile = join(dir, 'hang.json');
    writeFileSync(configFile, JSON.stringify({ devices: [loops[1]], allowLoopDevices: true, listen: { host: '127.0.0.1', port: 0 }, tokenFile, summaryIntervalSeconds: 3600, hostPaths: { proc: '/proc', sys: '/sys', dev: '/dev', udev: '/run/udev', modules: '/lib/modules', kubeletPods: join(dir, 'pods') } }));
    const hangAgent = await startLocalAgent({ node: 'limits-node', configFile, env: { PATH: `${shims}:${process.env.PATH}` } });
    cleanups.push(() => hangAgent.stop());

    const c = await connect(hangAgent.port, token);
    const other = await connect(hangAgent.port, token);
    const inspecting = c.request('inspect', { devices: [hung] });
    // The agent still answers other requests while that inspection waits on the device.
    expect((await other.request('ping')).result.node).toBe('limits-node');
    const r = await inspecting;
    const [device] = r.result.devices;
    expect(device.verdict).not.toBe('READY');
    expect(device.reasons).toContainEqual(expect.objectContaining({ code: 'device-not-answering', kind: 'unknown', message: 'device did not answer' }));
    // Work queued behind it is done once the deadline passed.
    const after = await other.request('inspect', { devices: [loops[1]] });
    expect(after.result.devices.map((d: any) => d.verdict)).toEqual(['READY']);
    await Promise.all([c.close(), other.close()]);
  });

  it('accepts at most 32 connections at once and refuses more with 503', async () => {
    const open = await Promise.all(Array.from({ length: 32 }, () => connect(agent.port, token)));
    for (const c of open) expect((await c.request('ping')).result.node).toBe('limits-node');
    const refused = await Connection.open(agent.port, token);
    expect(refused).toEqual({ status: 503, body: 'Too many connections (at most 32)' });
    await open.pop()!.close();
    // The server counts the connection gone once its close handshake completed.
    let again: Connection | undefined;
    for (let i = 0; i < 50 && !again; i++) {
      const c = await Connection.open(agent.port, token);
      if (c instanceof Connection) again = c;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect((await again!.request('ping')).result.node).toBe('limits-node');
    await Promise.all([...open, again!].map((c) => c.close()));
  });
});
