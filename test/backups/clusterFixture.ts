// A test cluster with one Odoo instance whose database lives in a real PostgreSQL on 127.0.0.1 and
// whose data volume is a real directory, plus the shared backups PVC. The instance's credentials are
// in a Secret its Deployment references, as on the platform.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlAll } from '../../lib/yaml.js';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { pvDataDir } from '../cluster/volumes.js';
import { kubectl, kubectlOdoo, ROOT, type RunResult } from '../harness/plugin.js';
import type { TestPostgres } from '../fixtures/postgres.js';
import { createOdooInstance, type OdooInstanceData } from './odooFixture.js';
import { waitFor } from '../harness/waitFor.js';

export const NS = 'saasodoo';
export const CUSTOMER = 'cust-7';
export const DB_PASSWORD = 'pw-never-printed-4711';

export interface BackupWorld {
  cluster: TestCluster;
  name: string;
  db: string;
  owner: string;
  dataDir: string;
  backupsDir: string;
  inst: OdooInstanceData;
  /** The plugin, as the operator; `context: null` runs it as the admin (the kubeconfig's current context). */
  odoo(args: string[], opts?: { timeoutMs?: number; stdin?: string; context?: string | null; cwd?: string }): Promise<RunResult>;
  kubectl(args: string[]): Promise<RunResult>;
}

export { waitFor } from '../harness/waitFor.js';

async function boundDir(cluster: TestCluster, pvc: string): Promise<string> {
  const p = await waitFor(`PVC ${pvc} to be bound`, () => {
    const o = cluster.store.get('persistentvolumeclaims', NS, pvc);
    return o?.status?.phase === 'Bound' ? o : undefined;
  });
  const dir = pvDataDir(cluster.dataDir, p.spec.volumeName);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  return dir;
}

/** The instance's credentials Secret: a DNS subdomain, while a database name may hold "_". */
export function credentialsSecretName(db: string): string {
  return `${db.replace(/_/g, '-')}-db`;
}

export interface InstanceSpec {
  name: string;
  db: string;
  /** The platform's instance id (32 hex digits). */
  id: string;
  customer?: string;
  labels?: Record<string, string>;
  attachments?: number;
  /** The instance's image (bitnami's keeps its data at /bitnami/odoo, the official one at /var/lib/odoo). */
  image?: string;
}

/**
 * One instance as the platform makes it (Secret, PVC, Deployment), its database in `pg` owned by its
 * own role, and its files on its volume.
 */
export async function addBackupInstance(cluster: TestCluster, pg: TestPostgres, spec: InstanceSpec): Promise<{ dataDir: string; inst: OdooInstanceData; owner: string }> {
  const { store } = cluster;
  const { name, db, id } = spec;
  const image = spec.image ?? 'odoo:17';
  const mountPath = /bitnami/.test(image) ? '/bitnami/odoo' : '/var/lib/odoo';
  const owner = `odoo_${db}`;
  const secret = credentialsSecretName(db);
  await pg.createRole(owner, DB_PASSWORD, { createdb: true });
  store.create('secrets', { metadata: { name: secret, namespace: NS }, stringData: { username: owner, password: DB_PASSWORD } });
  const labels = {
    app: 'odoo',
    'managed-by': 'saasodoo',
    'saasodoo.io/instance-id': id,
    'saasodoo.io/customer-id': spec.customer ?? CUSTOMER,
    'saasodoo.io/instance-name': db,
    ...spec.labels,
  };
  store.create('persistentvolumeclaims', {
    metadata: { name: `odoo-instance-${id}`, namespace: NS, labels: { app: 'odoo-instance', 'managed-by': 'saasodoo' } },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '10Gi' } } },
  });
  store.create('deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels },
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
              image,
              ports: [{ containerPort: 8069 }],
              env: [
                { name: 'ODOO_DATABASE_HOST', value: '127.0.0.1' },
                { name: 'ODOO_DATABASE_PORT_NUMBER', value: String(pg.port) },
                { name: 'ODOO_DATABASE_NAME', value: db },
                { name: 'ODOO_DATABASE_USER', valueFrom: { secretKeyRef: { name: secret, key: 'username' } } },
                { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
              ],
              volumeMounts: [{ name: 'odoo-data', mountPath }],
              readinessProbe: { httpGet: { path: '/web/health', port: 8069 } },
            },
          ],
          volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: `odoo-instance-${id}` } }],
        },
      },
    },
  });
  const dataDir = await boundDir(cluster, `odoo-instance-${id}`);
  const inst = await createOdooInstance(pg, { database: db, owner, password: DB_PASSWORD, dataDir, attachments: spec.attachments ?? 30 });
  return { dataDir, inst, owner };
}

/**
 * `image`: the instance's image (bitnami's keeps its data at /bitnami/odoo, the official one at /var/lib/odoo).
 * `odooStandIn`: the simulated Odoo pods run the test cluster's Odoo stand-in (odoo.conf, /web/health).
 * `labels`: added to (or replacing) the Deployment's and its pods' labels.
 */
export async function startBackupWorld(
  pg: TestPostgres,
  opts: { name?: string; db?: string; attachments?: number; image?: string; odooStandIn?: boolean; labels?: Record<string, string> } = {},
): Promise<BackupWorld> {
  const name = opts.name ?? 'odoo-acme-1a2b3c4d';
  const db = opts.db ?? 'acme';
  const cluster = await startTestCluster({ odooStandIn: opts.odooStandIn });
  const { store } = cluster;
  store.create('namespaces', { metadata: { name: NS } });
  store.create('persistentvolumeclaims', {
    metadata: { name: 'odoo-backups-pvc', namespace: NS },
    spec: { accessModes: ['ReadWriteMany'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '50Gi' } } },
  });
  const { dataDir, inst, owner } = await addBackupInstance(cluster, pg, { name, db, id: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6', attachments: opts.attachments, image: opts.image, labels: opts.labels });
  const backupsDir = await boundDir(cluster, 'odoo-backups-pvc');
  return {
    cluster,
    name,
    db,
    owner,
    dataDir,
    backupsDir,
    inst,
    odoo: (args, o = {}) => kubectlOdoo(['-n', NS, ...args], { kubeconfig: cluster.kubeconfigPath, timeoutMs: o.timeoutMs ?? 120_000, stdin: o.stdin, context: o.context, cwd: o.cwd }),
    kubectl: (args) => kubectl(['-n', NS, ...args], { kubeconfig: cluster.kubeconfigPath }),
  };
}

/** The instance's pods that are Ready. */
export function readyPods(w: BackupWorld): any[] {
  return w.cluster.store
    .list('pods', NS)
    .filter((p: any) => p.metadata.labels?.['saasodoo.io/customer-id'] === CUSTOMER && !p.metadata.deletionTimestamp)
    .filter((p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
}

/**
 * For a world started with odooStandIn: the official image's entrypoint reads HOST, PORT, USER and
 * PASSWORD, and odoo.conf has the same settings (as the image writes them at its first start), so the
 * stand-in's Odoo reaches the database and /web/health answers 200. Waits until the instance is ready so.
 */
export async function serveThroughStandIn(w: BackupWorld, pg: TestPostgres): Promise<void> {
  writeFileSync(join(w.dataDir, 'conf', 'odoo.conf'), `[options]\ndb_name = ${w.db}\ndb_host = 127.0.0.1\ndb_port = ${pg.port}\ndb_user = ${w.owner}\ndb_password = ${DB_PASSWORD}\n`);
  const env = [
    { name: 'HOST', value: '127.0.0.1' },
    { name: 'PORT', value: String(pg.port) },
    { name: 'USER', valueFrom: { secretKeyRef: { name: credentialsSecretName(w.db), key: 'username' } } },
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: credentialsSecretName(w.db), key: 'password' } } },
  ];
  const r = await w.kubectl(['patch', 'deployment', w.name, '--type', 'strategic', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'odoo', env }] } } } })]);
  if (r.code !== 0) throw new Error(`kubectl patch failed: ${r.stderr}`);
  await waitFor('the instance to be ready with HOST and PORT', () => readyPods(w).length === 1 && readyPods(w)[0].spec.containers[0].env.some((e: any) => e.name === 'PORT'), 120_000);
}

/**
 * What an admin grants whoever sets up schedules (README: Access control): the ClusterRole of
 * manifests/backup-scheduler-rbac.yaml, bound in the namespace.
 */
export function grantScheduler(w: BackupWorld): void {
  const role = parseYamlAll(readFileSync(join(ROOT, 'manifests', 'backup-scheduler-rbac.yaml'), 'utf8')).find((o: any) => o?.kind === 'ClusterRole');
  w.cluster.store.create('clusterroles', role);
  w.cluster.store.create('rolebindings', {
    metadata: { name: 'kubectl-odoo-backup-scheduler', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubectl-odoo-backup-scheduler' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'kubectl-odoo-operators' }],
  });
}
