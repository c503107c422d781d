// Deleting a pod that really runs, as the API server and the kubelet do it: the pod gets a
// deletionTimestamp (the end of its grace period) and shows as Terminating; SIGTERM goes to each
// container's PID 1 only; SIGKILL comes when the grace period ends; the pod object is removed only
// once its containers have exited — whoever deletes it: kubectl, a Job's deletion in the foreground
// or background, or the garbage collector.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../index.js';
import { kubectl } from '../../harness/plugin.js';
import { alive, barePod, createNamespace, hostPidOf, podPhase, waitFor } from './testing.js';

let cluster: TestCluster;
const ns = 'kubelet-termination';
let host: string;

beforeAll(async () => {
  cluster = await startTestCluster({ tickMs: 50 });
  createNamespace(cluster, ns);
  host = mkdtempSync(join(tmpdir(), 'kubelet-termination-'));
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(host, { recursive: true, force: true });
});

const kc = (args: string[], timeoutMs?: number) => kubectl(args, { kubeconfig: cluster.kubeconfigPath, timeoutMs });
const withHost = () => ({ volumes: [{ name: 'host', hostPath: { path: host } }], volumeMounts: [{ name: 'host', mountPath: '/host' }] });
const file = (name: string) => join(host, name);

/**
 * A script whose EXIT trap takes 2 s: on SIGTERM it exits, and the trap then marks its start, sleeps
 * 2 s and marks its end — the shape of the plugin's Job scripts, whose traps move files back.
 */
const slowTrap = (tag: string) =>
  `trap 'touch /host/${tag}.trap-started; sleep 2; touch /host/${tag}.trap-done' EXIT; trap 'exit 143' TERM; touch /host/${tag}.ready; while :; do sleep 0.1; done`;

/** What the pod looked like at the moment the store removed it, and whether the trap had finished. */
function watchRemoval(name: string, doneFile: string): Promise<{ last: any; trapDone: boolean }> {
  let last: any;
  return new Promise((resolve) => {
    const unsubscribe = cluster.store.subscribe('pods', (ev) => {
      if (ev.object.metadata.name !== name || ev.object.metadata.namespace !== ns) return;
      if (ev.type !== 'DELETED') {
        last = ev.object;
        return;
      }
      unsubscribe();
      resolve({ last, trapDone: existsSync(doneFile) });
    });
  });
}

function jobWith(name: string, script: string): any {
  return {
    metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'bitnami/odoo:17', command: ['sh', '-c', script], volumeMounts: withHost().volumeMounts }],
          volumes: withHost().volumes,
        },
      },
    },
  };
}

describe('deleting a running pod', () => {
  it('keeps a container whose EXIT trap takes 2 s as a Terminating pod until the trap has ended', async () => {
    cluster.store.create('pods', barePod(ns, 'slow-trap', ['sh', '-c', slowTrap('pod')], withHost()));
    await podPhase(cluster, ns, 'slow-trap', ['Running']);
    await waitFor('the script to be ready', () => existsSync(file('pod.ready')));
    const removal = watchRemoval('slow-trap', file('pod.trap-done'));

    const del = await kc(['delete', 'pod', '-n', ns, 'slow-trap', '--wait=false']);
    expect(del.stdout).toBe('pod "slow-trap" deleted\n');
    const pod = cluster.store.get('pods', ns, 'slow-trap');
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(30);
    // deletionTimestamp is when the grace period ends, as BeforeDelete sets it.
    const left = Date.parse(pod.metadata.deletionTimestamp) - Date.now();
    expect(left).toBeGreaterThan(20_000);
    expect(left).toBeLessThanOrEqual(30_000);

    await waitFor('the trap to start', () => existsSync(file('pod.trap-started')));
    const shown = await kc(['get', 'pod', '-n', ns, 'slow-trap', '--no-headers']);
    expect(shown.stdout).toMatch(/^slow-trap\s+1\/1\s+Terminating\s+0\s/);

    const { last, trapDone } = await removal;
    expect(trapDone).toBe(true);
    expect(last.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 143, reason: 'Error' });
    expect(last.status.phase).toBe('Failed');
  });

  it('kills a container that ignores SIGTERM once the grace period ends: PID 1 without a handler ignores it', async () => {
    // No trap at all: a real container's PID 1 ignores SIGTERM it does not handle, so only SIGKILL ends it.
    cluster.store.create('pods', barePod(ns, 'no-handler', ['sh', '-c', 'touch /host/nh.ready; while :; do sleep 0.1; done # no-handler'], { grace: 2, ...withHost() }));
    await podPhase(cluster, ns, 'no-handler', ['Running']);
    await waitFor('the script to be ready', () => existsSync(file('nh.ready')));
    const pid = hostPidOf('# no-handler')!;
    const removal = watchRemoval('no-handler', file('nh.none'));
    const started = Date.now();
    expect((await kc(['delete', 'pod', '-n', ns, 'no-handler', '--wait=false'])).code).toBe(0);
    await waitFor('the Killing event', () => cluster.store.list('events', ns).find((e: any) => e.involvedObject.name === 'no-handler' && e.reason === 'Killing'));
    const { last } = await removal;
    // Removed only after SIGKILL, which waits for the whole grace period.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(last.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(alive(pid)).toBe(false);
  });

  it('sends SIGTERM to PID 1 only: a process it started does not get it, and dies with it', async () => {
    const script = `sh -c "trap 'touch /host/child.got-term' TERM; while :; do sleep 0.1; done # child-of-main" & trap 'sleep 0.5; exit 0' TERM; touch /host/main.ready; while :; do sleep 0.1; done`;
    cluster.store.create('pods', barePod(ns, 'pid1', ['sh', '-c', script], withHost()));
    await waitFor('the script to be ready', () => existsSync(file('main.ready')));
    const child = await waitFor('the child process', () => hostPidOf('# child-of-main'));
    const removal = watchRemoval('pid1', file('none'));
    expect((await kc(['delete', 'pod', '-n', ns, 'pid1', '--wait=false'])).code).toBe(0);
    const { last } = await removal;
    expect(last.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(existsSync(file('child.got-term'))).toBe(false);
    expect(alive(child)).toBe(false);
  });

  it('a second deletion with a shorter grace period shortens it; kubectl --wait waits for the removal', async () => {
    cluster.store.create('pods', barePod(ns, 'shorter', ['sh', '-c', 'touch /host/shorter.ready; while :; do sleep 0.1; done # shorter'], withHost()));
    await waitFor('the script to be ready', () => existsSync(file('shorter.ready')));
    expect((await kc(['delete', 'pod', '-n', ns, 'shorter', '--wait=false'])).code).toBe(0);
    expect(cluster.store.get('pods', ns, 'shorter').metadata.deletionGracePeriodSeconds).toBe(30);
    const del = await kc(['delete', 'pod', '-n', ns, 'shorter', '--grace-period=1'], 20_000);
    expect(del.code).toBe(0);
    expect(cluster.store.get('pods', ns, 'shorter')).toBeUndefined();
  });

  it('--grace-period=0 --force removes the object at once, and the kubelet still stops the process (SIGTERM, then SIGKILL after 1 s)', async () => {
    cluster.store.create('pods', barePod(ns, 'forced', ['sh', '-c', 'touch /host/forced.ready; while :; do sleep 0.1; done # forced'], withHost()));
    await waitFor('the script to be ready', () => existsSync(file('forced.ready')));
    const pid = hostPidOf('# forced')!;
    const del = await kc(['delete', 'pod', '-n', ns, 'forced', '--grace-period=0', '--force']);
    expect(del.code).toBe(0);
    expect(del.stderr).toContain('Immediate deletion does not wait for confirmation that the running resource has been terminated');
    expect(cluster.store.get('pods', ns, 'forced')).toBeUndefined();
    await waitFor('the process to be killed', () => !alive(pid));
  });
});

describe("deleting a Job whose pod's trap takes 2 s", () => {
  it.each([['background'], ['foreground']])('--cascade=%s: the pod stays Terminating until its trap has ended', async (cascade) => {
    const name = `trap-${cascade}`;
    cluster.store.create('jobs', jobWith(name, slowTrap(name)));
    await waitFor('the script to be ready', () => existsSync(file(`${name}.ready`)));
    const podName = await waitFor('the pod', () => cluster.store.list('pods', ns, `job-name=${name}`)[0]?.metadata.name);
    const removal = watchRemoval(podName, file(`${name}.trap-done`));
    const del = await kc(['delete', 'job', '-n', ns, name, `--cascade=${cascade}`, '--wait=false']);
    expect(del.code).toBe(0);
    await waitFor('the trap to start', () => existsSync(file(`${name}.trap-started`)));
    expect(cluster.store.get('pods', ns, podName)?.metadata.deletionTimestamp).toBeTruthy();
    // In the foreground the Job itself waits for its pod.
    if (cascade === 'foreground') expect(cluster.store.get('jobs', ns, name)?.metadata.finalizers).toEqual(['foregroundDeletion']);
    const { trapDone } = await removal;
    expect(trapDone).toBe(true);
    await waitFor('the Job to be gone', () => cluster.store.get('jobs', ns, name) === undefined);
  });
});

describe('the garbage collector', () => {
  it("deleting a pod's owner leaves the pod Terminating until its trap has ended", async () => {
    const owner = cluster.store.create('configmaps', { metadata: { name: 'owner', namespace: ns }, data: {} });
    const pod = barePod(ns, 'owned', ['sh', '-c', slowTrap('gc')], withHost());
    pod.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }];
    cluster.store.create('pods', pod);
    await waitFor('the script to be ready', () => existsSync(file('gc.ready')));
    const removal = watchRemoval('owned', file('gc.trap-done'));
    expect((await kc(['delete', 'configmap', '-n', ns, 'owner'])).code).toBe(0);
    await waitFor('the trap to start', () => existsSync(file('gc.trap-started')));
    expect(cluster.store.get('pods', ns, 'owned')?.metadata.deletionTimestamp).toBeTruthy();
    const { trapDone } = await removal;
    expect(trapDone).toBe(true);
  });
});
