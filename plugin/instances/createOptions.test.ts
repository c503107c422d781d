import { describe, expect, it } from 'vitest';
import { buildCreateSpec } from './createOptions.js';
import { buildInstanceManifests } from './manifests.js';
import type { V1EnvVar } from '../../lib/kube/models.js';
import { DEFAULT_CONFIG } from '../core/config.js';
import { UsageError } from '../../lib/errors.js';

const config = structuredClone(DEFAULT_CONFIG);

describe('buildCreateSpec', () => {
  it('fills defaults from the config', () => {
    const spec = buildCreateSpec({ name: 'acme-prod', customer: '42' }, config, 'saasodoo');
    expect(spec).toMatchObject({
      name: 'acme-prod',
      instanceId: 'acme-prod',
      customerId: '42',
      database: 'acme_prod',
      image: 'bitnamilegacy/odoo:17',
      storage: '10Gi',
      storageClass: 'rook-cephfs',
      cpu: '1',
      memory: '2Gi',
      ingress: 'ingress',
      host: 'acme-prod.saasodoo.local',
      dbSecret: 'odoo-db-credentials',
    });
  });
  it('takes the platform size 10G as 10Gi and a full domain', () => {
    const spec = buildCreateSpec({ name: 'acme', customer: '7', storage: '20G', domain: 'erp.example.com', ingress: 'ingressroute', image: 'odoo:17' }, config, 'x');
    expect(spec).toMatchObject({ storage: '20Gi', host: 'erp.example.com', ingress: 'ingressroute', image: 'odoo:17' });
  });
  it.each([
    [{ name: 'Acme', customer: '1' }, /invalid instance name "Acme"/],
    [{ name: 'acme' }, /--customer is required/],
    [{ name: 'acme', customer: 'a b' }, /invalid --customer/],
    [{ name: 'acme', customer: '1', image: 'odoo:17', odooVersion: '16' }, /--image and --odoo-version cannot be used together/],
    [{ name: 'acme', customer: '1', domain: 'a.b', subdomain: 'x' }, /--domain and --subdomain cannot be used together/],
    [{ name: 'acme', customer: '1', storage: '10GB' }, /invalid --storage "10GB"/],
    [{ name: 'acme', customer: '1', cpu: 'lots' }, /invalid --cpu "lots"/],
    [{ name: 'acme', customer: '1', memory: '512m' }, /invalid --memory "512m"/],
    [{ name: 'acme', customer: '1', ingress: 'nginx' }, /invalid --ingress "nginx"/],
    [{ name: 'acme', customer: '1', ingress: 'none', domain: 'a.b' }, /cannot be used with --ingress none/],
    [{ name: 'acme', customer: '1', env: ['NOEQUALS'] }, /invalid --env "NOEQUALS"/],
    [{ name: 'acme', customer: '1', env: ['ODOO_PASSWORD=hunter2'] }, /never written into the Deployment as literals/],
    [{ name: 'acme', customer: '1', env: ['ODOO_DATABASE_HOST=x'] }, /set by create/],
    [{ name: 'acme', customer: '1', subdomain: 'Not_Valid' }, /invalid --subdomain/],
  ])('rejects %j with one line', (flags, msg) => {
    let err: unknown;
    try {
      buildCreateSpec(flags as any, config, 'saasodoo');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('buildInstanceManifests', () => {
  const spec = buildCreateSpec({ name: 'acme', customer: '42', env: ['ODOO_EMAIL=a@b.c'] }, config, 'saasodoo');
  const m = buildInstanceManifests(spec);
  const c = m.deployment.spec.template.spec.containers[0];

  it('shapes the Deployment as the platform does', () => {
    expect(m.deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(m.deployment.spec.replicas).toBe(1);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/web/health', port: 8069 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/web/health', port: 8069 });
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(c.volumeMounts).toEqual([{ name: 'odoo-data', mountPath: '/bitnami/odoo' }]);
    expect(m.deployment.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('odoo-instance-acme');
  });
  it('never writes a password as a literal', () => {
    const pw = c.env.find((e: any) => e.name === 'ODOO_DATABASE_PASSWORD');
    expect(pw).toEqual({ name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'password' } } });
    expect(c.env.filter((e: any) => /PASSWORD/.test(e.name) && e.value !== undefined)).toEqual([]);
    expect(c.env).toContainEqual({ name: 'ODOO_EMAIL', value: 'a@b.c' });
  });
  it('labels every object for both platform schemes and selects pods by instance id', () => {
    for (const o of [m.pvc, m.service, m.ingress, m.deployment]) {
      expect(o?.metadata.labels).toMatchObject({ app: 'odoo', 'managed-by': 'saasodoo', 'instance-id': 'acme', 'saasodoo.io/instance-id': 'acme', 'saasodoo.io/customer-id': '42' });
    }
    expect(m.service.spec.selector).toEqual(m.deployment.spec.selector.matchLabels);
    expect(m.deployment.spec.template.metadata.labels).toMatchObject(m.deployment.spec.selector.matchLabels);
    expect(m.pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '10Gi' } } });
  });
  it('uses the official image layout for odoo:*', () => {
    const off = buildInstanceManifests({ ...spec, image: 'odoo:17', ingress: 'ingressroute' });
    const oc = off.deployment.spec.template.spec.containers[0];
    expect(oc.volumeMounts[0].mountPath).toBe('/var/lib/odoo');
    expect(oc.env.map((e): V1EnvVar => e).find((e) => e.name === 'PASSWORD')?.valueFrom?.secretKeyRef?.key).toBe('password');
    expect(off.ingress).toMatchObject({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute' });
    expect(off.ingress?.spec.routes?.[0]).toMatchObject({ match: 'Host(`acme.saasodoo.local`)', services: [{ name: 'acme', port: 8069 }] });
  });
});
