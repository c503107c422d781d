// Every deadline goes through the injected clock: a fake clock makes the --wait timeout and a Job's
// deadline fire at once, and the user sees the same message as after a real wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { seedInstances } from '../cluster/seed.js';
import { startInProcess } from '../harness/inProcess.js';
import { FakeClock } from '../../lib/testing/fakeClock.js';
import { KubeClient } from '../../lib/kube/client.js';
import { buildConnection } from '../../lib/kube/connection.js';
import { loadKubeconfig } from '../../lib/kube/kubeconfig.js';
import { runJob } from '../../lib/kube/jobs.js';
import { TimeoutError } from '../../lib/errors.js';
import { waitFor } from '../harness/waitFor.js';

let cluster: TestCluster;
beforeAll(async () => {
  // No kubelet: Job pods are never run, so only a deadline can end the wait for them.
  cluster = await startTestCluster({ kubelet: false });
});
afterAll(async () => cluster?.stop());


describe('the clock', () => {
  it('start --wait times out on the fake clock with the last status seen', async () => {
    const [inst] = seedInstances(cluster, 1, { states: { stopped: 1 }, image: 'registry.invalid/odoo-does-not-exist:17', seed: 41 });
    const clock = new FakeClock();
    const b = startInProcess(['start', inst.deployment, '--wait', '--timeout', '10m', '--kubeconfig', cluster.kubeconfigPath], { clock });
    const run = b.done;
    // The wait has begun once its 10-minute sleep is pending; let the informers see the image fail.
    await waitFor('the 10-minute wait to begin', () => clock.pending().includes(600_000), 20_000).catch((e) => {
      throw new Error(`${e.message}; pending ${clock.pending()}; stderr: ${b.stderr()}; stdout: ${b.stdout()}`);
    });
    await waitFor('the pull of the missing image to fail', () => {
      const pod = cluster.store.list('pods', 'saasodoo').find((p: any) => p.metadata.name.startsWith(inst.deployment));
      return /ImagePull/.test(JSON.stringify(pod?.status?.containerStatuses ?? ''));
    }, 20_000);
    // The wait itself has seen it (its progress line), so the timeout names it as the last status.
    await waitFor('the wait to report the failing pull', () => /ImagePull/.test(b.stderr()), 20_000);
    clock.advance(600_000);
    const code = await run;
    expect(code).not.toBe(0);
    expect(b.stderr()).toMatch(new RegExp(`instance ${inst.deployment} did not become ready within 10m \\(last status: .*ImagePull`));
  });

  it("a Job's deadline fires on the fake clock, and the Job is deleted", async () => {
    const kube = new KubeClient(buildConnection(loadKubeconfig({ kubeconfig: cluster.kubeconfigPath, env: {} })));
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'clock-deadline', namespace: 'saasodoo' },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } },
    };
    const clock = new FakeClock(undefined, { auto: true });
    const err = await runJob(kube, job, { namespace: 'saasodoo', clock, timeoutMs: 300_000, what: 'listing backups' }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(/^listing backups did not finish within 300s \(pod: .*\); Job clock-deadline was deleted$/);
    await waitFor('the Job to be deleted', () => !cluster.store.peek('jobs', 'saasodoo', 'clock-deadline'), 10_000);
  });
});
