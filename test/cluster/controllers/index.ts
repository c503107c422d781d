// The simulated control plane: each controller runs on a tick over the store.
import type { Store } from '../store.js';
import { GarbageCollector } from './garbageCollector.js';
import { NamespaceController } from './namespace.js';

export interface ControllerContext {
  store: Store;
  tickMs: number;
  dataDir: string;
  nodes: string[];
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
  const list: Controller[] = [new NamespaceController(ctx), new GarbageCollector(ctx)];
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
