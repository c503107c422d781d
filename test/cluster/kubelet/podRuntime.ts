// Runs the pods the kubelet owns (those not owned by a ReplicaSet): sets up volumes and environment,
// runs init containers then containers as real processes (see sandbox.ts), captures their output as
// the container log, restarts per restartPolicy with back-off, writes the pod status as the kubelet
// does, and on deletion stops it as the kubelet does: SIGTERM to each container's main process (PID 1
// of its PID namespace, which ignores signals it has no handler for), SIGKILL to everything in the
// container once the grace period ends, and only then confirms the deletion so the pod object goes.
import { randomBytes, createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { ContainerLog } from './containerLog.js';
import { buildContainerEnv, containerArgv, ContainerConfigError } from './containerEnv.js';
import { containerMounts, podDir, prepareVolumes, VolumeSetupError, type PreparedVolume } from './podVolumes.js';
import { podConditions, podPhase, shouldRestart, terminatedReason, type ContainerState, type PodPhase } from './podStatus.js';
import { resolveExecutable, signalNumber, spawnInSandbox, type SandboxProcess } from './sandbox.js';
import type { ServiceAccountTokens } from '../serviceAccounts.js';
import { deleteObject, getObject, objectLookup, recordEvent, updateWithRetry, type KubeletStore } from './store.js';

export interface RuntimeDeps {
  store: KubeletStore;
  dataDir: string;
  tickMs: number;
  /** Run DaemonSet pods too (else they are simulated by the API side, like ReplicaSet pods). */
  runDaemonSetPods?: boolean;
  /** Writes the pod's /etc/hosts (the cluster's Service names) and returns its path. */
  etcHosts(pod: any): string;
  /** Service account tokens and the API server's address for pods. */
  serviceAccounts?: ServiceAccountTokens;
  /** First on the PATH of Odoo containers (see buildContainerEnv). */
  odooPath?: string;
  /** The network namespace a host-network pod joins: its node's (nodeNetwork.ts). */
  hostNetworkOf?(pod: any): Promise<string | undefined>;
}

interface ContainerRun {
  name: string;
  spec: any;
  init: boolean;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
  restartCount: number;
  containerID?: string;
  log?: ContainerLog;
  previousLog?: ContainerLog;
  proc?: SandboxProcess;
  /** Set once it exited and the restart policy says it stays down. */
  finished: boolean;
}

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  pod: any;
  containers: ContainerRun[];
  initDone: boolean;
  startTime: string;
  hostIP: string;
  /** Deletion in progress: nothing new is started. */
  terminating: boolean;
  /** When the containers still running get SIGKILL (ms since the epoch), and the timer that does it. */
  killAt?: number;
  killTimer?: NodeJS.Timeout;
  /** The pod object is gone from the store: no more status writes. */
  gone: boolean;
  lastProblem?: string;
  statusWrite: Promise<void>;
  settled: Promise<void>;
  wake?: () => void;
}

const SANDBOX_WAIT = 'ContainerCreating';

export class PodRuntime {
  private readonly pods = new Map<string, PodRun>();
  private stopped = false;

  constructor(private readonly deps: RuntimeDeps) {}

  /** Pods not owned by a ReplicaSet or DaemonSet (or with runDaemonSetPods, not by a ReplicaSet) run for real; the API side simulates the others. */
  owns(pod: any): boolean {
    const simulated = this.deps.runDaemonSetPods ? ['ReplicaSet'] : ['ReplicaSet', 'DaemonSet'];
    return !(pod?.metadata?.ownerReferences ?? []).some((r: any) => simulated.includes(r.kind));
  }

  /** Called for every ADDED/MODIFIED pod event. */
  observe(pod: any): void {
    if (this.stopped || !this.owns(pod)) return;
    const uid = pod.metadata?.uid;
    const run = this.pods.get(uid);
    if (run) {
      run.pod = pod;
      if (!pod.metadata.deletionTimestamp) return;
      // A second deletion may shorten the grace period, never lengthen it.
      if (run.terminating) this.killAfter(run, graceSeconds(pod));
      else void this.terminate(run, graceSeconds(pod));
      return;
    }
    if (!pod.spec?.nodeName) return; // not scheduled yet
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    if (pod.metadata.deletionTimestamp) {
      void deleteObject(this.deps.store, 'pods', pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0 });
      return;
    }
    this.start(pod);
  }

  /** Called for a DELETED pod event (a forced deletion, or the kubelet's own confirmation): its processes go too. */
  forget(pod: any): void {
    const run = this.pods.get(pod?.metadata?.uid);
    if (!run) return;
    run.gone = true;
    if (run.terminating && run.containers.some((c) => c.proc)) this.killAfter(run, graceSeconds(pod));
    void this.terminate(run, graceSeconds(pod)).then(() => this.cleanUp(run));
  }

  /** Kills every process at once (the cluster is stopping) and waits until they are gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    const runs = [...this.pods.values()];
    for (const run of runs) {
      run.gone = true;
      run.terminating = true;
      for (const c of run.containers) c.proc?.signal('SIGKILL');
      run.wake?.();
    }
    await Promise.all(runs.map((r) => r.settled.catch(() => {})));
    for (const run of runs) this.cleanUp(run);
  }

  /** The container's current run, if this runtime runs that pod. */
  container(podUid: string, name: string): { running: boolean; log?: ContainerLog; previousLog?: ContainerLog; state: ContainerState } | undefined {
    const c = this.pods.get(podUid)?.containers.find((x) => x.name === name);
    if (!c) return undefined;
    return { running: 'running' in c.state, log: c.log, previousLog: c.previousLog, state: c.state };
  }

  /** Whether this runtime runs the pod (and so answers for its logs). */
  has(podUid: string): boolean {
    return this.pods.has(podUid);
  }

  private start(pod: any): void {
    // App containers wait in PodInitializing while init containers run, else in ContainerCreating.
    const hasInit = (pod.spec.initContainers ?? []).length > 0;
    const containers: ContainerRun[] = [
      ...(pod.spec.initContainers ?? []).map((spec: any) => newContainer(spec, true, SANDBOX_WAIT)),
      ...(pod.spec.containers ?? []).map((spec: any) => newContainer(spec, false, hasInit ? 'PodInitializing' : SANDBOX_WAIT)),
    ];
    const run: PodRun = {
      uid: pod.metadata.uid,
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      pod,
      containers,
      initDone: containers.every((c) => !c.init),
      startTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      hostIP: '127.0.0.1',
      terminating: false,
      gone: false,
      statusWrite: Promise.resolve(),
      settled: Promise.resolve(),
    };
    this.pods.set(run.uid, run);
    run.settled = this.runPod(run).catch((e) => {
      void recordEvent(this.deps.store, podRef(run), 'Warning', 'Failed', `the test kubelet failed to run this pod: ${(e as Error).message}`, 'kubelet');
    });
  }

  private async runPod(run: PodRun): Promise<void> {
    const { store } = this.deps;
    const node = await getObject(store, 'nodes', undefined, run.pod.spec.nodeName);
    run.hostIP = node?.status?.addresses?.find((a: any) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
    await this.writeStatus(run);

    // Volumes and environment: retried every tick until they can be set up, like the kubelet's sync loop.
    let volumes: Map<string, PreparedVolume> | undefined;
    while (!run.terminating) {
      try {
        volumes = await prepareVolumes(run.pod, this.deps.dataDir, this.lookup());
        break;
      } catch (e) {
        if (!(e instanceof VolumeSetupError)) throw e;
        await this.problem(run, 'FailedMount', e.message);
        await this.sleep(run, this.deps.tickMs * 5);
      }
    }
    if (!volumes) return;

    const init = run.containers.filter((c) => c.init);
    for (const c of init) {
      const ok = await this.runToCompletion(run, c, volumes);
      if (!ok) {
        // A failed init container with restartPolicy Never fails the pod; its app containers never start.
        for (const other of run.containers) if (!other.init) other.state = { waiting: { reason: 'PodInitializing' } };
        await this.writeStatus(run);
        return;
      }
    }
    run.initDone = true;
    const apps = run.containers.filter((c) => !c.init);
    await Promise.all(apps.map((c) => this.runToCompletion(run, c, volumes!)));
    await this.writeStatus(run);
  }

  /** Runs one container, restarting it per the pod's restartPolicy; true when it ended successfully. */
  private async runToCompletion(run: PodRun, c: ContainerRun, volumes: Map<string, PreparedVolume>): Promise<boolean> {
    const policy = c.init && run.pod.spec.restartPolicy === 'Always' ? 'OnFailure' : run.pod.spec.restartPolicy;
    for (;;) {
      if (run.terminating) return false;
      const exitCode = await this.runOnce(run, c, volumes);
      if (exitCode === undefined) return false; // terminating before it could start
      const restart = !run.terminating && shouldRestart(policy, exitCode);
      if (!restart) {
        c.finished = true;
        await this.writeStatus(run);
        return exitCode === 0;
      }
      // CrashLoopBackOff: 10s, 20s, 40s ... 5m in a real kubelet; scaled to the cluster's tick here.
      const backoff = Math.min(this.deps.tickMs * 10 * 2 ** c.restartCount, this.deps.tickMs * 300);
      c.lastState = c.state;
      c.restartCount++;
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${c.name} pod=${run.name}_${run.namespace}(${run.uid})` } };
      await this.writeStatus(run);
      await this.sleep(run, backoff);
    }
  }

  /** One start of a container; resolves with its exit code, or undefined if it never started. */
  private async runOnce(run: PodRun, c: ContainerRun, volumes: Map<string, PreparedVolume>): Promise<number | undefined> {
    let env: Record<string, string> | undefined;
    while (!run.terminating) {
      try {
        env = await buildContainerEnv(run.pod, c.spec, this.lookup(), this.deps.odooPath);
        break;
      } catch (e) {
        if (!(e instanceof ContainerConfigError)) throw e;
        c.state = { waiting: { reason: 'CreateContainerConfigError', message: e.message } };
        await this.problem(run, 'Failed', `Error: ${e.message}`);
        await this.sleep(run, this.deps.tickMs * 5);
      }
    }
    if (!env) return undefined;
    const argv = containerArgv(c.spec, env);
    const startedAt = now();
    c.containerID = `containerd://${randomBytes(32).toString('hex')}`;
    if (c.log) c.previousLog = c.log;
    c.log = new ContainerLog();
    const log = c.log;

    const failStart = async (message: string) => {
      // The runtime could not start the process: StartError, exit code 128, as containerd reports it.
      c.state = { terminated: { exitCode: 128, reason: 'StartError', message, startedAt: '1970-01-01T00:00:00Z', finishedAt: now(), containerID: c.containerID } };
      log.close();
      await recordEvent(this.deps.store, podRef(run), 'Warning', 'Failed', `Error: failed to create containerd task: failed to create shim task: ${message}`, 'kubelet');
      return 128;
    };
    if (argv.length === 0) return failStart('OCI runtime create failed: runc create failed: unable to start container process: no command specified');
    if (!resolveExecutable(argv[0], env.PATH, c.spec.workingDir ?? '/')) {
      return failStart(`OCI runtime create failed: runc create failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH: unknown`);
    }
    let proc: SandboxProcess;
    try {
      const mounts = [...containerMounts(c.spec, volumes), { source: this.deps.etcHosts(run.pod), target: '/etc/hosts', readOnly: false }];
      const netns = await this.deps.hostNetworkOf?.(run.pod);
      proc = spawnInSandbox({ argv, env, workingDir: c.spec.workingDir, mounts, pidNamespace: true, netns });
    } catch (e) {
      return failStart((e as Error).message);
    }
    c.proc = proc;
    proc.child.stdout?.on('data', (d: Buffer) => log.write('stdout', d));
    proc.child.stderr?.on('data', (d: Buffer) => log.write('stderr', d));
    c.state = { running: { startedAt } };
    void recordEvent(this.deps.store, podRef(run), 'Normal', 'Started', `Started container ${c.name}`, 'kubelet');
    await this.writeStatus(run);
    const streamsDone = Promise.all([
      new Promise((r) => (proc.child.stdout ? proc.child.stdout.on('close', r) : r(null))),
      new Promise((r) => (proc.child.stderr ? proc.child.stderr.on('close', r) : r(null))),
    ]);
    const { code, signal } = await proc.exited;
    await streamsDone;
    log.close();
    c.proc = undefined;
    const exitCode = signal ? 128 + signalNumber(signal) : code;
    c.state = {
      terminated: { exitCode, reason: terminatedReason(exitCode), startedAt, finishedAt: now(), containerID: c.containerID },
    };
    return exitCode;
  }

  /** Graceful termination: SIGTERM to each container's PID 1, SIGKILL once the grace period ends. */
  private async terminate(run: PodRun, graceSeconds: number): Promise<void> {
    if (run.terminating) return run.settled;
    run.terminating = true;
    run.wake?.();
    const live = run.containers.filter((c) => c.proc);
    for (const c of live) {
      void recordEvent(this.deps.store, podRef(run), 'Normal', 'Killing', `Stopping container ${c.name}`, 'kubelet');
      c.proc!.signal('SIGTERM');
    }
    this.killAfter(run, graceSeconds);
    try {
      await run.settled;
    } finally {
      clearTimeout(run.killTimer);
    }
    // Containers that never ran are reported as terminated without ever having started.
    for (const c of run.containers) {
      if ('waiting' in c.state) c.state = { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', finishedAt: now() } };
      c.finished = true;
    }
    if (!run.gone) {
      await this.writeStatus(run);
      // The kubelet confirms the deletion once the containers are gone.
      await deleteObject(this.deps.store, 'pods', run.namespace, run.name, { gracePeriodSeconds: 0, preconditions: { uid: run.uid } }).catch(() => false);
      run.gone = true;
    }
    this.cleanUp(run);
  }

  /** (Re)arms the SIGKILL for the containers still running, keeping the earlier deadline. */
  private killAfter(run: PodRun, graceSeconds: number): void {
    const at = Date.now() + graceSeconds * 1000;
    if (run.killAt !== undefined && run.killAt <= at) return;
    run.killAt = at;
    clearTimeout(run.killTimer);
    run.killTimer = setTimeout(() => {
      for (const c of run.containers) c.proc?.signal('SIGKILL');
    }, graceSeconds * 1000);
  }

  private cleanUp(run: PodRun): void {
    if (this.pods.get(run.uid) !== run) return;
    this.pods.delete(run.uid);
    rmSync(podDir(this.deps.dataDir, run.uid), { recursive: true, force: true });
  }

  /** A setup problem: reported once per distinct message as an event, and in the container status. */
  private async problem(run: PodRun, reason: string, message: string): Promise<void> {
    if (run.lastProblem === message) return;
    run.lastProblem = message;
    await recordEvent(this.deps.store, podRef(run), 'Warning', reason, message, 'kubelet');
    await this.writeStatus(run);
  }

  private sleep(run: PodRun, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        run.wake = undefined;
        resolve();
      }
      run.wake = done;
    });
  }

  private lookup() {
    const sa = this.deps.serviceAccounts;
    const store = this.deps.store;
    return {
      ...objectLookup(store),
      ...(sa
        ? {
            apiServer: { host: sa.apiHost, port: sa.apiPort },
            serviceAccountToken: async (ns: string, name: string, exp: number) => ((await getObject(store, 'serviceaccounts', ns, name)) ? sa.mint(ns, name, exp) : undefined),
          }
        : {}),
    };
  }

  /** Writes the pod status from the run's state; writes are serialised per pod. */
  private writeStatus(run: PodRun): Promise<void> {
    const next = run.statusWrite.then(async () => {
      if (run.gone) return;
      const updated = await updateWithRetry(this.deps.store, 'pods', run.namespace, run.name, (pod) => {
        if (pod.metadata.uid !== run.uid) return false;
        pod.status = this.status(run, pod.status ?? {});
      });
      if (!updated) run.gone = true;
      else run.pod = updated;
    });
    run.statusWrite = next.catch(() => {});
    return run.statusWrite;
  }

  private status(run: PodRun, previous: any): any {
    const policy = run.pod.spec.restartPolicy;
    const views = run.containers
      .filter((c) => !c.init)
      .map((c) => ({ name: c.name, state: c.state, willRestart: !c.finished && !run.terminating && 'terminated' in c.state ? shouldRestart(policy, c.state.terminated.exitCode) : !c.finished && 'waiting' in c.state && c.restartCount > 0 }));
    const initFailed = run.containers.some((c) => c.init && c.finished && 'terminated' in c.state && c.state.terminated.exitCode !== 0);
    let phase: PodPhase = initFailed ? 'Failed' : podPhase(run.initDone, views);
    if (run.terminating && phase !== 'Succeeded' && run.containers.every((c) => c.finished || !c.proc)) {
      phase = run.containers.filter((c) => !c.init).every((c) => 'terminated' in c.state && c.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    const nowIso = now();
    const initPending = run.initDone ? [] : run.containers.filter((c) => c.init && !(c.finished && 'terminated' in c.state && c.state.terminated.exitCode === 0)).map((c) => c.name);
    const unready = run.containers.filter((c) => !c.init && !('running' in c.state)).map((c) => c.name);
    const conditions = podConditions(phase, { sandboxReady: true, initPending, unready }, previous.conditions, nowIso);
    const toStatus = (c: ContainerRun) => ({
      name: c.name,
      state: c.state,
      lastState: c.lastState,
      ready: !c.init && 'running' in c.state,
      restartCount: c.restartCount,
      image: c.spec.image ?? '',
      imageID: imageID(c.spec.image ?? ''),
      ...(c.containerID ? { containerID: c.containerID } : {}),
      started: 'running' in c.state,
    });
    const status: any = {
      ...previous,
      phase,
      conditions,
      hostIP: run.hostIP,
      hostIPs: [{ ip: run.hostIP }],
      // Pods run on the host network here, so the pod IP is the node's.
      podIP: run.hostIP,
      podIPs: [{ ip: run.hostIP }],
      startTime: previous.startTime ?? run.startTime,
      containerStatuses: run.containers.filter((c) => !c.init).map(toStatus),
      qosClass: previous.qosClass ?? qosClass(run.pod),
    };
    const inits = run.containers.filter((c) => c.init);
    if (inits.length) status.initContainerStatuses = inits.map(toStatus);
    if (phase === 'Failed' || phase === 'Succeeded') {
      delete status.reason;
      delete status.message;
    }
    return status;
  }
}

function newContainer(spec: any, init: boolean, waiting: string): ContainerRun {
  return { name: spec.name, spec, init, state: { waiting: { reason: waiting } }, lastState: {}, restartCount: 0, finished: false };
}

/**
 * The grace period the kubelet gives a deleted pod's containers: the API server's
 * deletionGracePeriodSeconds, else the pod's own, and never under 1 s — a forced deletion (grace 0)
 * still gets SIGTERM and 1 s (calculateEffectiveGracePeriod in pkg/kubelet/pod_workers.go).
 */
export function graceSeconds(pod: any): number {
  return Math.max(1, pod?.metadata?.deletionGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? 30);
}

function podRef(run: PodRun): any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: run.name, namespace: run.namespace, uid: run.uid } };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function imageID(image: string): string {
  if (!image) return '';
  const repo = image.split('@')[0].replace(/:[^/:]+$/, '');
  const full = repo.includes('/') ? (repo.split('/')[0].includes('.') ? repo : `docker.io/${repo}`) : `docker.io/library/${repo}`;
  return `${full}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function qosClass(pod: any): string {
  const all = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
  const any = all.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!any) return 'BestEffort';
  const guaranteed = all.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? l;
    return l.cpu && l.memory && String(r.cpu ?? l.cpu) === String(l.cpu) && String(r.memory ?? l.memory) === String(l.memory);
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
