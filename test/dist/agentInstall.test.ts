// `kubectl odoo agent install --no-build` on the test cluster, whose kubelet runs the DaemonSet's pod as
// a real process: the bundled agent runs from the ConfigMap install made, after the tools check, and
// `nodes check` reaches it through the API server's port-forward. Then agent status, the version-skew
// warnings, and uninstall, which asks first and removes only what install created; then --image, which
// upgrade keeps until told --no-build. The agent commands
// run as a person bound only by manifests/agent-installer-rbac.yaml (the permissions the README
// documents), nodes check as the operator bound by manifests/operator-rbac.yaml.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import yaml from 'js-yaml';
import { INSTALLER_CONTEXT, OPERATOR_CONTEXT, startTestCluster, type TestCluster } from '../cluster/index.js';
import { kubectl, kubectlOdoo, type RunResult } from '../harness/plugin.js';
import { waitFor } from '../harness/waitFor.js';
import { freePort } from '../fixtures/postgres.js';

const NS = 'kubectl-odoo';
const DEVICE = '/dev/kubectl-odoo-test-no-such-device';
/** An image built from agent/Dockerfile, as --image takes it. */
const IMAGE = 'registry.example/odoo-node-agent:0.1.0';
// hostPath volumes of the DaemonSet (type DirectoryOrCreate) that the kubelet creates on this machine
// when missing; removed afterwards if this test made them. Deepest first.
const HOST_DIRS = ['/var/lib/kubelet/pods', '/var/lib/kubelet', '/run/udev', '/lib/modules'];

describe('kubectl odoo agent install --no-build, nodes check, agent uninstall', () => {
  let cluster: TestCluster;
  let dir: string;
  let env: Record<string, string>;
  let port: number;
  let madeHere: string[] = [];

  /** The agent commands as the agent installer; nodes as the operator. */
  const odoo = (args: string[], stdin?: string): Promise<RunResult> =>
    kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath, context: args[0] === 'agent' ? INSTALLER_CONTEXT : OPERATOR_CONTEXT, env, stdin, timeoutMs: 120_000 });
  const kc = (args: string[]) => kubectl(args, { kubeconfig: cluster.kubeconfigPath });
  const agentPods = () => cluster.store.list('pods', NS, 'app.kubernetes.io/name=odoo-node-agent').filter((p: any) => !p.metadata.deletionTimestamp);
  const exists = async (ref: string, ns?: string) => (await kc([...(ns ? ['-n', ns] : []), 'get', ref, '-o', 'name'])).code === 0;

  /** install as the README gives it; Kubernetes' tokens controller fills the token Secret meanwhile. */
  const install = () => odoo(['agent', 'install']);
  /** The token the tokens controller wrote, read from the cluster's store (never printed). */
  const agentToken = (): string => Buffer.from(cluster.store.get('secrets', NS, 'odoo-node-agent-token')?.data?.token ?? '', 'base64').toString();

  beforeAll(async () => {
    madeHere = HOST_DIRS.filter((d) => !existsSync(d));
    // Under /tmp, where the agent pod mounts an emptyDir: its volumes' sources there stay reachable.
    dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-agent-install-'));
    port = await freePort();
    cluster = await startTestCluster({ nodes: ['node-1'], runDaemonSetPods: true, storageClasses: false, configDir: join(dir, 'cluster') });
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `devices: [${DEVICE}]\nagentPort: ${port}\n`);
    env = { KUBECTL_ODOO_CONFIG: config };
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const d of madeHere) {
      try {
        rmdirSync(d); // only when empty: never anything else's
      } catch {
        /* not made, or not empty */
      }
    }
  });

  it('prints everything it would apply with --dry-run -o yaml, and applies nothing', async () => {
    const r = await odoo(['agent', 'install', '--dry-run', '-o', 'yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = yaml.loadAll(r.stdout) as any[];
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Namespace/kubectl-odoo',
      'ServiceAccount/odoo-node-agent',
      'ServiceAccount/odoo-node-agent-client',
      'Role/odoo-node-agent',
      'RoleBinding/odoo-node-agent',
      'ClusterRole/odoo-node-agent',
      'ClusterRoleBinding/odoo-node-agent',
      'Secret/odoo-node-agent-config',
      'Secret/odoo-node-agent-token',
      'ConfigMap/odoo-node-agent-bundle',
      'DaemonSet/odoo-node-agent',
    ]);
    const config = yaml.load(docs[7].stringData['config.yaml']) as any;
    expect(config.devices).toEqual([DEVICE]);
    expect(config.listen.port).toBe(port);
    expect(await exists(`namespace/${NS}`)).toBe(false);
  });

  it('says the agent is not installed, before install', async () => {
    const status = await odoo(['agent', 'status']);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe('error: the node agent is not installed by kubectl odoo in namespace kubectl-odoo\nRun "kubectl odoo agent install".\n');
    const upgrade = await odoo(['agent', 'upgrade']);
    expect(upgrade.code).toBe(1);
    expect(upgrade.stderr.split('\n')[0]).toBe('error: the node agent is not installed by kubectl odoo in namespace kubectl-odoo');
    const uninstall = await odoo(['agent', 'uninstall', '--yes']);
    expect(uninstall.code).toBe(1);
    expect(uninstall.stderr.split('\n')[0]).toBe('error: nothing of the node agent installed by kubectl odoo in namespace kubectl-odoo');
  });

  it('refuses --image together with --no-build, changing nothing', async () => {
    const r = await odoo(['agent', 'install', '--no-build', '--image', 'registry.example/odoo-node-agent:0.1.0']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --image and --no-build exclude each other: --image runs an image built from agent/Dockerfile, --no-build a stock Node.js image');
    expect(await exists(`namespace/${NS}`)).toBe(false);
  });

  it('installs, and the agent runs from its ConfigMap after the tools check', async () => {
    const r = await install();
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'namespace/kubectl-odoo serverside-applied',
      'serviceaccount/odoo-node-agent serverside-applied',
      'serviceaccount/odoo-node-agent-client serverside-applied',
      'role.rbac.authorization.k8s.io/odoo-node-agent serverside-applied',
      'rolebinding.rbac.authorization.k8s.io/odoo-node-agent serverside-applied',
      'clusterrole.rbac.authorization.k8s.io/odoo-node-agent serverside-applied',
      'clusterrolebinding.rbac.authorization.k8s.io/odoo-node-agent serverside-applied',
      'secret/odoo-node-agent-config serverside-applied',
      'secret/odoo-node-agent-token serverside-applied',
      'configmap/odoo-node-agent-bundle serverside-applied',
      'daemonset.apps/odoo-node-agent serverside-applied',
    ]);
    expect(agentToken()).not.toBe('');
    // Compared as a boolean, so that a failure does not print the token either.
    expect((r.stdout + r.stderr).includes(agentToken())).toBe(false);
    await waitFor('the agent pod ready', () => agentPods().some((p: any) => p.status?.containerStatuses?.[0]?.ready));
    const [pod] = agentPods();
    expect(pod.status.initContainerStatuses.map((s: any) => [s.name, s.state.terminated?.exitCode])).toEqual([['check-tools', 0]]);
    const logs = await kc(['-n', NS, 'logs', pod.metadata.name, '-c', 'check-tools']);
    expect(logs.stdout).toContain('tools present: blkid lsblk');
  });

  it('checks the node through the agent that install started', async () => {
    const r = await odoo(['nodes', 'check', '-o', 'json']);
    expect(r.code).toBe(1); // the configured device does not exist here
    const out = JSON.parse(r.stdout);
    expect(out.nodes.map((n: any) => [n.node, n.source, n.error])).toEqual([['node-1', 'agent', undefined]]);
    expect(out.nodes[0].devices.map((d: any) => [d.device, d.verdict])).toEqual([[DEVICE, 'NOT_READY']]);
    expect(r.stderr).not.toContain('Warning: the agent on');
  });

  it('shows per node the pod, version, image and readiness', async () => {
    const r = await odoo(['agent', 'status', '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.mode).toBe('no-build');
    expect(out.nodes.map((n: any) => [n.node, n.pod, n.version, n.image, n.ready, n.status])).toEqual([
      ['node-1', agentPods()[0].metadata.name, out.pluginVersion, 'node:22-bookworm-slim', true, 'Running'],
    ]);
    // The agent writes its summary through the API with the service account token mounted in its pod.
    const row = await waitFor('the agent summary', async () => {
      const cells = (await odoo(['agent', 'status'])).stdout.split('\n')[0].split('\t');
      return cells[7] !== '<none>' ? cells : undefined;
    });
    expect(row.slice(0, 7)).toEqual(['node-1', agentPods()[0].metadata.name, out.pluginVersion, 'node:22-bookworm-slim', 'true', 'Running', '0']);
    expect(row[7]).toMatch(/^\d+s$/);
  });

  it('refuses a second install and says to upgrade', async () => {
    const r = await odoo(['agent', 'install']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the node agent is already installed in namespace kubectl-odoo \(version [^)]+\); nothing was changed\nRun "kubectl odoo agent upgrade"/);
  });

  it('warns in agent status and nodes check when an agent is another version', async () => {
    const pod = agentPods()[0].metadata.name;
    expect((await kc(['-n', NS, 'label', 'pod', pod, '--overwrite', 'app.kubernetes.io/version=0.0.9'])).code).toBe(0);
    const status = await odoo(['agent', 'status']);
    expect(status.stderr).toMatch(/^Warning: the agent on node-1 is version 0\.0\.9, this plugin is \S+: run "kubectl odoo agent upgrade"$/m);
    const check = await odoo(['nodes', 'check']);
    expect(check.stderr).toMatch(/^Warning: the agent on node-1 is version 0\.0\.9/m);
  });

  it('upgrades to the current config: the agent restarts with it and judges the new device', async () => {
    const before = agentPods()[0].metadata.name;
    writeFileSync(env.KUBECTL_ODOO_CONFIG, `devices: [${DEVICE}-2]\nagentPort: ${port}\n`);
    const r = await odoo(['agent', 'upgrade']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('daemonset.apps/odoo-node-agent serverside-applied');
    expect(r.stderr).toMatch(/^The node agent goes from version \S+ to \S+, one node at a time/m);
    await waitFor('the agent pod replaced and ready', () => agentPods().some((p: any) => p.metadata.name !== before && p.status?.containerStatuses?.[0]?.ready));
    // The old pod listens on the same host port until it is gone.
    await waitFor('the old agent pod gone', () => !cluster.store.get('pods', NS, before));
    const check = await odoo(['nodes', 'check', '-o', 'json']);
    expect(JSON.parse(check.stdout).nodes[0].devices.map((d: any) => d.device), check.stdout + check.stderr).toEqual([`${DEVICE}-2`]);
    // The version label set by hand on the old pod is gone with it.
    expect(check.stderr).not.toContain('Warning: the agent on');
  });

  it('asks before uninstalling, and a wrong answer deletes nothing', async () => {
    const none = await odoo(['agent', 'uninstall']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('confirmation needed but stdin gave no answer: pass --yes');
    const wrong = await odoo(['agent', 'uninstall'], 'no\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('not confirmed; nothing was deleted');
    expect(await exists('daemonset/odoo-node-agent', NS)).toBe(true);
  });

  it('uninstalling from a namespace the agent is not in removes nothing, the cluster-wide objects of this one included', async () => {
    const bad = await odoo(['agent', 'uninstall', '--agent-namespace', 'Bad', '--yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('error: invalid --agent-namespace "Bad": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    const other = await odoo(['agent', 'uninstall', '--agent-namespace', 'elsewhere', '--yes']);
    expect(other.code).toBe(1);
    expect(other.stderr.split('\n')[0]).toBe('error: nothing of the node agent installed by kubectl odoo in namespace elsewhere');
    expect(await exists('clusterrole/odoo-node-agent')).toBe(true);
    expect(await exists('clusterrolebinding/odoo-node-agent')).toBe(true);
    expect(await exists('daemonset/odoo-node-agent', NS)).toBe(true);
  });

  it('uninstalls what it installed, the namespace it created included', async () => {
    const r = await odoo(['agent', 'uninstall'], `${NS}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')[0]).toBe('daemonset.apps/odoo-node-agent deleted');
    expect(r.stdout.trim().split('\n').pop()).toBe('namespace/kubectl-odoo deleted');
    await waitFor('the agent namespace gone', async () => !(await exists(`namespace/${NS}`)));
    expect(await exists('clusterrole/odoo-node-agent')).toBe(false);
    expect(await exists('clusterrolebinding/odoo-node-agent')).toBe(false);
    await waitFor('the agent process stopped', () => cluster.store.list('pods', NS).length === 0);
  });

  it('is refused with one rule of the installer role fewer, before it changes anything', async () => {
    const role = cluster.store.get('clusterroles', undefined, 'kubectl-odoo-agent-installer');
    const rules = role.rules;
    const without = rules.filter((r: any) => !r.resources.includes('daemonsets'));
    expect(without.length).toBe(rules.length - 1);
    expect((await kc(['patch', 'clusterrole', 'kubectl-odoo-agent-installer', '--type', 'merge', '-p', JSON.stringify({ rules: without })])).code).toBe(0);
    try {
      const r = await odoo(['agent', 'install']);
      expect(r.code).toBe(1);
      const [first, hint] = r.stderr.split('\n');
      expect(first).toMatch(/^error: forbidden: daemonsets\.apps "odoo-node-agent" is forbidden: User "agent-installer" cannot \S+ resource "daemonsets" in API group "apps" in the namespace "kubectl-odoo"$/);
      expect(hint).toContain('ClusterRole kubectl-odoo-agent-installer in manifests/agent-installer-rbac.yaml grants it');
      expect(await exists(`namespace/${NS}`)).toBe(false);
    } finally {
      expect((await kc(['patch', 'clusterrole', 'kubectl-odoo-agent-installer', '--type', 'merge', '-p', JSON.stringify({ rules })])).code).toBe(0);
    }
  });

  it('is refused without a permission the agent\'s roles grant: Kubernetes refuses to grant what the installer does not hold', async () => {
    const rules = cluster.store.get('clusterroles', undefined, 'kubectl-odoo-agent-installer').rules;
    const without = rules.filter((r: any) => !r.resources.includes('persistentvolumeclaims'));
    expect(without.length).toBe(rules.length - 1);
    expect((await kc(['patch', 'clusterrole', 'kubectl-odoo-agent-installer', '--type', 'merge', '-p', JSON.stringify({ rules: without })])).code).toBe(0);
    try {
      const r = await odoo(['agent', 'install']);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').slice(0, 2)).toEqual([
        'error: forbidden: clusterroles.rbac.authorization.k8s.io "odoo-node-agent" is forbidden: user "agent-installer" (groups=["kubectl-odoo-agent-installers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:',
        '{APIGroups:[""], Resources:["persistentvolumeclaims"], Verbs:["get" "list"]}',
      ]);
      expect(await exists('clusterrole/odoo-node-agent')).toBe(false);
    } finally {
      expect((await kc(['patch', 'clusterrole', 'kubectl-odoo-agent-installer', '--type', 'merge', '-p', JSON.stringify({ rules })])).code).toBe(0);
    }
    // What it applied before the refusal, uninstall removes.
    const gone = await odoo(['agent', 'uninstall', '--yes']);
    expect(gone.code, gone.stderr).toBe(0);
    await waitFor('the agent namespace gone', async () => !(await exists(`namespace/${NS}`)));
  });

  it('leaves a namespace it did not create, and what others put there', async () => {
    expect((await kc(['create', 'namespace', NS])).code).toBe(0);
    expect((await kc(['-n', NS, 'create', 'configmap', 'team-notes', '--from-literal=owner=platform'])).code).toBe(0);
    const r = await install();
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('namespace/kubectl-odoo unchanged (exists, left as it is)');
    // -o json prints what the API server holds after the apply, never the agent token.
    const upgraded = await odoo(['agent', 'upgrade', '-o', 'json']);
    expect(upgraded.code).toBe(0);
    const items = JSON.parse(upgraded.stdout).items;
    expect(items.find((o: any) => o.metadata.name === 'odoo-node-agent-token').data).toEqual({ 'ca.crt': '<redacted>', namespace: '<redacted>', token: '<redacted>' });
    expect(upgraded.stdout.includes(agentToken())).toBe(false);
    expect(upgraded.stdout.includes(Buffer.from(agentToken()).toString('base64'))).toBe(false);
    const gone = await odoo(['agent', 'uninstall', '--yes']);
    expect(gone.code).toBe(0);
    expect(gone.stdout).not.toContain('namespace/');
    expect(await exists(`namespace/${NS}`)).toBe(true);
    expect(await exists('configmap/team-notes', NS)).toBe(true);
    for (const ref of ['daemonset/odoo-node-agent', 'configmap/odoo-node-agent-bundle', 'secret/odoo-node-agent-token', 'serviceaccount/odoo-node-agent']) expect(await exists(ref, NS), ref).toBe(false);
  });

  it('installs with --image: the DaemonSet runs that image, with no bundle and no tools check, and agent status shows it', async () => {
    const r = await odoo(['agent', 'install', '--image', IMAGE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('configmap/odoo-node-agent-bundle');
    const spec = cluster.store.get('daemonsets', NS, 'odoo-node-agent').spec.template.spec;
    expect(spec.containers.map((c: any) => [c.name, c.image])).toEqual([['agent', IMAGE]]);
    expect(spec.initContainers).toBeUndefined();
    expect(await exists('configmap/odoo-node-agent-bundle', NS)).toBe(false);
    // The test kubelet runs host tools, never images: the agent that the image holds at /opt/odoo-node-agent is
    // not there, so the container exits and restarts, as with an image that cannot run. What the user sees is
    // the image it runs and its restarts (ready flips with each short run: the agent has no readiness probe).
    const pod = await waitFor('the agent container of the image restarted', () => agentPods().find((p: any) => p.spec.containers[0].image === IMAGE && p.status?.containerStatuses?.[0]?.restartCount >= 1));
    const out = JSON.parse((await odoo(['agent', 'status', '-o', 'json'])).stdout);
    expect(out.mode).toBe('image');
    expect(out.nodes.map((n: any) => [n.node, n.pod, n.version, n.image])).toEqual([['node-1', pod.metadata.name, out.pluginVersion, IMAGE]]);
    expect(out.nodes[0].restarts).toBeGreaterThanOrEqual(1);
    const table = await odoo(['agent', 'status']);
    expect(table.stdout.split('\n')[0].split('\t').slice(0, 4)).toEqual(['node-1', pod.metadata.name, out.pluginVersion, IMAGE]);
  });

  it('upgrade keeps the image it was installed with; upgrade --no-build moves it to the bundled agent', async () => {
    writeFileSync(env.KUBECTL_ODOO_CONFIG, `devices: [${DEVICE}-3]\nagentPort: ${port}\n`);
    const kept = await odoo(['agent', 'upgrade']);
    expect(kept.code, kept.stderr).toBe(0);
    const ds = cluster.store.get('daemonsets', NS, 'odoo-node-agent');
    expect(ds.metadata.annotations['kubectl-odoo.io/agent-install']).toBe('image');
    expect(ds.spec.template.spec.containers[0].image).toBe(IMAGE);
    expect(ds.spec.template.spec.initContainers).toBeUndefined();
    expect(await exists('configmap/odoo-node-agent-bundle', NS)).toBe(false);
    expect(JSON.parse((await odoo(['agent', 'status', '-o', 'json'])).stdout).mode).toBe('image');

    const moved = await odoo(['agent', 'upgrade', '--no-build']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('configmap/odoo-node-agent-bundle serverside-applied');
    await waitFor('the bundled agent ready', () => agentPods().some((p: any) => p.spec.containers[0].image === 'node:22-bookworm-slim' && p.status?.containerStatuses?.[0]?.ready));
    const out = JSON.parse((await odoo(['agent', 'status', '-o', 'json'])).stdout);
    expect(out.mode).toBe('no-build');
    expect(out.nodes.map((n: any) => [n.image, n.ready])).toEqual([['node:22-bookworm-slim', true]]);
    // And the next plain upgrade keeps that mode.
    expect((await odoo(['agent', 'upgrade'])).code).toBe(0);
    expect(cluster.store.get('daemonsets', NS, 'odoo-node-agent').spec.template.spec.containers[0].image).toBe('node:22-bookworm-slim');
    const gone = await odoo(['agent', 'uninstall', '--yes']);
    expect(gone.code, gone.stderr).toBe(0);
    await waitFor('the agent process stopped', () => agentPods().length === 0);
  });
});

describe('the permissions agent install documents', () => {
  it('are the rules of the ClusterRole shipped in manifests/agent-installer-rbac.yaml', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## The node agent: install, status, upgrade, uninstall'));
    const block = /Who runs `agent install`[^]*?```yaml\n([^]*?)```/.exec(section);
    expect(block).not.toBeNull();
    const documented = yaml.loadAll(block![1]) as any[];
    const shipped = yaml.loadAll(readFileSync(new URL('../../manifests/agent-installer-rbac.yaml', import.meta.url), 'utf8')) as any[];
    const role = (docs: any[]) => docs.find((d) => d?.kind === 'ClusterRole' && d.metadata.name === 'kubectl-odoo-agent-installer');
    expect(role(documented)).toBeDefined();
    expect(role(documented).rules).toEqual(role(shipped).rules);
    const binding = shipped.find((d) => d?.kind === 'ClusterRoleBinding');
    expect(binding.roleRef.name).toBe('kubectl-odoo-agent-installer');
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubectl-odoo-agent-installers' }]);
  });
});

// Each permission of manifests/agent-installer-rbac.yaml, taken away alone, makes an agent command fail
// with a 403: so the role the README documents holds nothing the commands do not need. A refused install
// stops at its first 403; between cases the role is restored and the cluster brought back to the state the
// next command starts from (nothing installed for install, installed for the others).
type AgentVerb = 'install' | 'status' | 'upgrade' | 'uninstall';
/** rbac: the authorizer's refusal; create: the create check of a server-side apply that creates; escalation: a Role or binding granting what the installer lacks. */
type Refusal = 'rbac' | 'create' | 'escalation';
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const NEEDED: [group: string, resource: string, verb: string, command: AgentVerb, refusal: Refusal][] = [
  ['', 'namespaces', 'get', 'install', 'rbac'],
  ['', 'namespaces', 'create', 'install', 'create'],
  ['', 'namespaces', 'patch', 'install', 'rbac'],
  ['', 'serviceaccounts', 'get', 'install', 'rbac'],
  ['', 'serviceaccounts', 'create', 'install', 'create'],
  ['', 'serviceaccounts', 'patch', 'install', 'rbac'],
  ['', 'secrets', 'get', 'install', 'rbac'],
  ['', 'secrets', 'create', 'install', 'create'],
  ['', 'secrets', 'patch', 'install', 'rbac'],
  ['', 'configmaps', 'get', 'install', 'rbac'],
  // The agent's Role grants these on configmaps: the Role, applied before the ConfigMap, is refused first.
  ['', 'configmaps', 'create', 'install', 'escalation'],
  ['', 'configmaps', 'update', 'install', 'escalation'],
  ['', 'configmaps', 'patch', 'install', 'escalation'],
  ['apps', 'daemonsets', 'get', 'install', 'rbac'],
  ['apps', 'daemonsets', 'create', 'install', 'create'],
  ['apps', 'daemonsets', 'patch', 'install', 'rbac'],
  ...(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'] as const).flatMap((r) => [
    [RBAC_GROUP, r, 'get', 'install', 'rbac'] as const,
    [RBAC_GROUP, r, 'create', 'install', 'create'] as const,
    [RBAC_GROUP, r, 'patch', 'install', 'rbac'] as const,
  ]),
  ['', 'pods', 'get', 'install', 'escalation'],
  ['', 'pods', 'list', 'install', 'escalation'],
  ['', 'persistentvolumeclaims', 'get', 'install', 'escalation'],
  ['', 'persistentvolumeclaims', 'list', 'install', 'escalation'],
  ['', 'nodes', 'list', 'status', 'rbac'],
  ['', 'configmaps', 'list', 'status', 'rbac'],
  ['', 'namespaces', 'delete', 'uninstall', 'rbac'],
  ['', 'serviceaccounts', 'delete', 'uninstall', 'rbac'],
  ['', 'secrets', 'delete', 'uninstall', 'rbac'],
  ['', 'configmaps', 'delete', 'uninstall', 'rbac'],
  ['apps', 'daemonsets', 'delete', 'uninstall', 'rbac'],
  ...(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'] as const).map((r) => [RBAC_GROUP, r, 'delete', 'uninstall', 'rbac'] as const),
] as any;

/** The rules with one verb on one resource taken away (the rest of its rule kept). */
function withoutPermission(rules: any[], group: string, resource: string, verb: string): any[] {
  return rules.flatMap((rule) => {
    if (!rule.apiGroups.includes(group) || !rule.resources.includes(resource) || !rule.verbs.includes(verb)) return [rule];
    const others = rule.resources.filter((r: string) => r !== resource);
    const verbs = rule.verbs.filter((v: string) => v !== verb);
    return [...(others.length ? [{ ...rule, resources: others }] : []), ...(verbs.length ? [{ ...rule, resources: [resource], verbs }] : [])];
  });
}

describe('every permission of the agent installer role is needed by an agent command', () => {
  const ROLE = 'kubectl-odoo-agent-installer';
  let cluster: TestCluster;
  let dir: string;
  let env: Record<string, string>;
  let rules: any[];
  let state: 'absent' | 'installed' | 'unknown' = 'absent';

  /** As the cluster admin (the kubeconfig's current context) unless a context is given. */
  const run = (args: string[], context: string | null = null) => kubectlOdoo(args, { kubeconfig: cluster.kubeconfigPath, context, env, timeoutMs: 120_000 });
  const setRules = (r: any[]) => cluster.store.update('clusterroles', { ...cluster.store.get('clusterroles', undefined, ROLE), rules: r });
  const leftovers = () => [cluster.store.get('namespaces', undefined, NS), cluster.store.get('clusterroles', undefined, 'odoo-node-agent'), cluster.store.get('clusterrolebindings', undefined, 'odoo-node-agent')].filter(Boolean);

  /** As a cluster admin: remove whatever a refused command left, then install if the command needs it. */
  async function bringTo(want: 'absent' | 'installed'): Promise<void> {
    if (state === want) return;
    if (state !== 'absent') {
      await run(['agent', 'uninstall', '--yes']);
      await waitFor('nothing of the agent left', () => leftovers().length === 0);
      state = 'absent';
    }
    if (want === 'installed') {
      const r = await run(['agent', 'install']);
      expect(r.code, r.stderr).toBe(0);
      state = 'installed';
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-installer-role-'));
    cluster = await startTestCluster({ nodes: ['node-1'], kubelet: false, storageClasses: false, configDir: join(dir, 'cluster') });
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `devices: [${DEVICE}]\n`);
    env = { KUBECTL_ODOO_CONFIG: config };
    rules = structuredClone(cluster.store.get('clusterroles', undefined, ROLE).rules);
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the table names every verb on every resource of the role, once', () => {
    const granted = rules.flatMap((r: any) => r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${g}/${res}/${v}`))));
    expect(NEEDED.map(([g, res, v]) => `${g}/${res}/${v}`).sort()).toEqual([...granted].sort());
  });

  it.each(NEEDED)('without %s %s %s: agent %s is refused (%s)', async (group, resource, verb, command, refusal) => {
    await bringTo(command === 'install' ? 'absent' : 'installed');
    setRules(withoutPermission(rules, group, resource, verb));
    let r: RunResult;
    try {
      r = await run(['agent', command, ...(command === 'uninstall' ? ['--yes'] : [])], INSTALLER_CONTEXT);
    } finally {
      setRules(rules);
    }
    if (command === 'install' || command === 'uninstall') state = 'unknown';
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const lines = r.stderr.split('\n');
    const gr = group ? `${resource}.${group}` : resource;
    const where = `API group "${group}"`;
    if (refusal === 'escalation') {
      expect(lines[0]).toMatch(new RegExp(`^error: forbidden: \\S+ "odoo-node-agent" is forbidden: user "agent-installer" \\(groups=.*\\) is attempting to grant RBAC permissions not currently held:$`));
      expect(lines.slice(1)).toContain(`{APIGroups:["${group}"], Resources:["${resource}"], Verbs:["${verb}"]}`);
    } else {
      const said = refusal === 'create' ? `server-side apply creates it, which needs "create" on resource "${resource}" in ${where}` : `User "agent-installer" cannot ${verb} resource "${resource}" in ${where}`;
      expect(lines[0]).toMatch(/^error: forbidden: /);
      expect(lines[0]).toContain(`${gr} `);
      expect(lines[0]).toContain(said);
      expect(r.stderr).toContain(`may not "${verb}" on "${resource}"`);
      expect(r.stderr).toContain('ClusterRole kubectl-odoo-agent-installer in manifests/agent-installer-rbac.yaml grants it');
    }
  });
});
