import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config.js';
import { ConflictError, FailureError, UsageError } from '../../lib/errors.js';
import { deriveInstanceFacts } from '../instances/facts.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { buildCopyDatabaseCheckJob, copySpecOf, copyStorageSize, copyTargetOf, judgeCopyDatabaseCheck } from './restoreCopy.js';

const GI = 2 ** 30;

describe('copyStorageSize', () => {
  it.each<[string | undefined, number, string]>([
    ['10Gi', 0, '10Gi'],
    ['10Gi', 3 * GI, '10Gi'],
    ['10Gi', 10 * GI, '10Gi'],
    ['10Gi', 10 * GI + 1, '11Gi'],
    ['500Mi', 2 * GI + 5, '3Gi'],
    [undefined, 100, '1Gi'],
    ['garbage', 100, '1Gi'],
  ])('source %s, data %d bytes -> %s', (req, bytes, want) => expect(copyStorageSize(req, bytes)).toBe(want));
});

function source(env: any[], labels: Record<string, string> = { app: 'odoo', 'saasodoo.io/instance-id': 'src', 'saasodoo.io/customer-id': 'cust-7' }): InstanceObjects {
  const deployment = {
    metadata: { name: 'acme', namespace: 'ns', labels },
    spec: {
      selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': 'src' } },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'odoo', image: 'bitnamilegacy/odoo:17', env, resources: { limits: { cpu: '2', memory: '3Gi' } }, volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }] }],
          volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-instance-src' } }],
        },
      },
    },
  };
  const pvc = { metadata: { name: 'odoo-instance-src' }, spec: { storageClassName: 'rook-ceph-block', resources: { requests: { storage: '20Gi' } } } };
  return { namespace: 'ns', name: 'acme', deployment, pvc, pvcName: 'odoo-instance-src', pods: [], facts: deriveInstanceFacts(deployment) };
}
const secret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name: 'acme-db', key } }, name });
const GOOD_ENV = [
  { name: 'ODOO_DATABASE_HOST', value: 'pg.db' },
  { name: 'ODOO_DATABASE_PORT_NUMBER', value: '6432' },
  { name: 'ODOO_DATABASE_NAME', value: 'acme' },
  secret('ODOO_DATABASE_USER', 'username'),
  secret('ODOO_DATABASE_PASSWORD', 'password'),
  { name: 'ODOO_EMAIL', value: 'ops@example.com' },
  { name: 'SMTP_PASSWORD', value: 'x' },
];
const opts = { name: 'acme-test', namespace: 'ns', dataBytes: 25 * GI, config: DEFAULT_CONFIG };

describe('copySpecOf', () => {
  it('takes the source shape, its own database, a volume big enough, stopped, no ingress', () => {
    const spec = copySpecOf(source(GOOD_ENV), opts);
    expect(spec).toMatchObject({
      name: 'acme-test',
      customerId: 'cust-7',
      image: 'bitnamilegacy/odoo:17',
      cpu: '2',
      memory: '3Gi',
      storage: '25Gi',
      storageClass: 'rook-ceph-block',
      ingress: 'none',
      host: undefined,
      database: 'acme_test',
      dbSecret: 'acme-db',
      dbHost: 'pg.db',
      dbPort: '6432',
      replicas: 0,
      env: [['ODOO_EMAIL', 'ops@example.com']],
    });
    const t = copyTargetOf(spec);
    expect(t).toMatchObject({ name: 'acme-test', database: 'acme_test', pvcName: 'odoo-instance-acme-test', dataMountPath: '/bitnami/odoo', replicas: 0 });
    expect(t.db.password).toEqual({ secret: { name: 'acme-db', key: 'password' } });
  });

  it('an ingress only with --subdomain/--domain', () => {
    expect(copySpecOf(source(GOOD_ENV), { ...opts, subdomain: 'acme-test' })).toMatchObject({ ingress: DEFAULT_CONFIG.ingress, host: `acme-test.${DEFAULT_CONFIG.baseDomain}` });
    expect(copySpecOf(source(GOOD_ENV), { ...opts, domain: 'test.example.com' }).host).toBe('test.example.com');
  });

  it.each<[string, () => InstanceObjects, string, typeof FailureError | typeof UsageError]>([
    ['a name whose database is the source database', () => source(GOOD_ENV.map((e) => (e.name === 'ODOO_DATABASE_NAME' ? { ...e, value: 'acme_test' } : e))), 'never shares its source', UsageError],
    ['credentials as literals', () => source(GOOD_ENV.map((e) => (e.name === 'ODOO_DATABASE_USER' ? { name: e.name, value: 'odoo' } : e))), 'username', FailureError],
    ['no customer', () => source(GOOD_ENV, { app: 'odoo', 'saasodoo.io/instance-id': 'src' }), 'customer id', FailureError],
  ])('refuses %s', (_what, src, msg, type) => {
    expect(() => copySpecOf(src(), opts)).toThrow(type);
    expect(() => copySpecOf(src(), opts)).toThrow(msg);
  });
});

describe('the check for the copy\'s database', () => {
  const spec = copySpecOf(source(GOOD_ENV), opts);
  it('runs with the copy\'s database name and the source\'s credentials, by reference, with no volume', () => {
    const job = buildCopyDatabaseCheckJob(copyTargetOf(spec), '20250101T000000Z', { backupsPvc: 'b', compression: 'auto', deadlineSeconds: 60 });
    const c = job.spec.template.spec.containers[0];
    expect(job.metadata.name).toBe('odoo-check-acme-test-20250101t000000z');
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'PGDATABASE', value: 'acme_test' }, { name: 'PGHOST', value: 'pg.db' }, { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'acme-db', key: 'password' } } }]));
    expect(job.spec.template.spec.volumes ?? []).toEqual([]);
    expect(c.command?.[2]).not.toContain('acme_test');
  });
  it.each([
    ['EXISTS 1\n', ConflictError, 'database acme_test on pg.db:6432 already exists, and a new instance never takes over an existing database; nothing was created'],
    ['psql: noise\n', FailureError, 'could not tell whether database acme_test on pg.db:6432 exists; nothing was created'],
  ])('%j is refused', (log, type, message) => {
    expect(() => judgeCopyDatabaseCheck(log, spec, 'acme')).toThrow(type);
    expect(() => judgeCopyDatabaseCheck(log, spec, 'acme')).toThrow(message);
  });
  it('a free name passes', () => expect(() => judgeCopyDatabaseCheck('EXISTS 0\n', spec, 'acme')).not.toThrow());
});
