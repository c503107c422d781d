// The backups world (a real PostgreSQL behind the instance) with the test cluster's stand-in for the
// odoo executable first on the Odoo container's PATH (test/cluster/standins/odoo), as an Odoo image has it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { DEFAULT_PATH } from '../cluster/kubelet/containerEnv.js';
import type { TestPostgres } from '../fixtures/postgres.js';
import { startBackupWorld, readyPods, waitFor, type BackupWorld } from '../backups/clusterFixture.js';

export const STANDINS = join(dirname(fileURLToPath(import.meta.url)), '..', 'cluster', 'standins');

/** odooStandIn: the simulated Odoo pods serve /web/health (see test/cluster/kubelet/odooStandIn.ts). */
export async function startOncallWorld(pg: TestPostgres, opts: { attachments?: number; odooStandIn?: boolean } = {}): Promise<BackupWorld> {
  const w = await startBackupWorld(pg, { attachments: opts.attachments ?? 2, odooStandIn: opts.odooStandIn });
  const patch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'odoo', env: [{ name: 'PATH', value: `${STANDINS}:${DEFAULT_PATH}` }] }] } } } });
  const r = await w.kubectl(['patch', 'deployment', w.name, '--type', 'strategic', '-p', patch]);
  expect(r.code, r.stderr).toBe(0);
  await waitFor('the instance to be ready with the stand-in', () => {
    const pods = readyPods(w);
    return pods.length === 1 && pods[0].spec.containers[0].env.some((e: any) => e.name === 'PATH') ? true : undefined;
  }, 120_000);
  return w;
}
