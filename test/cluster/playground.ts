// The playground `npm run cluster` starts, for people and for the README's test alike: the test cluster
// with the Odoo stand-in, and, when Debian's PostgreSQL is installed, a real PostgreSQL in the cluster's
// folder behind the Service `postgres` in saasodoo with the database Secret's role
// (test/fixtures/playgroundDatabase.ts). Its control-plane node is tainted, as kubeadm's is.
import { chmodSync } from 'node:fs';
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
  const cluster = await startTestCluster({ ...opts, odooStandIn: true });
  taintControlPlane(cluster);
  let pg: TestPostgres | undefined;
  try {
    findPostgresBinDir();
    const dir = dirname(cluster.kubeconfigPath);
    // PostgreSQL runs as the postgres user, who must be able to reach its folder inside this one.
    if (process.getuid?.() === 0) chmodSync(dir, 0o711);
    pg = await startPostgres({ root: join(dir, 'postgres') });
    const db = await providePlaygroundDatabase(cluster, pg);
    return { cluster, database: { ...db, pg }, stop: stopBoth };
  } catch (e) {
    await pg?.stop();
    return { cluster, missing: (e as Error).message, stop: stopBoth };
  }
  async function stopBoth(): Promise<void> {
    await pg?.stop();
    await cluster.stop();
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
