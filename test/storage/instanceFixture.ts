// Instances shaped the way the platform's instance-service creates them (Deployment `odoo-<db>-<id8>`,
// saasodoo.io labels, data at /var/lib/odoo), on a PVC or on a legacy hostPath directory, plus waits on
// what the test cluster holds. Shared by the storage, odoo.conf and migration scenario tests.
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCluster } from '../cluster/index.js';
import { pvDataDir } from '../cluster/volumes.js';
import { bindOperatorsIn } from '../cluster/shippedRbac.js';
import { waitFor } from '../harness/waitFor.js';

export interface SeedInstance {
  namespace: string;
  db: string;
  /** 32 hex characters, like the platform's uuid.hex. */
  id: string;
  replicas?: number;
  /** A legacy instance: the hostPath directory holding its data. */
  hostPath?: string;
  /** With hostPath: the data is this directory inside it (the shared tree mounted whole, as seed 001's option 1). */
  subPath?: string;
  /** Further mounts of the hostPath volume (the shared tree's odoo_backups, say). */
  extraMounts?: { mountPath: string; subPath?: string }[];
  /** PVC size for a PVC-backed instance (default 10Gi). */
  size?: string;
  storageClass?: string;
  /** Mount another instance's PVC instead of creating one (a shared RWX volume). */
  sharedPvc?: string;
}

export function deploymentName(s: SeedInstance): string {
  return `odoo-${s.db}-${s.id.slice(0, 8)}`;
}

export function pvcName(s: SeedInstance): string {
  return `odoo-instance-${s.id}`;
}

/** The namespace, made by the admin, with the operators bound in it as the README says. */
export function ensureNamespace(cluster: TestCluster, name: string): void {
  if (!cluster.store.get('namespaces', undefined, name)) cluster.store.create('namespaces', { metadata: { name } });
  bindOperatorsIn(cluster.store, name);
}

export function seedInstance(cluster: TestCluster, s: SeedInstance): void {
  ensureNamespace(cluster, s.namespace);
  const name = deploymentName(s);
  const labels = { app: 'odoo', 'saasodoo.io/instance-id': s.id, 'saasodoo.io/customer-id': 'cust-1', 'saasodoo.io/instance-name': s.db, 'managed-by': 'saasodoo' };
  if (!s.hostPath && !s.sharedPvc) {
    cluster.store.create('persistentvolumeclaims', {
      metadata: { name: pvcName(s), namespace: s.namespace, labels: { app: 'odoo-instance', 'managed-by': 'saasodoo' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: s.storageClass ?? 'rook-cephfs', resources: { requests: { storage: s.size ?? '10Gi' } } },
    });
  }
  const volume = s.hostPath
    ? { name: 'odoo-data', hostPath: { path: s.hostPath, type: 'DirectoryOrCreate' } }
    : { name: 'odoo-data', persistentVolumeClaim: { claimName: s.sharedPvc ?? pvcName(s) } };
  cluster.store.create('deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: s.namespace, labels },
    spec: {
      replicas: s.replicas ?? 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': s.id } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'odoo',
              image: 'odoo:17',
              ports: [{ containerPort: 8069 }],
              env: [{ name: 'ODOO_DATABASE_NAME', value: s.db }],
              volumeMounts: [
                { name: 'odoo-data', mountPath: '/var/lib/odoo', ...(s.subPath ? { subPath: s.subPath } : {}) },
                ...(s.extraMounts ?? []).map((m) => ({ name: 'odoo-data', ...m })),
              ],
              readinessProbe: { httpGet: { path: '/web/health', port: 8069 } },
            },
          ],
          volumes: [volume],
        },
      },
    },
  });
}

export { waitFor } from '../harness/waitFor.js';

/** Pods of the instance that are Running and Ready. */
export function readyPods(cluster: TestCluster, s: SeedInstance): any[] {
  return cluster.store
    .list('pods', s.namespace)
    .filter((p: any) => p.metadata.labels?.['saasodoo.io/instance-id'] === s.id && !p.metadata.deletionTimestamp)
    .filter((p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
}

export async function waitReady(cluster: TestCluster, s: SeedInstance): Promise<any> {
  return waitFor(`instance ${deploymentName(s)} to be ready`, () => readyPods(cluster, s)[0]);
}

export async function waitNoPods(cluster: TestCluster, s: SeedInstance): Promise<void> {
  await waitFor(`instance ${deploymentName(s)} to have no pods`, () =>
    cluster.store.list('pods', s.namespace).every((p: any) => p.metadata.labels?.['saasodoo.io/instance-id'] !== s.id),
  );
}

/** The real directory behind an instance's PVC, once bound. */
export async function pvcDir(cluster: TestCluster, s: SeedInstance): Promise<string> {
  const pvc = await waitFor(`PVC ${pvcName(s)} to be bound`, () => {
    const p = cluster.store.get('persistentvolumeclaims', s.namespace, pvcName(s));
    return p?.status?.phase === 'Bound' ? p : undefined;
  });
  const dir = pvDataDir(cluster.dataDir, pvc.spec.volumeName);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  return dir;
}

export function confDir(root: string): string {
  const d = join(root, 'conf');
  mkdirSync(d, { recursive: true });
  return d;
}
