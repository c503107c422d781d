// The test cluster's kubelet: really runs the pods not owned by a ReplicaSet (Job pods, bare pods) on
// this machine, runs the Job controller, and serves the node-side endpoints the API server delegates
// to it: pods/{name}/exec|attach|portforward (WebSocket upgrades), pods/{name}/log, and
// nodes/{name}/proxy/stats/summary. See podRuntime.ts and sandbox.ts for how containers run. It also
// plays kube-proxy and DNS for the pods it runs (serviceProxy.ts, clusterDns.ts: Service names in each
// pod's /etc/hosts) and stands in for the Odoo process of simulated Odoo pods (odooStandIn.ts).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { podHostsFile } from './clusterDns.js';
import { handleExec } from './execServer.js';
import { JobController } from './jobController.js';
import type { ServiceAccountTokens } from '../serviceAccounts.js';
import { handleLog } from './logServer.js';
import { PodRuntime } from './podRuntime.js';
import { OdooStandIn } from './odooStandIn.js';
import { podDir } from './podVolumes.js';
import { handlePortForward, portTarget } from './portForwardServer.js';
import type { SandboxProcess } from './sandbox.js';
import { buildStatsSummary } from './statsSummary.js';
import { findPostgresBinDir } from '../../fixtures/postgres.js';
import { ServiceProxy, type Endpoint } from './serviceProxy.js';
import { NodeNetworks } from './nodeNetwork.js';
import { listObjects, objectLookup, type KubeletStore, type StoreEvent } from './store.js';
import { internalError, rejectUpgrade, respondStatus, type Query } from './streamProtocol.js';

export interface KubeletOptions {
  store: KubeletStore;
  /** Where volume data lives (PV directories, per-pod emptyDir/configMap/secret directories). */
  dataDir: string;
  /** Period of the sync loops; restart and Job back-offs are multiples of it. */
  tickMs?: number;
  /** Run DaemonSet pods as real processes too (default: they are simulated). */
  runDaemonSetPods?: boolean;
  /** Run the Odoo stand-in for simulated Odoo pods (the playground does; off by default). */
  odooStandIn?: boolean;
  /** psql for the Odoo stand-in (default: Debian's, else the one on PATH). */
  psql?: string;
  /** Service account tokens for projected volumes, and where pods reach the API server. */
  serviceAccounts?: ServiceAccountTokens;
}

export interface Kubelet {
  start(): Promise<void>;
  /** Kills every process the kubelet started and waits for them to be gone. */
  stop(): Promise<void>;
  handleExec(req: IncomingMessage, socket: Duplex, head: Buffer, pod: any, query?: Query): Promise<void>;
  handlePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, pod: any, query?: Query): Promise<void>;
  handleLog(req: IncomingMessage, res: ServerResponse, pod: any, query?: Query): Promise<void>;
  statsSummary(nodeName: string): any;
}

export function createKubelet(opts: KubeletOptions): Kubelet {
  const tickMs = opts.tickMs ?? 100;
  const { store, dataDir } = opts;
  const items = (r: any): any[] => (Array.isArray(r) ? r : (r?.items ?? []));
  const lookup = objectLookup(store);
  // Host-network pods this kubelet runs share their node's network, one per node (nodeNetwork.ts), and
  // are reached on its loopback.
  const networks = new NodeNetworks({ dir: join(dataDir, 'nodes'), api: () => ({ host: opts.serviceAccounts?.apiHost ?? '127.0.0.1', port: opts.serviceAccounts?.apiPort ?? '' }) });
  const hostNetworkOf = (pod: any): Promise<string | undefined> => (pod.spec?.hostNetwork && pod.spec?.nodeName ? networks.namespaceOf(pod.spec.nodeName) : Promise.resolve(undefined));
  const endpointOf = (pod: any, port: number): Endpoint | undefined =>
    standIn?.endpoint(pod.metadata.uid, port) ??
    portTarget(pod, port) ??
    (runtime.has(pod.metadata?.uid) && pod.spec?.hostNetwork ? { host: '127.0.0.1', port, dial: () => networks.dial(pod.spec.nodeName, port) } : undefined);
  const proxy: ServiceProxy = new ServiceProxy({ podsIn: (ns) => items(store.list('pods', ns)), endpointOf });
  const standIn: OdooStandIn | undefined = opts.odooStandIn ? new OdooStandIn({ dataDir, lookup, proxy, psql: opts.psql ?? defaultPsql(), tickMs }) : undefined;
  // Pods given an /etc/hosts, rewritten in place (the bind mount keeps the inode) when Services change.
  const hostsOf = new Map<string, any>();
  const writeHosts = (pod: any): string => {
    const file = join(podDir(dataDir, pod.metadata.uid), 'etc-hosts');
    mkdirSync(podDir(dataDir, pod.metadata.uid), { recursive: true });
    writeFileSync(file, podHostsFile({ name: pod.metadata.name, namespace: pod.metadata.namespace, ip: pod.status?.podIP ?? '127.0.0.1' }, proxy.addresses()));
    hostsOf.set(pod.metadata.uid, pod);
    return file;
  };
  proxy.onChange(() => {
    for (const pod of hostsOf.values()) writeHosts(pod);
  });
  // With the stand-in, Odoo containers and Jobs find its `odoo` executable as the image has one.
  const odooPath = opts.odooStandIn ? standInsDir() : undefined;
  const runtime = new PodRuntime({ store, dataDir, tickMs, etcHosts: writeHosts, runDaemonSetPods: opts.runDaemonSetPods, odooPath, serviceAccounts: opts.serviceAccounts, hostNetworkOf });
  const jobs = new JobController({ store, tickMs });
  const execProcesses = new Map<string, Set<SandboxProcess>>();
  const unsubscribe: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  const killExecs = (podUid: string) => {
    for (const p of execProcesses.get(podUid) ?? []) p.signal('SIGKILL');
    execProcesses.delete(podUid);
  };

  const onPod = (ev: StoreEvent) => {
    const pod = ev.object;
    if (!runtime.owns(pod)) standIn?.observe(pod, ev.type === 'DELETED');
    if (ev.type === 'DELETED') {
      hostsOf.delete(pod.metadata?.uid);
      killExecs(pod.metadata?.uid);
      // Directories made for exec into a simulated pod (emptyDir, configMap...) go with the pod.
      if (!runtime.owns(pod) && pod.metadata?.uid) rmSync(podDir(dataDir, pod.metadata.uid), { recursive: true, force: true });
      runtime.forget(pod);
      jobs.observePod(pod, true);
    } else {
      runtime.observe(pod);
      jobs.observePod(pod, false);
    }
  };
  const onJob = (ev: StoreEvent) => {
    if (ev.type === 'DELETED') void jobs.forgetJob(ev.object).catch(() => {});
    else jobs.observeJob(ev.object);
  };

  // Errors in a handler must not take the API server down; they become a 500 for that request.
  const guard = async (what: () => Promise<void>, fail: (message: string) => void) => {
    try {
      await what();
    } catch (e) {
      fail((e as Error).message);
    }
  };

  return {
    async start() {
      unsubscribe.push(store.subscribe('pods', onPod));
      unsubscribe.push(store.subscribe('jobs', onJob));
      unsubscribe.push(store.subscribe('services', (ev) => proxy.observe(ev)));
      for (const svc of await listObjects(store, 'services')) proxy.observe({ type: 'ADDED', object: svc });
      for (const pod of await listObjects(store, 'pods')) onPod({ type: 'ADDED', object: pod });
      for (const job of await listObjects(store, 'jobs')) onJob({ type: 'ADDED', object: job });
      timer = setInterval(() => void jobs.tick().catch(() => {}), tickMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      for (const u of unsubscribe.splice(0)) u();
      for (const uid of [...execProcesses.keys()]) killExecs(uid);
      await jobs.stop();
      await runtime.stop();
      await standIn?.stop();
      await proxy.stop();
      await networks.stop();
    },
    handleExec(req, socket, head, pod, query) {
      return guard(
        () => handleExec({ store, dataDir, runtime, processes: execProcesses, etcHosts: writeHosts, odooPath, hostNetworkOf }, req, socket, head, pod, query),
        (m) => (socket.writable ? rejectUpgrade(socket, internalError(m)) : socket.destroy()),
      );
    },
    handlePortForward(req, socket, head, pod, query) {
      return guard(
        () => handlePortForward(req, socket, head, pod, query, endpointOf),
        (m) => (socket.writable ? rejectUpgrade(socket, internalError(m)) : socket.destroy()),
      );
    },
    handleLog(req, res, pod, query) {
      return guard(
        () => handleLog({ store, runtime, tickMs, standInLog: (uid, id) => standIn?.log(uid, id) }, req, res, pod, query),
        (m) => (res.headersSent ? res.end() : respondStatus(res, internalError(m))),
      );
    },
    statsSummary(nodeName) {
      // Synchronous: the API server answers with it directly, and the in-process store lists synchronously.
      const pods = items(store.list('pods'));
      const pvcs = new Map(items(store.list('persistentvolumeclaims')).map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c]));
      return buildStatsSummary({ nodeName, dataDir, pods, pvcs, nodeStartTime: startedAt });
    },
  };
}

function defaultPsql(): string {
  try {
    return join(findPostgresBinDir(), 'psql');
  } catch {
    return 'psql';
  }
}

/** test/cluster/standins, from this file in the sources or from the bundle `npm run cluster` makes in .cluster/. */
function standInsDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, '..', 'standins'), join(here, '..', 'test', 'cluster', 'standins')].find((d) => existsSync(join(d, 'odoo')));
}
