// startTestCluster(): an in-process Kubernetes API server on 127.0.0.1 over HTTPS that kubectl and
// @kubernetes/client-node talk to through a generated kubeconfig, with simulated controllers and a
// kubelet that really runs Job and bare pods on this machine.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Store } from './store.js';
import { Faults } from './faults.js';
import { ApiServer, type KubeletHandlers } from './server.js';
import { makeCerts } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { bootstrapCluster } from './bootstrap.js';
import { ServiceAccountTokens } from './serviceAccounts.js';
import { startControllers, type Controllers } from './controllers/index.js';
import { bootstrapPolicy, type UserInfo } from './rbac.js';
import { installShippedRbac } from './shippedRbac.js';

export { Store } from './store.js';
export { Faults } from './faults.js';
export { StatusError } from './errors.js';
export { pvDataDir } from './volumes.js';
export { bindOperatorsIn } from './shippedRbac.js';

export interface Kubelet extends KubeletHandlers {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface TestClusterOptions {
  /** Node names; default node-1..node-3. */
  nodes?: string[];
  /** Controller tick; default 50 ms. */
  tickMs?: number;
  /** Where volume data lives; default a new temporary directory, removed by stop(). */
  dataDir?: string;
  /** Start the kubelet that runs Job and bare pods (default true). */
  kubelet?: boolean;
  /** The kubelet runs DaemonSet pods too, as real processes (default false: they are simulated). */
  runDaemonSetPods?: boolean;
  /** Simulated Odoo pods get a stand-in for Odoo's start (odoo.conf, database, /web/health); default false. */
  odooStandIn?: boolean;
  /** Run the simulated controllers (default true). */
  controllers?: boolean;
  /**
   * Run the service-account tokens controller (default true). false is a kube-controller-manager started
   * with --controllers=*,-serviceaccount-token: token Secrets stay unfilled.
   */
  tokensController?: boolean;
  /** Create the rook-cephfs and rook-ceph-block StorageClasses (default true). */
  storageClasses?: boolean;
  /** Simulated durations (readiness initialDelaySeconds, grace periods, back-offs) are scaled by this (default 0.01). */
  timeScale?: number;
  /** Changes kept for watches from an old resourceVersion (default 20000). */
  historySize?: number;
  /** Port to listen on (default: any free port). */
  port?: number;
  /** BOOKMARK interval for watches that allow them (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** Where the kubeconfig and certificates go; default a new temporary directory. */
  configDir?: string;
}

/** The kubeconfig contexts: the cluster admin (current), the same over a client certificate, an operator, an agent installer. */
export const ADMIN_CONTEXT = 'test-cluster';
export const OPERATOR_CONTEXT = 'operator';
/** The user of the operator context, in the group manifests/operator-rbac.yaml binds. */
export const OPERATOR_USER: UserInfo = { name: 'operator', groups: ['kubectl-odoo-operators'] };
/** The context of a person bound by manifests/agent-installer-rbac.yaml: who runs `kubectl odoo agent install`. */
export const INSTALLER_CONTEXT = 'agent-installer';
export const INSTALLER_USER: UserInfo = { name: 'agent-installer', groups: ['kubectl-odoo-agent-installers'] };
/** The node agent's service account (manifests/agent-serviceaccount.yaml), bound by manifests/agent-rbac.yaml. */
export const AGENT_USER: UserInfo = { name: 'system:serviceaccount:kubectl-odoo:odoo-node-agent', groups: ['system:serviceaccounts', 'system:serviceaccounts:kubectl-odoo'] };

export interface TestCluster {
  url: string;
  /** Contexts: ADMIN_CONTEXT (current), `${ADMIN_CONTEXT}-cert`, OPERATOR_CONTEXT, INSTALLER_CONTEXT. */
  kubeconfigPath: string;
  /** A kubeconfig whose only user is the node agent's service account. */
  agentKubeconfigPath: string;
  /** The admin's bearer token. */
  token: string;
  dataDir: string;
  store: Store;
  faults: Faults;
  nodes: string[];
  kubelet?: Kubelet;
  controllers?: Controllers;
  stop(): Promise<void>;
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const nodes = opts.nodes ?? ['node-1', 'node-2', 'node-3'];
  const tickMs = opts.tickMs ?? 50;
  const ownConfigDir = !opts.configDir;
  const configDir = opts.configDir ?? mkdtempSync(join(tmpdir(), 'kubectl-odoo-cluster-'));
  mkdirSync(configDir, { recursive: true });
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? join(configDir, 'data');
  mkdirSync(join(dataDir, 'pv'), { recursive: true });
  const certs = makeCerts(configDir);
  const token = randomBytes(24).toString('hex');
  const operatorToken = randomBytes(24).toString('hex');
  const installerToken = randomBytes(24).toString('hex');
  const agentToken = randomBytes(24).toString('hex');
  const store = new Store({ historySize: opts.historySize });
  const faults = new Faults();
  bootstrapCluster(store, { nodes, storageClasses: opts.storageClasses });
  const policy = bootstrapPolicy();
  for (const r of policy.clusterRoles) store.create('clusterroles', r);
  for (const b of policy.clusterRoleBindings) store.create('clusterrolebindings', b);
  installShippedRbac(store);

  let kubelet: Kubelet | undefined;
  const runDaemonSetPods = opts.kubelet !== false && !!opts.runDaemonSetPods;
  const serviceAccounts = new ServiceAccountTokens();
  if (opts.kubelet !== false) kubelet = await loadKubelet(store, dataDir, tickMs, opts.odooStandIn ?? false, runDaemonSetPods, serviceAccounts);
  const server = new ApiServer({
    store,
    faults,
    tokens: { [token]: { name: 'test-admin', groups: ['system:masters'] }, [operatorToken]: OPERATOR_USER, [installerToken]: INSTALLER_USER, [agentToken]: AGENT_USER },
    serviceAccounts,
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert },
    kubelet,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
  });
  const url = await server.listen(opts.port ?? 0);
  serviceAccounts.apiPort = new URL(url).port;
  const kubeconfigPath = join(configDir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, { url, token, operatorToken, installerToken, certs });
  const agentKubeconfigPath = join(configDir, 'agent-kubeconfig');
  writeKubeconfig(agentKubeconfigPath, { url, agentToken, certs });
  const controllers = opts.controllers === false ? undefined : startControllers(store, { tickMs, dataDir, nodes, timeScale: opts.timeScale, simulateAllPods: !kubelet, runDaemonSetPods, caCert: certs.caCert, serviceAccounts: opts.tokensController === false ? undefined : serviceAccounts });
  await kubelet?.start();

  let stopped = false;
  return {
    url,
    kubeconfigPath,
    agentKubeconfigPath,
    token,
    dataDir,
    store,
    faults,
    nodes,
    kubelet,
    controllers,
    async stop() {
      if (stopped) return;
      stopped = true;
      controllers?.stop();
      await kubelet?.stop();
      await server.close();
      if (ownDataDir || ownConfigDir) rmSync(ownConfigDir ? configDir : dataDir, { recursive: true, force: true });
      if (ownDataDir && !ownConfigDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function loadKubelet(store: Store, dataDir: string, tickMs: number, odooStandIn: boolean, runDaemonSetPods: boolean, serviceAccounts: ServiceAccountTokens): Promise<Kubelet | undefined> {
  // Loaded only when wanted: it brings the process runner and the WebSocket servers.
  const mod = await import('./kubelet/index.js');
  return mod.createKubelet({ store, dataDir, tickMs, odooStandIn, runDaemonSetPods, serviceAccounts }) as unknown as Kubelet;
}
