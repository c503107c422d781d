// Backup slots: the caps on how many backups run at once, at most `perNode` on one node and `cluster`
// in the namespace, whoever starts them (a fleet run, a schedule, a person with --wait).
//
// A slot is a Lease (coordination.k8s.io/v1): `odoo-backup-slot-<i>` for i < cluster, and
// `odoo-backup-slot-<node>-<j>` for j < perNode. Taking one is creating it (the API answers 409 to the
// second creator) or, when its holder stopped renewing it, replacing it at the resourceVersion read
// (409 again when another took it first). A backup takes its node's slot and a cluster slot before its
// Job is created, renews them while it runs and deletes them when done; when none is free it waits,
// so the Jobs queue instead of piling onto the same node and the backups volume.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../lib/kube/errors.js';
import { CancelledError, UsageError } from '../../lib/errors.js';
import type { Clock } from '../cli/context.js';
import { microTime, type WrittenLease } from './lock.js';
import type { Read, Stored, V1Lease } from '../../lib/kube/models.js';
import { LABEL_COMPONENT, LABEL_INSTANCE, LABEL_MANAGED_BY } from './jobSpecs.js';

export const SLOT_PREFIX = 'odoo-backup-slot-';
export const SLOT_ANNOTATION_INSTANCE = 'kubectl-odoo.io/instance';

export interface SlotCaps {
  perNode: number;
  cluster: number;
}

export const DEFAULT_SLOT_CAPS: SlotCaps = { perNode: 1, cluster: 4 };
/** More would only be a typo: a backup reads a whole volume and writes to the shared one. */
export const MAX_SLOTS = 256;

/** A cap from a flag or the config file: a whole number 1..MAX_SLOTS. */
export function parseSlotCap(what: string, raw: unknown): number {
  const s = String(raw);
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_SLOTS) throw new UsageError(`${what} "${s}" must be a whole number from 1 to ${MAX_SLOTS}`);
  return Number(s);
}

/** The Lease names a backup may take: one of `node` (when it runs on a known node) and one of the cluster's. */
export function slotNames(caps: SlotCaps, node?: string): { node: string[]; cluster: string[] } {
  const cluster = Array.from({ length: caps.cluster }, (_, i) => `${SLOT_PREFIX}${i}`);
  const perNode = node ? Array.from({ length: caps.perNode }, (_, j) => `${SLOT_PREFIX}${node}-${j}`.slice(0, 253)) : [];
  return { node: perNode, cluster };
}

/** Whether a slot Lease is held now: renewed within its duration (pure). */
export function slotHeld(lease: Read<V1Lease> | undefined, now: Date): boolean {
  const spec = lease?.spec ?? {};
  if (!spec.holderIdentity) return false;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  return !Number.isNaN(renewed) && renewed + (spec.leaseDurationSeconds ?? 0) * 1000 > now.getTime();
}

export interface SlotRequest {
  namespace: string;
  instance: string;
  node?: string;
  caps: SlotCaps;
  holder: string;
  clock: Clock;
  /** Waiting stops (CancelledError) when it is aborted. */
  signal?: AbortSignal;
  /** Called once when no slot is free, with who holds them. */
  onWait?: (why: string) => void;
  ttlMs?: number;
  pollMs?: number;
}

export interface BackupSlots {
  names: string[];
  release(): Promise<void>;
}

function slotLease(name: string, r: SlotRequest, acquiredAt: Date, now: Date, ttlMs: number, resourceVersion?: string): WrittenLease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: r.namespace,
      labels: { [LABEL_MANAGED_BY]: 'kubectl-odoo', [LABEL_COMPONENT]: 'backup-slot', [LABEL_INSTANCE]: r.instance.slice(0, 63) },
      annotations: { [SLOT_ANNOTATION_INSTANCE]: r.instance },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: { holderIdentity: r.holder, leaseDurationSeconds: Math.ceil(ttlMs / 1000), acquireTime: microTime(acquiredAt), renewTime: microTime(now) },
  };
}

interface Held {
  name: string;
  resourceVersion?: string;
  acquiredAt: Date;
  /** A renewal failed: another backup may hold it now, so it is not ours to delete. */
  lost?: boolean;
}

/** Takes one free slot of `names`, or none (undefined). */
async function takeOne(kube: KubeClient, r: SlotRequest, names: string[], ttlMs: number, held: Map<string, Read<V1Lease>>): Promise<Held | undefined> {
  for (const name of names) {
    const now = r.clock.now();
    const existing = await kube.getOptional<Stored<V1Lease>>(RESOURCES.leases, name, r.namespace);
    try {
      if (!existing) {
        const obj = await kube.create<Read<V1Lease>>(RESOURCES.leases, slotLease(name, r, now, now, ttlMs), { namespace: r.namespace });
        return { name, resourceVersion: obj?.metadata?.resourceVersion, acquiredAt: now };
      }
      if (!slotHeld(existing, now)) {
        const obj = await kube.replace<Read<V1Lease>>(RESOURCES.leases, slotLease(name, r, now, now, ttlMs, existing.metadata.resourceVersion), { namespace: r.namespace });
        return { name, resourceVersion: obj?.metadata?.resourceVersion, acquiredAt: now };
      }
      held.set(name, existing);
    } catch (e) {
      // Another backup took it between our read and our write: try the next one.
      if (!(isAlreadyExists(e) || isConflict(e) || isNotFound(e))) throw e;
    }
  }
  return undefined;
}

function describeHolders(held: Map<string, Read<V1Lease>>, nodeNames: string[], clusterNames: string[], node?: string): string {
  const of = (names: string[]) => names.map((n) => held.get(n)?.metadata?.annotations?.[SLOT_ANNOTATION_INSTANCE]).filter(Boolean);
  const busyNode = of(nodeNames);
  if (node && busyNode.length === nodeNames.length) return `node ${node} has ${busyNode.length} backup(s) running (${busyNode.join(', ')}), the most per node`;
  const busy = of(clusterNames);
  return `${busy.length} backup(s) running (${busy.join(', ')}), the most at once`;
}

/** Waits until a node slot (when the backup has a node) and a cluster slot are both free, and takes them. */
export async function acquireBackupSlots(kube: KubeClient, r: SlotRequest): Promise<BackupSlots> {
  const ttlMs = r.ttlMs ?? 60_000;
  const { node: nodeNames, cluster: clusterNames } = slotNames(r.caps, r.node);
  let said = false;
  let taken: Held[] = [];
  for (;;) {
    if (r.signal?.aborted) throw new CancelledError(`interrupted while ${r.instance} waited for a backup slot`);
    const held = new Map<string, Read<V1Lease>>();
    taken = [];
    const nodeSlot = nodeNames.length ? await takeOne(kube, r, nodeNames, ttlMs, held) : undefined;
    if (!nodeNames.length || nodeSlot) {
      if (nodeSlot) taken.push(nodeSlot);
      const clusterSlot = await takeOne(kube, r, clusterNames, ttlMs, held);
      if (clusterSlot) {
        taken.push(clusterSlot);
        break;
      }
    }
    // Holding a node slot while waiting for a cluster one would keep that node's other backups waiting.
    await Promise.all(taken.map((t) => kube.deleteIfExists(RESOURCES.leases, t.name, { namespace: r.namespace }).catch(() => undefined)));
    if (!said) {
      r.onWait?.(describeHolders(held, nodeNames, clusterNames, r.node));
      said = true;
    }
    await r.clock.sleep(r.pollMs ?? 1000, r.signal);
  }
  let released = false;
  let chain: Promise<void> = Promise.resolve();
  const renew = () => {
    chain = chain.then(async () => {
      for (const t of taken) {
        if (released || t.lost) continue;
        try {
          const obj = await kube.replace<Read<V1Lease>>(RESOURCES.leases, slotLease(t.name, r, t.acquiredAt, r.clock.now(), ttlMs, t.resourceVersion), { namespace: r.namespace });
          t.resourceVersion = obj?.metadata?.resourceVersion;
        } catch {
          // Renewed too late and taken over: the next backup may start; ours still finishes.
          t.lost = true;
        }
      }
    });
  };
  const timer = setInterval(renew, Math.max(1000, Math.floor(ttlMs / 3)));
  timer.unref?.();
  return {
    names: taken.map((t) => t.name),
    async release() {
      clearInterval(timer);
      await chain;
      released = true;
      await Promise.all(taken.filter((t) => !t.lost).map((t) => kube.deleteIfExists(RESOURCES.leases, t.name, { namespace: r.namespace }).catch(() => undefined)));
    },
  };
}
