import { describe, expect, it } from 'vitest';
import { parseServiceName, podHostsFile, serviceNames } from './clusterDns.js';

describe('parseServiceName (the resolver search path <ns>.svc.cluster.local svc.cluster.local cluster.local)', () => {
  it.each([
    ['postgres', 'saasodoo', { namespace: 'saasodoo', name: 'postgres' }],
    ['postgres', 'other', { namespace: 'other', name: 'postgres' }],
    ['postgres.saasodoo', 'other', { namespace: 'saasodoo', name: 'postgres' }],
    ['postgres.saasodoo.svc', 'other', { namespace: 'saasodoo', name: 'postgres' }],
    ['postgres.saasodoo.svc.cluster.local', 'other', { namespace: 'saasodoo', name: 'postgres' }],
    ['Postgres.SaasOdoo.svc.cluster.local.', 'other', { namespace: 'saasodoo', name: 'postgres' }],
    ['db.example.com', 'saasodoo', undefined],
    ['postgres.saasodoo.svc.other.local', 'saasodoo', undefined],
  ])('%s from %s', (host, from, want) => {
    expect(parseServiceName(host, from)).toEqual(want);
  });
});

describe('podHostsFile', () => {
  it('lists every Service by its qualified names, and by its short name only in the pod’s own namespace', () => {
    const text = podHostsFile({ name: 'job-x', namespace: 'saasodoo', ip: '127.0.0.1' }, [
      { namespace: 'saasodoo', name: 'postgres', address: '127.1.2.3' },
      { namespace: 'default', name: 'kubernetes', address: '127.1.2.2' },
    ]);
    expect(text.split('\n')).toContain('127.0.0.1\tjob-x');
    expect(text.split('\n')).toContain('127.1.2.3\tpostgres.saasodoo.svc.cluster.local postgres.saasodoo.svc postgres.saasodoo postgres');
    expect(text.split('\n')).toContain('127.1.2.2\tkubernetes.default.svc.cluster.local kubernetes.default.svc kubernetes.default');
  });

  it('serviceNames agrees with parseServiceName for every name it lists', () => {
    for (const n of serviceNames({ namespace: 'a', name: 'b' }, 'a')) expect(parseServiceName(n, 'a')).toEqual({ namespace: 'a', name: 'b' });
  });
});
