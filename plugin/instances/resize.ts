// Growing an instance's volume: the new size must be larger than the current request and the PVC's
// StorageClass must allow expansion; both are checked before the PVC is touched.
import type { Read, Stored, V1PersistentVolumeClaim, V1StorageClass } from '../../lib/kube/models.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { FailureError, UsageError } from '../../lib/errors.js';
import { resolveInstance } from './resolve.js';
import { compareQuantities, displayStorage } from './quantity.js';

export interface ResizePlan {
  instance: string;
  namespace: string;
  pvc: string;
  from: string;
  to: string;
  capacity?: string;
  /** Already requested at this size: nothing to patch. */
  unchanged: boolean;
  /** The patch sent (or, for a dry run, that would be sent). */
  patch?: unknown;
}

/** Pure judgement of a resize request; throws a one-sentence error when it must be refused. */
export function judgeResize(pvc: Stored<V1PersistentVolumeClaim>, storageClass: Read<V1StorageClass> | undefined, size: string, instance: string): Omit<ResizePlan, 'namespace'> {
  const name = pvc.metadata.name;
  const from = pvc.spec?.resources?.requests?.storage;
  if (!from) throw new FailureError(`PVC ${name} has no storage request to grow`);
  const cmp = compareQuantities(size, from);
  if (cmp < 0) {
    throw new UsageError(`cannot shrink ${instance}'s volume from ${displayStorage(from)} to ${displayStorage(size)}: Kubernetes volumes can only grow`);
  }
  const scName = pvc.spec?.storageClassName;
  if (cmp > 0) {
    if (!scName) throw new FailureError(`PVC ${name} has no StorageClass, so it cannot be expanded`);
    if (!storageClass) throw new FailureError(`StorageClass ${scName} of PVC ${name} does not exist, so the volume cannot be expanded`);
    if (storageClass.allowVolumeExpansion !== true) {
      throw new FailureError(`StorageClass ${scName} does not allow volume expansion (allowVolumeExpansion is not true), so PVC ${name} cannot grow`);
    }
    if (pvc.status?.phase && pvc.status.phase !== 'Bound') throw new FailureError(`PVC ${name} is ${pvc.status.phase}, not Bound; only a bound volume can be expanded`);
  }
  return { instance, pvc: name, from, to: size, capacity: pvc.status?.capacity?.storage, unchanged: cmp === 0 };
}

export async function resizeInstanceVolume(kube: KubeClient, namespace: string, ref: string, size: string, dryRun?: 'client' | 'server'): Promise<ResizePlan> {
  const o = await resolveInstance(kube, namespace, ref);
  if (!o.pvc) {
    if (o.facts.hostPath) throw new FailureError(`instance ${o.name} keeps its data in hostPath ${o.facts.hostPath}, not a PVC; migrate it first`);
    throw new FailureError(`instance ${o.name} has no PVC${o.pvcName ? ` (${o.pvcName} not found)` : ''}`);
  }
  const scName = o.pvc.spec?.storageClassName;
  const sc = scName ? await kube.getOptional<Read<V1StorageClass>>(RESOURCES.storageclasses, scName) : undefined;
  const plan: ResizePlan = { ...judgeResize(o.pvc, sc, size, o.name), namespace: o.namespace };
  if (!plan.unchanged) {
    plan.patch = { spec: { resources: { requests: { storage: size } } } };
    // A client dry run stops after the checks; a server dry run lets the API server validate the patch too.
    if (dryRun !== 'client') await kube.patch(RESOURCES.persistentvolumeclaims, plan.pvc, plan.patch, { namespace: o.namespace, patchType: 'merge', dryRun: dryRun === 'server' });
  }
  return plan;
}
