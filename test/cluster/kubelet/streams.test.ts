// exec, logs, port-forward and stats summary against the test cluster, through the plugin's own
// clients (execInPod, streamPodLogs, openPortForward), the real kubectl and client-node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../index.js';
import { kubectl } from '../../harness/plugin.js';
import { execInPod } from '../../../lib/kube/exec.js';
import { streamPodLogs } from '../../../lib/kube/logs.js';
import { connectPodPort, openPortForward } from '../../../lib/kube/portForward.js';
import { ApiError } from '../../../lib/kube/errors.js';
import type { KubeClient } from '../../../lib/kube/client.js';
import { barePod, boundClaim, createNamespace, kubeClientFor, podPhase, waitFor } from './testing.js';

let cluster: TestCluster;
let kube: KubeClient;
let echo: Server;
let echoPort: number;
const ns = 'kubelet-streams';

beforeAll(async () => {
  cluster = await startTestCluster({ tickMs: 50 });
  kube = kubeClientFor(cluster);
  createNamespace(cluster, ns);
  echo = createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as { port: number }).port;
  cluster.store.create('pods', barePod(ns, 'shell', ['sleep', '3600'], { annotations: { 'test.kubectl-odoo.io/port-8069': `127.0.0.1:${echoPort}` } }));
  await podPhase(cluster, ns, 'shell', ['Running']);
});

afterAll(async () => {
  kube?.close();
  echo?.close();
  await cluster?.stop();
});

const kc = (args: string[], stdin?: string) => kubectl(args, { kubeconfig: cluster.kubeconfigPath, stdin });

function clientNodeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return kc;
}

function collect(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(c, _e, cb) {
      chunks.push(Buffer.from(c));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('exec', () => {
  it('execInPod passes stdin, returns stdout, stderr and the exit code', async () => {
    const r = await execInPod(kube, { namespace: ns, pod: 'shell', command: ['sh', '-c', 'tr a-z A-Z; echo oops >&2; exit 4'], stdin: 'hello odoo\n' });
    expect(r).toEqual({ exitCode: 4, stdout: 'HELLO ODOO\n', stderr: 'oops\n' });
    const ok = await execInPod(kube, { namespace: ns, pod: 'shell', command: ['printf', '%s|', 'two words', '$(not expanded)', ';rm -rf /'] });
    expect(ok).toEqual({ exitCode: 0, stdout: 'two words|$(not expanded)|;rm -rf /|', stderr: '' });
  });

  it('execInPod streams a large stdin from a Readable to the command and its output to a Writable', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const out = collect();
    const r = await execInPod(kube, { namespace: ns, pod: 'shell', command: ['wc', '-c'], stdin: Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)]), stdout: out.stream });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(out.text().trim()).toBe(String(big.length));
  });

  it('runs the command with the pod volumes at their mountPaths', async () => {
    const dir = boundClaim(cluster, ns, 'exec-data');
    cluster.store.create(
      'pods',
      barePod(ns, 'with-volume', ['sleep', '3600'], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'exec-data' } }],
        volumeMounts: [{ name: 'data', mountPath: '/var/lib/odoo' }],
      }),
    );
    await podPhase(cluster, ns, 'with-volume', ['Running']);
    const r = await execInPod(kube, { namespace: ns, pod: 'with-volume', command: ['sh', '-c', 'cat > /var/lib/odoo/conf.txt && ls /var/lib/odoo'], stdin: 'workers = 4\n' });
    expect(r).toEqual({ exitCode: 0, stdout: 'conf.txt\n', stderr: '' });
    expect(readFileSync(join(dir, 'conf.txt'), 'utf8')).toBe('workers = 4\n');
  });

  it('execs into a simulated ReplicaSet (Odoo) pod with its PVC at the mount path', async () => {
    const dir = boundClaim(cluster, ns, 'odoo-instance-beta');
    mkdirSync(join(dir, 'filestore'), { recursive: true });
    writeFileSync(join(dir, 'filestore', 'x.bin'), 'abc');
    cluster.store.create('deployments', {
      metadata: { name: 'odoo-beta', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'odoo-beta' } },
        template: {
          metadata: { labels: { app: 'odoo-beta' } },
          spec: {
            containers: [{ name: 'odoo', image: 'bitnami/odoo:17', volumeMounts: [{ name: 'data', mountPath: '/bitnami/odoo' }] }],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'odoo-instance-beta' } }],
          },
        },
      },
    });
    const pod = await waitFor('the Odoo pod to run', () => cluster.store.list('pods', ns, 'app=odoo-beta').find((p: any) => p.status?.phase === 'Running'), 30_000);
    const r = await execInPod(kube, { namespace: ns, pod: pod.metadata.name, command: ['sh', '-c', 'ls /bitnami/odoo/filestore; echo new > /bitnami/odoo/added'] });
    expect(r).toEqual({ exitCode: 0, stdout: 'x.bin\n', stderr: '' });
    expect(readFileSync(join(dir, 'added'), 'utf8')).toBe('new\n');

    // kubectl odoo logs reads this pod's log: the simulated Odoo startup lines.
    const logs = await waitFor('the startup lines', async () => {
      const r = await kc(['logs', '-n', ns, pod.metadata.name, '--tail=200']);
      return r.stdout.includes('Registry loaded') ? r : undefined;
    });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} 1 INFO \? odoo: Odoo version 17\.0/);
    expect(logs.stdout).toContain('odoo.service.server: HTTP service (werkzeug) running on');
  });

  it('reports what stops a command from running as the API server does', async () => {
    cluster.store.create('pods', barePod(ns, 'finished', ['true']));
    await podPhase(cluster, ns, 'finished', ['Succeeded']);
    const notRunning = await execInPod(kube, { namespace: ns, pod: 'finished', command: ['true'] }).catch((e) => e);
    expect(notRunning).toBeInstanceOf(ApiError);
    expect(notRunning.status).toBe(500);
    expect(notRunning.message).toBe('Internal error occurred: unable to upgrade connection: container not found ("main")');

    const missing = await execInPod(kube, { namespace: ns, pod: 'shell', command: ['no-such-tool'] }).catch((e) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing.message).toContain('exec: "no-such-tool": executable file not found in $PATH');

    const noPod = await execInPod(kube, { namespace: ns, pod: 'ghost', command: ['true'] }).catch((e) => e);
    expect(noPod).toBeInstanceOf(ApiError);
    expect(noPod.message).toBe('pods "ghost" not found');
  });

  it('the real kubectl exec (WebSocket v5) gets stdin, stdout, stderr and the exit code', async () => {
    const r = await kc(['exec', '-i', '-n', ns, 'shell', '--', 'sh', '-c', 'cat; echo err >&2; exit 3'], 'hello\n');
    expect(r.stdout).toBe('hello\n');
    expect(r.stderr).toBe('err\ncommand terminated with exit code 3\n');
    expect(r.code).toBe(3);
    const done = await kc(['exec', '-n', ns, 'finished', '--', 'true']);
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('cannot exec into a container in a completed pod; current phase is Succeeded');
  });

  it("client-node's Exec gets the output and the exit status", async () => {
    const out = collect();
    const err = collect();
    const status = new Promise<k8s.V1Status>((resolve) => {
      void new k8s.Exec(clientNodeConfig()).exec(ns, 'shell', 'main', ['sh', '-c', 'echo out; echo err >&2; exit 7'], out.stream, err.stream, null, false, resolve);
    });
    const st = await status;
    expect(st.status).toBe('Failure');
    expect(st.reason).toBe('NonZeroExitCode');
    expect(st.details?.causes).toEqual([{ reason: 'ExitCode', message: '7' }]);
    await waitFor('the output', () => out.text() === 'out\n' && err.text() === 'err\n');
  });
});

describe('cp', () => {
  it("client-node's Cp copies a directory into the pod (tar over exec), byte for byte", async () => {
    const src = join(cluster.dataDir, 'cp-src');
    mkdirSync(src, { recursive: true });
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    writeFileSync(join(src, 'blob.bin'), bytes);
    const dest = `/tmp/cp-dest-${process.pid}`;
    const mk = await kc(['-n', ns, 'exec', 'shell', '--', 'mkdir', '-p', dest]);
    expect(mk.code, mk.stderr).toBe(0);
    try {
      await new k8s.Cp(clientNodeConfig()).cpToPod(ns, 'shell', 'main', src, dest);
      const sum = await eventuallyText(() => kc(['-n', ns, 'exec', 'shell', '--', 'sha256sum', `${dest}/blob.bin`]));
      expect(sum.split(' ')[0]).toBe(createHash('sha256').update(bytes).digest('hex'));
    } finally {
      expect((await kc(['-n', ns, 'exec', 'shell', '--', 'rm', '-r', dest])).code).toBe(0);
    }
  });
});

async function eventuallyText(run: () => Promise<{ code: number; stdout: string }>): Promise<string> {
  let out = '';
  await waitFor('the copied file', async () => {
    const r = await run();
    out = r.stdout;
    return r.code === 0;
  });
  return out;
}

describe('attach', () => {
  it("client-node's Attach receives the container's output from now on until it exits", async () => {
    cluster.store.create('pods', barePod(ns, 'talker', ['sh', '-c', 'sleep 0.5; for i in 1 2 3; do echo said $i; sleep 0.1; done']));
    await podPhase(cluster, ns, 'talker', ['Running']);
    const out = collect();
    const ws: any = await new k8s.Attach(clientNodeConfig()).attach(ns, 'talker', 'main', out.stream, null, null, false);
    await new Promise((resolve) => ws.on('close', resolve));
    expect(out.text()).toBe('said 1\nsaid 2\nsaid 3\n');
  });
});

describe('logs', () => {
  it('follows a running container until it exits (kubectl logs -f and streamPodLogs)', async () => {
    cluster.store.create('pods', barePod(ns, 'ticker', ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done']));
    await podPhase(cluster, ns, 'ticker', ['Running']);
    const followed = collect();
    const [cli] = await Promise.all([kc(['logs', '-f', '-n', ns, 'ticker']), streamPodLogs(kube, { namespace: ns, pod: 'ticker', follow: true }, followed.stream)]);
    const expected = 'line 1\nline 2\nline 3\nline 4\nline 5\n';
    expect(cli.stdout).toBe(expected);
    expect(followed.text()).toBe(expected);
    expect((await kc(['logs', '-n', ns, 'ticker', '--tail=2'])).stdout).toBe('line 4\nline 5\n');
  });

  it('keeps following a simulated Odoo pod, a line per tick, until the caller stops', async () => {
    const pod = cluster.store.list('pods', ns, 'app=odoo-beta')[0];
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const abort = new AbortController();
    const following = streamPodLogs(kube, { namespace: ns, pod: pod.metadata.name, follow: true, tailLines: 1, signal: abort.signal }, out);
    await waitFor('three lines', () => text.split('\n').filter(Boolean).length >= 3);
    abort.abort();
    await following;
    for (const line of text.split('\n').filter(Boolean)) expect(line).toMatch(/werkzeug: 127\.0\.0\.1 - - \[.*\] "GET \/web\/health HTTP\/1\.1" 200/);
  });

  it('answers for a container that has not started with the API server message', async () => {
    cluster.store.create('pods', barePod(ns, 'waiting', ['true'], { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }] }));
    await waitFor('CreateContainerConfigError', () => cluster.store.get('pods', ns, 'waiting')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
    const r = await kc(['logs', '-n', ns, 'waiting']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (BadRequest): container "main" in pod "waiting" is waiting to start: CreateContainerConfigError\n');
  });
});

describe('port-forward', () => {
  it('openPortForward tunnels local connections to the address the pod annotation names', async () => {
    const fwd = await openPortForward(kube, { namespace: ns, pod: 'shell', port: 8069 });
    try {
      for (const msg of ['first connection', 'second connection']) {
        const sock = connect(fwd.localPort, '127.0.0.1');
        await once(sock, 'connect');
        sock.write(msg);
        const [data] = await once(sock, 'data');
        expect(data.toString()).toBe(msg);
        sock.destroy();
      }
    } finally {
      await fwd.close();
    }
  });

  it('a pod that does not exist fails the upgrade with the API error, naming the port-forward', async () => {
    const err = await connectPodPort(kube, { namespace: ns, pod: 'nosuch', port: 8069 }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toBe('port-forward to pod nosuch port 8069 failed: pods "nosuch" not found');
    expect((err as any).status).toBe(404);
  });

  it('an injected 503 answers the upgrade request as it answers any other', async () => {
    const fault = cluster.faults.error(503, { path: /\/pods\/shell\/portforward$/, times: 1 });
    const err = await connectPodPort(kube, { namespace: ns, pod: 'shell', port: 8069 }).then(() => undefined, (e: Error) => e);
    expect(fault.hits).toBe(1);
    expect(err?.message).toBe('port-forward to pod shell port 8069 failed: the server is currently unable to handle the request');
    expect((err as any).status).toBe(503);
  });

  it('a port nobody listens on fails with the kubelet error on the error channel', async () => {
    const stream = await connectPodPort(kube, { namespace: ns, pod: 'shell', port: 9999 });
    const [err] = await once(stream, 'error');
    expect((err as Error).message).toMatch(/^port-forward to pod shell port 9999 failed: error forwarding port 9999 to pod [0-9a-f]+, uid : failed to execute portforward in network namespace .*connect: connection refused/);
  });

  it("client-node's PortForward reaches the same port", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let got = '';
    output.on('data', (d) => (got += d));
    const ws: any = await new k8s.PortForward(clientNodeConfig()).portForward(ns, 'shell', [8069], output, null, input);
    input.write('ping over client-node');
    await waitFor('the echo', () => got === 'ping over client-node');
    ws.close();
  });
});

describe('stats summary', () => {
  it('reports each PVC volume with the usage of its directory as du counts it', async () => {
    const dir = boundClaim(cluster, ns, 'measured', '2Gi');
    mkdirSync(join(dir, 'filestore', 'db1'), { recursive: true });
    writeFileSync(join(dir, 'filestore', 'db1', 'a.bin'), Buffer.alloc(123_456, 1));
    writeFileSync(join(dir, 'dump.sql'), 'select 1;\n'.repeat(1000));
    cluster.store.create(
      'pods',
      barePod(ns, 'measured', ['sleep', '3600'], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'measured' } }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      }),
    );
    await podPhase(cluster, ns, 'measured', ['Running']);
    const raw = await kc(['get', '--raw', '/api/v1/nodes/node-1/proxy/stats/summary']);
    expect(raw.code).toBe(0);
    const summary = JSON.parse(raw.stdout);
    expect(summary.node.nodeName).toBe('node-1');
    const pod = summary.pods.find((p: any) => p.podRef.name === 'measured');
    const vol = pod.volume.find((v: any) => v.name === 'data');
    const du = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
    const inodes = execFileSync('find', [dir], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
    expect(vol).toMatchObject({ pvcRef: { name: 'measured', namespace: ns }, usedBytes: du, inodesUsed: inodes, capacityBytes: 2 * 1024 ** 3, availableBytes: 2 * 1024 ** 3 - du });
    // Pods elsewhere are not on this node's summary.
    const other = JSON.parse((await kc(['get', '--raw', '/api/v1/nodes/node-2/proxy/stats/summary'])).stdout);
    expect(other.pods.find((p: any) => p.podRef.name === 'measured')).toBeUndefined();
  });
});
