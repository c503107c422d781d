import { describe, expect, it } from 'vitest';
import { buildContainerEnv, containerArgv, ContainerConfigError, DEFAULT_PATH, expandVars } from './containerEnv.js';

describe('expandVars', () => {
  const env = { A: 'alpha', B: 'beta', EMPTY: '' };
  it.each([
    ['plain', 'plain'],
    ['$(A)', 'alpha'],
    ['x-$(A)-$(B)-y', 'x-alpha-beta-y'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['$$$$', '$$'],
    ['cost $5', 'cost $5'],
    ['$(A', '$(A'],
    ['end$', 'end$'],
    ['[$(EMPTY)]', '[]'],
  ])('%s → %s', (input, want) => {
    expect(expandVars(input, env)).toBe(want);
  });
});

const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u', labels: { app: 'odoo' } }, spec: { nodeName: 'node-2' }, status: { podIP: '127.0.0.3' } };
const lookup = {
  secret: async (_ns: string, name: string) => (name === 'db' ? { data: { USER: Buffer.from('odoo').toString('base64'), PASS: Buffer.from('pw').toString('base64') } } : undefined),
  configMap: async (_ns: string, name: string) => (name === 'cfg' ? { data: { MODE: 'prod', USER: 'from-cm' } } : undefined),
};

describe('buildContainerEnv', () => {
  it('applies envFrom first, then env in order, with downward API values and expansion', async () => {
    const env = await buildContainerEnv(
      pod,
      {
        envFrom: [{ secretRef: { name: 'db' } }, { configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
        env: [
          { name: 'USER', value: 'override-$(CFG_MODE)' },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'OPT', valueFrom: { secretKeyRef: { name: 'nope', key: 'x', optional: true } } },
        ],
      },
      lookup,
    );
    expect(env).toEqual({ PATH: DEFAULT_PATH, HOSTNAME: 'p', HOME: '/root', USER: 'override-prod', PASS: 'pw', CFG_MODE: 'prod', CFG_USER: 'from-cm', NODE: 'node-2', APP: 'odoo', IP: '127.0.0.3' });
  });

  it.each([
    [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }, 'secret "nope" not found'],
    [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }] }, "couldn't find key k in Secret ns/db"],
    [{ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }, "couldn't find key k in ConfigMap ns/cfg"],
    [{ envFrom: [{ configMapRef: { name: 'gone' } }] }, 'configmap "gone" not found'],
  ])('%j fails with %s', async (container, message) => {
    const err = await buildContainerEnv(pod, container, lookup).catch((e) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect(err.message).toBe(message);
  });

  it('expands $(VAR) in command and args', () => {
    expect(containerArgv({ command: ['sh', '-c'], args: ['echo $(A) $$(A) $$$$'] }, { A: '1' })).toEqual(['sh', '-c', 'echo 1 $(A) $$']);
  });
});
