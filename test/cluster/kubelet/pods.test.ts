// Pods that really run: status, logs, volumes (PVC, hostPath, emptyDir, configMap, secret), env,
// read-only mounts, restart policy and deletion, seen through the store and the real kubectl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestCluster, type TestCluster } from '../index.js';
import { kubectl } from '../../harness/plugin.js';
import { alive, barePod, boundClaim, createNamespace, hostPidOf, podPhase, waitFor } from './testing.js';

let cluster: TestCluster;
const ns = 'kubelet-pods';
let hostScratch: string;

beforeAll(async () => {
  cluster = await startTestCluster({ tickMs: 50 });
  createNamespace(cluster, ns);
  hostScratch = mkdtempSync(join(tmpdir(), 'kubelet-hostpath-'));
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(hostScratch, { recursive: true, force: true });
});

const kc = (args: string[]) => kubectl(args, { kubeconfig: cluster.kubeconfigPath });

describe('a bare pod', () => {
  it('runs its command, ends Succeeded with a Completed container, and kubectl logs shows its output', async () => {
    cluster.store.create('pods', barePod(ns, 'hello', ['sh', '-c', 'echo hello from $HOSTNAME; echo to stderr >&2']));
    const pod = await podPhase(cluster, ns, 'hello', ['Succeeded', 'Failed']);
    expect(pod.status.phase).toBe('Succeeded');
    const cs = pod.status.containerStatuses[0];
    expect(cs.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(pod.status.startTime).toBeTruthy();
    expect(pod.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });

    const logs = await kc(['logs', '-n', ns, 'hello']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('hello from hello\nto stderr\n');
    const stamped = await kc(['logs', '-n', ns, 'hello', '--timestamps']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello from hello\n/);
  });

  it('ends Failed with the exit code and reason Error when the command fails', async () => {
    cluster.store.create('pods', barePod(ns, 'fails', ['sh', '-c', 'exit 3']));
    const pod = await podPhase(cluster, ns, 'fails', ['Succeeded', 'Failed']);
    expect(pod.status.phase).toBe('Failed');
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const got = await kc(['get', 'pod', '-n', ns, 'fails', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}']);
    expect(got.stdout).toBe('3');
  });

  it('reports a missing binary as StartError with exit code 128, as containerd does', async () => {
    cluster.store.create('pods', barePod(ns, 'nobinary', ['no-such-binary-here']));
    const pod = await podPhase(cluster, ns, 'nobinary', ['Failed']);
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 128, reason: 'StartError' });
    expect(pod.status.containerStatuses[0].state.terminated.message).toContain('"no-such-binary-here": executable file not found in $PATH');
  });

  it('restarts a failing container under OnFailure until it succeeds, counting restarts', async () => {
    // The emptyDir outlives container restarts, so the second run sees the marker of the first.
    cluster.store.create(
      'pods',
      barePod(ns, 'retry', ['sh', '-c', 'if [ -e /work/ran ]; then echo second; exit 0; fi; touch /work/ran; echo first; exit 1'], {
        restartPolicy: 'OnFailure',
        volumes: [{ name: 'work', emptyDir: {} }],
        volumeMounts: [{ name: 'work', mountPath: '/work' }],
      }),
    );
    const pod = await podPhase(cluster, ns, 'retry', ['Succeeded', 'Failed']);
    expect(pod.status.phase).toBe('Succeeded');
    const cs = pod.status.containerStatuses[0];
    expect(cs.restartCount).toBe(1);
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect((await kc(['logs', '-n', ns, 'retry'])).stdout).toBe('second\n');
    expect((await kc(['logs', '-n', ns, 'retry', '--previous'])).stdout).toBe('first\n');
  });
});

describe('volumes', () => {
  it('mounts a PVC at its mountPath: the command writes into the PV directory', async () => {
    const dir = boundClaim(cluster, ns, 'data');
    cluster.store.create(
      'pods',
      barePod(ns, 'writer', ['sh', '-c', 'echo written > /var/lib/odoo/out.txt'], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        volumeMounts: [{ name: 'data', mountPath: '/var/lib/odoo' }],
      }),
    );
    const pod = await podPhase(cluster, ns, 'writer', ['Succeeded', 'Failed']);
    expect(pod.status.phase).toBe('Succeeded');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('written\n');
  });

  it('refuses writes through a readOnly mount', async () => {
    const dir = boundClaim(cluster, ns, 'frozen');
    writeFileSync(join(dir, 'existing.txt'), 'keep\n');
    cluster.store.create(
      'pods',
      barePod(ns, 'readonly', ['sh', '-c', 'cat /data/existing.txt; echo changed > /data/existing.txt'], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'frozen' } }],
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      }),
    );
    const pod = await podPhase(cluster, ns, 'readonly', ['Succeeded', 'Failed']);
    expect(pod.status.phase).toBe('Failed');
    const logs = (await kc(['logs', '-n', ns, 'readonly'])).stdout;
    expect(logs).toContain('keep');
    expect(logs).toContain('Read-only file system');
    expect(readFileSync(join(dir, 'existing.txt'), 'utf8')).toBe('keep\n');
  });

  it('creates a mount point the host lacks for the run and removes it afterwards', async () => {
    const top = `/kubectl-odoo-kubelet-test-${randomBytes(4).toString('hex')}`;
    boundClaim(cluster, ns, 'scratch');
    cluster.store.create(
      'pods',
      barePod(ns, 'mountpoint', ['sh', '-c', `touch ${top}/data/inside && ls ${top}/data`], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'scratch' } }],
        volumeMounts: [{ name: 'data', mountPath: `${top}/data` }],
      }),
    );
    const pod = await podPhase(cluster, ns, 'mountpoint', ['Succeeded', 'Failed']);
    expect(pod.status.phase).toBe('Succeeded');
    expect((await kc(['logs', '-n', ns, 'mountpoint'])).stdout).toBe('inside\n');
    expect(existsSync(top)).toBe(false);
  });

  it('hostPath: DirectoryOrCreate creates the directory; Directory fails like the kubelet when it is missing', async () => {
    const made = join(hostScratch, 'made', 'here');
    cluster.store.create(
      'pods',
      barePod(ns, 'hostpath', ['sh', '-c', 'echo from-pod > /host/file.txt'], {
        volumes: [{ name: 'host', hostPath: { path: made, type: 'DirectoryOrCreate' } }],
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
      }),
    );
    await podPhase(cluster, ns, 'hostpath', ['Succeeded']);
    expect(statSync(made).isDirectory()).toBe(true);
    expect(readFileSync(join(made, 'file.txt'), 'utf8')).toBe('from-pod\n');

    const missing = join(hostScratch, 'absent');
    cluster.store.create(
      'pods',
      barePod(ns, 'hostpath-missing', ['true'], {
        volumes: [{ name: 'host', hostPath: { path: missing, type: 'Directory' } }],
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
      }),
    );
    const event = await waitFor('a FailedMount event', () =>
      cluster.store.list('events', ns).find((e: any) => e.involvedObject.name === 'hostpath-missing' && e.reason === 'FailedMount'),
    );
    expect(event.message).toBe(`MountVolume.SetUp failed for volume "host" : hostPath type check failed: ${missing} is not a directory`);
    const pod = cluster.store.get('pods', ns, 'hostpath-missing');
    expect(pod.status.phase).toBe('Pending');
    expect(pod.status.containerStatuses[0].state.waiting.reason).toBe('ContainerCreating');
    expect(existsSync(missing)).toBe(false);
  });

  it('materialises configMap and secret volumes with items, defaultMode and subPath, read-only', async () => {
    cluster.store.create('configmaps', { metadata: { name: 'odoo-conf', namespace: ns }, data: { 'odoo.conf': '[options]\nworkers = 2\n', other: 'x' } });
    cluster.store.create('secrets', { metadata: { name: 'creds', namespace: ns }, data: { password: Buffer.from('s3cret').toString('base64') } });
    cluster.store.create(
      'pods',
      barePod(
        ns,
        'projected',
        ['sh', '-c', 'cat /etc/odoo/odoo.conf; cat /secrets/db-password; stat -c %a /secrets/db-password; ls /etc/odoo; touch /secrets/new || echo refused'],
        {
          volumes: [
            { name: 'conf', configMap: { name: 'odoo-conf' } },
            { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400, items: [{ key: 'password', path: 'db-password' }] } },
          ],
          volumeMounts: [
            { name: 'conf', mountPath: '/etc/odoo/odoo.conf', subPath: 'odoo.conf' },
            { name: 'creds', mountPath: '/secrets' },
          ],
        },
      ),
    );
    await podPhase(cluster, ns, 'projected', ['Succeeded', 'Failed']);
    const out = (await kc(['logs', '-n', ns, 'projected'])).stdout;
    // The secret has no trailing newline, so stat's mode follows it on the same line.
    expect(out).toContain('[options]\nworkers = 2\ns3cret400\nodoo.conf\n');
    expect(out).toContain('Read-only file system');
    expect(out).toContain('refused\n');
  });
});

describe('environment', () => {
  it('takes values from a Secret, a ConfigMap (envFrom), the downward API, and expands $(VAR)', async () => {
    cluster.store.create('secrets', { metadata: { name: 'db', namespace: ns }, data: { PASSWORD: Buffer.from('pw-123').toString('base64') } });
    cluster.store.create('configmaps', { metadata: { name: 'settings', namespace: ns }, data: { MODE: 'prod' } });
    const pod = barePod(ns, 'env', ['sh', '-c', 'echo "$DB_PASSWORD $APP_MODE $POD $NS $NODE $URL"'], {
      env: [
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'URL', value: 'postgres://$(POD)@db' },
      ],
    });
    pod.spec.containers[0].envFrom = [{ configMapRef: { name: 'settings' }, prefix: 'APP_' }];
    cluster.store.create('pods', pod);
    await podPhase(cluster, ns, 'env', ['Succeeded']);
    expect((await kc(['logs', '-n', ns, 'env'])).stdout).toBe(`pw-123 prod env ${ns} node-1 postgres://env@db\n`);
  });

  it('waits with CreateContainerConfigError while a referenced key is missing', async () => {
    cluster.store.create(
      'pods',
      barePod(ns, 'env-missing', ['true'], { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'NOPE' } } }] }),
    );
    const pod = await waitFor('CreateContainerConfigError', () => {
      const p = cluster.store.get('pods', ns, 'env-missing');
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? p : undefined;
    });
    expect(pod.status.containerStatuses[0].state.waiting.message).toBe(`couldn't find key NOPE in Secret ${ns}/db`);
  });
});

describe('process lifetime', () => {
  it('ends the container with its main process: background processes it started are killed', async () => {
    cluster.store.create(
      'pods',
      barePod(ns, 'leaves-child', ['sh', '-c', 'sleep 300.5 & sleep 0.2; touch /host/bg.started; echo started'], {
        volumes: [{ name: 'host', hostPath: { path: hostScratch } }],
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
      }),
    );
    const pod = await podPhase(cluster, ns, 'leaves-child', ['Succeeded', 'Failed']);
    expect(pod.status.phase).toBe('Succeeded');
    expect((await kc(['logs', '-n', ns, 'leaves-child'])).stdout).toBe('started\n');
    expect(existsSync(join(hostScratch, 'bg.started'))).toBe(true);
    await waitFor('the background process to be gone', () => hostPidOf('300.5') === undefined);
  });
});

describe('deleting a running pod', () => {
  it('sends SIGTERM to the main process and removes the pod once it exited', async () => {
    const marker = join(hostScratch, 'term');
    cluster.store.create(
      'pods',
      // "$$$$": Kubernetes turns "$$" into "$" in command and args, so the shell sees "$$" (its pid).
      barePod(ns, 'sleeper', ['sh', '-c', 'touch /host/pid; trap "echo got TERM > /host/term; exit 0" TERM; while true; do sleep 0.1; done # sleeper'], {
        volumes: [{ name: 'host', hostPath: { path: hostScratch } }],
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
      }),
    );
    await podPhase(cluster, ns, 'sleeper', ['Running']);
    await waitFor('the pid file', () => existsSync(join(hostScratch, 'pid')));
    const pid = hostPidOf('# sleeper')!;
    expect(alive(pid)).toBe(true);
    const del = await kc(['delete', 'pod', '-n', ns, 'sleeper', '--wait=true']);
    expect(del.code).toBe(0);
    expect(cluster.store.get('pods', ns, 'sleeper')).toBeUndefined();
    expect(readFileSync(marker, 'utf8')).toBe('got TERM\n');
    await waitFor('the process to be gone', () => !alive(pid));
  });

  it('kills a process that ignores SIGTERM after the grace period', async () => {
    cluster.store.create(
      'pods',
      barePod(ns, 'stubborn', ['sh', '-c', 'trap "" TERM; touch /host/stubborn; while true; do sleep 0.1; done # stubborn'], {
        grace: 1,
        volumes: [{ name: 'host', hostPath: { path: hostScratch } }],
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
      }),
    );
    await podPhase(cluster, ns, 'stubborn', ['Running']);
    await waitFor('the pid file', () => existsSync(join(hostScratch, 'stubborn')));
    const pid = hostPidOf('# stubborn')!;
    expect(alive(pid)).toBe(true);
    const del = await kc(['delete', 'pod', '-n', ns, 'stubborn']);
    expect(del.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(cluster.store.get('pods', ns, 'stubborn')).toBeUndefined();
  });
});
