// Instance Deployments for the pure resolver tests: labels, pod labels, database env and data PVC as given.
import type { Stored, V1Deployment } from '../../../lib/kube/models.js';

export function dep(name: string, labels: Record<string, string>, pvc?: string, opts: { podLabels?: Record<string, string>; database?: string } = {}): Stored<V1Deployment> {
  return {
    metadata: { name, namespace: 'ns', labels: { app: 'odoo', ...labels } },
    spec: {
      selector: { matchLabels: { app: 'odoo', ...labels } },
      template: {
        metadata: { labels: { ...labels, ...opts.podLabels } },
        spec: {
          containers: [
            {
              name: 'odoo',
              image: 'bitnami/odoo:17',
              env: opts.database ? [{ name: 'ODOO_DATABASE_NAME', value: opts.database }] : [],
              volumeMounts: pvc ? [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }] : [],
            },
          ],
          volumes: pvc ? [{ name: 'odoo-data', persistentVolumeClaim: { claimName: pvc } }] : [],
        },
      },
    },
  };
}
