// Runs the built agent (dist/odoo-node-agent.mjs) on this machine as a stand-in for a DaemonSet pod,
// and a fake host root for the prerequisite checks (udev, kernel modules, chrony) where the test
// machine has none. Processes are stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DIST } from '../harness/plugin.js';

export interface LocalAgent {
  port: number;
  pid: number;
  logs(): string;
  stop(): Promise<void>;
}

export async function startLocalAgent(opts: { node: string; configFile: string; kubeconfig?: string; env?: Record<string, string> }): Promise<LocalAgent> {
  const args = [join(DIST, 'odoo-node-agent.mjs'), '--config', opts.configFile, ...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ...opts.env, NODE_NAME: opts.node }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent did not start: ${stderr}`)), 15_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /\{"listening":(\d+)\}/.exec(stdout);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${stderr}`)));
  });
  return {
    port,
    pid: child.pid!,
    logs: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/**
 * The agent on this machine's own host (its /proc, /sys, /dev, udev and modules), loop devices allowed,
 * with `token` in a file under `dir`: what the device tests judge real loop devices with.
 */
export async function startHostAgent(dir: string, node: string, token: string): Promise<LocalAgent> {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${token}\n`);
  const configFile = join(dir, 'agent.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      devices: ['/dev/null'],
      allowLoopDevices: true,
      listen: { host: '127.0.0.1', port: 0 },
      tokenFile,
      summaryIntervalSeconds: 3600,
      hostPaths: { proc: '/proc', sys: '/sys', dev: '/dev', udev: '/run/udev', modules: '/lib/modules', kubeletPods: join(dir, 'pods') },
    }),
  );
  return startLocalAgent({ node, configFile });
}

/**
 * A host whose prerequisites are all met: /proc entries point at the real ones except the module list
 * (rbd and ceph loaded), a udev control socket is present, and chronyc reports a synchronised clock.
 */
export function fakeHealthyHost(dir: string): { proc: string; udev: string; binDir: string } {
  const proc = join(dir, 'proc');
  mkdirSync(join(proc, '1'), { recursive: true });
  mkdirSync(join(proc, 'sys', 'kernel'), { recursive: true });
  mkdirSync(join(proc, 'net'), { recursive: true });
  symlinkSync('/proc/1/mountinfo', join(proc, '1', 'mountinfo'));
  symlinkSync('/proc/1/root', join(proc, '1', 'root'));
  symlinkSync('/proc/swaps', join(proc, 'swaps'));
  symlinkSync('/proc/sys/kernel/osrelease', join(proc, 'sys', 'kernel', 'osrelease'));
  symlinkSync('/proc/net/route', join(proc, 'net', 'route'));
  writeFileSync(join(proc, 'modules'), 'rbd 126976 0 - Live 0x0000000000000000\nlibceph 491520 2 rbd,ceph, Live 0x0000000000000000\nceph 561152 0 - Live 0x0000000000000000\n');
  const udev = join(dir, 'run-udev');
  mkdirSync(join(udev, 'data'), { recursive: true });
  writeFileSync(join(udev, 'control'), '');
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  writeFileSync(
    join(binDir, 'chronyc'),
    '#!/bin/sh\ncat <<EOF\nReference ID    : C0A80101 (192.168.1.1)\nStratum         : 3\nSystem time     : 0.000012345 seconds fast of NTP time\nLast offset     : -0.000003210 seconds\nLeap status     : Normal\nEOF\n',
  );
  chmodSync(join(binDir, 'chronyc'), 0o755);
  return { proc, udev, binDir };
}

/** One request straight to an agent (as the plugin would after port-forwarding). */
export function agentRequest(port: number, token: string, message: string): Promise<{ status?: number; messages: any[] }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Authorization: `Bearer ${token}` } });
    const messages: any[] = [];
    ws.on('unexpected-response', (_q, res) => resolve({ status: res.statusCode, messages }));
    ws.on('open', () => ws.send(message));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      messages.push(m);
      if (!m.progress) {
        ws.close();
        resolve({ messages });
      }
    });
    ws.on('error', () => resolve({ messages }));
  });
}
