// The node agent against real block devices, reached the way users reach it: `kubectl odoo nodes check`
// through the real kubectl, the test cluster's API server and its port-forward to the agent pod. The
// manifests are applied with the real kubectl and the DaemonSet puts a (simulated) pod on every node;
// the test annotates the pods of node-1 and node-2 so their port is forwarded to agents running on
// this machine (as root, reading the loop devices built by deviceLab). node-3's pod has no agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo } from 'node:net';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { kubectl, kubectlOdoo } from '../harness/plugin.js';
import { buildDeviceLab, expectedReasons, requireRoot, MISSING_DEVICE, NOT_A_BLOCK_DEVICE, type DeviceLab, type LabState } from './deviceLab.js';
import { agentRequest, fakeHealthyHost, startLocalAgent, type LocalAgent } from './localAgent.js';
import { waitFor } from '../harness/waitFor.js';

const runs = requireRoot();
const TOKEN = 'test-agent-token-5b0a7f';
const NS = 'kubectl-odoo';

let lab: DeviceLab;
let cluster: TestCluster;
let agent1: LocalAgent;
let agent2: LocalAgent;
let wipeTarget: string;
const cleanups: (() => void | Promise<void>)[] = [];

const kc = (args: string[]) => kubectl(args, { kubeconfig: cluster.kubeconfigPath });
const odoo = (args: string[]) => kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath, timeoutMs: 120_000 });

/** The pod the DaemonSet created on a node. */
const daemonPodOn = (node: string) => cluster.store.list('pods', NS, 'app.kubernetes.io/name=odoo-node-agent').find((p: any) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp);

const blkidType = (dev: string) => execFileSync('sh', ['-c', `blkid -p -o value -s TYPE ${dev}; true`], { encoding: 'utf8' }).trim();

describe.skipIf(!runs)('odoo-node-agent on real devices, through kubectl odoo nodes', () => {
  beforeAll(async () => {
    try {
      lab = buildDeviceLab('agent');
      cleanups.push(() => lab.cleanup());
      wipeTarget = lab.addExt4('wipe');
      cluster = await startTestCluster({ storageClasses: false });
      cleanups.push(() => cluster.stop());

      const applied = await kc(['apply', '-k', 'manifests/']);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      // Kubernetes' token controller fills the token Secret; the test cluster has none, so the test does.
      const patched = await kc(['-n', NS, 'patch', 'secret', 'odoo-node-agent-token', '--type', 'merge', '-p', JSON.stringify({ data: { token: Buffer.from(TOKEN).toString('base64') } })]);
      expect(patched.code).toBe(0);

      const tokenFile = join(lab.dir, 'token');
      writeFileSync(tokenFile, `${TOKEN}\n`);
      const kubeletPods = join(lab.dir, 'kubelet-pods');
      mkdirSync(kubeletPods);
      const node1Config = join(lab.dir, 'node-1.yaml');
      writeFileSync(
        node1Config,
        JSON.stringify({
          devices: [...Object.values(lab.devices), NOT_A_BLOCK_DEVICE.device, MISSING_DEVICE.device],
          allowLoopDevices: true,
          listen: { host: '127.0.0.1', port: 0 },
          tokenFile,
          namespace: NS,
          summaryIntervalSeconds: 3600,
          hostPaths: { proc: '/proc', sys: '/sys', dev: '/dev', udev: '/run/udev', modules: '/lib/modules', kubeletPods },
        }),
      );
      const healthy = fakeHealthyHost(join(lab.dir, 'host-2'));
      const node2Config = join(lab.dir, 'node-2.yaml');
      writeFileSync(
        node2Config,
        JSON.stringify({
          devices: [wipeTarget],
          allowLoopDevices: true,
          listen: { host: '127.0.0.1', port: 0 },
          tokenFile,
          namespace: NS,
          summaryIntervalSeconds: 3600,
          hostPaths: { proc: healthy.proc, sys: '/sys', dev: '/dev', udev: healthy.udev, modules: '/lib/modules', kubeletPods: join(lab.dir, 'none') },
          wipe: { enabled: true },
        }),
      );
      agent1 = await startLocalAgent({ node: 'node-1', configFile: node1Config, kubeconfig: cluster.agentKubeconfigPath });
      cleanups.push(() => agent1.stop());
      agent2 = await startLocalAgent({ node: 'node-2', configFile: node2Config, kubeconfig: cluster.agentKubeconfigPath, env: { PATH: `${healthy.binDir}:${process.env.PATH}` } });
      cleanups.push(() => agent2.stop());
      await waitFor('the DaemonSet\'s pods running', () => ['node-1', 'node-2', 'node-3'].every((n) => daemonPodOn(n)?.status?.phase === 'Running'));
      // Each DaemonSet pod's port 8765 is forwarded to the agent standing in for it on this machine.
      for (const [node, a] of [['node-1', agent1], ['node-2', agent2]] as const) {
        const annotated = await kc(['-n', NS, 'annotate', 'pod', daemonPodOn(node).metadata.name, `test.kubectl-odoo.io/port-8765=127.0.0.1:${a.port}`]);
        expect(annotated.code).toBe(0);
      }
      // The first summaries are written at start; wait so no check races with them on the devices.
      await waitFor('both summaries', async () => {
        const r = await kc(['-n', NS, 'get', 'configmaps', '-l', 'app.kubernetes.io/component=node-summary', '-o', 'name']);
        return r.stdout.includes('kubectl-odoo-node-node-1') && r.stdout.includes('kubectl-odoo-node-node-2');
      });
    } catch (e) {
      await runCleanups();
      throw e;
    }
  });

  async function runCleanups() {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // undo the rest
      }
    }
    cleanups.length = 0;
  }
  afterAll(runCleanups);

  it('judges every device state with ceph-volume\'s reasons (nodes check -o json)', async () => {
    const r = await odoo(['nodes', 'check', 'node-1', '-o', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ready).toBe(false);
    const node = out.nodes.find((n: any) => n.node === 'node-1');
    expect(node.source).toBe('agent');
    const byDevice = Object.fromEntries(node.devices.map((d: any) => [d.device, { verdict: d.verdict, reasons: d.reasons.map((x: any) => (x.detail ? `${x.message} (${x.detail})` : x.message)) }]));
    const expected = expectedReasons(lab);
    for (const state of Object.keys(expected) as LabState[]) expect(byDevice[lab.devices[state]], state).toEqual(expected[state]);
    expect(byDevice['/dev/null']).toEqual({ verdict: NOT_A_BLOCK_DEVICE.verdict, reasons: NOT_A_BLOCK_DEVICE.reasons });
    expect(byDevice[MISSING_DEVICE.device]).toEqual({ verdict: MISSING_DEVICE.verdict, reasons: MISSING_DEVICE.reasons });
    // The stable check list: one per device, then the prerequisites, each with name, status, message.
    expect(node.checks.map((c: any) => c.name)).toEqual([...node.devices.map((d: any) => `device ${d.device}`), 'kernel', 'rbd module', 'ceph module', 'udev', 'clock sync', 'mtu']);
    for (const c of node.checks) expect(Object.keys(c).sort()).toEqual(['message', 'name', 'status']);
    expect(out.capacity).toMatchObject({ devices: 1, rawBytes: 6 * 2 ** 30, replication: 3 });
  });

  it('prints a table, every reason, the capacity of the READY devices, and exits 1', async () => {
    const r = await odoo(['nodes', 'check', 'node-1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: not ready: node-1');
    const lines = r.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^node-1\\t${lab.devices.raw}\\t6Gi\\tREADY\\t\\t`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^node-1\\t${lab.devices.small}\\t1Gi\\tNOT_READY\\tInsufficient space \\(<5GB\\)`)));
    expect(r.stdout).toContain(`  - Has BlueStore device label (osd_uuid ${lab.osdUuid})`);
    expect(r.stdout).toContain('Ceph capacity from 1 READY device: raw 6Gi, usable 2Gi at 3x replication, realistic ~1.8-1.9Gi after overhead');
  });

  it('--device judges another device for one check', async () => {
    const r = await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.raw, '-o', 'json']);
    const node = JSON.parse(r.stdout).nodes[0];
    expect(node.devices.map((d: any) => [d.device, d.verdict])).toEqual([[lab.devices.raw, 'READY']]);
  });

  it('rejects bad input before contacting anything', async () => {
    const r = await odoo(['nodes', 'check', '--device', 'sda2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--device must be a device path under /dev/');
    const r2 = await odoo(['nodes', 'check', '-i', '/nonexistent']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('-i only applies with --ssh');
  });

  it('reports a node whose agent pod does not answer as not checked, with the port-forward\'s reason', async () => {
    const r = await odoo(['nodes', 'check', 'node-3', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: could not check: node-3\n');
    const node = JSON.parse(r.stdout).nodes[0];
    expect(node).toMatchObject({ node: 'node-3', ready: false, devices: [] });
    expect(node.checks).toEqual([{ name: 'agent', status: 'error', message: node.error }]);
    expect(node.error).toMatch(new RegExp(`^port-forward to pod ${daemonPodOn('node-3').metadata.name} port 8765 failed: .*connection refused`));
  });

  it('refuses unauthenticated connections and malformed messages, logs them, and stays up', async () => {
    const bad = await agentRequest(agent2.port, 'wrong-token', '{"id":1,"method":"ping"}');
    expect(bad.status).toBe(401);
    const none = await agentRequest(agent2.port, '', '{"id":1,"method":"ping"}');
    expect(none.status).toBe(401);
    const malformed = await agentRequest(agent2.port, TOKEN, 'not json at all');
    expect(malformed.messages[0]).toEqual({ id: null, error: { code: 'bad-request', message: 'expected a JSON object {id, method, params}' } });
    // The log line goes through the agent's stderr pipe, which may arrive after the WebSocket answer.
    await waitFor('the refusals logged', () => agent2.logs().includes('"msg":"refused malformed message"'), 10_000);
    expect(agent2.logs()).toContain('"msg":"refused connection without a valid token"');
    expect(agent2.logs()).toContain('"msg":"refused malformed message"');
    const ping = await agentRequest(agent2.port, TOKEN, '{"id":"p","method":"ping"}');
    expect(ping.messages[0].result).toMatchObject({ node: 'node-2', protocol: 1 });
  });

  it('never writes a device unless wiping is enabled, the device is configured, and the request confirms it', async () => {
    const wipe = (port: number, params: object) => agentRequest(port, TOKEN, JSON.stringify({ id: 7, method: 'wipe', params })).then((r) => r.messages.at(-1));
    expect((await wipe(agent1.port, { device: lab.devices.ext4, confirm: lab.devices.ext4 })).error).toEqual({ code: 'forbidden', message: 'wiping is disabled in the agent config (wipe.enabled: false)' });
    expect((await wipe(agent2.port, { device: wipeTarget })).error.message).toBe(`wipe of ${wipeTarget} must be confirmed by repeating the device path`);
    expect((await wipe(agent2.port, { device: lab.devices.ext4, confirm: lab.devices.ext4 })).error.message).toBe(`${lab.devices.ext4} is not one of this agent's configured devices`);
    expect(blkidType(lab.devices.ext4)).toBe('ext4');
    expect(blkidType(wipeTarget)).toBe('ext4');

    const before = await odoo(['nodes', 'check', 'node-2']);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(new RegExp(`node-2\\t${wipeTarget}\\t6Gi\\tNOT_READY\\tHas a FileSystem \\(ext4\\)`));

    const done = await agentRequest(agent2.port, TOKEN, JSON.stringify({ id: 8, method: 'wipe', params: { device: wipeTarget, confirm: wipeTarget } }));
    expect(done.messages.filter((m) => m.progress).map((m) => m.progress.step)).toEqual(['wiping', 'verifying']);
    expect(done.messages.at(-1).result).toMatchObject({ device: wipeTarget, verdict: 'READY', reasons: [] });
    expect(blkidType(wipeTarget)).toBe('');
  });

  it('exits 0 when every checked node is ready, with the capacity its devices give', async () => {
    const r = await odoo(['nodes', 'check', 'node-2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^node-2\\t${wipeTarget}\\t6Gi\\tREADY\\t\\t(ok|warning: mtu)$`, "m"));
    expect(r.stdout).toContain('1 of 1 node ready');
    const both = await odoo(['nodes', 'check', 'node-1', 'node-2', '-o', 'yaml', '--replication', '2']);
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/replication: 2/);
    expect(both.stdout).toMatch(/devices: 2\n/);
  });

  it('--devices-only: a node whose devices are all READY passes even when its prerequisites fail', async () => {
    // node-1 reads this machine's own host, which has no rbd module (or no udev): a prerequisite in error.
    const plain = await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.raw, '-o', 'json']);
    const out = JSON.parse(plain.stdout);
    expect(out.nodes[0].checks.some((c: any) => c.status === 'error')).toBe(true);
    expect(out).toMatchObject({ ready: false, devicesReady: true });
    expect(plain.code).toBe(1);
    const only = await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.raw, '--devices-only']);
    expect(only.code).toBe(0);
    expect(only.stdout).toContain('--devices-only: every device is READY; prerequisites and cluster checks do not count for the exit code');
    const notReady = await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.ext4, '--devices-only']);
    expect(notReady.code).toBe(1);
    expect(notReady.stderr).toContain('error: not ready: node-1');
  });

  it('without node names, judges the cluster as a whole in its own section: pool size, MTU, clock skew, kernel, modules, capacity', async () => {
    const r = await odoo(['nodes', 'check', '--device', lab.devices.raw, '-o', 'json']);
    const out = JSON.parse(r.stdout);
    const names = out.clusterChecks.map((c: any) => c.name);
    expect(names).toEqual(['agent', 'osd nodes', 'mtu consistency', 'clock skew', 'kernel everywhere', 'rbd module everywhere', 'ceph module everywhere', 'usable capacity', 'osd size gap'].filter((n) => n !== 'agent' || names.includes('agent')));
    // node-1 and node-2 share this machine's clock: never a skew, though a slow round trip may leave it open.
    const skew = out.clusterChecks.find((c: any) => c.name === 'clock skew');
    expect(['ok', 'unknown']).toContain(skew.status);
    expect(skew.message).toMatch(/^clock skew 0\.0\d\d s \(±\d\.\d{3}\) between node-\d and node-\d; Ceph warns above mon_clock_drift_allowed 0\.05 s/);
    for (const n of out.nodes.filter((x: any) => !x.error)) expect(n.clock).toEqual({ offsetSeconds: expect.any(Number), uncertaintySeconds: expect.any(Number) });
    // node-3 has no agent: only two nodes with a READY device for a pool of three.
    expect(out.clusterChecks.find((c: any) => c.name === 'osd nodes')).toEqual({
      name: 'osd nodes',
      status: 'error',
      message: '2 schedulable nodes with a READY device; the pool size 3 needs 3, one copy per node',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cluster: osd nodes/);
    const table = await odoo(['nodes', 'check', '--device', lab.devices.raw]);
    expect(table.stdout).toMatch(/\nCluster:\n/);
    expect(table.stdout).toMatch(/^osd nodes\terror\t2 schedulable nodes with a READY device/m);
  });

  it("judges for the CephCluster's release and fsid, and the flags override them; bad values are refused (exit 2)", async () => {
    const bluestore = (out: any) => out.nodes[0].devices[0];
    // No CephCluster yet: the default release.
    const before = JSON.parse((await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.bluestore, '-o', 'json'])).stdout);
    expect(before.ceph).toEqual({ release: 19, releaseName: 'squid', releaseFrom: 'default (the release current Rook deploys)' });
    expect(bluestore(before).bluestore).toEqual({ osdUuid: lab.osdUuid, cephFsid: lab.cephFsid, whoami: '0', belongsTo: 'unknown' });

    const file = join(lab.dir, 'cephcluster.yaml');
    writeFileSync(file, 'apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: rook-ceph, namespace: rook-ceph}\nspec:\n  cephVersion: {image: "quay.io/ceph/ceph:v17.2.6"}\n');
    expect((await kc(['create', 'namespace', 'rook-ceph'])).code).toBe(0);
    expect((await kc(['apply', '-f', file])).code).toBe(0);
    const patched = await kc(['-n', 'rook-ceph', 'patch', 'cephcluster', 'rook-ceph', '--subresource=status', '--type', 'merge', '-p', JSON.stringify({ status: { ceph: { fsid: lab.cephFsid } } })]);
    expect(patched.code).toBe(0);

    const r = await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.bluestore, '--device', lab.devices.ext4, '-o', 'json']);
    const out = JSON.parse(r.stdout);
    expect(out.ceph).toEqual({ release: 17, releaseName: 'quincy', releaseFrom: 'CephCluster rook-ceph/rook-ceph (quay.io/ceph/ceph:v17.2.6)', cephFsid: lab.cephFsid, fsidFrom: 'CephCluster rook-ceph/rook-ceph' });
    expect(bluestore(out).bluestore.belongsTo).toBe('this-cluster');
    expect(bluestore(out).reasons.find((x: any) => x.code === 'rook-existing-osd')).toMatchObject({ source: 'rook', message: `detected an existing OSD. UUID=${lab.osdUuid}` });
    // Quincy's ceph-volume has no "Has a FileSystem": ours then, and it says so.
    expect(out.nodes[0].devices[1].reasons.find((x: any) => x.code === 'has-filesystem')).toEqual({
      code: 'has-filesystem',
      kind: 'not-ready',
      message: 'Has a FileSystem',
      detail: 'ext4; ceph-volume 17 would accept this device',
      source: 'kubectl-odoo',
      release: 17,
    });

    const other = JSON.parse((await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.bluestore, '--ceph-release', 'reef', '--ceph-fsid', '11111111-2222-4333-8444-555555555555', '-o', 'json'])).stdout);
    expect(other.ceph).toMatchObject({ release: 18, releaseFrom: '--ceph-release', cephFsid: '11111111-2222-4333-8444-555555555555', fsidFrom: '--ceph-fsid' });
    expect(bluestore(other).reasons.find((x: any) => x.code === 'rook-other-cluster')).toMatchObject({ message: `"${lab.osdUuid}" belonging to a different ceph cluster "${lab.cephFsid}"` });
    expect((await odoo(['nodes', 'check', 'node-1', '--device', lab.devices.bluestore])).stdout).toContain('Judged for Ceph 17 (quincy), from CephCluster rook-ceph/rook-ceph (quay.io/ceph/ceph:v17.2.6); cluster fsid');

    const badRelease = await odoo(['nodes', 'check', '--ceph-release', 'octopus']);
    expect(badRelease.code).toBe(2);
    expect(badRelease.stderr).toContain('--ceph-release must be one of 16 (pacific), 17 (quincy), 18 (reef), 19 (squid), got "octopus"');
    const badFsid = await odoo(['nodes', 'check', '--ceph-fsid', 'not-a-uuid']);
    expect(badFsid.code).toBe(2);
    expect(badFsid.stderr).toContain('--ceph-fsid must be a UUID');
    await kc(['delete', 'namespace', 'rook-ceph']);
  });

  it('lists every node from the summaries, with disk usage of host filesystems and instance volumes', async () => {
    // An instance volume mounted on node-1 as kubelet would: <pods>/<pod uid>/volumes/kubernetes.io~csi/<pv>/mount.
    cluster.store.create('persistentvolumeclaims', {
      metadata: { name: 'odoo-instance-abc123', namespace: 'saasodoo', labels: { 'saasodoo.io/instance-id': 'abc123' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '1Gi' } } },
    });
    const pvc = await waitFor('PVC bound', () => {
      const p = cluster.store.get('persistentvolumeclaims', 'saasodoo', 'odoo-instance-abc123');
      return p?.spec?.volumeName ? p : undefined;
    });
    const pod = cluster.store.create('pods', {
      metadata: { name: 'odoo-acme-abc12345-x', namespace: 'saasodoo' },
      spec: { nodeName: 'node-1', restartPolicy: 'Never', containers: [{ name: 'odoo', image: 'bitnamilegacy/odoo', command: ['sleep', '3600'] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'odoo-instance-abc123' } }] },
    });
    const mount = join(lab.dir, 'kubelet-pods', pod.metadata.uid, 'volumes', 'kubernetes.io~csi', pvc.spec.volumeName, 'mount');
    mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount]);
    cleanups.push(() => void execFileSync('umount', [mount]));
    execFileSync('dd', ['if=/dev/zero', `of=${join(mount, 'filestore.bin')}`, 'bs=1M', 'count=10', 'status=none']);

    const refreshed = await agentRequest(agent1.port, TOKEN, '{"id":1,"method":"refresh"}');
    expect(refreshed.messages.at(-1).result.node).toBe('node-1');

    const r = await odoo(['nodes', '-o', 'json']);
    // node-1 is not ready and node-3 has no summary: not every node is ready.
    expect(r.code).toBe(1);
    const nodes = JSON.parse(r.stdout).nodes;
    expect(nodes.map((n: any) => [n.node, n.summary])).toEqual([['node-1', 'fresh'], ['node-2', 'fresh'], ['node-3', 'missing']]);
    const n1 = nodes[0];
    expect(n1.usage.volumes).toEqual([
      expect.objectContaining({ namespace: 'saasodoo', pod: 'odoo-acme-abc12345-x', pvc: 'odoo-instance-abc123', pv: pvc.spec.volumeName, instance: 'abc123', sizeBytes: 64 << 20, usedBytes: 10 << 20 }),
    ]);
    expect(n1.usage.errors).toEqual([]);
    expect(n1.usage.filesystems).toContainEqual(expect.objectContaining({ mountPoint: lab.mountPoint, source: lab.devices.mounted, fsType: 'ext4' }));

    const table = await odoo(['nodes']);
    expect(table.code).toBe(1);
    expect(table.stderr).toBe('error: not ready: node-1; not checked: node-3 (no summary)\n');
    expect(table.stdout).toMatch(/^node-3\t-\t-\tUNKNOWN\tno agent summary\t/m);
    expect(table.stdout).toMatch(new RegExp(`^node-1\\t${lab.devices.raw}\\t6Gi\\tREADY\\t\\t[^\\t]+\\t.*1 volume \\(fullest 16% abc123\\)`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^node-2\\t${wipeTarget}\\t6Gi\\tREADY\\t\\t(ok|warning: mtu)\\t`, "m"));
  });

  it('tries again while an agent that started moments ago is not listening yet, then judges its node', async () => {
    const old = daemonPodOn('node-3').metadata.name;
    expect((await kc(['-n', NS, 'delete', 'pod', old, '--wait=false'])).code).toBe(0);
    await waitFor("the DaemonSet's new pod on node-3 running", () => {
      const p = daemonPodOn('node-3');
      return p && p.metadata.name !== old && p.status?.phase === 'Running';
    });
    // A port nothing listens on yet: the agent of node-3 is still starting.
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    expect((await kc(['-n', NS, 'annotate', 'pod', daemonPodOn('node-3').metadata.name, `test.kubectl-odoo.io/port-8765=127.0.0.1:${port}`])).code).toBe(0);
    const checking = odoo(['nodes', 'check', 'node-3', '-o', 'json']);
    await new Promise((r) => setTimeout(r, 1500));
    // It starts listening: a relay to the agent of node-2 answers for it.
    const relay = createServer((sock) => {
      const up = connect(agent2.port, '127.0.0.1');
      sock.pipe(up).pipe(sock);
      up.on('error', () => sock.destroy());
      sock.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => relay.listen(port, '127.0.0.1', () => r()));
    try {
      const r = await checking;
      const node = JSON.parse(r.stdout).nodes[0];
      expect(node.error, r.stderr).toBeUndefined();
      expect(node.devices.map((d: any) => d.device)).toEqual([wipeTarget]);
    } finally {
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });
});
