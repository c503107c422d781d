import { describe, expect, it } from 'vitest';
import { buildMaintenancePod, maintenancePodName } from './maintenance.js';
import { deriveInstanceFacts, matchesLabels } from '../instances/facts.js';

const deployment = {
  metadata: { name: 'odoo-acme-1a2b3c4d', namespace: 'saasodoo', labels: { app: 'odoo' } },
  spec: {
    selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': 'x' } },
    template: {
      metadata: { labels: { app: 'odoo', 'saasodoo.io/instance-id': 'x' } },
      spec: {
        containers: [
          {
            name: 'odoo',
            image: 'bitnamilegacy/odoo:17',
            env: [{ name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } }],
            volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
            readinessProbe: { httpGet: { path: '/web/health', port: 8069 } },
            ports: [{ containerPort: 8069 }],
          },
        ],
        volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: 'odoo-instance-x' } }],
      },
    },
  },
};

describe('buildMaintenancePod', () => {
  const inst: any = { name: deployment.metadata.name, namespace: 'saasodoo', deployment, facts: deriveInstanceFacts(deployment), pods: [] };
  const pod = buildMaintenancePod(inst);
  it('runs the instance image with its env (references kept) and volumes, waiting, without probes', () => {
    const c = pod.spec.containers[0];
    expect(c).toMatchObject({ name: 'odoo', image: 'bitnamilegacy/odoo:17', env: deployment.spec.template.spec.containers[0].env, volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }] });
    expect(c.command?.[0]).toBe('sh');
    expect(c.readinessProbe).toBeUndefined();
    expect(pod.spec.volumes).toEqual(deployment.spec.template.spec.volumes);
    expect(pod.spec.restartPolicy).toBe('Never');
  });
  it('is not selected by the Deployment, so no ReplicaSet adopts it', () => {
    expect(matchesLabels(pod.metadata.labels, deployment.spec.selector.matchLabels)).toBe(false);
  });
  it.each([
    ['odoo-acme-1a2b3c4d', 'odoo-acme-1a2b3c4d-maintenance'],
    ['a'.repeat(70), `${'a'.repeat(51)}-maintenance`],
  ])('name of %s', (name, want) => {
    expect(maintenancePodName(name)).toBe(want);
    expect(maintenancePodName(name).length).toBeLessThanOrEqual(63);
  });
});
