// One lock per instance, held by every operation that changes it (backup --consistency stop, restore,
// migrate-storage, recover): while it is held, start, stop, restart, set-resources, resize, config set,
// delete and another such operation are refused with a message that names the holder.
//
// The lock is a Lease (coordination.k8s.io/v1) `odoo-lock-<instance>`: holderIdentity, acquireTime,
// renewTime and leaseDurationSeconds say who holds it and until when, and annotations record the
// operation, its phase, the Job doing the work and the replicas to give the instance back. Creating it
// is atomic (the API answers 409 to the second creator). It is held while its holder renews it, and for
// as long as the Job it names still runs: the Job, not the plugin process, keeps it alive, so killing
// the plugin never frees an instance that a Job is still changing. A lock that is neither renewed nor
// kept by a running Job was left by an interrupted operation: it stays, and "kubectl odoo recover"
// resolves it. A ConfigMap lock of the same name (what earlier versions wrote) is honoured as well.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../lib/kube/errors.js';
import { jobOutcome } from '../../lib/kube/jobs.js';
import { ConflictError } from '../../lib/errors.js';
import type { Clock } from '../cli/context.js';
import { LABEL_COMPONENT, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_OPERATION } from './jobSpecs.js';
import type { Json, Read, Stored, V1ConfigMap, V1Job, V1Lease, V1ObjectMeta } from '../../lib/kube/models.js';

export const LOCK_PREFIX = 'odoo-lock-';

export interface LockRecord {
  holder: string;
  operation: string;
  /** The step the operation is at (stopping, safety-backup, restoring, swap, starting, ...). */
  phase: string;
  acquiredAt: string;
  expiresAt: string;
  /** The Job doing the work, while there is one: the lock is held as long as it runs. */
  job?: string;
  /** The instance's replicas before the operation: what recover gives it back. */
  replicas?: number;
  /** When its holder last renewed it. */
  renewedAt?: string;
}

export type LockState =
  | { state: 'free' }
  | { state: 'held'; record: LockRecord }
  /** Neither renewed nor kept by a running Job: an interrupted operation left it. */
  | { state: 'stale'; record: LockRecord };

export function lockName(instance: string): string {
  return `${LOCK_PREFIX}${instance}`.slice(0, 253);
}

const UNKNOWN_RECORD: LockRecord = { holder: 'unknown', operation: 'unknown', phase: 'unknown', acquiredAt: '', expiresAt: '' };

export const LOCK_ANNOTATIONS = {
  operation: 'kubectl-odoo.io/operation',
  phase: 'kubectl-odoo.io/phase',
  job: 'kubectl-odoo.io/job',
  replicas: 'kubectl-odoo.io/replicas',
} as const;

/** A Lease's MicroTime: RFC 3339 with microseconds, as the API server requires. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function replicasOf(v: unknown): number | undefined {
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** A lock object as read: a Lease (spec), or the ConfigMap earlier versions wrote (data). */
export type LockObject = Read<V1Lease> & Read<V1ConfigMap>;

/** A Lease as the plugin writes it (a lock or a backup slot): named, in its namespace, with its spec. */
export type WrittenLease = Json<V1Lease> & { metadata: Json<V1ObjectMeta> & { name: string; namespace: string }; spec: Json<NonNullable<V1Lease['spec']>> };

/** An operation's Job: it carries its operation label. */
export type OperationJob = Stored<V1Job> & { metadata: { labels: Record<string, string> } };

/** The record of a lock object: a Lease, or the ConfigMap earlier versions wrote. */
export function readLockRecord(obj: LockObject | undefined): LockRecord | undefined {
  if (obj?.kind === 'Lease' || obj?.spec?.holderIdentity !== undefined) {
    const spec = obj?.spec ?? {};
    const a = obj?.metadata?.annotations ?? {};
    if (!spec.holderIdentity) return undefined;
    const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
    const expiresAt = Number.isNaN(renewed) ? '' : new Date(renewed + (spec.leaseDurationSeconds ?? 0) * 1000).toISOString();
    const replicas = replicasOf(a[LOCK_ANNOTATIONS.replicas]);
    return {
      ...(spec.renewTime ? { renewedAt: spec.renewTime } : {}),
      holder: spec.holderIdentity,
      operation: a[LOCK_ANNOTATIONS.operation] ?? 'unknown',
      phase: a[LOCK_ANNOTATIONS.phase] ?? 'unknown',
      acquiredAt: spec.acquireTime ?? '',
      expiresAt,
      ...(a[LOCK_ANNOTATIONS.job] ? { job: a[LOCK_ANNOTATIONS.job] } : {}),
      ...(replicas !== undefined ? { replicas } : {}),
    };
  }
  const d = obj?.data;
  if (!d?.holder || !d?.expiresAt) return undefined;
  const replicas = replicasOf(d.replicas);
  return {
    holder: d.holder,
    operation: d.operation ?? 'unknown',
    phase: d.phase ?? 'unknown',
    acquiredAt: d.acquiredAt ?? '',
    expiresAt: d.expiresAt,
    ...(d.job ? { job: d.job } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
  };
}

/**
 * How long a holder may take to record that its Job has ended. A lock whose Job has ended and that was
 * not renewed for this long was left by a holder that stopped with the Job.
 */
export const JOB_HANDOVER_MS = 15_000;

/**
 * What a lock object means now (pure). `job`: the state of the Job the record names (running: it
 * exists and has not finished; ended: it finished or is gone).
 */
export function judgeLock(obj: LockObject | undefined, now: Date, job: 'running' | 'ended' | 'none' = 'none'): LockState {
  if (!obj) return { state: 'free' };
  const record = readLockRecord(obj);
  if (!record) return { state: 'stale', record: UNKNOWN_RECORD };
  if (job === 'running') return { state: 'held', record };
  const exp = Date.parse(record.expiresAt);
  const renewed = Date.parse(record.renewedAt ?? '');
  if (record.job && job === 'ended' && !Number.isNaN(renewed) && now.getTime() - renewed > JOB_HANDOVER_MS) return { state: 'stale', record };
  if (!Number.isNaN(exp) && exp > now.getTime()) return { state: 'held', record };
  return { state: 'stale', record };
}

export function buildLockLease(namespace: string, instance: string, record: LockRecord, ttlMs: number, renewedAt: Date, resourceVersion?: string): WrittenLease {
  const annotations: Record<string, string> = { [LOCK_ANNOTATIONS.operation]: record.operation, [LOCK_ANNOTATIONS.phase]: record.phase };
  if (record.job) annotations[LOCK_ANNOTATIONS.job] = record.job;
  if (record.replicas !== undefined) annotations[LOCK_ANNOTATIONS.replicas] = String(record.replicas);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: lockName(instance),
      namespace,
      labels: { [LABEL_MANAGED_BY]: 'kubectl-odoo', [LABEL_COMPONENT]: 'lock', [LABEL_INSTANCE]: instance.slice(0, 63) },
      annotations,
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: {
      holderIdentity: record.holder,
      leaseDurationSeconds: Math.ceil(ttlMs / 1000),
      acquireTime: microTime(new Date(record.acquiredAt)),
      renewTime: microTime(renewedAt),
    },
  };
}

/** "10:31:02" on the day it is, else "2025-01-15 10:31:02" (UTC, as the record holds it). */
export function formatSince(iso: string, now: Date): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'an unknown time';
  const s = new Date(t).toISOString();
  return s.slice(0, 10) === now.toISOString().slice(0, 10) ? s.slice(11, 19) : `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

/** "restore (phase swap) by ann@laptop since 10:31:02, Job odoo-restore-..." */
export function describeHolder(r: LockRecord, now: Date): string {
  return `${r.operation} (phase ${r.phase}) by ${r.holder} since ${formatSince(r.acquiredAt, now)}${r.job ? `, Job ${r.job}` : ''}`;
}

/** The one sentence every refused command prints (pure). */
export function busyMessage(instance: string, state: Exclude<LockState, { state: 'free' }>, now: Date): string {
  if (state.state === 'held') return `instance ${instance} is busy: ${describeHolder(state.record, now)}; wait for it, or see "kubectl odoo recover ${instance}"`;
  return `instance ${instance} is busy: an interrupted ${describeHolder(state.record, now)} left it locked; see "kubectl odoo recover ${instance}"`;
}

/** The lock and what it means now, with the Job it names looked up. */
export async function inspectInstanceLock(kube: KubeClient, namespace: string, instance: string, now: Date): Promise<{ lock: LockObject | undefined; state: LockState }> {
  const lock = (await kube.getOptional<LockObject>(RESOURCES.leases, lockName(instance), namespace)) ?? (await kube.getOptional<LockObject>(RESOURCES.configmaps, lockName(instance), namespace));
  const record = readLockRecord(lock);
  let job: 'running' | 'ended' | 'none' = 'none';
  if (record?.job) {
    const j = await kube.getOptional<Read<V1Job>>(RESOURCES.jobs, record.job, namespace);
    job = j && !j.metadata?.deletionTimestamp && !jobOutcome(j) ? 'running' : 'ended';
  }
  return { lock, state: judgeLock(lock, now, job) };
}

/** Backup, restore, recover and module update Jobs of the instance that have not finished. */
export async function runningOperations(kube: KubeClient, namespace: string, instance: string): Promise<OperationJob[]> {
  const jobs = await kube.list<Stored<V1Job>>(RESOURCES.jobs, { namespace, labelSelector: `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_INSTANCE}=${instance}` });
  const operation = (j: Stored<V1Job>): j is OperationJob => ['backup', 'restore', 'recover', 'update'].includes(j.metadata.labels?.[LABEL_OPERATION] ?? '');
  return jobs.items.filter((j): j is OperationJob => operation(j) && !jobOutcome(j));
}

/**
 * Refuses (exit 1) while an operation holds the instance or an interrupted one left its lock. For the
 * commands that change an instance without taking the lock themselves (start, stop, config set, ...).
 */
export async function assertNotBusy(kube: KubeClient, namespace: string, instance: string, clock: Clock): Promise<void> {
  const now = clock.now();
  const { state } = await inspectInstanceLock(kube, namespace, instance, now);
  if (state.state !== 'free') throw new ConflictError(busyMessage(instance, state, now));
  // A restore Job running without a lock (its plugin is gone and the lock was removed by hand).
  const restore = (await runningOperations(kube, namespace, instance)).find((j) => ['restore', 'recover'].includes(j.metadata.labels[LABEL_OPERATION]));
  if (restore) {
    throw new ConflictError(`instance ${instance} is busy: ${restore.metadata.labels[LABEL_OPERATION]} Job ${restore.metadata.name} is still running; wait for it, or see "kubectl odoo recover ${instance}"`);
  }
}

export interface InstanceLock {
  readonly record: LockRecord;
  /** Records the phase (and the Job doing the work, or none, and the replicas to give back) in the lock. */
  update(change: { phase?: string; job?: string | null; replicas?: number }): Promise<void>;
  release(): Promise<void>;
}

export interface LockOptions {
  namespace: string;
  instance: string;
  operation: string;
  holder: string;
  clock: Clock;
  /** The instance's replicas before the operation. */
  replicas?: number;
  phase?: string;
  /** How long the lock lives without renewal (default 1 minute); renewed every third of it. */
  ttlMs?: number;
}

export async function acquireInstanceLock(kube: KubeClient, opts: LockOptions): Promise<InstanceLock> {
  const ttl = opts.ttlMs ?? 60_000;
  const name = lockName(opts.instance);
  const current: LockRecord = {
    holder: opts.holder,
    operation: opts.operation,
    phase: opts.phase ?? 'starting',
    acquiredAt: opts.clock.now().toISOString(),
    expiresAt: '',
    ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
  };
  const lease = (resourceVersion?: string) => buildLockLease(opts.namespace, opts.instance, current, ttl, opts.clock.now(), resourceVersion);
  const refuse = async (): Promise<never> => {
    const now = opts.clock.now();
    const { state } = await inspectInstanceLock(kube, opts.namespace, opts.instance, now);
    throw new ConflictError(state.state === 'free' ? `instance ${opts.instance} is busy: another command took its lock just now` : busyMessage(opts.instance, state, now));
  };
  const now = opts.clock.now();
  const { state } = await inspectInstanceLock(kube, opts.namespace, opts.instance, now);
  if (state.state !== 'free') throw new ConflictError(busyMessage(opts.instance, state, now));
  let resourceVersion: string | undefined;
  try {
    const obj = await kube.create<Read<V1Lease>>(RESOURCES.leases, lease(), { namespace: opts.namespace });
    resourceVersion = obj?.metadata?.resourceVersion;
  } catch (e) {
    if (isAlreadyExists(e) || isConflict(e)) await refuse();
    throw e;
  }
  // Running Jobs count as holders too (a backup started without --wait, a restore whose lock was
  // removed by hand).
  const running = await runningOperations(kube, opts.namespace, opts.instance);
  if (running.length) {
    await kube.deleteIfExists(RESOURCES.leases, name, { namespace: opts.namespace });
    const j = running[0];
    throw new ConflictError(`instance ${opts.instance} is busy: ${j.metadata.labels[LABEL_OPERATION]} Job ${j.metadata.name} is still running`, {
      hint: `wait for it: kubectl wait --for=condition=complete job/${j.metadata.name} -n ${opts.namespace}`,
    });
  }
  let lost = false;
  let released = false;
  // Writes go one after another, each with the resourceVersion the previous one returned.
  let chain: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => {
    chain = chain.then(async () => {
      if (released || lost) return;
      try {
        const obj = await kube.replace<Read<V1Lease>>(RESOURCES.leases, lease(resourceVersion), { namespace: opts.namespace });
        resourceVersion = obj?.metadata?.resourceVersion;
      } catch {
        lost = true;
      }
    });
    return chain;
  };
  const timer = setInterval(() => void write(), Math.max(1000, Math.floor(ttl / 3)));
  timer.unref?.();
  return {
    get record() {
      return { ...current };
    },
    async update(change) {
      if (change.phase !== undefined) current.phase = change.phase;
      if (change.replicas !== undefined) current.replicas = change.replicas;
      if (change.job === null) delete current.job;
      else if (change.job !== undefined) current.job = change.job;
      await write();
    },
    async release() {
      clearInterval(timer);
      await chain;
      released = true;
      if (lost) return;
      try {
        await kube.delete(RESOURCES.leases, name, { namespace: opts.namespace });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}

/** Removes a lock (recover, once it has resolved what the interrupted operation left). */
export async function removeInstanceLock(kube: KubeClient, namespace: string, instance: string): Promise<void> {
  await kube.deleteIfExists(RESOURCES.leases, lockName(instance), { namespace });
  await kube.deleteIfExists(RESOURCES.configmaps, lockName(instance), { namespace });
}

export async function withInstanceLock<T>(kube: KubeClient, opts: LockOptions, fn: (lock: InstanceLock) => Promise<T>): Promise<T> {
  const lock = await acquireInstanceLock(kube, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
