// The test cluster's kubelet: really runs the pods not owned by a ReplicaSet (Job pods, bare pods) on
// this machine, runs the Job controller, and serves the node-side endpoints the API server delegates
// to it: pods/{name}/exec|attach|portforward (WebSocket upgrades), pods/{name}/log, and
// nodes/{name}/proxy/stats/summary. See podRuntime.ts and sandbox.ts for how containers run.
import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleExec } from './execServer.js';
import { JobController } from './jobController.js';
import { handleLog } from './logServer.js';
import { PodRuntime } from './podRuntime.js';
import { podDir } from './podVolumes.js';
import { handlePortForward } from './portForwardServer.js';
import type { SandboxProcess } from './sandbox.js';
import { buildStatsSummary } from './statsSummary.js';
import { listObjects, type KubeletStore, type StoreEvent } from './store.js';
import { internalError, rejectUpgrade, respondStatus, type Query } from './streamProtocol.js';

export interface KubeletOptions {
  store: KubeletStore;
  /** Where volume data lives (PV directories, per-pod emptyDir/configMap/secret directories). */
  dataDir: string;
  /** Period of the sync loops; restart and Job back-offs are multiples of it. */
  tickMs?: number;
  /** Run DaemonSet pods as real processes too (default: they are simulated). */
  runDaemonSetPods?: boolean;
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
  const runtime = new PodRuntime({ store, dataDir, tickMs, runDaemonSetPods: opts.runDaemonSetPods });
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
    if (ev.type === 'DELETED') {
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
    },
    handleExec(req, socket, head, pod, query) {
      return guard(
        () => handleExec({ store, dataDir, runtime, processes: execProcesses }, req, socket, head, pod, query),
        (m) => (socket.writable ? rejectUpgrade(socket, internalError(m)) : socket.destroy()),
      );
    },
    handlePortForward(req, socket, head, pod, query) {
      return guard(
        // A host-network pod this kubelet runs listens on this machine's own ports.
        () => handlePortForward(req, socket, head, pod, query, runtime.has(pod.metadata?.uid) && !!pod.spec?.hostNetwork),
        (m) => (socket.writable ? rejectUpgrade(socket, internalError(m)) : socket.destroy()),
      );
    },
    handleLog(req, res, pod, query) {
      return guard(
        () => handleLog({ store, runtime, tickMs }, req, res, pod, query),
        (m) => (res.headersSent ? res.end() : respondStatus(res, internalError(m))),
      );
    },
    statsSummary(nodeName) {
      // Synchronous: the API server answers with it directly, and the in-process store lists synchronously.
      const items = (r: any): any[] => (Array.isArray(r) ? r : (r?.items ?? []));
      const pods = items(store.list('pods'));
      const pvcs = new Map(items(store.list('persistentvolumeclaims')).map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c]));
      return buildStatsSummary({ nodeName, dataDir, pods, pvcs, nodeStartTime: startedAt });
    },
  };
}
