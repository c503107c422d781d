import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentAssets } from './assets.js';
import { buildAgentObjects, CHECK_TOOLS_SCRIPT, createdByInstall, objectRef, selectAgentDocuments, type AgentInstallOptions } from './agentObjects.js';
import { parseYaml } from '../../../lib/yaml.js';

const docs = selectAgentDocuments(agentAssets().manifests);
const noBuild = (over: Partial<AgentInstallOptions> = {}): AgentInstallOptions => ({
  namespace: 'kubectl-odoo',
  version: '0.1.0',
  mode: { kind: 'no-build', nodeImage: 'node:22-bookworm-slim', agentScript: 'console.log("agent")\n' },
  devices: ['/dev/sda2'],
  port: 8765,
  ...over,
});
// The objects as their JSON, read freely.
const build = (opts: AgentInstallOptions) => buildAgentObjects(docs, opts) as any[];
const daemonSet = (objs: any[]) => objs.find((o) => o.kind === 'DaemonSet');

describe('buildAgentObjects', () => {
  it('applies the agent objects of manifests/ in dependency order, the DaemonSet last', () => {
    const objs = build(noBuild());
    expect(objs.map(objectRef)).toEqual([
      'namespace/kubectl-odoo',
      'serviceaccount/odoo-node-agent',
      'serviceaccount/odoo-node-agent-client',
      'role.rbac.authorization.k8s.io/odoo-node-agent',
      'rolebinding.rbac.authorization.k8s.io/odoo-node-agent',
      'clusterrole.rbac.authorization.k8s.io/odoo-node-agent',
      'clusterrolebinding.rbac.authorization.k8s.io/odoo-node-agent',
      'secret/odoo-node-agent-config',
      'secret/odoo-node-agent-token',
      'configmap/odoo-node-agent-bundle',
      'daemonset.apps/odoo-node-agent',
    ]);
    for (const o of objs) expect(createdByInstall(o), objectRef(o)).toBe(true);
    // The operators' RBAC and the instances' namespace are not the agent's.
    expect(objs.some((o) => o.metadata.namespace === 'saasodoo' || o.metadata.name === 'saasodoo')).toBe(false);
  });

  it('moves everything to the agent namespace, bindings included', () => {
    const objs = build(noBuild({ namespace: 'ops-agent' }));
    expect(objs[0].metadata.name).toBe('ops-agent');
    for (const o of objs.filter((x) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind))) expect(o.metadata.namespace, objectRef(o)).toBe('ops-agent');
    for (const b of objs.filter((x) => x.subjects)) expect(b.subjects.map((s: any) => s.namespace)).toEqual(['ops-agent']);
  });

  it('with --no-build: a stock image, the agent from a ConfigMap, and a tools check first', () => {
    const objs = build(noBuild());
    const pod = daemonSet(objs).spec.template.spec;
    const agent = pod.containers[0];
    expect(agent.image).toBe('node:22-bookworm-slim');
    expect(agent.command.slice(0, 2)).toEqual(['node', '/opt/odoo-node-agent/odoo-node-agent.mjs']);
    expect(agent.volumeMounts).toContainEqual({ name: 'agent-bundle', mountPath: '/opt/odoo-node-agent', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'agent-bundle', configMap: { name: 'odoo-node-agent-bundle', defaultMode: 0o555 } });
    expect(pod.initContainers.map((c: any) => [c.name, c.image, c.command])).toEqual([['check-tools', 'node:22-bookworm-slim', ['sh', '/opt/odoo-node-agent/check-tools.sh']]]);
    const bundle = objs.find((o) => o.kind === 'ConfigMap');
    expect(bundle.data['odoo-node-agent.mjs']).toBe('console.log("agent")\n');
    expect(daemonSet(objs).metadata.annotations['kubectl-odoo.io/agent-install']).toBe('no-build');
  });

  it('with --image: that image, no ConfigMap, no init step', () => {
    const objs = build(noBuild({ mode: { kind: 'image', image: 'registry.example/odoo-node-agent:0.1.0' } }));
    const pod = daemonSet(objs).spec.template.spec;
    expect(pod.containers[0].image).toBe('registry.example/odoo-node-agent:0.1.0');
    expect(pod.initContainers).toBeUndefined();
    expect(objs.some((o) => o.kind === 'ConfigMap')).toBe(false);
  });

  it('writes the devices and port of the plugin config into the agent config, wiping off', () => {
    const objs = build(noBuild({ devices: ['/dev/sdb1', '/dev/sdc1'], port: 9100 }));
    const config = parseYaml(objs.find((o) => o.metadata.name === 'odoo-node-agent-config').stringData['config.yaml']) as any;
    expect(config.devices).toEqual(['/dev/sdb1', '/dev/sdc1']);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(config.wipe).toEqual({ enabled: false });
    expect(daemonSet(objs).spec.template.spec.containers[0].ports).toEqual([{ name: 'agent', containerPort: 9100, protocol: 'TCP' }]);
  });

  it('labels the pods with the version and rolls them when the agent or its config changes', () => {
    const a = daemonSet(build(noBuild()));
    const b = daemonSet(build(noBuild({ mode: { kind: 'no-build', nodeImage: 'node:22-bookworm-slim', agentScript: 'other' } })));
    const c = daemonSet(build(noBuild({ devices: ['/dev/sdb1'] })));
    expect(a.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('0.1.0');
    expect(a.spec.selector).toEqual(b.spec.selector);
    expect(a.spec.template.metadata.annotations).not.toEqual(b.spec.template.metadata.annotations);
    expect(a.spec.template.metadata.annotations).not.toEqual(c.spec.template.metadata.annotations);
  });

  it('refuses a bundled agent that would not fit a ConfigMap', () => {
    expect(() => build(noBuild({ mode: { kind: 'no-build', nodeImage: 'n', agentScript: 'x'.repeat(1024 * 1024) } }))).toThrow(/over the 1 MiB limit/);
  });

  it('fits the real bundled agent into its ConfigMap', () => {
    const objs = build(noBuild({ mode: { kind: 'no-build', nodeImage: 'n', agentScript: agentAssets().agent } }));
    expect(Buffer.byteLength(JSON.stringify(objs.find((o) => o.kind === 'ConfigMap')))).toBeLessThan(1024 * 1024);
  });
});

describe('the tools check of --no-build', () => {
  const run = (tools: string[]) => {
    const bin = mkdtempSync(join(tmpdir(), 'check-tools-'));
    try {
      for (const t of tools) symlinkSync(execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim(), join(bin, t));
      writeFileSync(join(bin, 'check-tools.sh'), CHECK_TOOLS_SCRIPT);
      return spawnSync('/bin/sh', [join(bin, 'check-tools.sh')], { env: { PATH: bin, AGENT_IMAGE: 'node:22-bookworm-slim' }, encoding: 'utf8' });
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  };

  it.each([
    [['blkid', 'lsblk', 'pvs'], 0, /note: chronyc is not in image node:22-bookworm-slim/],
    [['blkid'], 1, /image node:22-bookworm-slim lacks the tools the agent needs: lsblk \(Debian package util-linux\)/],
    [[], 1, /lacks the tools the agent needs: blkid lsblk/],
  ])('with %j on PATH exits %i', (tools, code, message) => {
    const r = run(tools);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});
