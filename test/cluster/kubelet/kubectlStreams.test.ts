// The real kubectl's streaming commands against the test cluster, with the protocols kubectl 1.32 uses:
// port-forward tunnels SPDY through a WebSocket (and falls back to a plain SPDY upgrade, forced here
// with KUBECTL_PORT_FORWARD_WEBSOCKETS=false); exec, exec -it and cp use WebSocket v5.channel.k8s.io;
// logs -f is a streamed HTTP response.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../index.js';
import { KUBECTL, kubectl, pluginEnv } from '../../harness/plugin.js';
import { barePod, createNamespace, kubectlPortForward, podPhase, waitFor } from './testing.js';

let cluster: TestCluster;
const ns = 'kubectl-streams';
let echo: Server;
let echoPort: number;
let scratch: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cluster = await startTestCluster({ tickMs: 50 });
  createNamespace(cluster, ns);
  scratch = mkdtempSync(join(tmpdir(), 'kubectl-streams-'));
  // What the pod's port 8080 is: an echo server on this machine.
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
  cluster.store.create('pods', barePod(ns, 'box', ['sh', '-c', 'mkdir -p /work; while :; do sleep 0.2; done'], { grace: 1, annotations: { 'test.kubectl-odoo.io/port-8080': `127.0.0.1:${echoPort}` } }));
  await podPhase(cluster, ns, 'box', ['Running']);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cluster?.stop();
  echo?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const kc = (args: string[], opts: { stdin?: string; timeoutMs?: number } = {}) => kubectl(args, { kubeconfig: cluster.kubeconfigPath, ...opts });

async function portForward(target: string, remote: number, env: Record<string, string> = {}): Promise<{ port: number; proc: ChildProcess; stderr: () => string }> {
  const pf = await kubectlPortForward(cluster, ns, target, remote, env);
  children.push(pf.proc);
  return pf;
}

/** Sends bytes through a local port and resolves with everything that came back once the far side closed. */
function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let total = 0;
    s.on('data', (d) => {
      got.push(d);
      total += d.length;
      if (total >= payload.length) s.end();
    });
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
    s.write(payload);
  });
}

describe('kubectl port-forward', () => {
  it.each([
    ['SPDY tunnelled in a WebSocket (the default)', {}, false],
    ['a plain SPDY upgrade (the fallback)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, false],
  ])('%s: bytes go to the pod port and back, over several connections', async (_how, env, fallback) => {
    const pf = await portForward('pod/box', 8080, env);
    try {
      for (const size of [5, 300_000]) {
        const payload = randomBytes(size);
        expect((await roundTrip(pf.port, payload)).equals(payload)).toBe(true);
      }
      const [a, b] = await Promise.all([roundTrip(pf.port, Buffer.from('first')), roundTrip(pf.port, Buffer.from('second'))]);
      expect([a.toString(), b.toString()]).toEqual(['first', 'second']);
      // -v=6 shows when kubectl gives up on the WebSocket tunnel and falls back to SPDY.
      expect(pf.stderr().includes('fallback to secondary dialer')).toBe(fallback);
    } finally {
      pf.proc.kill('SIGTERM');
    }
  });

  it('a port nothing listens on: the connection closes and kubectl reports the kubelet’s error', async () => {
    const pf = await portForward('pod/box', 8081);
    try {
      expect((await roundTrip(pf.port, Buffer.from('hello'))).length).toBe(0);
      await waitFor('the error on stderr', () => pf.stderr().includes('error forwarding port 8081 to pod'));
    } finally {
      pf.proc.kill('SIGTERM');
    }
  });
});

describe('kubectl exec, cp and logs -f', () => {
  it('exec passes stdin, stdout, stderr and the exit code', async () => {
    const r = await kc(['exec', '-i', '-n', ns, 'box', '--', 'sh', '-c', 'cat; echo to-err >&2; exit 3'], { stdin: 'from stdin\n' });
    expect(r.stdout).toBe('from stdin\n');
    expect(r.stderr).toContain('to-err\n');
    expect(r.stderr).toContain('command terminated with exit code 3');
    expect(r.code).toBe(3);
  });

  it('exec -it gives the command a terminal', async () => {
    // kubectl asks for a TTY only when its own stdin is one: script(1) gives it a pseudo-terminal.
    // The size comes on the resize channel after the command has started, as with a real runtime, so the
    // command waits for it (up to 5 s) rather than racing it.
    const inPod = 'test -t 0 && test -t 1 && echo has-a-tty; i=0; while [ "$(stty size)" = "0 0" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; stty size';
    const cmd = `stty cols 100 rows 40; ${KUBECTL} exec -it -n ${ns} box -- sh -c '${inPod}'`;
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn('script', ['-qec', cmd, '/dev/null'], { env: pluginEnv({ KUBECONFIG: cluster.kubeconfigPath }), stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(p);
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      p.on('close', (code) => resolve({ code, out }));
    });
    expect(r.out).toContain('has-a-tty\r\n');
    // The window size kubectl sent on the resize channel.
    expect(r.out).toContain('40 100\r\n');
    expect(r.code).toBe(0);
  });

  it('cp copies a file into the pod and back, byte for byte', async () => {
    const src = join(scratch, 'blob.bin');
    const payload = randomBytes(1 << 20);
    writeFileSync(src, payload);
    const up = await kc(['cp', src, `${ns}/box:/work/blob.bin`]);
    expect(up.code, up.stderr).toBe(0);
    const back = join(scratch, 'back.bin');
    const down = await kc(['cp', `${ns}/box:/work/blob.bin`, back]);
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(back).equals(payload)).toBe(true);
  });

  it('logs -f streams the lines as the container prints them and ends when it exits', async () => {
    cluster.store.create('pods', barePod(ns, 'talker', ['sh', '-c', 'for i in 1 2 3 4 5; do echo "line $i"; sleep 0.2; done']));
    await podPhase(cluster, ns, 'talker', ['Running', 'Succeeded']);
    const r = await kc(['logs', '-f', '-n', ns, 'talker'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
  });
});
