// `kubectl odoo watch -A -o json` keeping up with 1,000 events per second: 1,000 seeded instances,
// then pod readiness flips at 1,000 changes/s for 10 s (each change is one transition running <->
// starting). Reports the rate at which transition lines arrived against the rate events were made,
// and how far the last line lagged behind the last change.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadTestCluster } from './list.mjs';

const INSTANCES = 1000;
const RATE = 1000;
const SECONDS = 10;

export async function run({ root }) {
  const { startTestCluster, seedInstances, cleanup } = await loadTestCluster(root);
  const cluster = await startTestCluster({ kubelet: false, controllers: false });
  let child;
  try {
    seedInstances(cluster, INSTANCES, {});
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, PATH: `${join(root, 'dist')}:${process.env.PATH}`, NO_COLOR: '1' };
    child = spawn('/usr/bin/kubectl', ['odoo', 'watch', '-A', '-o', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let lastLineAt = 0;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        buf = buf.slice(nl + 1);
        lines++;
        lastLineAt = performance.now();
      }
    });
    const waitLines = async (n, ms) => {
      const deadline = performance.now() + ms;
      while (lines < n) {
        if (performance.now() > deadline) throw new Error(`watch printed ${lines} of ${n} lines; stderr: ${stderr.slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitLines(INSTANCES, 60_000);

    // The seeded pods, one per running instance; flipping Ready changes the instance's status.
    const pods = cluster.store.list('pods', 'saasodoo').filter((p) => p.status?.phase === 'Running');
    const total = RATE * SECONDS;
    const start = performance.now();
    let made = 0;
    while (made < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE) + 1);
      for (; made < due; made++) {
        const pod = cluster.store.get('pods', 'saasodoo', pods[made % pods.length].metadata.name);
        const ready = pod.status.conditions.find((c) => c.type === 'Ready');
        const next = ready.status === 'True' ? 'False' : 'True';
        pod.status.conditions = pod.status.conditions.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: next } : c));
        cluster.store.update('pods', pod, { subresource: 'status' });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const madeIn = (performance.now() - start) / 1000;
    await waitLines(INSTANCES + total, 120_000);
    const lag = lastLineAt - (start + madeIn * 1000);
    const seen = (lastLineAt - start) / 1000;
    const rate = total / seen;
    return [
      {
        name: `watch: transitions printed per second (${total} pod changes)`,
        baseline: `${(total / madeIn).toFixed(0)} events/s made`,
        value: `${rate.toFixed(0)} lines/s`,
        ratio: rate / (total / madeIn),
        target: '>= 1.0x (keeps up with 1,000 events/s)',
        note: `last line ${Math.max(0, lag).toFixed(0)} ms after the last change`,
      },
    ];
  } finally {
    child?.kill('SIGINT');
    await cluster.stop();
    cleanup();
  }
}
