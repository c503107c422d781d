// Shared setup for instance scenario tests: a test cluster with the saasodoo namespace and the database
// Secret, objects shaped as the platform's instance-service creates them, and a long-running plugin
// process (watch) whose output lines can be awaited.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { startTestCluster, type TestCluster, type TestClusterOptions } from '../cluster/index.js';
import { KUBECTL, kubectl, kubectlOdoo, pluginEnv, type RunResult } from '../harness/plugin.js';

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
  const id8 = opts.id.slice(0, 8);
  const name = `odoo-${opts.db}-${id8}`;
  const pvc = `odoo-instance-${opts.id}`;
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: pvc, namespace: NS, labels: { app: 'odoo-instance', 'managed-by': 'saasodoo' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '10Gi' } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS, labels: { app: 'odoo', 'instance-id': id8, 'managed-by': 'saasodoo' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'odoo', 'instance-id': id8 } },
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels: { app: 'odoo', 'instance-id': id8, database: opts.db, 'managed-by': 'saasodoo' } },
          spec: {
            containers: [
              {
                name: 'odoo',
                image: 'bitnami/odoo:17',
                ports: [{ containerPort: 8069, name: 'http' }],
                env: [
                  { name: 'ODOO_DATABASE_HOST', value: 'postgres' },
                  { name: 'ODOO_DATABASE_PORT', value: '5432' },
                  { name: 'ODOO_DATABASE_NAME', value: opts.db },
                  { name: 'ODOO_DATABASE_USER', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'username' } } },
                  { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'password' } } },
                ],
                resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
                volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
                readinessProbe: { httpGet: { path: '/web/health', port: 8069 }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              },
            ],
            volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: pvc } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS, labels: { app: 'odoo', 'managed-by': 'saasodoo' } },
      spec: { type: 'ClusterIP', selector: { app: 'odoo', 'instance-id': id8 }, ports: [{ name: 'http', port: 8069, targetPort: 8069, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name, namespace: NS },
      spec: {
        entryPoints: ['web', 'websecure'],
        routes: [{ match: `Host(\`${opts.subdomain}.saasodoo.com\`)`, kind: 'Rule', services: [{ name, port: 8069 }] }],
      },
    },
  ];
}

/** An instance as the implementation guide's client creates it (saasodoo.io/* labels, Ingress). */
export function platformInstanceV2(opts: { db: string; id: string; customer: string; displayName: string }): any[] {
  const name = `odoo-${opts.db}-${opts.id.slice(0, 8)}`;
  const pvc = `odoo-instance-${opts.id.replace(/-/g, '')}`;
  const sel = { app: 'odoo', 'saasodoo.io/instance-id': opts.id };
  const labels = { ...sel, 'saasodoo.io/instance-name': opts.displayName, 'saasodoo.io/customer-id': opts.customer, 'saasodoo.io/managed': 'true' };
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: pvc, namespace: NS, labels: { app: 'odoo-instance', 'managed-by': 'saasodoo' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'rook-cephfs', resources: { requests: { storage: '20Gi' } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: sel },
        template: {
          metadata: { labels: { ...sel, 'saasodoo.io/instance-name': opts.displayName, 'saasodoo.io/customer-id': opts.customer } },
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
                  { name: 'ODOO_DATABASE_USER', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'username' } } },
                  { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'password' } } },
                ],
                resources: { requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '1000m', memory: '2Gi' } },
                volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
              },
            ],
            volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: pvc } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS, labels: { app: 'odoo', 'saasodoo.io/instance-id': opts.id } },
      spec: { type: 'ClusterIP', selector: sel, ports: [{ name: 'http', port: 8069, targetPort: 8069 }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: NS, labels: { app: 'odoo', 'saasodoo.io/instance-id': opts.id }, annotations: { 'traefik.ingress.kubernetes.io/router.entrypoints': 'web' } },
      spec: {
        rules: [{ host: `${opts.db}.saasodoo.local`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 8069 } } } }] } }],
      },
    },
  ];
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
    this.child = spawn(KUBECTL, ['odoo', ...args], { env: pluginEnv({ KUBECONFIG: cluster.kubeconfigPath }), stdio: ['pipe', 'pipe', 'pipe'] });
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
