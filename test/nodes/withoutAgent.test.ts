// `kubectl odoo nodes` and `nodes check` when the agent is missing or cannot answer, the way an on-call
// user meets it: nothing installed, the manifests applied but the token not filled yet, an agent pod
// whose port refuses connections, an agent that never answers, and a summary nobody refreshes. Every
// node of the cluster must appear, as not checked, and the exit code must never say "ready".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { kubectl, kubectlOdoo } from '../harness/plugin.js';
import { waitFor } from '../harness/waitFor.js';

const NS = 'kubectl-odoo';
const NODES = ['node-1', 'node-2', 'node-3'];
let cluster: TestCluster;
let silent: Server;
const held = new Set<Socket>();

const kc = (args: string[]) => kubectl(args, { kubeconfig: cluster.kubeconfigPath });
const odoo = (args: string[]) => kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath, timeoutMs: 60_000 });

const agentPodOn = (node: string) => cluster.store.list('pods', NS, 'app.kubernetes.io/name=odoo-node-agent').find((p: any) => p.spec?.nodeName === node && p.status?.phase === 'Running');

describe('nodes without a working agent', () => {
  beforeAll(async () => {
    // Without the tokens controller, as a controller manager started with --controllers=*,-serviceaccount-token:
  // the token Secret is applied but stays unfilled until the test fills it.
  cluster = await startTestCluster({ storageClasses: false, tokensController: false });
    // Accepts connections and never answers: an agent that hangs.
    silent = createServer((sock) => {
      held.add(sock);
      sock.on('close', () => held.delete(sock));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => (silent ? silent.close(() => r()) : r()));
    await cluster?.stop();
  });

  it('nodes: every node appears as not checked and the exit code is 1 when no agent is installed', async () => {
    // An admin may read the (missing) namespace; an operator has no Role there before the manifests are applied.
    const asAdmin = await kubectlOdoo(['nodes'], { kubeconfig: cluster.kubeconfigPath, context: null });
    expect(asAdmin.code).toBe(1);
    expect(asAdmin.stdout).toContain('No node has a summary in namespace kubectl-odoo: is the node agent installed (kubectl odoo agent install)?');
    const r = await odoo(['nodes']);
    expect(r.code).toBe(1);
    for (const n of NODES) expect(r.stdout).toMatch(new RegExp(`^${n}\\t-\\t-\\tUNKNOWN\\tno agent summary\\t`, 'm'));
    expect(r.stdout).toContain(
      'The node summaries in namespace kubectl-odoo cannot be read (forbidden: configmaps is forbidden: User "operator" cannot list resource "configmaps" in API group "" in the namespace "kubectl-odoo"): is the node agent installed (kubectl odoo agent install, which also lets operators read them)?',
    );
    expect(r.stdout).toContain('0 of 3 nodes ready');
    expect(r.stderr).toBe('error: not checked: node-1 (no summary), node-2 (no summary), node-3 (no summary)\n');

    const j = await odoo(['nodes', '-o', 'json']);
    expect(j.code).toBe(1);
    const out = JSON.parse(j.stdout);
    expect(out.ready).toBe(false);
    expect(out.nodes.map((n: any) => [n.node, n.ready, n.summary])).toEqual(NODES.map((n) => [n, false, 'missing']));
    expect(out.nodes[0].error).toBe('no summary from the node agent (is an odoo-node-agent pod running on node-1? kubectl -n kubectl-odoo get pods -o wide)');
  });

  it('nodes check -o json: every node has error and a check named agent; the installation problem is a cluster check', async () => {
    const r = await odoo(['nodes', 'check', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: could not check: node-1, node-2, node-3\n');
    const out = JSON.parse(r.stdout);
    expect(out.ready).toBe(false);
    expect(out.nodes).toEqual(
      NODES.map((n) => ({
        node: n,
        source: 'agent',
        ready: false,
        devicesReady: false,
        checks: [{ name: 'agent', status: 'error', message: `no odoo-node-agent pod on node ${n}` }],
        devices: [],
        error: `no odoo-node-agent pod on node ${n}`,
      })),
    );
    expect(out.clusterChecks).toEqual([{ name: 'agent', status: 'error', message: 'no odoo-node-agent pods in namespace kubectl-odoo: install it with \"kubectl odoo agent install\" or use --ssh' }]);
    expect(out.capacity.devices).toBe(0);

    const table = await odoo(['nodes', 'check', 'node-1', 'node-9']);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^node-1\t-\t-\tERROR\tno odoo-node-agent pod on node node-1\t-$/m);
    expect(table.stdout).toMatch(/^node-9\t-\t-\tERROR\tnode "node-9" not found\t-$/m);
    expect(table.stdout).toContain('0 of 2 nodes ready');
  });

  it('refuses output formats the nodes commands do not print (exit 2)', async () => {
    for (const args of [['nodes', '-o', 'name'], ['nodes', 'check', '-o', 'name']]) {
      const r = await odoo(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`-o name is not supported by "kubectl odoo ${args.slice(0, -2).join(' ')}"`);
    }
  });

  it('after kubectl apply -k manifests/: the DaemonSet puts a pod on every node; an empty token, a refused port and a silent agent are each reported per node', async () => {
    const applied = await kc(['apply', '-k', 'manifests/']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    await waitFor('an agent pod running on every node', () => NODES.every((n) => agentPodOn(n)));
    const ds = await kc(['-n', NS, 'get', 'daemonset', 'odoo-node-agent', '-o', 'jsonpath={.status.desiredNumberScheduled}/{.status.numberReady}']);
    expect(ds.stdout).toBe('3/3');

    // The token Secret exists but Kubernetes' tokens controller (not running here) has not filled it.
    const empty = await odoo(['nodes', 'check', '-o', 'json']);
    expect(empty.code).toBe(1);
    const tokenMessage = 'secret kubectl-odoo/odoo-node-agent-token has no "token" key yet (Kubernetes fills it for its ServiceAccount)';
    expect(JSON.parse(empty.stdout).nodes.map((n: any) => n.checks)).toEqual(NODES.map(() => [{ name: 'agent', status: 'error', message: tokenMessage }]));
    expect(JSON.parse(empty.stdout).clusterChecks).toEqual([{ name: 'agent', status: 'error', message: tokenMessage }]);

    const patched = await kc(['-n', NS, 'patch', 'secret', 'odoo-node-agent-token', '--type', 'merge', '-p', JSON.stringify({ data: { token: Buffer.from('t0ken').toString('base64') } })]);
    expect(patched.code).toBe(0);
    // node-1's pod: nothing listens on the agent's port. node-2's pod: something accepts and never answers.
    const port = (silent.address() as { port: number }).port;
    const annotated = await kc(['-n', NS, 'annotate', 'pod', agentPodOn('node-2').metadata.name, `test.kubectl-odoo.io/port-8765=127.0.0.1:${port}`]);
    expect(annotated.code).toBe(0);
    const r = await odoo(['nodes', 'check', 'node-1', 'node-2', '--timeout', '2', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: could not check: node-1, node-2\n');
    const [n1, n2] = JSON.parse(r.stdout).nodes;
    expect(n1.checks).toEqual([{ name: 'agent', status: 'error', message: expect.stringMatching(new RegExp(`^port-forward to pod ${agentPodOn('node-1').metadata.name} port 8765 failed: .*connect: connection refused`)) }]);
    expect(n2.checks).toEqual([{ name: 'agent', status: 'error', message: 'the agent did not answer within 2 s' }]);
  });

  it('nodes: a summary nobody refreshes is stale and does not count as ready', async () => {
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    const fresh = new Date().toISOString();
    const report = (node: string, collectedAt: string) => ({ node, collectedAt, source: 'agent', ready: true, devices: [{ device: '/dev/sda2', realPath: '/dev/sda2', sizeBytes: 150e9, type: 'part', byId: [], verdict: 'READY', reasons: [] }], prerequisites: [] });
    for (const [node, at] of [['node-1', old], ['node-2', fresh]] as const) {
      cluster.store.create('configmaps', {
        metadata: {
          name: `kubectl-odoo-node-${node}`,
          namespace: NS,
          labels: { 'app.kubernetes.io/name': 'odoo-node-agent', 'app.kubernetes.io/component': 'node-summary', 'kubectl-odoo.io/node': node },
          annotations: { 'kubectl-odoo.io/node': node, 'kubectl-odoo.io/refresh-interval-seconds': '300' },
        },
        data: { 'summary.json': JSON.stringify(report(node, at)) },
      });
    }
    const r = await odoo(['nodes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^node-1\t\/dev\/sda2\t139.7Gi\tREADY\t.*\t2h \(stale\)$/m);
    expect(r.stdout).toMatch(/^node-2\t\/dev\/sda2\t139.7Gi\tREADY\t/m);
    expect(r.stdout).toMatch(/^node-3\t-\t-\tUNKNOWN\tno agent summary\t/m);
    expect(r.stdout).toContain('node-1: stale summary: 2h old, the agent refreshes it every 5m (is its pod running?)');
    expect(r.stdout).toContain('1 of 3 nodes ready');
    expect(r.stderr).toBe('error: not checked: node-1 (stale summary), node-3 (no summary)\n');
  });
});
