import { describe, expect, it } from 'vitest';
import { buildUpdateJob, odooUpdateArgs, parseModules } from './update.js';
import { deriveInstanceFacts, matchesLabels } from '../instances/facts.js';

const deployment = {
  metadata: { name: 'odoo-acme-1a2b3c4d', namespace: 'saasodoo', labels: { app: 'odoo' } },
  spec: {
    selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': 'x' } },
    template: {
      metadata: { labels: { app: 'odoo', 'saasodoo.io/instance-id': 'x' } },
      spec: {
        securityContext: { fsGroup: 1001 },
        containers: [
          {
            name: 'odoo',
            image: 'bitnamilegacy/odoo:17',
            env: [
              { name: 'ODOO_DATABASE_NAME', value: 'acme' },
              { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } },
            ],
            volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
            readinessProbe: { httpGet: { path: '/web/health', port: 8069 } },
          },
        ],
        volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-instance-x' } }],
      },
    },
  },
};
const inst: any = { name: deployment.metadata.name, namespace: 'saasodoo', deployment, facts: deriveInstanceFacts(deployment), pods: [] };

describe('parseModules', () => {
  it.each([
    ['sale', ['sale']],
    ['sale, stock ,sale', ['sale', 'stock']],
    ['website_sale_2', ['website_sale_2']],
  ])('%s', (raw, want) => expect(parseModules('-m', raw)).toEqual(want));
  it.each(['', 'sale,', 'a b', 'sale;id', '../x', '$(id)'])('refuses %j', (raw) => expect(() => parseModules('-m', raw)).toThrow(/^-m /));
});

describe('odooUpdateArgs', () => {
  it.each<[{ update?: string[] | 'all'; install: string[] }, string[]]>([
    [{ update: ['sale', 'stock'], install: [] }, ['-d', 'acme', '-u', 'sale,stock', '--stop-after-init']],
    [{ update: 'all' as const, install: ['crm'] }, ['-d', 'acme', '-u', 'all', '-i', 'crm', '--stop-after-init']],
    [{ install: ['crm'] }, ['-d', 'acme', '-i', 'crm', '--stop-after-init']],
  ])('%j', (r, want) => expect(odooUpdateArgs('acme', { ...r, backup: true })).toEqual(want));
});

describe('buildUpdateJob', () => {
  const job = buildUpdateJob(inst, { update: ['sale'], install: [], backup: true }, '20261203T120000Z', 3600);
  const pod = job.spec.template.spec;
  it('runs odoo once in the instance image with its env (Secret references kept), volumes and security context', () => {
    expect(job.metadata.name).toBe('odoo-update-odoo-acme-1a2b3c4d-20261203t120000z');
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600 });
    const c = pod.containers[0];
    expect(c.image).toBe('bitnamilegacy/odoo:17');
    expect(c.env).toEqual(deployment.spec.template.spec.containers[0].env);
    expect(c.command?.slice(-7)).toEqual(['sh', '/bitnami/odoo/conf/odoo.conf', '-d', 'acme', '-u', 'sale', '--stop-after-init']);
    expect(c.readinessProbe).toBeUndefined();
    expect(pod.volumes).toEqual(deployment.spec.template.spec.volumes);
    expect(pod.securityContext).toEqual({ fsGroup: 1001 });
    expect(pod.restartPolicy).toBe('Never');
  });
  it('is not selected by the Deployment, and is labelled as the instance\'s update', () => {
    expect(matchesLabels(job.spec.template.metadata.labels, deployment.spec.selector.matchLabels)).toBe(false);
    expect(job.metadata.labels).toMatchObject({ 'kubectl-odoo.io/operation': 'update', 'kubectl-odoo.io/instance': 'odoo-acme-1a2b3c4d' });
  });
});
