// The playground `npm run cluster` starts, for people and for the README's test alike: the test cluster
// with the Odoo stand-in, and, when Debian's PostgreSQL is installed, a real PostgreSQL in the cluster's
// folder behind the Service `postgres` in saasodoo with the database Secret's role
// (test/fixtures/playgroundDatabase.ts). Its control-plane node is tainted, as kubeadm's is. Its kubelet
// runs DaemonSet pods for real, each host-network one in its node's own network, so the node agent that
// `kubectl odoo agent install` puts on every node runs there as it would on a cluster. It also holds one
// legacy instance, `shop`, as the platform made them before one PVC per instance: its data in the shared
// CephFS tree (a folder of the cluster's own here), mounted by hostPath, for `kubectl odoo migrate-storage`.
import { chmodSync, chownSync, existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startTestCluster, type TestCluster, type TestClusterOptions } from './index.js';
import { findPostgresBinDir, startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { providePlaygroundDatabase, type PlaygroundDatabase } from '../fixtures/playgroundDatabase.js';

export interface Playground {
  cluster: TestCluster;
  /** Absent when PostgreSQL is not installed; `missing` says why and how to get it. */
  database?: PlaygroundDatabase & { pg: TestPostgres };
  missing?: string;
  stop(): Promise<void>;
}

export async function startPlayground(opts: Omit<TestClusterOptions, 'odooStandIn'> = {}): Promise<Playground> {
  // The agent's hostPath folders (type DirectoryOrCreate) that its pods make on this machine; removed
  // again, when empty, if they were made here. Deepest first.
  const madeHostDirs = AGENT_HOST_DIRS.filter((d) => !existsSync(d));
  const cluster = await startTestCluster({ ...opts, odooStandIn: true, runDaemonSetPods: true });
  taintControlPlane(cluster);
  let pg: TestPostgres | undefined;
  try {
    findPostgresBinDir();
    const dir = dirname(cluster.kubeconfigPath);
    // PostgreSQL runs as the postgres user, who must be able to reach its folder inside this one.
    if (process.getuid?.() === 0) chmodSync(dir, 0o711);
    pg = await startPostgres({ root: join(dir, 'postgres') });
    const db = await providePlaygroundDatabase(cluster, pg);
    seedLegacyInstance(cluster, join(dirname(cluster.kubeconfigPath), 'cephfs'));
    return { cluster, database: { ...db, pg }, stop: stopBoth };
  } catch (e) {
    await pg?.stop();
    seedLegacyInstance(cluster, join(dirname(cluster.kubeconfigPath), 'cephfs'));
    return { cluster, missing: (e as Error).message, stop: stopBoth };
  }
  async function stopBoth(): Promise<void> {
    await pg?.stop();
    await cluster.stop();
    for (const d of madeHostDirs) {
      try {
        rmdirSync(d); // only when empty: never anything else's
      } catch {
        /* not made by the agent, or not empty */
      }
    }
  }
}

/** As kubeadm leaves it: the control-plane node (node-1) takes no ordinary pods. */
export const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

function taintControlPlane(cluster: TestCluster): void {
  const node = cluster.store.list('nodes').find((n: any) => 'node-role.kubernetes.io/control-plane' in (n.metadata.labels ?? {}));
  if (!node) return;
  node.spec = { ...node.spec, taints: [...(node.spec?.taints ?? []), CONTROL_PLANE_TAINT] };
  cluster.store.update('nodes', node);
}

const AGENT_HOST_DIRS = ['/var/lib/kubelet/pods', '/var/lib/kubelet', '/run/udev', '/lib/modules'];

/** The playground's legacy instance, shaped as the platform's early instances: data by hostPath in the shared tree. */
export const LEGACY_INSTANCE = { database: 'shop', id: '5a0b1c2d-3e4f-4a5b-8c6d-7e8f90a1b2c3' };

function seedLegacyInstance(cluster: TestCluster, cephfs: string): void {
  const { database, id } = LEGACY_INSTANCE;
  const name = `odoo-${database}-${id.replace(/-/g, '').slice(0, 8)}`;
  const dir = join(cephfs, 'odoo_instances', `odoo_data_${database}_${id.replace(/-/g, '').slice(0, 8)}`);
  // Owned by the Odoo image's user, as the platform left them (bitnami runs as 1001).
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) chownSync(dir, 1001, 1001);
  const ns = 'saasodoo';
  if (!cluster.store.peek('namespaces', undefined, ns)) cluster.store.create('namespaces', { metadata: { name: ns } });
  const labels = { app: 'odoo', 'managed-by': 'saasodoo', 'instance-id': id, 'saasodoo.io/instance-id': id, 'saasodoo.io/customer-id': 'c0', 'saasodoo.io/instance-name': database };
  cluster.store.create('deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { app: 'odoo', 'saasodoo.io/instance-id': id } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'odoo',
              image: 'bitnamilegacy/odoo:17',
              ports: [{ containerPort: 8069 }],
              env: [
                { name: 'ODOO_DATABASE_HOST', value: 'postgres' },
                { name: 'ODOO_DATABASE_PORT_NUMBER', value: '5432' },
                { name: 'ODOO_DATABASE_NAME', value: database },
                { name: 'ODOO_DATABASE_USER', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'username' } } },
                { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'password' } } },
              ],
              volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
              readinessProbe: { httpGet: { path: '/web/health', port: 8069 } },
              livenessProbe: { httpGet: { path: '/web/health', port: 8069 } },
            },
          ],
          volumes: [{ name: 'odoo-data', hostPath: { path: dir, type: 'DirectoryOrCreate' } }],
        },
      },
    },
  });
  cluster.store.create('services', {
    metadata: { name, namespace: ns, labels },
    spec: { type: 'ClusterIP', selector: { app: 'odoo', 'saasodoo.io/instance-id': id }, ports: [{ port: 8069, targetPort: 8069, protocol: 'TCP' }] },
  });
}
