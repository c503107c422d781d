import { describe, expect, it } from 'vitest';
import { describeInstanceDatabase, planDelete } from './remove.js';
import { deriveInstanceFacts } from './facts.js';
import type { InstanceObjects } from './resolve.js';

function instance(env: any[]): InstanceObjects {
  const deployment = {
    metadata: { name: 'acme', namespace: 'ns', uid: 'u1', labels: { app: 'odoo', 'saasodoo.io/instance-id': 'acme' } },
    spec: {
      selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': 'acme' } },
      template: { spec: { containers: [{ name: 'odoo', image: 'odoo:17', env, volumeMounts: [{ name: 'd', mountPath: '/var/lib/odoo' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'odoo-instance-acme' } }] } },
    },
  };
  const pvc = { metadata: { name: 'odoo-instance-acme', uid: 'p1' } };
  return { namespace: 'ns', name: 'acme', deployment, pvc, pvcName: 'odoo-instance-acme', pods: [], facts: deriveInstanceFacts(deployment) };
}

describe('describeInstanceDatabase', () => {
  it.each([
    [[{ name: 'ODOO_DATABASE_HOST', value: 'pg-1' }, { name: 'ODOO_DATABASE_PORT_NUMBER', value: '6432' }, { name: 'ODOO_DATABASE_NAME', value: 'acme' }], 'database acme on pg-1:6432'],
    [[{ name: 'ODOO_DATABASE_HOST', value: 'postgres' }, { name: 'ODOO_DATABASE_NAME', value: 'acme' }], 'database acme on postgres:5432'],
    [[{ name: 'ODOO_DATABASE_HOST', valueFrom: { secretKeyRef: { name: 'db', key: 'host' } } }, { name: 'ODOO_DATABASE_NAME', value: 'acme' }], 'database acme on the host in Secret db/host (port 5432)'],
    [[{ name: 'ODOO_DATABASE_NAME', value: 'acme' }], "database acme (its server is not named in the instance's env)"],
  ])('%j', (env, text) => expect(describeInstanceDatabase(instance(env))).toBe(text));
});

describe('planDelete', () => {
  const o = instance([{ name: 'ODOO_DATABASE_HOST', value: 'postgres' }, { name: 'ODOO_DATABASE_NAME', value: 'acme' }]);
  it('a kept volume carries the database it leaves on the server', () => {
    expect(planDelete(o, false)).toMatchObject({ keptPvc: 'odoo-instance-acme', keptDatabase: 'database acme on postgres:5432' });
  });
  it('--delete-data keeps no volume, so nothing is noted on one', () => {
    const plan = planDelete(o, true);
    expect(plan.keptPvc).toBeUndefined();
    expect(plan.keptDatabase).toBeUndefined();
    expect(plan.targets.map((t) => t.name)).toContain('odoo-instance-acme');
  });
});
