// The single executable (npm run build:binary) where no Node.js is reachable: a chroot holding only the
// binary, the C libraries it links, and a shell for the completion helper, run with `env -i` and
// PATH=/bin. It answers --help, version (client only, and with the test cluster's server version),
// completion (also through kubectl_complete-odoo, as kubectl calls it) and lists instances from the test
// cluster, which needs its compressed chunks (the app and the Kubernetes client) to load inside the
// executable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, ROOT } from '../harness/plugin.js';
import { applyObjects, clusterWithNamespace, platformInstanceV1 } from '../instances/helpers.js';
import type { TestCluster } from '../cluster/index.js';
import { SERVER_VERSION } from '../cluster/discovery.js';
import { buildMinimalRoot, hostTools, runInRoot, type MinimalRoot } from './minimalRoot.js';

const onLinuxAmd64 = process.platform === 'linux' && process.arch === 'x64';

describe.skipIf(!onLinuxAmd64 && process.env.CI !== 'true')('the single executable without Node.js', () => {
  let root: MinimalRoot;
  let cluster: TestCluster;
  let built: string;

  beforeAll(async () => {
    // Built aside, not in dist/, so tests running beside this one never see a binary being replaced.
    built = mkdtempSync(join(tmpdir(), 'kubectl-odoo-binary-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-binary.mjs'), '--out', built], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    root = buildMinimalRoot({ '/bin/kubectl-odoo': join(built, 'kubectl-odoo-linux-amd64'), '/bin/kubectl_complete-odoo': join(DIST, 'kubectl_complete-odoo'), ...hostTools(['sh', 'readlink', 'dirname']) });
    cluster = await clusterWithNamespace();
    await applyObjects(cluster, platformInstanceV1({ db: 'acme', id: '3f2a9c1e-aaaa-bbbb-cccc-000000000001', subdomain: 'acme' }));
    copyFileSync(cluster.kubeconfigPath, join(root.dir, 'tmp', 'kubeconfig'));
  });
  afterAll(async () => {
    await cluster?.stop();
    root?.remove();
    if (built) rmSync(built, { recursive: true, force: true });
  });

  it('has no node to fall back on', async () => {
    expect(existsSync(join(root.dir, 'usr'))).toBe(false);
    const r = await runInRoot(root, ['/bin/sh', '-c', 'command -v node || echo "no node"']);
    expect(r.stdout.trim()).toBe('no node');
  });

  it('prints --help', async () => {
    const r = await runInRoot(root, ['kubectl-odoo', '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kubectl odoo <command> \[flags\]/);
    expect(r.stdout).toContain('nodes');
  });

  it('prints its version, with the Node.js built into it', async () => {
    const r = await runInRoot(root, ['kubectl-odoo', 'version', '--client']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(execFileSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' }));
    expect(r.stdout).toContain(`Plugin Version:        v${pkg.version}`);
    expect(r.stdout).toContain(`Node.js Version:       ${process.version}`);
  });

  it('prints its version and the version of the server it reached (the full app, not the --client fast path)', async () => {
    const r = await runInRoot(root, ['kubectl-odoo', 'version'], { KUBECONFIG: '/tmp/kubeconfig' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pkg = JSON.parse(execFileSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' }));
    expect(r.stdout).toContain(`Plugin Version:        v${pkg.version}`);
    expect(r.stdout).toContain(`Server Version:        ${SERVER_VERSION.gitVersion}`);
    expect(cluster.faults.requestLog.some((e) => e.path === '/version')).toBe(true);
  });

  it('prints the bash completion script and completes commands through kubectl_complete-odoo', async () => {
    const script = await runInRoot(root, ['kubectl-odoo', 'completion', 'bash']);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain('complete ');
    const words = await runInRoot(root, ['kubectl_complete-odoo', 'sta']);
    expect(words.code).toBe(0);
    // cobra's protocol, which kubectl reads: one "word<TAB>description" per line, then ":directive".
    const lines = words.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('\t')[0]).sort()).toEqual([':4', 'start', 'status']);
  });

  it('lists the instances of the test cluster', async () => {
    const r = await runInRoot(root, ['kubectl-odoo', '-n', 'saasodoo', 'list'], { KUBECONFIG: '/tmp/kubeconfig' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Piped, so tab-separated without a header.
    expect(r.stdout.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['odoo-acme-3f2a9c1e']);
  });
});

describe('building single executables for other platforms', () => {
  const build = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/build-binary.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

  it('refuses a platform it does not know, and a Node binary that is not there', () => {
    const bad = build(['--node', 'windows-amd64=/tmp/node.exe']);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('build-binary: --node windows-amd64=/tmp/node.exe: expected OS-ARCH=PATH with OS-ARCH one of linux-amd64, linux-arm64, darwin-amd64, darwin-arm64');
    const missing = build(['--node', 'linux-arm64=/nonexistent/bin/node']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe('build-binary: linux-arm64: Node binary /nonexistent/bin/node does not exist');
  });

  it.skipIf(!onLinuxAmd64 && process.env.CI !== 'true')('builds from a Node binary given with --node (no code cache, as for another platform)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-cross-'));
    try {
      copyFileSync(process.execPath, join(dir, 'node'));
      const r = build(['--node', `linux-amd64=${join(dir, 'node')}`, '--out', dir]);
      expect(r.status, r.stderr).toBe(0);
      const help = spawnSync(join(dir, 'kubectl-odoo-linux-amd64'), ['--help'], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^kubectl odoo <command> \[flags\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
