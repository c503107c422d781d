// Host-network pods on different nodes each have their node's own network, as on a real cluster: two
// of them listen on 127.0.0.1 at the same port, and the real kubectl's port-forward to each reaches
// that one; one that listens nowhere gets the kubelet's "connection refused"; pods in that network
// still reach the API server at KUBERNETES_SERVICE_HOST:PORT with their projected service account token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { startTestCluster, type TestCluster } from '../index.js';
import { kubectl } from '../../harness/plugin.js';
import { barePod, createNamespace, kubectlPortForward, podPhase, waitFor } from './testing.js';

let cluster: TestCluster;
const ns = 'node-networks';
const PORT = 18765;
const children: ChildProcess[] = [];

// Answers with the node it runs on, on 127.0.0.1 of its network; after listening, asks the API server
// for its own pod through the service account token, and prints the HTTP status.
const SERVER = `
const http = require('node:http'), https = require('node:https'), fs = require('node:fs');
http.createServer((q, r) => r.end(process.env.NODE_NAME)).listen(${PORT}, '127.0.0.1', () => {
  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const req = https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path: '/api/v1/namespaces/${ns}/pods/' + process.env.POD_NAME,
    ca: fs.readFileSync(dir + '/ca.crt'), headers: { authorization: 'Bearer ' + fs.readFileSync(dir + '/token', 'utf8') } }, (res) => console.log('api ' + res.statusCode));
  req.on('error', (e) => console.log('api ' + e.code));
});`;

function hostNetworkPod(name: string, node: string): any {
  const pod = barePod(ns, name, [process.execPath, '-e', SERVER], {
    grace: 0,
    env: [
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
  });
  pod.spec.nodeName = node;
  pod.spec.hostNetwork = true;
  return pod;
}

async function portForward(pod: string): Promise<{ port: number; stderr: () => string }> {
  const pf = await kubectlPortForward(cluster, ns, `pod/${pod}`, PORT);
  children.push(pf.proc);
  return pf;
}

function httpGet(port: number): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (e) => resolve({ body: '', error: (e as NodeJS.ErrnoException).code }));
  });
}

beforeAll(async () => {
  cluster = await startTestCluster({ tickMs: 50 });
  createNamespace(cluster, ns);
  await waitFor('the default service account', () => cluster.store.get('serviceaccounts', ns, 'default'));
  cluster.store.create('pods', hostNetworkPod('on-node-2', 'node-2'));
  cluster.store.create('pods', hostNetworkPod('on-node-3', 'node-3'));
  const idle = barePod(ns, 'idle-on-node-1', ['sh', '-c', 'while :; do sleep 0.2; done'], { grace: 0 });
  idle.spec.hostNetwork = true;
  cluster.store.create('pods', idle);
  for (const p of ['on-node-2', 'on-node-3', 'idle-on-node-1']) await podPhase(cluster, ns, p, ['Running']);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cluster?.stop();
});

describe('host-network pods on different nodes', () => {
  it('listen on the same port of their own node, and port-forward reaches each one', async () => {
    for (const [pod, node] of [
      ['on-node-2', 'node-2'],
      ['on-node-3', 'node-3'],
    ]) {
      const { port } = await portForward(pod);
      const r = await waitFor(`${pod} to answer`, async () => {
        const got = await httpGet(port);
        return got.status === 200 ? got : undefined;
      });
      expect(r.body).toBe(node);
    }
  }, 60_000);

  it('a node where nothing listens on the port refuses, in the kubelet words', async () => {
    const { port, stderr } = await portForward('idle-on-node-1');
    const r = await httpGet(port);
    expect(r.status).toBeUndefined();
    await waitFor('kubectl to report the refusal', () => /connect: connection refused/.test(stderr()));
  }, 60_000);

  it('reach the API server from their node with the service account token mounted for them', async () => {
    for (const pod of ['on-node-2', 'on-node-3']) {
      const logs = await waitFor(`${pod} to call the API server`, async () => {
        const r = await kubectl(['logs', '-n', ns, pod], { kubeconfig: cluster.kubeconfigPath });
        return /^api /m.test(r.stdout) ? r.stdout : undefined;
      });
      // Authenticated as system:serviceaccount:node-networks:default, which may not read pods: 403, not 401.
      expect(logs.trim()).toBe('api 403');
    }
    const pod = cluster.store.get('pods', ns, 'on-node-2');
    const mount = pod.spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
    expect(mount).toMatchObject({ readOnly: true, name: expect.stringMatching(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/) });
  }, 60_000);
});
