// Pure pieces of the pod lifecycle: the phase a pod reaches from its containers' states and restart
// policy, and the conditions the kubelet writes for it (k8s.io/kubernetes/pkg/kubelet/status).

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; signal?: number; reason: string; message?: string; startedAt?: string; finishedAt: string; containerID?: string } };

export interface ContainerView {
  name: string;
  state: ContainerState;
  /** Will the kubelet start this container again (restart policy, exit code)? */
  willRestart: boolean;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** Whether a container that exited with this code is restarted under the pod's restartPolicy. */
export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  switch (restartPolicy ?? 'Always') {
    case 'Always':
      return true;
    case 'OnFailure':
      return exitCode !== 0;
    default:
      return false;
  }
}

/** The terminated reason the runtime reports for an exit code. */
export function terminatedReason(exitCode: number): string {
  return exitCode === 0 ? 'Completed' : 'Error';
}

/**
 * getPhase from the kubelet: Pending until every init container succeeded and every container has
 * started at least once; Running while any runs or will restart; then Succeeded if all exited 0,
 * else Failed.
 */
export function podPhase(initDone: boolean, containers: ContainerView[]): PodPhase {
  if (!initDone) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  let restarting = 0;
  for (const c of containers) {
    if ('running' in c.state) running++;
    else if ('terminated' in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
      if (c.willRestart) restarting++;
    } else if ('waiting' in c.state) {
      // A container waiting to be restarted after a failure counts as stopped-but-restarting.
      if (c.willRestart) {
        stopped++;
        restarting++;
      } else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (restarting > 0) return 'Running';
  if (stopped === containers.length) return succeeded === stopped ? 'Succeeded' : 'Failed';
  return 'Pending';
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

/** Pod conditions for the current state; lastTransitionTime kept from `previous` while the status holds. */
export function podConditions(
  phase: PodPhase,
  opts: { sandboxReady: boolean; initPending: string[]; unready: string[] },
  previous: Condition[] | undefined,
  now: string,
): Condition[] {
  const done = phase === 'Succeeded' || phase === 'Failed';
  const want: Omit<Condition, 'lastProbeTime' | 'lastTransitionTime'>[] = [
    { type: 'PodReadyToStartContainers', status: opts.sandboxReady && !done ? 'True' : 'False' },
    opts.initPending.length
      ? { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${opts.initPending.join(' ')}]` }
      : done
        ? { type: 'Initialized', status: 'True', reason: 'PodCompleted' }
        : { type: 'Initialized', status: 'True' },
    done
      ? { type: 'Ready', status: 'False', reason: 'PodCompleted' }
      : opts.unready.length
        ? { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${opts.unready.join(' ')}]` }
        : { type: 'Ready', status: 'True' },
    done
      ? { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }
      : opts.unready.length
        ? { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${opts.unready.join(' ')}]` }
        : { type: 'ContainersReady', status: 'True' },
  ];
  const managed = new Set(want.map((c) => c.type));
  const kept = (previous ?? []).filter((c) => !managed.has(c.type));
  const out: Condition[] = [];
  for (const c of want) {
    const prev = previous?.find((p) => p.type === c.type);
    out.push({ ...c, lastProbeTime: null, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now });
  }
  // PodScheduled and anything else the scheduler or API server wrote stays as it was.
  return [...out, ...kept];
}
