// PersistentVolumeClaims as the PV controller and the Rook CSI provisioner/resizer handle them:
// a claim that names its volume, or that a pre-bound or Available volume fits, is bound to it
// (static binding, with the VolumeMismatch and FailedBinding events of pv_controller.go); otherwise
// a claim whose StorageClass exists is provisioned (a PV pvc-<uid> with a backing directory) and
// bound; one whose class is missing stays Pending with a ProvisioningFailed event; an expansion goes
// through the Resizing and FileSystemResizePending conditions before status.capacity follows;
// pvc-protection holds a claim while a pod uses it; a released PV with reclaimPolicy Delete goes.
import { mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Controller, ControllerContext } from './index.js';
import { WorkQueue, keyOf, splitKey } from './queue.js';
import { recordEvent } from '../events.js';
import { rfc3339 } from '../store.js';
import { StatusError } from '../errors.js';
import { parseQuantity } from '../quantity.js';
import { pvDataDir } from '../volumes.js';
import { claimClass } from '../validation.js';
import { CEPHFS_DRIVER } from '../bootstrap.js';

function tolerate(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
    throw e;
  }
}

const PV_CONTROLLER = { component: 'persistentvolume-controller' };

/** isVolumeBoundToClaim: the claimRef names the claim, with its uid or none yet. */
function isBoundTo(pv: any, pvc: any): boolean {
  const ref = pv.spec?.claimRef;
  return Boolean(ref) && ref.name === pvc.metadata.name && ref.namespace === pvc.metadata.namespace && (!ref.uid || ref.uid === pvc.metadata.uid);
}

/** checkVolumeSatisfyClaim: why a volume the claim asks for by name cannot be bound to it. */
function volumeMismatch(pv: any, pvc: any): string | undefined {
  if (pv.metadata.deletionTimestamp) return `the volume is marked for deletion "${pv.metadata.name}"`;
  if ((parseQuantity(pv.spec?.capacity?.storage) ?? 0) < (parseQuantity(pvc.spec?.resources?.requests?.storage) ?? 0)) return 'requested PV is too small';
  if (claimClass(pv) !== claimClass(pvc)) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  if (!(pvc.spec?.accessModes ?? []).every((m: string) => (pv.spec?.accessModes ?? []).includes(m))) return 'incompatible accessMode';
  return undefined;
}

export class VolumeController implements Controller {
  private readonly claims = new WorkQueue();
  private readonly volumes = new WorkQueue();
  private readonly unsub: (() => void)[] = [];
  /** Claims told once that their class is missing (the event is not repeated every tick). */
  private readonly reported = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {
    const s = ctx.store;
    for (const c of s.scan('persistentvolumeclaims')) if (c.status?.phase !== 'Bound' || c.metadata.deletionTimestamp) this.claims.add(keyOf(c.metadata.namespace, c.metadata.name));
    this.unsub.push(s.onChange('persistentvolumeclaims', (c) => c.type !== 'DELETED' && this.claims.add(keyOf(c.snap.obj.metadata.namespace, c.snap.obj.metadata.name))));
    this.unsub.push(
      s.onChange('persistentvolumeclaims', (c) => {
        if (c.type === 'DELETED' && c.snap.obj.spec?.volumeName) this.volumes.add(keyOf(undefined, c.snap.obj.spec.volumeName));
      }),
    );
    this.unsub.push(
      s.onChange('persistentvolumes', (c) => {
        if (c.type === 'DELETED') return;
        this.volumes.add(keyOf(undefined, c.snap.obj.metadata.name));
        // A new or changed volume may be what a Pending claim waits for.
        for (const pvc of s.scan('persistentvolumeclaims')) if (pvc.status?.phase === 'Pending') this.claims.add(keyOf(pvc.metadata.namespace, pvc.metadata.name));
      }),
    );
    // A pod going away may release a claim held by pvc-protection, or unblock a waiting one.
    this.unsub.push(
      s.onChange('pods', (c) => {
        if (c.type !== 'DELETED' && !['Succeeded', 'Failed'].includes(c.snap.obj.status?.phase)) return;
        for (const v of c.snap.obj.spec?.volumes ?? []) if (v.persistentVolumeClaim) this.claims.add(keyOf(c.snap.obj.metadata.namespace, v.persistentVolumeClaim.claimName));
      }),
    );
    this.unsub.push(
      s.onChange('storageclasses', (c) => {
        if (c.type !== 'ADDED') return;
        for (const pvc of s.scan('persistentvolumeclaims')) if (pvc.status?.phase === 'Pending') this.claims.add(keyOf(pvc.metadata.namespace, pvc.metadata.name));
      }),
    );
  }

  stop(): void {
    for (const u of this.unsub) u();
  }

  tick(now: number): void {
    for (const k of this.claims.take(now)) {
      const [ns, name] = splitKey(k);
      tolerate(() => this.syncClaim(ns!, name, now));
    }
    for (const k of this.volumes.take(now)) tolerate(() => this.syncVolume(splitKey(k)[1]));
  }

  private syncClaim(ns: string, name: string, now: number): void {
    const store = this.ctx.store;
    const pvc = store.peek('persistentvolumeclaims', ns, name);
    if (!pvc) return;
    const key = keyOf(ns, name);
    if (pvc.metadata.deletionTimestamp) {
      const inUse = store.scan('pods', ns).some((p) => !['Succeeded', 'Failed'].includes(p.status?.phase) && (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === name));
      if (!inUse && pvc.metadata.finalizers?.includes('kubernetes.io/pvc-protection')) {
        const copy = store.get('persistentvolumeclaims', ns, name);
        copy.metadata.finalizers = copy.metadata.finalizers.filter((f: string) => f !== 'kubernetes.io/pvc-protection');
        store.update('persistentvolumeclaims', copy);
      }
      return;
    }
    const phase = pvc.status?.phase ?? 'Pending';
    if (phase === 'Pending') {
      if (pvc.spec?.volumeName) return this.bindRequested(pvc, key);
      const match = this.findMatch(pvc);
      if (match) return this.bind(match, pvc, key);
      return this.provision(pvc, key, now);
    }
    if (phase === 'Bound') return this.resize(pvc, key, now);
  }

  /** The claim names its volume (syncUnboundClaim with spec.volumeName in pv_controller.go). */
  private bindRequested(pvc: any, key: string): void {
    const pv = this.ctx.store.peek('persistentvolumes', undefined, pvc.spec.volumeName);
    // A volume that does not exist (yet): the claim stays Pending and is retried.
    if (!pv) return;
    const ref = pv.spec?.claimRef;
    if (!ref) {
      const why = volumeMismatch(pv, pvc);
      if (why) {
        this.reportOnce(key, pvc, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${pv.metadata.name}": ${why}`);
        return;
      }
      return this.bind(pv, pvc, key);
    }
    if (isBoundTo(pv, pvc)) return this.bind(pv, pvc, key);
    if (!pvc.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'])
      this.reportOnce(key, pvc, 'Warning', 'FailedBinding', `volume "${pv.metadata.name}" already bound to a different claim.`);
  }

  /** findMatchingVolume: a volume pre-bound to this claim, else the smallest Available one that fits. */
  private findMatch(pvc: any): any | undefined {
    const want = parseQuantity(pvc.spec?.resources?.requests?.storage) ?? 0;
    const modes: string[] = pvc.spec?.accessModes ?? [];
    const sel = pvc.spec?.selector?.matchLabels as Record<string, string> | undefined;
    let best: any;
    for (const pv of this.ctx.store.scan('persistentvolumes')) {
      const size = parseQuantity(pv.spec?.capacity?.storage) ?? 0;
      if (size < want || (pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem') || pv.metadata.deletionTimestamp) continue;
      if (!modes.every((m) => (pv.spec?.accessModes ?? []).includes(m))) continue;
      if (isBoundTo(pv, pvc)) return pv;
      if (pv.status?.phase !== 'Available' || pv.spec?.claimRef) continue;
      if (sel && !Object.entries(sel).every(([k, v]) => pv.metadata.labels?.[k] === v)) continue;
      if (claimClass(pv) !== claimClass(pvc)) continue;
      if (!best || size < (parseQuantity(best.spec.capacity.storage) ?? 0)) best = pv;
    }
    return best;
  }

  /** bind(): the volume's claimRef, then the claim's volumeName, both Bound. */
  private bind(volume: any, claim: any, key: string): void {
    const store = this.ctx.store;
    const pv = store.get('persistentvolumes', undefined, volume.metadata.name);
    const { namespace: ns, name, uid } = claim.metadata;
    const ref = pv.spec.claimRef;
    if (!ref || ref.uid !== uid || ref.name !== name || ref.namespace !== ns) {
      if (!ref) pv.metadata.annotations = { ...(pv.metadata.annotations ?? {}), 'pv.kubernetes.io/bound-by-controller': 'yes' };
      pv.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace: ns, name, uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
      store.update('persistentvolumes', pv);
    }
    const bound = store.get('persistentvolumes', undefined, pv.metadata.name);
    if (bound.status?.phase !== 'Bound') {
      bound.status = { phase: 'Bound', lastPhaseTransitionTime: rfc3339(store.now()) };
      store.update('persistentvolumes', bound, { subresource: 'status' });
    }
    const copy = store.get('persistentvolumeclaims', ns, name);
    const annotations: Record<string, string> = { ...(copy.metadata.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes' };
    if (!copy.spec.volumeName) annotations['pv.kubernetes.io/bound-by-controller'] = 'yes';
    copy.metadata.annotations = annotations;
    copy.spec.volumeName = pv.metadata.name;
    const updated = store.update('persistentvolumeclaims', copy);
    updated.status = { phase: 'Bound', accessModes: pv.spec.accessModes, capacity: { ...pv.spec.capacity } };
    store.update('persistentvolumeclaims', updated, { subresource: 'status' });
    this.reported.delete(key);
  }

  private reportOnce(key: string, pvc: any, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (!this.reported.has(key)) recordEvent(this.ctx.store, pvc, type, reason, message, PV_CONTROLLER);
    this.reported.add(key);
  }

  private provision(pvc: any, key: string, now: number): void {
    const store = this.ctx.store;
    const { namespace: ns, name } = pvc.metadata;
    const className = pvc.spec?.storageClassName;
    if (!className) return this.reportOnce(key, pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    const sc = store.peek('storageclasses', undefined, className);
    if (!sc) return this.reportOnce(key, pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    const driver = sc.provisioner;
    const provisioner = { component: `${driver}_csi-${driver.includes('cephfs') ? 'cephfs' : 'rbd'}plugin-provisioner-5c8b6d8d4-x2x7k_${'d'.repeat(8)}-0000-4000-8000-000000000000` };
    // First look: the claim waits for the external provisioner (visible as Pending for a tick).
    if (!pvc.metadata.annotations?.['volume.kubernetes.io/storage-provisioner']) {
      const copy = store.get('persistentvolumeclaims', ns, name);
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), 'volume.beta.kubernetes.io/storage-provisioner': driver, 'volume.kubernetes.io/storage-provisioner': driver };
      store.update('persistentvolumeclaims', copy);
      recordEvent(store, pvc, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${driver}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`, PV_CONTROLLER);
      recordEvent(store, pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${name}"`, provisioner);
      this.claims.addAfter(key, now + this.ctx.tickMs);
      return;
    }
    const pvName = `pvc-${pvc.metadata.uid}`;
    const size = pvc.spec.resources.requests.storage;
    if (!store.peek('persistentvolumes', undefined, pvName)) {
      const volId = randomUUID();
      const cephfs = driver === CEPHFS_DRIVER || driver.includes('cephfs');
      mkdirSync(pvDataDir(this.ctx.dataDir, pvName), { recursive: true });
      store.create('persistentvolumes', {
        metadata: {
          name: pvName,
          annotations: { 'pv.kubernetes.io/provisioned-by': driver, 'volume.kubernetes.io/provisioner-deletion-secret-name': `rook-csi-${cephfs ? 'cephfs' : 'rbd'}-provisioner`, 'volume.kubernetes.io/provisioner-deletion-secret-namespace': 'rook-ceph' },
        },
        spec: {
          accessModes: pvc.spec.accessModes,
          capacity: { storage: size },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name, namespace: ns, resourceVersion: pvc.metadata.resourceVersion, uid: pvc.metadata.uid },
          csi: {
            driver,
            volumeHandle: `0001-0009-rook-ceph-0000000000000001-${volId}`,
            volumeAttributes: cephfs
              ? {
                  clusterID: sc.parameters?.clusterID ?? 'rook-ceph',
                  fsName: sc.parameters?.fsName ?? 'myfs',
                  pool: sc.parameters?.pool ?? 'myfs-replicated',
                  'storage.kubernetes.io/csiProvisionerIdentity': '1700000000000-1234-rook-ceph.cephfs.csi.ceph.com',
                  subvolumeName: `csi-vol-${volId}`,
                  subvolumePath: `/volumes/csi/csi-vol-${volId}/${randomUUID()}`,
                }
              : { clusterID: sc.parameters?.clusterID ?? 'rook-ceph', imageFeatures: 'layering', imageFormat: '2', imageName: `csi-vol-${volId}`, journalPool: sc.parameters?.pool ?? 'replicapool', pool: sc.parameters?.pool ?? 'replicapool' },
            ...(cephfs ? { nodeStageSecretRef: { name: 'rook-csi-cephfs-node', namespace: 'rook-ceph' }, controllerExpandSecretRef: { name: 'rook-csi-cephfs-provisioner', namespace: 'rook-ceph' } } : { fsType: 'ext4' }),
          },
          persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
          storageClassName: className,
          volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
        },
      });
      const pv = store.get('persistentvolumes', undefined, pvName);
      pv.status = { phase: 'Bound', lastPhaseTransitionTime: rfc3339(new Date(now)) };
      store.update('persistentvolumes', pv, { subresource: 'status' });
      recordEvent(store, pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`, provisioner);
    }
    const copy = store.get('persistentvolumeclaims', ns, name);
    copy.spec.volumeName = pvName;
    copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' };
    const bound = store.update('persistentvolumeclaims', copy);
    bound.status = { phase: 'Bound', accessModes: pvc.spec.accessModes, capacity: { storage: size } };
    store.update('persistentvolumeclaims', bound, { subresource: 'status' });
    this.reported.delete(key);
  }

  private resize(pvc: any, key: string, now: number): void {
    const store = this.ctx.store;
    const { namespace: ns, name } = pvc.metadata;
    const want = pvc.spec.resources?.requests?.storage;
    const have = pvc.status?.capacity?.storage;
    if ((parseQuantity(want) ?? 0) <= (parseQuantity(have) ?? 0)) return;
    const pvName = pvc.spec.volumeName;
    const conds: any[] = pvc.status?.conditions ?? [];
    const ts = rfc3339(new Date(now));
    const driver = pvc.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] ?? CEPHFS_DRIVER;
    const resizer = { component: `external-resizer ${driver}` };
    const copy = store.get('persistentvolumeclaims', ns, name);
    const next = () => this.claims.addAfter(key, now + this.ctx.tickMs);
    if (!conds.some((c) => c.type === 'Resizing' || c.type === 'FileSystemResizePending')) {
      copy.status.conditions = [{ type: 'Resizing', status: 'True', lastProbeTime: null, lastTransitionTime: ts }];
      copy.status.allocatedResources = { storage: want };
      copy.status.allocatedResourceStatuses = { storage: 'ControllerResizeInProgress' };
      store.update('persistentvolumeclaims', copy, { subresource: 'status' });
      recordEvent(store, pvc, 'Warning', 'ExternalExpanding', 'waiting for an external controller to expand this PVC', { component: 'volume_expand' });
      recordEvent(store, pvc, 'Normal', 'Resizing', `External resizer is resizing volume ${pvName}`, resizer);
      return next();
    }
    if (conds.some((c) => c.type === 'Resizing')) {
      tolerate(() => {
        const pv = store.get('persistentvolumes', undefined, pvName);
        pv.spec.capacity = { ...(pv.spec.capacity ?? {}), storage: want };
        store.update('persistentvolumes', pv);
      });
      copy.status.conditions = [
        { type: 'FileSystemResizePending', status: 'True', lastProbeTime: null, lastTransitionTime: ts, message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.' },
      ];
      copy.status.allocatedResourceStatuses = { storage: 'NodeResizePending' };
      store.update('persistentvolumeclaims', copy, { subresource: 'status' });
      recordEvent(store, pvc, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node', resizer);
      return next();
    }
    copy.status.capacity = { ...(copy.status.capacity ?? {}), storage: want };
    delete copy.status.conditions;
    delete copy.status.allocatedResourceStatuses;
    store.update('persistentvolumeclaims', copy, { subresource: 'status' });
    const user = store.scan('pods', ns).find((p) => (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === name));
    recordEvent(store, pvc, 'Normal', 'FileSystemResizeSuccessful', `MountVolume.NodeExpandVolume succeeded for volume "${pvName}"${user?.spec?.nodeName ? ` ${user.spec.nodeName}` : ''}`, { component: 'kubelet', host: user?.spec?.nodeName });
  }

  private syncVolume(name: string): void {
    const store = this.ctx.store;
    const pv = store.peek('persistentvolumes', undefined, name);
    if (!pv) return;
    const ref = pv.spec?.claimRef;
    const claim = ref ? store.peek('persistentvolumeclaims', ref.namespace, ref.name) : undefined;
    // A volume pre-bound by name only (no uid yet) waits for its claim; it is not released.
    const claimGone = ref?.uid && (!claim || claim.metadata.uid !== ref.uid);
    if (pv.metadata.deletionTimestamp) {
      if ((!ref || claimGone) && pv.metadata.finalizers?.includes('kubernetes.io/pv-protection')) {
        const copy = store.get('persistentvolumes', undefined, name);
        copy.metadata.finalizers = copy.metadata.finalizers.filter((f: string) => f !== 'kubernetes.io/pv-protection');
        store.update('persistentvolumes', copy);
        rmSync(pvDataDir(this.ctx.dataDir, name), { recursive: true, force: true });
      }
      return;
    }
    if ((pv.status?.phase ?? 'Pending') === 'Pending' && !claimGone) {
      // A new volume is Available until a claim binds it.
      const copy = store.get('persistentvolumes', undefined, name);
      copy.status = { phase: 'Available', lastPhaseTransitionTime: rfc3339(store.now()) };
      store.update('persistentvolumes', copy, { subresource: 'status' });
      return;
    }
    if (claimGone && pv.status?.phase === 'Bound') {
      if (pv.spec.persistentVolumeReclaimPolicy === 'Delete') {
        store.delete('persistentvolumes', undefined, name);
        this.volumes.add(keyOf(undefined, name));
      } else {
        const copy = store.get('persistentvolumes', undefined, name);
        copy.status = { phase: 'Released', lastPhaseTransitionTime: rfc3339(new Date()) };
        store.update('persistentvolumes', copy, { subresource: 'status' });
      }
    }
  }
}
