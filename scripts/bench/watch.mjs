// `kubectl odoo watch -A -o json` offered 10,000 pod changes per second: 1,000 seeded instances, then
// bursts (BENCH_WATCH_BURSTS, default 3) of BENCH_WATCH_SECONDS (default 3) in which pod readiness
// flips at BENCH_WATCH_RATE (default 10,000) changes/s, each change one transition (running <->
// starting). Per burst: the rate at which transition lines arrived against the rate the changes were
// made, and how far the last line came after the last change (target: keeps up, lag < 1 s).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTestCluster } from './list.mjs';
import { figure } from './lib/figures.mjs';

const INSTANCES = 1000;
const RATE = Number(process.env.BENCH_WATCH_RATE ?? 10_000);
const SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 3);
const BURSTS = Math.max(3, Number(process.env.BENCH_WATCH_BURSTS ?? 3));
const TICKS_PER_SECOND = 100;

/** CPU seconds a process has used (user + system; kubectl execs the plugin, so the pid is the plugin's). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export async function run({ root }) {
  const { startTestCluster, seedInstances, cleanup } = await loadTestCluster(root);
  const cluster = await startTestCluster({ kubelet: false, controllers: false, historySize: RATE * SECONDS * 2 });
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
    const made = [];
    const printed = [];
    const lags = [];
    const busy = [];
    let flips = 0;
    for (let b = 0; b < BURSTS; b++) {
      const before = lines;
      const cpuBefore = cpuSeconds(child.pid);
      const start = performance.now();
      let n = 0;
      while (n < total) {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE) + 1);
        for (; n < due; n++, flips++) {
          // The stored pod, read without a copy (update copies what it is given).
          const pod = cluster.store.peek('pods', 'saasodoo', pods[flips % pods.length].metadata.name);
          const next = pod.status.conditions.find((c) => c.type === 'Ready').status === 'True' ? 'False' : 'True';
          const conditions = pod.status.conditions.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: next } : c));
          cluster.store.update('pods', { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' });
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      const end = performance.now();
      await waitLines(before + total, 120_000);
      made.push(total / ((end - start) / 1000));
      printed.push(total / ((lastLineAt - start) / 1000));
      lags.push(Math.max(0, lastLineAt - end));
      busy.push((cpuSeconds(child.pid) - cpuBefore) / ((lastLineAt - start) / 1000));
    }
    const share = (x) => `${(x * 100).toFixed(0)}%`;
    const note = `the test cluster's store makes the changes (it copies each object it is given and returns), which caps the rate offered; the watch used ${busy.map(share).join(', ')} of one core during the bursts`;
    const inputs = `${INSTANCES} instances; ${BURSTS} bursts of ${total} pod changes at ${RATE}/s`;
    return [
      figure({
        id: 'watch.rate',
        figure: 'watch, transitions printed',
        inputs,
        unit: 'lines/s',
        value: printed,
        floor: made,
        floorWhat: 'changes made',
        higherIsBetter: true,
        target: { text: `keeps up (>= 0.95x) at ${RATE}/s`, ratioMin: 0.95, min: RATE * 0.95 },
        note,
      }),
      figure({ id: 'watch.lag', figure: 'watch, lag of the last line', inputs, unit: 'ms', value: lags, target: { text: '< 1000 ms', max: 1000 } }),
    ];
  } finally {
    child?.kill('SIGINT');
    await cluster.stop();
    cleanup();
  }
}
