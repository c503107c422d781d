// The simulated control plane: each controller runs on a tick over the store.
import type { Store } from '../store.js';
import { GarbageCollector } from './garbageCollector.js';
import { NamespaceController } from './namespace.js';
import { DeploymentController, ReplicaSetController } from './workloads.js';
import { PodController } from './pods.js';
import { DaemonSetController } from './daemonsets.js';
import { VolumeController } from './volumes.js';
import { CronJobController } from './cronjobs.js';
import { TaintEvictionController } from './taintEviction.js';
import { TokensController } from './tokens.js';
import type { ServiceAccountTokens } from '../serviceAccounts.js';

export interface ControllerContext {
  store: Store;
  tickMs: number;
  dataDir: string;
  nodes: string[];
  /** Simulated durations (probe delays, grace periods) are multiplied by this; default 0.01. */
  timeScale?: number;
  /** Simulate every pod, not just those of ReplicaSets and DaemonSets (when no kubelet runs). */
  simulateAllPods?: boolean;
  /** The kubelet runs DaemonSet pods, so they are not simulated. */
  runDaemonSetPods?: boolean;
  /** The API server's CA (PEM): the kube-root-ca.crt ConfigMap of every namespace holds it. */
  caCert?: string;
  /** Where the tokens controller registers the tokens it writes, so the API server accepts them. */
  serviceAccounts?: ServiceAccountTokens;
}

export interface Controller {
  tick(now: number): void;
  stop?(): void;
}

export interface Controllers {
  /** Runs one round of every controller at once (tests use it to avoid waiting). */
  tick(): void;
  stop(): void;
}

export function startControllers(store: Store, opts: Omit<ControllerContext, 'store'>): Controllers {
  const ctx: ControllerContext = { store, ...opts };
  const list: Controller[] = [
    new NamespaceController(ctx),
    new DeploymentController(ctx),
    new ReplicaSetController(ctx),
    new DaemonSetController(ctx),
    new PodController(ctx, { timeScale: opts.timeScale ?? 0.01, simulateAll: opts.simulateAllPods ?? false, runDaemonSetPods: opts.runDaemonSetPods ?? false }),
    new VolumeController(ctx),
    new CronJobController(ctx),
    new TaintEvictionController(ctx, opts.timeScale ?? 0.01),
    new GarbageCollector(ctx),
    ...(opts.serviceAccounts ? [new TokensController(ctx, opts.serviceAccounts)] : []),
  ];
  const tick = () => {
    const now = Date.now();
    for (const c of list) {
      try {
        c.tick(now);
      } catch (e) {
        console.error('test cluster: controller failed:', e);
      }
    }
  };
  const timer = setInterval(tick, opts.tickMs);
  timer.unref();
  return {
    tick,
    stop() {
      clearInterval(timer);
      for (const c of list) c.stop?.();
    },
  };
}
