import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { kubeconfigPaths, loadKubeconfig, mergeKubeconfigs, resolveContext } from './kubeconfig.js';
import { CliError } from '../errors.js';

const doc = (name: string, server: string, extra: Record<string, unknown> = {}) => ({
  clusters: [{ name, cluster: { server } }],
  users: [{ name, user: { token: `tok-${name}` } }],
  contexts: [{ name, context: { cluster: name, user: name } }],
  ...extra,
});

describe('kubeconfigPaths', () => {
  it.each([
    { flag: '/a/k', env: { KUBECONFIG: '/b:/c' }, want: ['/a/k'], explicit: true },
    { flag: undefined, env: { KUBECONFIG: '/b:/c' }, want: ['/b', '/c'], explicit: false },
    { flag: undefined, env: { KUBECONFIG: '/b::/c:/b' }, want: ['/b', '/c'], explicit: false },
    { flag: undefined, env: {}, want: ['/home/u/.kube/config'], explicit: false },
  ])('flag=$flag KUBECONFIG=$env.KUBECONFIG', ({ flag, env, want, explicit }) => {
    expect(kubeconfigPaths(flag, env, '/home/u')).toEqual({ paths: want, explicit });
  });
});

describe('mergeKubeconfigs (kubectl rules)', () => {
  it('first file to define a name wins; current-context from the first file that sets it', () => {
    const m = mergeKubeconfigs([
      { path: '/x/one', doc: doc('shared', 'https://one') },
      { path: '/x/two', doc: { ...doc('shared', 'https://two'), 'current-context': 'shared' } },
      { path: '/x/three', doc: { ...doc('other', 'https://three'), 'current-context': 'other' } },
    ]);
    expect(m.clusters.get('shared')?.server).toBe('https://one');
    expect(m.users.get('shared')?.token).toBe('tok-shared');
    expect(m.clusters.get('other')?.server).toBe('https://three');
    expect(m.currentContext).toBe('shared');
  });

  it('resolves relative certificate paths against the file that names them', () => {
    const m = mergeKubeconfigs([
      {
        path: '/etc/kube/config',
        doc: {
          clusters: [{ name: 'c', cluster: { server: 'https://s', 'certificate-authority': 'ca.crt' } }],
          users: [{ name: 'u', user: { 'client-certificate': 'certs/u.crt', 'client-key': '/abs/u.key', exec: { command: './bin/auth', apiVersion: 'v1' } } }],
          contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'team' } }],
        },
      },
    ]);
    expect(m.clusters.get('c')?.certificateAuthority).toBe('/etc/kube/ca.crt');
    expect(m.users.get('u')?.clientCertificate).toBe('/etc/kube/certs/u.crt');
    expect(m.users.get('u')?.clientKey).toBe('/abs/u.key');
    expect(m.users.get('u')?.exec?.command).toBe('/etc/kube/bin/auth');
    expect(m.contexts.get('c')?.namespace).toBe('team');
  });
});

describe('resolveContext', () => {
  const merged = mergeKubeconfigs([{ path: '/k', doc: { ...doc('a', 'https://a'), 'current-context': 'a' } }]);
  it('uses the current context, or --context', () => {
    expect(resolveContext(merged).cluster.server).toBe('https://a');
    expect(() => resolveContext(merged, 'nope')).toThrowError('context "nope" does not exist in the kubeconfig');
  });
  it('explains a missing current-context', () => {
    const empty = mergeKubeconfigs([]);
    expect(() => resolveContext(empty)).toThrowError(/current-context is not set/);
  });
  it('a --context that does not exist is bad usage (exit 2)', () => {
    try {
      resolveContext(merged, 'nope');
    } catch (e) {
      expect((e as CliError).kind).toBe('usage');
    }
    expect.assertions(1);
  });
});

describe('loadKubeconfig from files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kco-kc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges KUBECONFIG files and skips missing ones, as kubectl does', () => {
    const one = join(dir, 'one.yaml');
    const two = join(dir, 'two.yaml');
    writeFileSync(one, 'clusters: []\n');
    writeFileSync(two, `apiVersion: v1\nkind: Config\ncurrent-context: b\nclusters:\n- name: b\n  cluster: {server: "https://b:6443"}\nusers:\n- name: b\n  user: {token: t}\ncontexts:\n- name: b\n  context: {cluster: b, user: b}\n`);
    const r = loadKubeconfig({ env: { KUBECONFIG: `${one}:${join(dir, 'missing')}:${two}` } });
    expect(r.contextName).toBe('b');
    expect(r.cluster.server).toBe('https://b:6443');
  });

  it('a --kubeconfig file that does not exist is an error', () => {
    expect(() => loadKubeconfig({ kubeconfig: join(dir, 'nope'), env: {} })).toThrowError(/does not exist/);
  });
});
