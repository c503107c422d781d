// Creating an instance all-or-nothing: check everything that can be checked before the first write, then
// create PVC, Service, ingress and, last, the Deployment (its existence is what makes an instance).
// If a step fails, the objects this run created are deleted again; objects a previous, interrupted run
// left behind are recognised by their labels and reused, so running create again resumes.
import type { KubeObject, Read, Stored, V1Deployment, V1Namespace, V1PersistentVolumeClaim, V1Secret, V1StorageClass } from '../../lib/kube/models.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES, type ResourceType } from '../../lib/kube/resources.js';
import { ApiError, isAlreadyExists, isNotFound } from '../../lib/kube/errors.js';
import { ConflictError, FailureError, NotFoundError, UsageError, CancelledError } from '../../lib/errors.js';
import { buildInstanceManifests, type InstanceSpec } from './manifests.js';
import { ANNOTATION_KEPT_AFTER_DELETE, customerIdOf, instanceIdOf, isInstanceWorkload, isPluginManaged } from './labels.js';
import { compareQuantities, displayStorage } from './quantity.js';
import { ANNOTATION_KEPT_DATABASE } from './remove.js';

export interface CreateInstanceOptions {
  spec: InstanceSpec;
  /** Server-side dry run: every create is sent with dryRun=All. */
  serverDryRun?: boolean;
  signal?: AbortSignal;
  progress?: (line: string) => void;
  /** Reuse the volume `delete` kept for an instance of this name (same customer only). */
  reuseVolume?: boolean;
  /** --storage / --storage-class were given (not config defaults): a kept volume must then match them. */
  storageGiven?: boolean;
  storageClassGiven?: boolean;
}

export interface CreateInstanceResult {
  /** The objects as the server returned them (or would have, for a dry run). */
  objects: Stored<KubeObject>[];
  /** kind/name of objects this run created. */
  created: string[];
  /** kind/name of objects an earlier run had created and this one reused. */
  reused: string[];
}

interface Step {
  type: ResourceType;
  object: KubeObject & { metadata: { name: string } };
}

const label = (s: Step) => `${s.type.kind}/${s.object.metadata.name}`;

/** An existing object is this instance's own when it carries the instance id and the plugin's label. */
function belongsToInstance(existing: KubeObject | undefined, spec: InstanceSpec): boolean {
  const labels = existing?.metadata?.labels;
  return instanceIdOf(labels) === spec.instanceId && isPluginManaged(labels);
}

export interface VolumeJudgement {
  /** `resume`: made by a create of the same request that did not finish; `reuse-kept`: kept by delete, reused on request. */
  use: 'resume' | 'reuse-kept';
  /** The kept volume's size when it differs from a default --storage (the instance gets the volume as it is). */
  size?: string;
}

/**
 * Whether an existing PVC of the planned name may become the new instance's volume. Pure; throws a
 * ConflictError that says what exists and what to do. Another customer's volume is never reused; a
 * volume kept by delete only with --reuse-volume; a different size or class is refused, not ignored.
 */
export function judgeExistingVolume(pvc: Stored<V1PersistentVolumeClaim>, spec: InstanceSpec, opts: Pick<CreateInstanceOptions, 'reuseVolume' | 'storageGiven' | 'storageClassGiven'> = {}): VolumeJudgement {
  const name = `PersistentVolumeClaim/${pvc.metadata.name}`;
  const labels = pvc.metadata?.labels;
  const size = pvc.spec?.resources?.requests?.storage;
  const cls = pvc.spec?.storageClassName;
  const keptSince = pvc.metadata?.annotations?.[ANNOTATION_KEPT_AFTER_DELETE];
  const owner = customerIdOf(labels);
  if (!belongsToInstance(pvc, spec)) {
    throw new ConflictError(`${name} already exists in namespace ${spec.namespace} and does not belong to instance ${spec.name}; nothing was created`);
  }
  if (owner !== spec.customerId) {
    throw new ConflictError(
      `${name} already exists in namespace ${spec.namespace} and holds the data of customer ${owner ?? '<none>'}, not ${spec.customerId}; one customer's volume is never given to another, nothing was created`,
      { hint: `choose another instance name, or if that data is no longer needed remove it with "kubectl odoo delete ${spec.name} --delete-data"` },
    );
  }
  const what = keptSince ? `the volume kept from deleted instance ${spec.name} (${displayStorage(size)}, ${cls ?? 'no class'}, customer ${owner}, kept since ${keptSince})` : `left by an earlier create that did not finish (${displayStorage(size)}, ${cls ?? 'no class'})`;
  if (keptSince && !opts.reuseVolume) {
    throw new ConflictError(`${name} is ${what}; nothing was created`, {
      hint: `reuse its data with "kubectl odoo create ${spec.name} --customer ${owner} --reuse-volume", or delete it first with "kubectl odoo delete ${spec.name} --delete-data"`,
    });
  }
  const kept = !!keptSince;
  const sizeDiffers = size && compareQuantities(size, spec.storage) !== 0;
  if (sizeDiffers && (!kept || opts.storageGiven)) {
    throw new ConflictError(`${name} is ${what}, but --storage asks for ${displayStorage(spec.storage)}; nothing was created`, {
      hint: kept
        ? `leave out --storage to reuse it at ${displayStorage(size)}, then grow it with "kubectl odoo resize ${spec.name} --storage ${displayStorage(spec.storage)}"`
        : `run create with --storage ${displayStorage(size)} to finish it, or remove it with "kubectl odoo delete ${spec.name} --delete-data" and start again`,
    });
  }
  if (cls !== spec.storageClass && (!kept || opts.storageClassGiven)) {
    throw new ConflictError(`${name} is ${what}, but --storage-class asks for ${spec.storageClass}; a volume cannot change its class, nothing was created`, {
      hint: kept ? `leave out --storage-class to reuse it on ${cls}` : `run create with --storage-class ${cls} to finish it, or remove it with "kubectl odoo delete ${spec.name} --delete-data" and start again`,
    });
  }
  return { use: kept ? 'reuse-kept' : 'resume', ...(sizeDiffers ? { size } : {}) };
}

/**
 * Refuses a create whose Deployment exists. Pure; says what exists (and its volume's size) and what to run
 * instead: create never changes an existing instance, and a volume never shrinks.
 */
export function judgeExistingInstance(deployment: Stored<V1Deployment>, pvc: Stored<V1PersistentVolumeClaim> | undefined, spec: InstanceSpec, opts: Pick<CreateInstanceOptions, 'storageGiven'> = {}): never {
  const where = `namespace ${spec.namespace}`;
  if (!isInstanceWorkload(deployment.metadata?.labels)) {
    throw new UsageError(`a Deployment named ${spec.name} already exists in ${where} and is not an Odoo instance; choose another name, nothing was created`);
  }
  const size = pvc?.spec?.resources?.requests?.storage;
  const has = size ? `with a ${displayStorage(size)} volume (PVC ${pvc.metadata.name})` : 'without a volume of the planned name';
  const cmp = size && opts.storageGiven ? compareQuantities(spec.storage, size) : 0;
  const what =
    cmp > 0
      ? `to grow its volume to ${displayStorage(spec.storage)}, run "kubectl odoo resize ${spec.name} --storage ${displayStorage(spec.storage)}"`
      : cmp < 0
        ? `--storage ${displayStorage(spec.storage)} is smaller, and a volume never shrinks`
        : `see it with "kubectl odoo status ${spec.name}"; change it with resize, set-resources or config set`;
  throw new UsageError(`instance ${spec.name} already exists in ${where} ${has}; nothing was changed: ${what}`);
}

export function createSteps(spec: InstanceSpec): Step[] {
  const m = buildInstanceManifests(spec);
  const steps: Step[] = [
    { type: RESOURCES.persistentvolumeclaims, object: m.pvc },
    { type: RESOURCES.services, object: m.service },
  ];
  if (m.ingress) steps.push({ type: m.ingress.kind === 'Ingress' ? RESOURCES.ingresses : RESOURCES.ingressroutes, object: m.ingress });
  steps.push({ type: RESOURCES.deployments, object: m.deployment });
  return steps;
}

/** Read-only checks: namespace, Secret, StorageClass, ingress API, name conflicts. Returns steps already done. */
async function preflight(kube: KubeClient, spec: InstanceSpec, steps: Step[], opts: CreateInstanceOptions): Promise<{ done: Set<Step>; keptVolume?: Stored<V1PersistentVolumeClaim> }> {
  const ns = spec.namespace;
  const [namespace, secret, storageClass] = await Promise.all([
    lookup(() => kube.get<Stored<V1Namespace>>(RESOURCES.namespaces, ns)),
    lookup(() => kube.get<Stored<V1Secret>>(RESOURCES.secrets, spec.dbSecret, ns)),
    lookup(() => kube.get<Stored<V1StorageClass>>(RESOURCES.storageclasses, spec.storageClass)),
  ]);
  if (namespace === MISSING) {
    throw new NotFoundError(`namespace ${ns} does not exist`, { hint: `create it with "kubectl create namespace ${ns}" or pick another with -n` });
  }
  if (secret === MISSING) {
    throw new UsageError(
      `--db-secret ${spec.dbSecret}: no such Secret in namespace ${ns}; create it with keys "username" and "password" (kubectl create secret generic ${spec.dbSecret} -n ${ns} --from-literal=username=... --from-literal=password=...)`,
    );
  }
  if (secret) {
    const missing = ['username', 'password'].filter((k) => !(k in (secret.data ?? {})) && !(k in (secret.stringData ?? {})));
    if (missing.length) throw new UsageError(`--db-secret ${spec.dbSecret}: the Secret has no key ${missing.map((k) => `"${k}"`).join(' or ')}; it needs "username" and "password"`);
  }
  if (storageClass === MISSING) {
    const all = await kube.list<Stored<V1StorageClass>>(RESOURCES.storageclasses).catch(() => ({ items: [] }));
    const names = all.items.map((s) => s.metadata.name);
    throw new UsageError(`--storage-class ${spec.storageClass}: no such StorageClass${names.length ? ` (available: ${names.join(', ')})` : ''}`);
  }
  if (spec.ingress === 'ingressroute') {
    try {
      await kube.request({ method: 'GET', path: '/apis/traefik.io/v1alpha1' });
    } catch (e) {
      if (isNotFound(e)) throw new FailureError('the cluster has no Traefik IngressRoute API (traefik.io/v1alpha1); use --ingress ingress or --ingress none');
      throw e;
    }
  }
  const existing = await Promise.all(steps.map((s) => kube.getOptional<Stored<KubeObject>>(s.type, s.object.metadata.name, ns)));
  // The Deployment first: when the instance itself exists, that is the answer, whatever its volume is.
  const deploymentAt = steps.findIndex((s) => s.type === RESOURCES.deployments);
  if (existing[deploymentAt]) {
    const volume = existing[steps.findIndex((s) => s.type === RESOURCES.persistentvolumeclaims)];
    judgeExistingInstance(existing[deploymentAt] as Stored<V1Deployment>, volume as Stored<V1PersistentVolumeClaim> | undefined, spec, opts);
  }
  const done = new Set<Step>();
  let keptVolume: Stored<V1PersistentVolumeClaim> | undefined;
  steps.forEach((s, i) => {
    const obj = existing[i];
    if (!obj) {
      if (s.type === RESOURCES.persistentvolumeclaims && opts.reuseVolume) {
        throw new NotFoundError(`--reuse-volume: there is no kept volume ${s.object.metadata.name} in namespace ${ns}; nothing was created`, {
          hint: `leave out --reuse-volume to create instance ${spec.name} with a new, empty volume`,
        });
      }
      return;
    }
    if (s.type === RESOURCES.persistentvolumeclaims) {
      const pvc = obj as Stored<V1PersistentVolumeClaim>;
      if (judgeExistingVolume(pvc, spec, opts).use === 'reuse-kept') keptVolume = pvc;
    } else if (!belongsToInstance(obj, spec)) {
      throw new ConflictError(`${label(s)} already exists in namespace ${ns} and does not belong to instance ${spec.name}; nothing was created`);
    } else if (customerIdOf(obj.metadata?.labels) !== spec.customerId) {
      throw new ConflictError(`${label(s)} already exists in namespace ${ns} for customer ${customerIdOf(obj.metadata?.labels) ?? '<none>'}, not ${spec.customerId}; nothing was created`, {
        hint: `remove what is left with "kubectl odoo delete ${spec.name}", or create it with --customer ${customerIdOf(obj.metadata?.labels)}`,
      });
    }
    done.add(s);
  });
  return { done, keptVolume };
}

const MISSING = Symbol('missing');

/** The object, MISSING on 404, undefined when RBAC does not let us look (then the create will tell). */
async function lookup<T>(fn: () => Promise<T>): Promise<T | typeof MISSING | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isNotFound(e)) return MISSING;
    if (e instanceof ApiError && (e.status === 403 || e.status === 401)) return undefined;
    throw e;
  }
}

export async function createInstance(kube: KubeClient, opts: CreateInstanceOptions): Promise<CreateInstanceResult> {
  const { spec } = opts;
  const progress = opts.progress ?? (() => {});
  const steps = createSteps(spec);
  const { done: alreadyDone, keptVolume } = await preflight(kube, spec, steps, opts);
  const result: CreateInstanceResult = { objects: [], created: [], reused: [] };
  const createdByUs: { step: Step; uid?: string }[] = [];
  try {
    for (const step of steps) {
      if (opts.signal?.aborted) throw new CancelledError('interrupted');
      if (alreadyDone.has(step)) {
        result.reused.push(label(step));
        const obj = await kube.get<Stored<KubeObject & Read<V1PersistentVolumeClaim>>>(step.type, step.object.metadata.name, spec.namespace);
        result.objects.push(obj);
        if (keptVolume && step.type === RESOURCES.persistentvolumeclaims) {
          progress(`${label(step)}: reusing the volume kept from deleted instance ${spec.name} (${displayStorage(obj.spec?.resources?.requests?.storage)}, customer ${customerIdOf(obj.metadata?.labels)})`);
        } else {
          progress(`${label(step)} exists from an earlier run; reusing it`);
        }
        continue;
      }
      let obj: Stored<KubeObject>;
      try {
        obj = await kube.create<Stored<KubeObject>>(step.type, step.object, { namespace: spec.namespace, dryRun: opts.serverDryRun });
      } catch (e) {
        // A retried POST can find the object its own first attempt created; that one is ours.
        if (!isAlreadyExists(e)) throw e;
        const existing = await kube.get<Stored<KubeObject>>(step.type, step.object.metadata.name, spec.namespace);
        if (!belongsToInstance(existing, spec)) throw new ConflictError(`${label(step)} was created by someone else meanwhile; nothing of instance ${spec.name} was kept`, { cause: e });
        obj = existing;
      }
      if (!opts.serverDryRun) {
        createdByUs.push({ step, uid: obj?.metadata?.uid });
        result.created.push(label(step));
        progress(`${label(step)} created`);
      }
      result.objects.push(obj);
    }
    // The volume belongs to an instance again: a later delete marks it anew.
    if (keptVolume && !opts.serverDryRun) {
      const annotations = { [ANNOTATION_KEPT_AFTER_DELETE]: null, [ANNOTATION_KEPT_DATABASE]: null };
      await kube.patch(RESOURCES.persistentvolumeclaims, keptVolume.metadata.name, { metadata: { annotations } }, { namespace: spec.namespace, patchType: 'merge' });
    }
    return result;
  } catch (err) {
    if (opts.serverDryRun || createdByUs.length === 0) throw err;
    const left = await rollback(kube, spec.namespace, createdByUs, progress);
    const why = err instanceof Error ? err.message : String(err);
    if (left.length === 0) {
      throw new FailureError(`creating instance ${spec.name} failed: ${why}; the ${createdByUs.length} object(s) this run created were removed`, { cause: err });
    }
    const pvcLeft = left.some((l) => l.startsWith('PersistentVolumeClaim/'));
    throw new FailureError(`creating instance ${spec.name} failed: ${why}; could not remove ${left.join(', ')}`, {
      cause: err,
      hint: `run the same "kubectl odoo create ${spec.name} ..." again to finish it, or remove what is left with "kubectl odoo delete ${spec.name}${pvcLeft ? ' --delete-data' : ''}"`,
    });
  }
}

/**
 * Removes the objects a createInstance call created (by uid: only those very objects), newest first, for
 * callers that fill an instance after creating it and must undo it when that fails. Returns what could
 * not be removed.
 */
export async function removeCreatedInstance(kube: KubeClient, spec: InstanceSpec, result: CreateInstanceResult, progress: (line: string) => void = () => {}): Promise<string[]> {
  // result.objects follows the steps in order (created and reused alike).
  const created = createSteps(spec).flatMap((step, i) => (result.created.includes(label(step)) ? [{ step, uid: result.objects[i]?.metadata?.uid }] : []));
  return rollback(kube, spec.namespace, created, progress);
}

/** Deletes what this run created, newest first; returns what could not be deleted. */
async function rollback(kube: KubeClient, namespace: string, created: { step: Step; uid?: string }[], progress: (l: string) => void): Promise<string[]> {
  const left: string[] = [];
  for (const { step, uid } of [...created].reverse()) {
    try {
      // The uid precondition makes sure only the object this run created is deleted.
      await kube.deleteIfExists(step.type, step.object.metadata.name, { namespace, uid, propagationPolicy: 'Background' });
      progress(`${label(step)} removed`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) continue; // replaced by someone else since: not ours to delete
      left.push(label(step));
    }
  }
  return left;
}
