// `kubectl odoo watch -A -o json` offered 10,000 pod changes per second: 1,000 seeded instances, then
// bursts (BENCH_WATCH_BURSTS, default 3) of BENCH_WATCH_SECONDS (default 3) in which pod readiness
// flips at BENCH_WATCH_RATE (default 10,000) changes/s, each change one transition (running <->
// starting). The floor is a raw watch of the same pods (lib/rawWatch.mjs) that only parses each event.
// Per burst: the rate at which the lines arrived, and how far the last one came after the last change
// (targets: keeps up at 10,000/s, lag < 1 s).
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

/** CPU seconds a process has used (user + system; kubectl execs the plugin, so its pid is the plugin's). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

const now = () => performance.timeOrigin + performance.now();

/** Runs a command under lib/lineCounter.mjs: how many lines it printed, when the last one came, its pid. */
async function countLines(root, cmd, args, env) {
  const counter = spawn(process.execPath, [join(root, 'scripts/bench/lib/lineCounter.mjs'), cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const c = { counter, lines: 0, lastAt: 0, stderr: '' };
  let buf = '';
  counter.stderr.on('data', (d) => (c.stderr += d));
  const pid = new Promise((resolve) => {
    counter.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [a, b] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (a === 'pid') resolve(Number(b));
        else [c.lines, c.lastAt] = [Number(a), Number(b)];
      }
    });
  });
  c.pid = await pid;
  c.waitLines = async (n, ms) => {
    const deadline = performance.now() + ms;
    while (c.lines < n) {
      if (performance.now() > deadline) throw new Error(`${cmd} printed ${c.lines} of ${n} lines; stderr: ${c.stderr.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return c;
}

export async function run({ root }) {
  const { startTestCluster, seedInstances, cleanup } = await loadTestCluster(root);
  const cluster = await startTestCluster({ kubelet: false, controllers: false, historySize: RATE * SECONDS * 2 });
  let child;
  let raw;
  try {
    seedInstances(cluster, INSTANCES, {});
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, PATH: `${join(root, 'dist')}:${process.env.PATH}`, NO_COLOR: '1' };
    const watch = await countLines(root, '/usr/bin/kubectl', ['odoo', 'watch', '-A', '-o', 'json'], env);
    child = watch.counter;
    // The floor: a raw watch of the same pods, started once the plugin has printed every instance.
    await watch.waitLines(INSTANCES, 60_000);
    const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(cluster.kubeconfigPath, 'utf8'))[1], 'base64').toString();
    const rawEnv = { ...env, BENCH_RAW_WATCH: JSON.stringify({ url: cluster.url, ca, token: cluster.token, path: '/api/v1/pods', labelSelector: 'app=odoo' }) };
    const floor = await countLines(root, process.execPath, [join(root, 'scripts/bench/lib/rawWatch.mjs')], rawEnv);
    raw = floor.counter;
    await floor.waitLines(1, 30_000);

    // The seeded pods, one per running instance; flipping Ready changes the instance's status.
    const pods = cluster.store.list('pods', 'saasodoo').filter((p) => p.status?.phase === 'Running');
    const total = RATE * SECONDS;
    const made = [];
    const printed = [];
    const received = [];
    const lags = [];
    const rawLags = [];
    const busy = [];
    let flips = 0;
    for (let b = 0; b < BURSTS; b++) {
      const before = watch.lines;
      const rawBefore = floor.lines;
      const cpuBefore = cpuSeconds(watch.pid);
      const start = now();
      let n = 0;
      while (n < total) {
        const due = Math.min(total, Math.floor(((now() - start) / 1000) * RATE) + 1);
        for (; n < due; n++, flips++) {
          // The stored pod, read without a copy (update copies what it is given).
          const pod = cluster.store.peek('pods', 'saasodoo', pods[flips % pods.length].metadata.name);
          const next = pod.status.conditions.find((c) => c.type === 'Ready').status === 'True' ? 'False' : 'True';
          const conditions = pod.status.conditions.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: next } : c));
          cluster.store.update('pods', { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' });
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      const end = now();
      await watch.waitLines(before + total, 120_000);
      await floor.waitLines(rawBefore + total, 120_000);
      made.push(total / ((end - start) / 1000));
      printed.push(total / ((watch.lastAt - start) / 1000));
      received.push(total / ((floor.lastAt - start) / 1000));
      lags.push(Math.max(0, watch.lastAt - end));
      rawLags.push(Math.max(0, floor.lastAt - end));
      busy.push((cpuSeconds(watch.pid) - cpuBefore) / ((watch.lastAt - start) / 1000));
    }
    const share = (x) => `${(x * 100).toFixed(0)}%`;
    const rates = made.map((x) => x.toFixed(0)).join(', ');
    const note = `changes made at ${rates}/s: the test cluster's store copies each object it is given and returns, which caps the rate offered; the watch used ${busy.map(share).join(', ')} of one core during the bursts`;
    const inputs = `${INSTANCES} instances; ${BURSTS} bursts of ${total} pod changes at ${RATE}/s`;
    return [
      figure({
        id: 'watch.rate',
        figure: 'watch, transitions printed',
        inputs,
        unit: 'lines/s',
        value: printed,
        floor: received,
        floorWhat: 'raw watch of the pods',
        higherIsBetter: true,
        target: { text: `keeps up (>= 0.95x) at ${RATE}/s`, ratioMin: 0.95, min: RATE * 0.95 },
        note,
      }),
      figure({ id: 'watch.lag', figure: 'watch, lag of the last line', inputs, unit: 'ms', value: lags, floor: rawLags, floorWhat: 'raw watch of the pods', target: { text: '< 1000 ms', max: 1000 } }),
    ];
  } finally {
    child?.kill('SIGTERM');
    raw?.kill('SIGTERM');
    await cluster.stop();
    cleanup();
  }
}
