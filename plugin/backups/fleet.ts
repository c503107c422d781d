// `kubectl odoo backup --all | -l SELECTOR | --customer ID`: one complete backup per instance, each
// exactly what `backup NAME --wait` does, within the caps on backups at once (slots.ts). An interrupt
// stops starting new ones; those already running are followed to their end.
import { listInstances } from '../instances/resolveFleet.js';
import { isDrillInstance } from '../instances/labels.js';
import { CliError, CancelledError } from '../../lib/errors.js';
import type { ConsistencyMode } from './manifest.js';
import type { BackupDeps } from './deps.js';
import { startBackup } from './backup.js';
import type { SlotCaps } from './slots.js';
import type { BuiltJob } from './jobSpecs.js';

export type FleetState = 'queued' | 'waiting' | 'running' | 'complete' | 'failed' | 'not started';

export interface FleetResult {
  instance: string;
  namespace: string;
  state: FleetState;
  /** The set's path, once it is complete. */
  backup?: string;
  bytes?: number;
  seconds?: number;
  error?: string;
}

export interface FleetBackupOptions {
  namespace: string;
  labelSelector?: string;
  customerId?: string;
  consistency: ConsistencyMode;
  caps: SlotCaps;
  /** Aborted: no further backup starts (those running finish). */
  stopStarting?: AbortSignal;
}

export interface FleetObserver {
  /** The instances, in the order they will start. */
  planned?(results: readonly FleetResult[]): void;
  /** One instance's state or progress changed. */
  update?(result: FleetResult, detail: string): void;
  /** The interrupt arrived; these are still running. */
  interrupted?(running: string[]): void;
}

/** Instances in turn by node, so the first backups to start spread over the nodes (pure). */
export function interleaveByNode<T>(items: T[], nodeOf: (t: T) => string): T[] {
  const byNode = new Map<string, T[]>();
  for (const t of items) {
    const n = nodeOf(t);
    const l = byNode.get(n);
    if (l) l.push(t);
    else byNode.set(n, [t]);
  }
  const lists = [...byNode.values()];
  const out: T[] = [];
  for (let i = 0; out.length < items.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

type FleetScope = Pick<FleetBackupOptions, 'namespace' | 'labelSelector' | 'customerId'>;

/** The instances a fleet run backs up, in the order they start. */
async function selectFleet(deps: BackupDeps, scope: FleetScope) {
  let instances = await listInstances(deps.kube, { namespace: scope.namespace, labelSelector: scope.labelSelector });
  // A restore drill's throwaway instance is removed within minutes; it is never backed up.
  instances = instances.filter((i) => !isDrillInstance(i.deployment));
  if (scope.customerId !== undefined) instances = instances.filter((i) => i.facts.customerId === scope.customerId);
  instances.sort((a, b) => a.name.localeCompare(b.name));
  const nodeOf = (i: (typeof instances)[number]) => i.pods.find((p) => p.status?.phase === 'Running')?.spec?.nodeName ?? '';
  return interleaveByNode(instances, nodeOf);
}

/** --dry-run: the Jobs a fleet run would create, in order. */
export async function planFleetJobs(deps: BackupDeps, opts: FleetScope & { consistency: ConsistencyMode }): Promise<BuiltJob[]> {
  const jobs: BuiltJob[] = [];
  for (const i of await selectFleet(deps, opts)) {
    jobs.push((await startBackup(deps, { namespace: i.namespace, name: i.name, consistency: opts.consistency, wait: true, exportOdooZip: false, dryRun: true })).job);
  }
  return jobs;
}

export async function runFleetBackup(deps: BackupDeps, opts: FleetBackupOptions, observer: FleetObserver = {}): Promise<FleetResult[]> {
  const ordered = await selectFleet(deps, opts);
  const results: FleetResult[] = ordered.map((i) => ({ instance: i.name, namespace: i.namespace, state: 'queued' }));
  observer.planned?.(results);
  const set = (r: FleetResult, state: FleetState, detail: string) => {
    r.state = state;
    observer.update?.(r, detail);
  };
  const stop = opts.stopStarting;
  const onStop = () => observer.interrupted?.(results.filter((r) => r.state === 'running').map((r) => r.instance));
  stop?.addEventListener('abort', onStop, { once: true });

  let next = 0;
  const worker = async () => {
    while (next < results.length && !stop?.aborted) {
      const r = results[next++];
      const started = deps.clock.now().getTime();
      set(r, 'waiting', 'waiting for a backup slot');
      // Its own progress, and no cancel: once its Job runs, the backup is followed to its end.
      const own: BackupDeps = {
        ...deps,
        signal: undefined,
        progress: (line) => {
          const l = line.trim();
          set(r, r.state, l);
        },
      };
      try {
        const out = await startBackup(own, { namespace: r.namespace, name: r.instance, consistency: opts.consistency, wait: true, exportOdooZip: false, dryRun: false, slots: opts.caps, slotSignal: stop, onBegin: () => set(r, 'running', 'started') });
        r.backup = out.path;
        r.bytes = out.bytes;
        r.seconds = Math.round((deps.clock.now().getTime() - started) / 1000);
        set(r, 'complete', `complete: ${out.path}`);
      } catch (e) {
        if (e instanceof CancelledError && stop?.aborted && r.state === 'waiting') {
          set(r, 'not started', 'not started (interrupted)');
          continue;
        }
        r.seconds = Math.round((deps.clock.now().getTime() - started) / 1000);
        r.error = e instanceof CliError || e instanceof Error ? e.message : String(e);
        set(r, 'failed', `failed: ${r.error}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.caps.cluster, results.length)) }, worker));
  } finally {
    stop?.removeEventListener('abort', onStop);
  }
  for (const r of results) if (r.state === 'queued') r.state = 'not started';
  return results;
}
