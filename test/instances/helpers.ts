// Shared setup for instance scenario tests: a test cluster with the saasodoo namespace and the database
// Secret, objects shaped as the platform's instance-service creates them, and a long-running plugin
// process (watch) whose output lines can be awaited.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { startTestCluster, type TestCluster, type TestClusterOptions } from '../cluster/index.js';
import { KUBECTL, kubectl, kubectlOdoo, pluginEnv, type RunResult, operatorArgs } from '../harness/plugin.js';

export const NS = 'saasodoo';

export async function clusterWithNamespace(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const cluster = await startTestCluster(opts);
  const k = (args: string[], stdin?: string) => mustRun(kubectl(args, { kubeconfig: cluster.kubeconfigPath, stdin }));
  await k(['create', 'namespace', NS]);
  await k(['-n', NS, 'create', 'secret', 'generic', 'odoo-db-credentials', '--from-literal=username=odoo', '--from-literal=password=s3cret']);
  return cluster;
}

export async function mustRun(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`command failed (${r.code}): ${r.stderr}`);
  return r;
}

export function odoo(cluster: TestCluster) {
  return (args: string[], stdin?: string) => kubectlOdoo(['-n', NS, ...args], { kubeconfig: cluster.kubeconfigPath, stdin });
}

export function kc(cluster: TestCluster) {
  return (args: string[], stdin?: string) => kubectl(args, { kubeconfig: cluster.kubeconfigPath, stdin });
}

export async function getJson(cluster: TestCluster, args: string[]): Promise<any> {
  const r = await mustRun(kubectl([...args, '-o', 'json'], { kubeconfig: cluster.kubeconfigPath }));
  return JSON.parse(r.stdout);
}

/** Names of every instance-related object in the namespace, e.g. "deployment.apps/acme". */
export async function objectNames(cluster: TestCluster): Promise<string[]> {
  const r = await mustRun(kubectl(['-n', NS, 'get', 'deployments,services,persistentvolumeclaims,ingresses,ingressroutes', '-o', 'name'], { kubeconfig: cluster.kubeconfigPath }));
  return r.stdout.split('\n').filter(Boolean).sort();
}

/**
 * An instance as the refactoring guide's client creates it (labels app/instance-id/managed-by,
 * bitnami image at /bitnami/odoo, IngressRoute without labels) with the migration plan's PVC
 * (`odoo-instance-<id>`, labels app=odoo-instance, managed-by=saasodoo).
 */
export function platformInstanceV1(opts: { db: string; id: string; subdomain: string }): any[] {
  return guideInstance({ db: opts.db, id8: opts.id.slice(0, 8), pvc: planPvc(`odoo-instance-${opts.id}`), mountPath: '/bitnami/odoo', replicas: 1, serviceSuffix: '', subdomain: opts.subdomain });
}

/**
 * An instance as the implementation guide's client creates it (saasodoo.io/* labels, Ingress), with the
 * migration plan's PVC (`odoo-instance-<hex>`, 20Gi) and the credentials in the odoo-db-credentials Secret.
 */
export function platformInstanceV2(opts: { db: string; id: string; customer: string; displayName: string }): any[] {
  const pvc = planPvc(`odoo-instance-${opts.id.replace(/-/g, '')}`, '20Gi');
  return seed004Instance({ id: opts.id, db: opts.db, name: opts.displayName, customer: opts.customer, pvc });
}

/** Creates objects through the API server, as the platform's client does. */
export async function applyObjects(cluster: TestCluster, objects: any[]): Promise<void> {
  await mustRun(kubectl(['create', '--validate=false', '-f', '-'], { kubeconfig: cluster.kubeconfigPath, stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) }));
}

/** A running `kubectl odoo ...` whose stdout lines can be awaited; stopped with Ctrl-C (SIGINT). */
export class LiveCommand {
  readonly lines: string[] = [];
  stderr = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number>;

  constructor(cluster: TestCluster, args: string[]) {
    this.child = spawn(KUBECTL, ['odoo', ...operatorArgs(cluster.kubeconfigPath), ...args], { env: pluginEnv({ KUBECONFIG: cluster.kubeconfigPath }), stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? 1)));
  }

  /** Resolves once `pred` holds for the lines so far; rejects after `ms`. */
  async waitFor(pred: (lines: string[]) => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.lines)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; output so far:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Ctrl-C; the command must end by itself. If it does not within `ms`, it is killed and the test fails saying so. */
  async stop(ms = 30_000): Promise<number> {
    this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`the command did not exit within ${ms} ms of Ctrl-C; stderr:\n${this.stderr.slice(-4000)}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, hung]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The storage classes the seeds' clients name (004: cephfs-quota, 002: cephfs-saasodoo), as the seeds define them. */
export function seedStorageClasses(): any[] {
  const cephfs = (name: string, fsName: string, pool: string) => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: 'rook-ceph.cephfs.csi.ceph.com',
    parameters: { clusterID: 'rook-ceph', fsName, pool },
    reclaimPolicy: 'Retain',
    allowVolumeExpansion: true,
  });
  return [cephfs('cephfs-quota', 'saasodoo-cephfs', 'saasodoo-cephfs-data0'), cephfs('cephfs-saasodoo', 'cephfs', 'cephfs_data')];
}

/**
 * An instance exactly as seed 004's client creates it: PVC `odoo-data-<id8>` (cephfs-quota), Deployment
 * `odoo-<db>-<id8>` with the saasodoo.io/* labels and the bitnami image at /bitnami/odoo, database
 * credentials as literal env values, probes on "/", a Service and a plain Ingress named after it.
 */
export function seed004Instance(opts: { id: string; db: string; name: string; customer: string; password?: string; pvc?: any }): any[] {
  const id8 = opts.id.slice(0, 8);
  const name = `odoo-${opts.db}-${id8}`;
  const sel = { app: 'odoo', 'saasodoo.io/instance-id': opts.id };
  const probe = (initialDelaySeconds: number, periodSeconds: number) => ({ httpGet: { path: '/', port: 8069 }, initialDelaySeconds, periodSeconds, timeoutSeconds: 5, failureThreshold: 3 });
  const claim = opts.pvc ?? {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `odoo-data-${id8}`, namespace: NS, labels: { app: 'odoo', 'saasodoo.io/instance-id': opts.id, 'saasodoo.io/managed': 'true' } },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'cephfs-quota', resources: { requests: { storage: '10Gi' } } },
  };
  // The seed's client passes the credentials as literal values; without a password, from the Secret.
  const credential = (key: string, literal: string | undefined) => (literal !== undefined ? { value: literal } : { valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key } } });
  return [
    claim,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS, labels: { ...sel, 'saasodoo.io/instance-name': opts.name, 'saasodoo.io/customer-id': opts.customer, 'saasodoo.io/managed': 'true' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: sel },
        template: {
          metadata: { labels: { ...sel, 'saasodoo.io/instance-name': opts.name, 'saasodoo.io/customer-id': opts.customer } },
          spec: {
            containers: [
              {
                name: 'odoo',
                image: 'bitnamilegacy/odoo:17',
                ports: [{ containerPort: 8069 }],
                env: [
                  { name: 'ODOO_DATABASE_HOST', value: 'postgres' },
                  { name: 'ODOO_DATABASE_PORT_NUMBER', value: '5432' },
                  { name: 'ODOO_DATABASE_NAME', value: opts.db },
                  { name: 'ODOO_DATABASE_USER', ...credential('username', opts.password === undefined ? undefined : `odoo_${opts.db}`) },
                  { name: 'ODOO_DATABASE_PASSWORD', ...credential('password', opts.password) },
                  { name: 'ODOO_EMAIL', value: 'admin@example.com' },
                  { name: 'ODOO_LOAD_DEMO_DATA', value: 'no' },
                ],
                volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
                resources: { requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '1000m', memory: '2Gi' } },
                livenessProbe: probe(60, 10),
                readinessProbe: probe(30, 5),
              },
            ],
            volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: claim.metadata.name } }],
            restartPolicy: 'Always',
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS, labels: sel },
      spec: { selector: sel, ports: [{ port: 8069, targetPort: 8069, name: 'http' }], type: 'ClusterIP' },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: NS, labels: sel, annotations: { 'traefik.ingress.kubernetes.io/router.entrypoints': 'web' } },
      spec: { rules: [{ host: `${opts.db}.saasodoo.local`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 8069 } } } }] } }] },
    },
  ];
}

/** The migration plan's (seed 000) instance PVC: labels app=odoo-instance/managed-by, rook-cephfs, RWO. */
function planPvc(name: string, size = '10Gi'): any {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS, labels: { app: 'odoo-instance', 'managed-by': 'saasodoo' } },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: size } } },
  };
}

/**
 * The refactoring guide's (seed 002) objects for an instance with the 8-character id: Deployment labels
 * app/instance-id/managed-by and pod labels adding database, the bitnami image, credentials from the
 * odoo-db-credentials Secret, probes on /web/health, a Service selecting the id, and (with a
 * subdomain) a Traefik IngressRoute; the PVC, data mount, replicas and Service name as given.
 */
function guideInstance(o: { db: string; id8: string; pvc: any; mountPath: string; replicas: number; serviceSuffix: string; subdomain?: string }): any[] {
  const name = `odoo-${o.db}-${o.id8}`;
  const probe = (initialDelaySeconds: number, periodSeconds: number) => ({ httpGet: { path: '/web/health', port: 8069 }, initialDelaySeconds, periodSeconds, timeoutSeconds: 5, failureThreshold: 3 });
  const secret = (key: string) => ({ secretKeyRef: { name: 'odoo-db-credentials', key } });
  return [
    o.pvc,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS, labels: { app: 'odoo', 'instance-id': o.id8, 'managed-by': 'saasodoo' } },
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: { app: 'odoo', 'instance-id': o.id8 } },
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels: { app: 'odoo', 'instance-id': o.id8, database: o.db, 'managed-by': 'saasodoo' } },
          spec: {
            containers: [
              {
                name: 'odoo',
                image: 'bitnami/odoo:17',
                ports: [{ containerPort: 8069, name: 'http' }],
                env: [
                  { name: 'ODOO_DATABASE_HOST', value: 'postgres' },
                  { name: 'ODOO_DATABASE_PORT', value: '5432' },
                  { name: 'ODOO_DATABASE_NAME', value: o.db },
                  { name: 'ODOO_DATABASE_USER', valueFrom: secret('username') },
                  { name: 'ODOO_DATABASE_PASSWORD', valueFrom: secret('password') },
                ],
                resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
                volumeMounts: [{ name: 'odoo-data', mountPath: o.mountPath }],
                livenessProbe: probe(120, 30),
                readinessProbe: probe(30, 10),
              },
            ],
            volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: o.pvc.metadata.name } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}${o.serviceSuffix}`, namespace: NS, labels: { app: 'odoo', 'managed-by': 'saasodoo' } },
      spec: { type: 'ClusterIP', selector: { app: 'odoo', 'instance-id': o.id8 }, ports: [{ name: 'http', port: 8069, targetPort: 8069, protocol: 'TCP' }] },
    },
    ...(o.subdomain
      ? [
          {
            apiVersion: 'traefik.io/v1alpha1',
            kind: 'IngressRoute',
            metadata: { name, namespace: NS },
            spec: { entryPoints: ['web', 'websecure'], routes: [{ match: `Host(\`${o.subdomain}.saasodoo.com\`)`, kind: 'Rule', services: [{ name, port: 8069 }] }] },
          },
        ]
      : []),
  ];
}

/**
 * An instance exactly as seed 002's guide creates it: the 8-character instance id as its id, PVC
 * `<name>-storage` (ReadWriteMany, cephfs-saasodoo, labels app/managed-by), the bitnami image at
 * /bitnami/odoo, a Service named after the Deployment and a Traefik IngressRoute.
 */
export function seed002Instance(opts: { id8: string; db: string; subdomain: string }): any[] {
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `odoo-${opts.db}-${opts.id8}-storage`, namespace: NS, labels: { app: 'odoo', 'managed-by': 'saasodoo' } },
    spec: { accessModes: ['ReadWriteMany'], storageClassName: 'cephfs-saasodoo', resources: { requests: { storage: '10Gi' } } },
  };
  return guideInstance({ db: opts.db, id8: opts.id8, pvc, mountPath: '/bitnami/odoo', replicas: 1, serviceSuffix: '', subdomain: opts.subdomain });
}

/**
 * An instance as seeds 000 and 003 plan it: PVC `odoo-instance-<uuid hex>`, Deployment
 * `odoo-<db>-<hex[:8]>` with the data at /var/lib/odoo, its Service `<name>-service` (Service DNS), no
 * ingress; stopped (scaled to 0).
 */
export function seed000Instance(opts: { hex: string; db: string }): any[] {
  return guideInstance({ db: opts.db, id8: opts.hex.slice(0, 8), pvc: planPvc(`odoo-instance-${opts.hex}`), mountPath: '/var/lib/odoo', replicas: 0, serviceSuffix: '-service' });
}
