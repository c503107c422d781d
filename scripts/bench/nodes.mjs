// Node agent footprint and `nodes check` fan-out:
//  - idle RSS of the built agent after its first summary, against an idle bare Node (3 of each;
//    target <= 1.3x),
//  - one device inspected through the agent's WebSocket, 20 times, against blkid -p + lsblk alone
//    (target < 100 ms),
//  - `nodes check` over 50 simulated agents vs 1 (each inspection takes 100 ms on its node, spent in
//    its read of the device, as on real nodes while the checker waits), with the concurrency sized to
//    the fleet (target <= 1.5x) and, for comparison, with
//    --concurrency 10 (about 50/10 = 5x).
// As root a 6 GiB sparse loop device is inspected (attached and detached here); otherwise /dev/null.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { figure } from './lib/figures.mjs';

const RUNS = 3;
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function startAgent(root, dir, device) {
  const token = 'bench-token';
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ devices: [device], allowLoopDevices: true, listen: { host: '127.0.0.1', port: 0 }, tokenFile: join(dir, 'token'), summaryIntervalSeconds: 3600, hostPaths: { proc: '/proc', kubeletPods: join(dir, 'pods') } }),
  );
  const child = spawn(process.execPath, [join(root, 'dist/odoo-node-agent.mjs'), '--config', join(dir, 'config.json')], { env: { ...process.env, NODE_NAME: 'bench' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /\{"listening":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`agent exited ${c}: ${err}`)));
  });
  // Idle means after the first summary refresh.
  for (let i = 0; i < 100 && !err.includes('summary refreshed'); i++) await new Promise((r) => setTimeout(r, 50));
  return { child, port, token };
}

async function stopAgent(agent) {
  const exited = new Promise((r) => agent.child.once('exit', r));
  agent.child.kill('SIGTERM');
  await exited;
}

async function request(WebSocket, port, token, msg) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Authorization: `Bearer ${token}` } });
    ws.on('open', () => ws.send(JSON.stringify(msg)));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (!m.progress) {
        ws.close();
        resolve(m);
      }
    });
    ws.on('error', reject);
  });
}

async function fanOut(root, dir) {
  // The plugin's own check code, and agents (the real NodeAgent and server) whose host answers after a
  // delay. The agents run in a child process, as they run on other machines: the measured process
  // does only the plugin's work.
  const entry = `
    import { checkNodesThroughAgents } from './plugin/nodes/checkNodes.js';
    import { NodeAgent } from './agent/agent.js';
    import { startAgentServer } from './agent/server.js';
    import { DEFAULT_AGENT_CONFIG } from './agent/config.js';
    const delay = (ms) => new Promise((r) => setTimeout(r, ms));
    const slowHost = {
      // The inspection's time on the node goes to reading the device's first sectors (the one read of
      // the device itself that every inspection makes), so it is spent, as on real nodes, while the
      // checker waits, not on its CPU.
      async exec() { return { code: 0, stdout: '', stderr: '' }; },
      async readText() { return { ok: false, error: 'ENOENT' }; },
      async readHead() { await delay(100); return { ok: true, out: Buffer.alloc(512).toString('base64') }; },
      async list() { return { ok: true, out: '' }; },
      async realpath(p) { return { ok: true, out: p }; },
      async statDevice() { return { ok: true, out: 'block 8 2' }; },
      async links() { return { ok: true, out: '' }; },
      async exclusiveOpen() { return { ok: true, out: 'free' }; },
    };
    export async function startAgents(nodes, tokenFile) {
      const ports = [];
      for (let i = 0; i < nodes; i++) {
        const node = 'node-' + i;
        const agent = new NodeAgent({ node, config: { ...DEFAULT_AGENT_CONFIG, tokenFile }, host: slowHost, log: () => {} });
        ports.push((await startAgentServer({ agent, node, host: '127.0.0.1', port: 0, tokenFile, log: () => {}, version: 'bench' })).port);
      }
      return ports;
    }
    export async function measure(ports, concurrency) {
      const pods = ports.map((port, i) => ({ metadata: { name: 'agent-' + i }, spec: { nodeName: 'node-' + i, containers: [{ ports: [{ name: 'agent', containerPort: port }] }] }, status: { phase: 'Running' } }));
      const kube = {
        async get() { return { data: { token: Buffer.from('t').toString('base64') } }; },
        async list(type) { return { items: type.plural === 'nodes' ? pods.map((p) => ({ metadata: { name: p.spec.nodeName } })) : pods }; },
      };
      const t0 = performance.now();
      const { results } = await checkNodesThroughAgents(kube, async ({ port }) => ({ localPort: port, close() {} }), { namespace: 'x', nodes: [], concurrency, timeoutMs: 60000, judge: { release: 19 } });
      const ms = performance.now() - t0;
      if (results.some((r) => r.error)) throw new Error(results.find((r) => r.error).error);
      return ms;
    }`;
  // Written under node_modules so the bundle resolves ws from the project.
  const cacheDir = join(root, 'node_modules/.cache/kubectl-odoo-bench');
  mkdirSync(cacheDir, { recursive: true });
  const outfile = join(cacheDir, `fanout-${process.pid}.mjs`);
  await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error', external: ['ws'] });
  const tokenFile = join(dir, 'fan-token');
  writeFileSync(tokenFile, 't');
  // Two processes of 25 agents, one per core of a small machine.
  const children = [0, 1].map(() =>
    spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(outfile).href)}); console.log(JSON.stringify(await m.startAgents(25, ${JSON.stringify(tokenFile)})));`], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  try {
    const started = children.map(
      (child) =>
        new Promise((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
            if (out.includes('\n')) resolve(JSON.parse(out));
          });
          child.once('exit', (c) => reject(new Error(`an agents' process exited with ${c}`)));
        }),
    );
    const ports = (await Promise.all(started)).flat();
    const { measure } = await import(pathToFileURL(outfile).href);
    const one = [];
    const fifty = [];
    const fiftyAt10 = [];
    for (let i = 0; i < 5; i++) {
      one.push(await measure(ports.slice(0, 1)));
      fifty.push(await measure(ports));
      fiftyAt10.push(await measure(ports, 10));
    }
    return { one, fifty, fiftyAt10 };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(outfile);
  }
}

export async function run({ root }) {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-bench-nodes-'));
  const { default: WebSocket } = await import(pathToFileURL(join(root, 'node_modules/ws/wrapper.mjs')).href);
  let loop;
  let agent;
  try {
    let device = '/dev/null';
    if (process.getuid?.() === 0) {
      const img = join(dir, 'dev.img');
      execFileSync('truncate', ['-s', '6G', img]);
      loop = execFileSync('losetup', ['--find', '--show', img], { encoding: 'utf8' }).trim();
      device = loop;
    }
    // Idle RSS of RUNS agents, one after the other; the first one also answers the inspections.
    const agentRss = [];
    const times = [];
    for (let run = 0; run < RUNS; run++) {
      agent = await startAgent(root, dir, device);
      await new Promise((r) => setTimeout(r, 1000));
      agentRss.push(rssMiB(agent.child.pid));
      for (let i = 0; run === 0 && i < 20; i++) {
        const t0 = performance.now();
        const m = await request(WebSocket, agent.port, agent.token, { id: i, method: 'inspect', params: { devices: [device] } });
        if (m.error) throw new Error(m.error.message);
        times.push(performance.now() - t0);
      }
      await stopAgent(agent);
      agent = undefined;
    }
    // Same-run floors: an idle bare Node process, and the probe tools the agent itself calls.
    const bareRss = [];
    for (let run = 0; run < RUNS; run++) {
      const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      bareRss.push(rssMiB(bare.pid));
      bare.kill();
    }
    const probeTimes = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      spawnSync('blkid', ['-p', device], { stdio: 'ignore' });
      spawnSync('lsblk', ['-J', '-b', '-O', device], { stdio: 'ignore' });
      probeTimes.push(performance.now() - t0);
    }
    const fan = await fanOut(root, dir);
    const dev = device === '/dev/null' ? '/dev/null (not root)' : 'a 6 GiB loop device';
    const fanInputs = 'simulated agents in 2 processes, each inspection taking 100 ms on its node (the device read)';
    return [
      figure({ id: 'agent.rss', figure: 'agent idle RSS', inputs: `after its first summary, ${RUNS} agents`, unit: 'MiB', value: agentRss, floor: bareRss, floorWhat: 'idle bare node', target: { text: '<= 1.3x', ratioMax: 1.3 } }),
      figure({
        id: 'agent.inspect',
        figure: 'agent: inspect one device',
        inputs: `${dev}, 20 requests over its WebSocket`,
        unit: 'ms',
        value: times,
        floor: probeTimes,
        floorWhat: 'blkid -p + lsblk',
        target: { text: '< 100 ms', max: 100 },
        note: 'the agent also reads sysfs, mounts, holders, LVM and the first bytes of the device',
      }),
      figure({ id: 'nodes.check.50', figure: 'nodes check, 50 agents', inputs: `${fanInputs}; concurrency sized to the fleet`, unit: 'ms', value: fan.fifty, floor: fan.one, floorWhat: '1 agent', target: { text: '<= 1.5x', ratioMax: 1.5 } }),
      figure({
        id: 'nodes.check.50.c10',
        figure: 'nodes check, 50 agents, --concurrency 10',
        inputs: `${fanInputs}; the override`,
        unit: 'ms',
        value: fan.fiftyAt10,
        floor: fan.one,
        floorWhat: '1 agent',
        target: { text: 'for comparison: 5 waves of 10' },
      }),
    ];
  } finally {
    if (agent) await stopAgent(agent);
    if (loop) execFileSync('losetup', ['-d', loop]);
    rmSync(dir, { recursive: true, force: true });
  }
}
