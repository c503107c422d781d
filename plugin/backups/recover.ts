// `kubectl odoo recover NAME`: finishes or undoes whatever an interrupted operation left, in one command.
//
// It reads (changing nothing) the lock, the operation's Jobs, the restore journals on the instance's
// volume and the side databases on its server, and builds a plan; the command prints it and asks; then
// executeRecover carries it out: finish every swap that had begun (its set was verified before the swap
// started), remove staging that never began to swap, give the instance back its replicas, and once it is
// ready again remove what committed restores replaced. Run twice, the second run finds nothing to do.
import { resolveInstance, type InstanceObjects } from '../instances/resolve.js';
import type { KubeClient } from '../../lib/kube/client.js';
import type { LeftoversInfo, OperationInfo } from '../instances/statusReport.js';
import { runJob } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { ConflictError, FailureError } from '../../lib/errors.js';
import type { BackupDeps } from './deps.js';
import { scaleAndWait } from './deps.js';
import { backupTargetOf, buildRecoverJob, type BackupTarget } from './jobSpecs.js';
import { busyMessage, describeHolder, inspectInstanceLock, removeInstanceLock, runningOperations, type LockRecord } from './lock.js';
import { formatBackupTimestamp } from './naming.js';
import { leftoversPatch, readLeftovers } from './restore.js';

/** One interrupted or unfinished restore found on the volume, by its journal. */
export interface FoundRestore {
  op: string;
  /** The journal's last step (none: no journal). */
  state: string;
  scratch?: string;
  old?: string;
}

export interface RecoverPlan {
  namespace: string;
  instance: string;
  /** The stale lock an interrupted operation left, if any. */
  lock?: LockRecord;
  restores: FoundRestore[];
  /** <db>__restore_* / <db>__old_* databases no journal accounts for: reported, never dropped. */
  strayDatabases: string[];
  replicasNow: number;
  /** What the instance is given back (the replicas before the interrupted operation). */
  replicasWanted: number;
  /** What will be done, one sentence each, in order. */
  actions: string[];
  /** What is left alone, and why. */
  notes: string[];
  podSelector: Record<string, string>;
  target?: BackupTarget;
  hasLeftoversAnnotation: boolean;
}

export interface RecoverOutcome {
  instance: string;
  done: string[];
  notes: string[];
}

/** Decides what to do from what was found (pure). */
export function decideRecovery(f: Pick<RecoverPlan, 'instance' | 'lock' | 'restores' | 'strayDatabases' | 'replicasNow'> & { replicasBefore?: number }): Pick<RecoverPlan, 'actions' | 'notes' | 'replicasWanted'> {
  const i = f.instance;
  const actions: string[] = [];
  const notes: string[] = [];
  const swaps = f.restores.filter((r) => ['db', 'out', 'in'].includes(r.state));
  const staging = f.restores.filter((r) => ['staging', 'staged', 'rolled-back'].includes(r.state));
  const committed = f.restores.filter((r) => r.state === 'committed');
  const replicasWanted = f.replicasNow > 0 ? f.replicasNow : (f.replicasBefore ?? 0);
  if (swaps.length && f.replicasNow > 0) actions.push(`stop ${i} while its interrupted swap is finished`);
  for (const r of swaps) {
    actions.push(`finish the interrupted swap of restore ${r.op} (journal state ${r.state}; its backup was verified before the swap began): ${i} gets the restored database and files`);
  }
  for (const r of staging) {
    actions.push(`remove what restore ${r.op} staged and never swapped in (.odoo-restore-${r.op}/new${r.scratch ? ` and database ${r.scratch}` : ''}): ${i} keeps its own database and files`);
  }
  if (replicasWanted > 0 && (f.replicasNow === 0 || swaps.length)) actions.push(`start ${i} (${replicasWanted} ${replicasWanted === 1 ? 'replica' : 'replicas'}) and wait until it is ready`);
  for (const r of [...swaps, ...committed]) {
    if (replicasWanted > 0) actions.push(`then remove what restore ${r.op} replaced (.odoo-restore-${r.op}/old${r.old ? ` and database ${r.old}` : ''})`);
    else notes.push(`what restore ${r.op} replaced stays until ${i} runs again (start it, then run recover once more)`);
  }
  for (const r of f.restores.filter((x) => x.state === 'none')) notes.push(`.odoo-restore-${r.op} has no journal (an earlier version made it): left as it is; inspect it by hand`);
  for (const d of f.strayDatabases) notes.push(`database ${d} belongs to no restore on the volume: left as it is; drop it by hand once you are sure it is not needed`);
  if (f.lock) actions.push(`remove the lock left by the interrupted ${f.lock.operation} (phase ${f.lock.phase}, by ${f.lock.holder})`);
  return { actions, notes, replicasWanted };
}

/** Reads what an interruption left; changes nothing (the inspect Job mounts the volume read-only). */
export async function planRecover(deps: BackupDeps, namespace: string, name: string): Promise<RecoverPlan> {
  const inst = await resolveInstance(deps.kube, namespace, name);
  const now = deps.clock.now();
  const { state } = await inspectInstanceLock(deps.kube, namespace, inst.name, now);
  if (state.state === 'held') throw new ConflictError(`${busyMessage(inst.name, state, now).replace(/; wait for it, or see .*$/, '')}; recover only resolves what an interrupted operation left: wait for it to end`);
  const running = (await runningOperations(deps.kube, namespace, inst.name)).filter((j) => j.metadata.labels['kubectl-odoo.io/operation'] !== 'backup');
  if (running.length) throw new ConflictError(`instance ${inst.name} is busy: Job ${running[0].metadata.name} is still running; wait for it to end, then run recover again`);
  const lock = state.state === 'stale' ? state.record : undefined;
  const replicasNow = inst.deployment?.spec?.replicas ?? 0;
  let target: BackupTarget | undefined;
  const restores: FoundRestore[] = [];
  const side: string[] = [];
  const notes: string[] = [];
  try {
    target = backupTargetOf(inst);
  } catch (e) {
    notes.push(`the volume and database are not inspected: ${(e as Error).message}`);
  }
  if (target) {
    deps.progress(`inspecting ${inst.name}'s volume and database server`);
    const result = await runJob(deps.kube, buildRecoverJob(target, 'inspect', deps.settings, undefined, formatBackupTimestamp(now)), {
      namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: 600_000,
      what: `the recover inspection of ${inst.name}`,
      keep: 'none',
      onStatus: (s) => deps.progress(`  ${s}`),
    });
    for (const m of result.log.matchAll(/^RESTORE (\S+) (\S+) (\S+) (\S+)$/gm)) {
      restores.push({ op: m[1], state: m[2], ...(m[3] !== '-' ? { scratch: m[3] } : {}), ...(m[4] !== '-' ? { old: m[4] } : {}) });
    }
    for (const m of result.log.matchAll(/^SIDEDB (\S+)$/gm)) side.push(m[1]);
  }
  const known = new Set(restores.flatMap((r) => [r.scratch, r.old]).filter(Boolean));
  const strayDatabases = side.filter((d) => !known.has(d));
  const decided = decideRecovery({ instance: inst.name, lock, restores, strayDatabases, replicasNow, replicasBefore: lock?.replicas });
  return {
    namespace,
    instance: inst.name,
    lock,
    restores,
    strayDatabases,
    replicasNow,
    ...decided,
    notes: [...notes, ...decided.notes],
    podSelector: inst.facts.podSelector,
    target,
    hasLeftoversAnnotation: !!readLeftovers(inst.deployment),
  };
}

/** The screen recover prints before it asks. */
export function describeRecoverPlan(p: RecoverPlan, now: Date): string {
  const lines: string[] = [];
  if (p.lock) lines.push(`interrupted: ${describeHolder(p.lock, now)}`);
  for (const r of p.restores) lines.push(`found: restore ${r.op} on the volume, journal state ${r.state}`);
  if (p.actions.length) {
    lines.push('recover will:');
    p.actions.forEach((a, n) => lines.push(`  ${n + 1}. ${a}`));
  }
  for (const n of p.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

export async function executeRecover(deps: BackupDeps, plan: RecoverPlan): Promise<RecoverOutcome> {
  const done: string[] = [];
  const i = plan.instance;
  const ref = { namespace: plan.namespace, name: i, podSelector: plan.podSelector };
  const opId = formatBackupTimestamp(deps.clock.now());
  const needsApply = plan.restores.some((r) => ['db', 'out', 'in', 'staging', 'staged', 'rolled-back'].includes(r.state));
  const hasReplaced = plan.restores.some((r) => ['db', 'out', 'in', 'committed'].includes(r.state));
  if (needsApply && plan.target) {
    if (plan.replicasNow > 0) {
      deps.progress(`stopping ${i}`);
      await scaleAndWait(deps, ref, 0);
      done.push(`stopped ${i}`);
    }
    deps.progress(`finishing what the interrupted restore left on ${i}'s volume`);
    const result = await runJob(deps.kube, buildRecoverJob({ ...plan.target, nodeName: undefined }, 'apply', deps.settings, undefined, opId), {
      namespace: plan.namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
      what: `recover of ${i}`,
      onStatus: (s) => deps.progress(`  ${s}`),
    });
    for (const m of result.log.matchAll(/^(FINISHED|DISCARDED) (\S+)$/gm)) done.push(m[1] === 'FINISHED' ? `finished the swap of restore ${m[2]}` : `removed what restore ${m[2]} staged`);
  }
  const wanted = plan.replicasWanted;
  if (wanted > 0 && (plan.replicasNow === 0 || needsApply)) {
    deps.progress(`starting ${i}`);
    await scaleAndWait(deps, ref, wanted);
    done.push(`started ${i} (${wanted} ${wanted === 1 ? 'replica' : 'replicas'}); it is ready`);
  }
  let leftoversGone = !hasReplaced;
  if (hasReplaced && wanted > 0 && plan.target) {
    const running = backupTargetOf(await resolveInstance(deps.kube, plan.namespace, i));
    deps.progress(`removing what the restore replaced, beside the running ${i}`);
    const result = await runJob(deps.kube, buildRecoverJob({ ...plan.target, nodeName: running.nodeName }, 'cleanup', deps.settings, undefined, `${opId}c`), {
      namespace: plan.namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
      what: `removal of what the restore of ${i} replaced`,
      onStatus: (s) => deps.progress(`  ${s}`),
    });
    for (const m of result.log.matchAll(/^REMOVED (\S+)$/gm)) done.push(`removed what restore ${m[1]} replaced`);
    leftoversGone = true;
  }
  if (leftoversGone && plan.hasLeftoversAnnotation) {
    await deps.kube.patch(RESOURCES.deployments, i, leftoversPatch(null), { namespace: plan.namespace });
  }
  if (plan.lock) {
    await removeInstanceLock(deps.kube, plan.namespace, i);
    done.push(`removed the lock of the interrupted ${plan.lock.operation}`);
  }
  if (!plan.actions.length && !done.length) return { instance: i, done: [], notes: plan.notes };
  if (!done.length) throw new FailureError(`recover of ${i} did nothing it planned`);
  return { instance: i, done, notes: plan.notes };
}

/** What `status` shows of operations: the lock's holder, a lock an interruption left, a restore's leftovers. */
export async function operationStatus(kube: KubeClient, inst: InstanceObjects, now: Date): Promise<{ operation: OperationInfo | null; leftovers: LeftoversInfo | null }> {
  const { state } = await inspectInstanceLock(kube, inst.namespace, inst.name, now);
  let operation: OperationInfo | null = null;
  if (state.state !== 'free') {
    const r = state.record;
    const stopped = state.state === 'stale' && (inst.deployment?.spec?.replicas ?? 0) === 0 && (r.replicas ?? 0) > 0;
    operation = {
      state: state.state === 'held' ? 'running' : 'interrupted',
      operation: r.operation,
      phase: r.phase,
      holder: r.holder,
      since: r.acquiredAt,
      ...(r.job ? { job: r.job } : {}),
      ...(r.replicas !== undefined ? { replicasBefore: r.replicas } : {}),
      summary:
        state.state === 'held'
          ? `${describeHolder(r, now)}; other changes are refused until it ends`
          : `${describeHolder(r, now)}${stopped ? `; it stopped ${inst.name} (it had ${r.replicas} ${r.replicas === 1 ? 'replica' : 'replicas'})` : ''}; run "kubectl odoo recover ${inst.name}"`,
    };
  }
  const l = readLeftovers(inst.deployment);
  const leftovers: LeftoversInfo | null = l
    ? { files: l.files, database: l.database, summary: `restore ${l.op} left ${l.files} on the volume and may have left database ${l.database}; "kubectl odoo recover ${inst.name}" removes what it replaced` }
    : null;
  return { operation, leftovers };
}
