// Bad input that once got through: each is now one line on stderr, exit 2, and the cluster is left
// exactly as it was (no write request reaches the API server).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCluster } from '../cluster/index.js';
import { kubectlOdoo } from '../harness/plugin.js';
import { NS, clusterWithNamespace, getJson, objectNames, odoo } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;
const scratch = mkdtempSync(join(tmpdir(), 'bad-input-'));

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  expect((await run(['create', 'acme', '--customer', '42', '--storage', '10Gi', '--ingress', 'none'])).code).toBe(0);
});
beforeEach(() => cluster.faults.clear());
afterAll(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const writes = () => cluster.faults.requestLog.filter((e) => e.method !== 'GET');
const pvcSize = async () => (await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-acme'])).spec.resources.requests.storage;

/** The command was refused with exactly this one-line error (plus at most a usage pointer), exit 2, and wrote nothing. */
async function refused(args: string[], message: string, env?: Record<string, string>): Promise<void> {
  const before = await objectNames(cluster);
  cluster.faults.clear();
  const r = await kubectlOdoo(['-n', NS, ...args], { kubeconfig: cluster.kubeconfigPath, env });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines[0]).toBe(`error: ${message}`);
  expect(lines.slice(1).every((l) => /^See "kubectl odoo .*--help" for usage\.$/.test(l))).toBe(true);
  expect(writes()).toEqual([]);
  expect(await objectNames(cluster)).toEqual(before);
}

describe('sizes', { timeout: 120_000 }, () => {
  it.each([
    [['create', 'huge', '--customer', '1', '--storage', '99999999999999999999999Gi'], 'invalid --storage "99999999999999999999999Gi": larger than any volume Kubernetes can hold (at most 2^63-1 bytes, just under 8Ei)'],
    [['create', 'huge', '--customer', '1', '--storage', '8Ei', '--force'], 'invalid --storage "8Ei": larger than any volume Kubernetes can hold (at most 2^63-1 bytes, just under 8Ei)'],
    [['create', 'huge', '--customer', '1', '--storage', '20Ti'], '--storage 20Ti is more than the maximum of 16Ti (maxStorage in the config file); add --force if you really mean 20Ti'],
    [['resize', 'acme', '--storage', '1e30'], 'invalid --storage "1e30": larger than any volume Kubernetes can hold (at most 2^63-1 bytes, just under 8Ei)'],
    [['resize', 'acme', '--storage', '1e30', '--force'], 'invalid --storage "1e30": larger than any volume Kubernetes can hold (at most 2^63-1 bytes, just under 8Ei)'],
    [['resize', 'acme', '--storage', '17Ti'], '--storage 17Ti is more than the maximum of 16Ti (maxStorage in the config file); add --force if you really mean 17Ti'],
    [['resize', 'acme', '--storage', '5Gi'], "cannot shrink acme's volume from 10Gi to 5Gi: Kubernetes volumes can only grow"],
  ])('%j is refused', async (args, message) => {
    await refused(args, message);
    expect(await pvcSize()).toBe('10Gi');
  });

  it('the maximum comes from the config file, and --force exceeds it', async () => {
    const config = join(scratch, 'config.yaml');
    writeFileSync(config, 'maxStorage: 12Gi\n');
    const env = { KUBECTL_ODOO_CONFIG: config };
    await refused(['resize', 'acme', '--storage', '20Gi'], '--storage 20Gi is more than the maximum of 12Gi (maxStorage in the config file); add --force if you really mean 20Gi', env);
    expect(await pvcSize()).toBe('10Gi');
    const forced = await kubectlOdoo(['-n', NS, 'resize', 'acme', '--storage', '20Gi', '--force'], { kubeconfig: cluster.kubeconfigPath, env });
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(await pvcSize()).toBe('20Gi');
  });

  it('create of an existing instance with another size says it exists, at what size, and what to run', async () => {
    const size = await pvcSize();
    await refused(
      ['create', 'acme', '--customer', '42', '--storage', '50Gi', '--ingress', 'none'],
      `instance acme already exists in namespace saasodoo with a ${size} volume (PVC odoo-instance-acme); nothing was changed: to grow its volume to 50Gi, run "kubectl odoo resize acme --storage 50Gi"`,
    );
    await refused(
      ['create', 'acme', '--customer', '42', '--storage', '1Gi', '--ingress', 'none'],
      `instance acme already exists in namespace saasodoo with a ${size} volume (PVC odoo-instance-acme); nothing was changed: --storage 1Gi is smaller, and a volume never shrinks`,
    );
  });
});

describe('flags', { timeout: 60_000 }, () => {
  it.each([
    [['stop', 'acme', '-v', 'abc'], 'invalid value "abc" for -v: the log level is a whole number, e.g. -v 6 to log every API request'],
    [['stop', 'acme', '--v=1.5'], 'invalid value "1.5" for -v: the log level is a whole number, e.g. -v 6 to log every API request'],
  ])('%j is refused', async (args, message) => {
    await refused(args, message);
    expect((await getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme'])).spec.replicas).toBe(1);
  });

  it('-v with a level still works', async () => {
    const r = await run(['status', 'acme', '-v', '6']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/GET https:\/\/.*\/apis\/apps\/v1\/namespaces\/saasodoo\/deployments/);
  });

  it('backups prune --keep-last 0 says what is wrong with it', async () => {
    await refused(['backups', 'prune', 'acme', '--keep-last', '0', '--yes'], "invalid --keep-last 0: a rule keeps at least 1 backup, and prune always keeps each instance's newest complete set; use --keep-last 1 to keep only that one");
  });
});
