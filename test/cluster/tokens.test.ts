// The service-account tokens controller, through the real kubectl: a token Secret for an existing
// service account is filled (ca.crt, namespace, token; the uid annotation set) and its token
// authenticates as that service account; one for a missing service account is deleted; deleting the
// service account takes its token Secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from './index.js';
import { kubectl } from '../harness/plugin.js';
import { waitFor } from '../harness/waitFor.js';

let cluster: TestCluster;
const ns = 'tokens';
const kc = (args: string[], stdin?: string) => kubectl(['-n', ns, ...args], { kubeconfig: cluster.kubeconfigPath, stdin });
const tokenSecret = (name: string, sa: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name, annotations: { 'kubernetes.io/service-account.name': sa } } });

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false });
  expect((await kubectl(['create', 'namespace', ns], { kubeconfig: cluster.kubeconfigPath })).code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('service-account token Secrets', () => {
  it('are filled for an existing service account, and the token authenticates as it', async () => {
    expect((await kc(['create', 'serviceaccount', 'client'])).code).toBe(0);
    expect((await kc(['apply', '-f', '-'], tokenSecret('client-token', 'client'))).code).toBe(0);
    const secret = await waitFor('the token filled', async () => {
      const s = JSON.parse((await kc(['get', 'secret', 'client-token', '-o', 'json'])).stdout);
      return s.data?.token ? s : undefined;
    });
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    expect(Buffer.from(secret.data.namespace, 'base64').toString()).toBe(ns);
    const sa = JSON.parse((await kc(['get', 'serviceaccount', 'client', '-o', 'json'])).stdout);
    expect(secret.metadata.annotations['kubernetes.io/service-account.uid']).toBe(sa.metadata.uid);
    const token = Buffer.from(secret.data.token, 'base64').toString();
    const can = await kubectl(['auth', 'can-i', 'list', 'pods', '-n', ns, '--token', token], { kubeconfig: cluster.kubeconfigPath });
    // Authenticated (no 401), as a service account that nothing grants: "no".
    expect(can.stdout.trim()).toBe('no');
    expect(can.stderr).not.toMatch(/Unauthorized/);
  });

  it('are deleted when their service account does not exist', async () => {
    expect((await kc(['apply', '-f', '-'], tokenSecret('orphan-token', 'nobody-here'))).code).toBe(0);
    await waitFor('the orphan token Secret deleted', async () => (await kc(['get', 'secret', 'orphan-token'])).code !== 0);
  });

  it('go with their service account, and their token stops authenticating', async () => {
    const token = Buffer.from(JSON.parse((await kc(['get', 'secret', 'client-token', '-o', 'json'])).stdout).data.token, 'base64').toString();
    expect((await kc(['delete', 'serviceaccount', 'client'])).code).toBe(0);
    await waitFor('the token Secret deleted', async () => (await kc(['get', 'secret', 'client-token'])).code !== 0);
    const can = await kubectl(['auth', 'can-i', 'list', 'pods', '-n', ns, '--token', token], { kubeconfig: cluster.kubeconfigPath });
    expect(can.stderr).toMatch(/Unauthorized/);
  });
});
