// Connection flags and the API access layer as users meet them, against the test cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { kubectl, kubectlOdoo } from '../harness/plugin.js';

let cluster: TestCluster;
let dir: string;

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false, controllers: false });
  dir = mkdtempSync(join(tmpdir(), 'kco-cli-'));
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('version against a cluster', () => {
  it('prints the server version it reached', async () => {
    const r = await kubectlOdoo(['version'], { kubeconfig: cluster.kubeconfigPath });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Server Version:\s+v1\.\d+\.\d+/);
    const json = JSON.parse((await kubectlOdoo(['version', '-o', 'json'], { kubeconfig: cluster.kubeconfigPath })).stdout);
    expect(json.server.gitVersion).toMatch(/^v1\./);
  });

  it('authenticates with a client certificate context too (--context)', async () => {
    const before = cluster.faults.requestLog.length;
    const r = await kubectlOdoo(['version', '--context', 'test-cluster-cert'], { kubeconfig: cluster.kubeconfigPath });
    expect(r.stdout).toMatch(/Server Version:/);
    const mine = cluster.faults.requestLog.slice(before).filter((e) => e.path === '/version');
    expect(mine.at(-1)?.user).toBeTruthy();
    expect(mine.at(-1)?.status).toBe(200);
  });

  it('merges several KUBECONFIG files as kubectl does: the first current-context wins', async () => {
    // The first file only selects the context; the cluster, user and context come from the second.
    const selector = join(dir, 'select.yaml');
    writeFileSync(selector, 'apiVersion: v1\nkind: Config\ncurrent-context: test-cluster-cert\n');
    const r = await kubectlOdoo(['version', '-o', 'json', '-v', '6'], { env: { KUBECONFIG: `${selector}:${cluster.kubeconfigPath}` } });
    expect(JSON.parse(r.stdout).server.gitVersion).toMatch(/^v1\./);
    // -v 6 logs each request with its status, as kubectl does.
    expect(r.stderr).toMatch(new RegExp(`GET ${cluster.url.replace(/[.]/g, '\\.')}/version 200 in \\d+ milliseconds`));
  });

  it('retries 503 with backoff before answering', async () => {
    const f = cluster.faults.add({ path: '/version', status: 503, times: 2 });
    const r = await kubectlOdoo(['version', '-v', '6'], { kubeconfig: cluster.kubeconfigPath });
    f.remove();
    expect(r.stdout).toMatch(/Server Version:/);
    expect(f.hits).toBe(2);
    expect(r.stderr.match(/\/version 503 in/g), r.stderr).toHaveLength(2);
  });

  it('waits as long as a 429 Retry-After says', async () => {
    const f = cluster.faults.add({ path: '/version', status: 429, retryAfterSeconds: 1, times: 1 });
    const r = await kubectlOdoo(['version', '-v', '6'], { kubeconfig: cluster.kubeconfigPath });
    f.remove();
    expect(r.stdout).toMatch(/Server Version:/);
    expect(r.stderr).toMatch(/retrying GET \/version in 1000 ms \(attempt 2\/6\)/);
  });

  it('gives up after the configured attempts with a sentence, not a stack', async () => {
    const cfg = join(dir, 'kco.yaml');
    writeFileSync(cfg, 'retry: {maxAttempts: 2, baseDelayMs: 10}\n');
    const f = cluster.faults.add({ path: '/version', reset: true });
    const r = await kubectlOdoo(['version'], { kubeconfig: cluster.kubeconfigPath, env: { KUBECTL_ODOO_CONFIG: cfg } });
    f.remove();
    expect(f.hits).toBe(2);
    expect(r.stderr).toMatch(/Server Version: unavailable: the connection to the API server 127\.0\.0\.1:\d+ was reset \(after 2 attempts\)/);
  });

  it('a wrong CA is reported as a certificate problem', async () => {
    const bad = join(dir, 'badca.yaml');
    writeFileSync(bad, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster: {server: "${cluster.url}"}\nusers:\n- name: u\n  user: {token: "${cluster.token}"}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\n`);
    const r = await kubectlOdoo(['version'], { kubeconfig: bad });
    expect(r.stderr).toMatch(/TLS certificate was rejected .*certificate-authority/);
  });
});

describe('confirmations', () => {
  it('a destructive command without a terminal or --yes is refused with exit 2 and changes nothing', async () => {
    await kubectl(['create', 'namespace', 'saasodoo'], { kubeconfig: cluster.kubeconfigPath });
    await kubectl(['-n', 'saasodoo', 'create', 'secret', 'generic', 'odoo-db-credentials', '--from-literal=username=odoo', '--from-literal=password=pw'], { kubeconfig: cluster.kubeconfigPath });
    const created = await kubectlOdoo(['create', 'confirmme', '--customer', 'c1', '--ingress', 'none'], { kubeconfig: cluster.kubeconfigPath });
    expect(created.code, created.stderr).toBe(0);
    const r = await kubectlOdoo(['delete', 'confirmme'], { kubeconfig: cluster.kubeconfigPath, stdin: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: confirmation needed but stdin gave no answer: pass --yes to confirm without a prompt/);
    expect(cluster.store.get('deployments', 'saasodoo', 'confirmme')).toBeDefined();
    const wrong = await kubectlOdoo(['delete', 'confirmme'], { kubeconfig: cluster.kubeconfigPath, stdin: 'confirm-me\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/not confirmed; nothing was deleted/);
    expect(cluster.store.get('deployments', 'saasodoo', 'confirmme')).toBeDefined();
  });
});

