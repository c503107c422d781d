import { describe, expect, it } from 'vitest';
import { LAST_APPLIED, redactObject, redactSecret, referencedSecrets } from './redact.js';

describe('redactSecret', () => {
  const secret = { kind: 'Secret', metadata: { name: 'db', managedFields: [{}], annotations: { [LAST_APPLIED]: '{"data":{"password":"cHc="}}' } }, data: { password: Buffer.from('pw-1234').toString('base64') }, stringData: { token: 'abc' } };
  it('replaces every value with its size, drops managedFields and the last-applied copy', () => {
    expect(redactSecret(secret, false)).toEqual({
      kind: 'Secret',
      metadata: { name: 'db', annotations: { [LAST_APPLIED]: '<redacted, 28 bytes>' } },
      data: { password: '<redacted, 7 bytes>' },
      stringData: { token: '<redacted, 3 bytes>' },
    });
  });
  it('keeps the values with include, and never changes its input', () => {
    expect(redactSecret(secret, true).data.password).toBe(secret.data.password);
    expect(secret.metadata.managedFields).toEqual([{}]);
  });
});

describe('redactObject', () => {
  it('masks literal env values under secret-looking names in a workload template and a pod; references stay', () => {
    const env = [
      { name: 'SMTP_PASSWORD', value: 'hunter2' },
      { name: 'API_TOKEN', value: 'tok' },
      { name: 'ODOO_DATABASE_HOST', value: 'pg' },
      { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } },
    ];
    const masked = [{ name: 'SMTP_PASSWORD', value: '<redacted, 7 bytes>' }, { name: 'API_TOKEN', value: '<redacted, 3 bytes>' }, env[2], env[3]];
    expect(redactObject({ kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'odoo', env }] } } } }).spec.template.spec.containers[0].env).toEqual(masked);
    expect(redactObject({ kind: 'Pod', spec: { initContainers: [{ name: 'init', env }] } }).spec.initContainers[0].env).toEqual(masked);
    expect(redactObject({ kind: 'Secret', data: { a: 'YQ==' } }).data.a).toBe('<redacted, 1 bytes>');
  });
});

describe('referencedSecrets', () => {
  it('finds env, envFrom, volume, projected and image pull Secrets', () => {
    const d = {
      spec: {
        template: {
          spec: {
            containers: [{ env: [{ valueFrom: { secretKeyRef: { name: 'db' } } }, { value: 'x' }], envFrom: [{ secretRef: { name: 'extra' } }, { configMapRef: { name: 'cm' } }] }],
            volumes: [{ secret: { secretName: 'tls' } }, { projected: { sources: [{ secret: { name: 'proj' } }] } }, { persistentVolumeClaim: { claimName: 'p' } }],
            imagePullSecrets: [{ name: 'regcred' }],
          },
        },
      },
    };
    expect(referencedSecrets(d)).toEqual(['db', 'extra', 'proj', 'regcred', 'tls']);
  });
});
