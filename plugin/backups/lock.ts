// One lock per instance, so a restore never runs next to a backup or another restore of the same
// instance. The lock is a ConfigMap `odoo-lock-<instance>` holding who holds it, for what, and until
// when: creating it is atomic (the API answers 409 to the second creator); a lock whose holder
// vanished expires and is taken over with an update that carries its resourceVersion, so two takers
// cannot both win. The holder renews it while it works and deletes it when done.
//
// Backup Jobs started without --wait hold no lock: their running Jobs are found by label instead
// (see runningOperations), and count as holding the instance.
import type { KubeClient } from '../core/kube/client.js';
import { RESOURCES } from '../core/kube/resources.js';
import { isAlreadyExists, isConflict, isNotFound } from '../core/kube/errors.js';
import { jobOutcome } from '../core/kube/jobs.js';
import { ConflictError } from '../core/errors.js';
import type { Clock } from '../cli/context.js';
import { LABEL_COMPONENT, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_OPERATION } from './jobSpecs.js';

export const LOCK_PREFIX = 'odoo-lock-';

export interface LockRecord {
  holder: string;
  operation: string;
  acquiredAt: string;
  expiresAt: string;
}

export type LockState = { state: 'free' } | { state: 'held'; record: LockRecord } | { state: 'expired'; record: LockRecord };

export function lockName(instance: string): string {
  return `${LOCK_PREFIX}${instance}`.slice(0, 253);
}

export function readLockRecord(cm: any): LockRecord | undefined {
  const d = cm?.data;
  if (!d?.holder || !d?.expiresAt) return undefined;
  return { holder: d.holder, operation: d.operation ?? 'unknown', acquiredAt: d.acquiredAt ?? '', expiresAt: d.expiresAt };
}

/** What a lock object means now. A lock without a readable record is treated as expired (taken over). */
export function judgeLock(cm: any | undefined, now: Date): LockState {
  if (!cm) return { state: 'free' };
  const record = readLockRecord(cm);
  if (!record) return { state: 'expired', record: { holder: 'unknown', operation: 'unknown', acquiredAt: '', expiresAt: '' } };
  const exp = Date.parse(record.expiresAt);
  if (Number.isNaN(exp) || exp <= now.getTime()) return { state: 'expired', record };
  return { state: 'held', record };
}

export function buildLockConfigMap(namespace: string, instance: string, record: LockRecord, resourceVersion?: string): any {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: lockName(instance),
      namespace,
      labels: { [LABEL_MANAGED_BY]: 'kubectl-odoo', [LABEL_COMPONENT]: 'lock' },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: { instance, ...record },
  };
}

export function describeHolder(r: LockRecord): string {
  return `${r.operation} by ${r.holder} since ${r.acquiredAt || 'an unknown time'} (lock expires ${r.expiresAt})`;
}

/** Backup/restore Jobs of the instance that have not finished. */
export async function runningOperations(kube: KubeClient, namespace: string, instance: string): Promise<any[]> {
  const jobs = await kube.list(RESOURCES.jobs, { namespace, labelSelector: `${LABEL_MANAGED_BY}=kubectl-odoo,${LABEL_INSTANCE}=${instance}` });
  return jobs.items.filter((j: any) => ['backup', 'restore'].includes(j.metadata?.labels?.[LABEL_OPERATION]) && !jobOutcome(j));
}

export interface InstanceLock {
  release(): Promise<void>;
}

export interface LockOptions {
  namespace: string;
  instance: string;
  operation: string;
  holder: string;
  clock: Clock;
  /** How long the lock lives without renewal (default 2 minutes); renewed every third of it. */
  ttlMs?: number;
}

export async function acquireInstanceLock(kube: KubeClient, opts: LockOptions): Promise<InstanceLock> {
  const ttl = opts.ttlMs ?? 120_000;
  const record = (): LockRecord => {
    const now = opts.clock.now();
    return { holder: opts.holder, operation: opts.operation, acquiredAt: acquiredAt ?? now.toISOString(), expiresAt: new Date(now.getTime() + ttl).toISOString() };
  };
  let acquiredAt: string | undefined;
  const name = lockName(opts.instance);
  const busy = (r: LockRecord) => new ConflictError(`instance ${opts.instance} is busy: ${describeHolder(r)}`, { hint: 'wait for it to finish, or delete the lock if its holder is gone: kubectl delete configmap ' + name + ' -n ' + opts.namespace });
  let resourceVersion: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const existing = await kube.getOptional(RESOURCES.configmaps, name, opts.namespace);
    const state = judgeLock(existing, opts.clock.now());
    if (state.state === 'held') throw busy(state.record);
    try {
      const obj = state.state === 'free'
        ? await kube.create(RESOURCES.configmaps, buildLockConfigMap(opts.namespace, opts.instance, record()), { namespace: opts.namespace })
        : await kube.replace(RESOURCES.configmaps, buildLockConfigMap(opts.namespace, opts.instance, record(), existing.metadata.resourceVersion), { namespace: opts.namespace });
      resourceVersion = obj?.metadata?.resourceVersion;
      acquiredAt = obj?.data?.acquiredAt;
      break;
    } catch (e) {
      // Someone else created or took it over between our read and write: read again (once more).
      if ((isAlreadyExists(e) || isConflict(e)) && attempt < 2) continue;
      if (isAlreadyExists(e) || isConflict(e)) {
        const now = await kube.getOptional(RESOURCES.configmaps, name, opts.namespace);
        const r = readLockRecord(now);
        if (r) throw busy(r);
      }
      throw e;
    }
  }
  // Running Jobs count as holders too (a backup started without --wait).
  const running = await runningOperations(kube, opts.namespace, opts.instance);
  if (running.length) {
    await kube.deleteIfExists(RESOURCES.configmaps, name, { namespace: opts.namespace });
    const j = running[0];
    throw new ConflictError(`instance ${opts.instance} is busy: ${j.metadata.labels[LABEL_OPERATION]} Job ${j.metadata.name} is still running`, {
      hint: `wait for it: kubectl wait --for=condition=complete job/${j.metadata.name} -n ${opts.namespace}`,
    });
  }
  let lost = false;
  const timer = setInterval(async () => {
    try {
      const obj = await kube.replace(RESOURCES.configmaps, buildLockConfigMap(opts.namespace, opts.instance, record(), resourceVersion), { namespace: opts.namespace });
      resourceVersion = obj?.metadata?.resourceVersion;
    } catch {
      lost = true;
    }
  }, Math.max(1000, Math.floor(ttl / 3)));
  timer.unref?.();
  return {
    async release() {
      clearInterval(timer);
      if (lost) return;
      try {
        await kube.delete(RESOURCES.configmaps, name, { namespace: opts.namespace });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}

export async function withInstanceLock<T>(kube: KubeClient, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireInstanceLock(kube, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
