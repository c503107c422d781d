// Fencing for Odoo (kubectl odoo maintenance on|off). "on" records the maintenance on the Deployment
// (an annotation: when, by whom, the replicas to give back, the pod), scales the web workload to 0 and
// starts a maintenance pod from the instance's image with its volumes and database environment and a
// command that waits. The annotation, not a running plugin, keeps the instance fenced: `start` refuses
// while it is there, status and list show "maintenance". The instance lock (the Lease) is held only while
// "on" and "off" change the instance, so backups (their Job mounts the volume next to the maintenance
// pod) and config set (through a short-lived pod) work during a maintenance, and "off" waits for them.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { helperImage, helperPodSpec, placementOf } from '../core/helperPod.js';
import { isAlreadyExists } from '../../lib/kube/errors.js';
import { ConflictError, TimeoutError } from '../../lib/errors.js';
import type { BackupDeps } from '../backups/deps.js';
import { scaleAndWait } from '../backups/deps.js';
import { acquireInstanceLock } from '../backups/lock.js';
import { ANNOTATION_MAINTENANCE, LABEL_K8S_COMPONENT, LABEL_K8S_INSTANCE, LABEL_K8S_MANAGED_BY, MANAGED_BY_PLUGIN } from '../instances/labels.js';
import { maintenanceRecordOf, type MaintenanceRecord } from '../instances/status.js';
import { findInstanceDeployment, type InstanceObjects } from '../instances/resolve.js';
import { waitForPodRunning } from '../storage/volumePod.js';
import { admitHelperPod } from '../../lib/kube/podSecurity.js';
import { asWritten, type Read, type V1Container, type V1Pod, type V1PodSpec } from '../../lib/kube/models.js';

export const MAINTENANCE_COMPONENT = 'maintenance';

/** Waits until told to stop, and stops at once on SIGTERM (PID 1 ignores signals it has no handler for). */
export const WAITING_COMMAND = ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

export function maintenancePodName(instance: string): string {
  return `${instance.slice(0, 63 - '-maintenance'.length)}-maintenance`.replace(/-+$/, '');
}

/**
 * The maintenance pod (pure): the Odoo container as the Deployment defines it (image, env and envFrom
 * with their Secret references, volume mounts, security context), without probes or ports, waiting.
 * Its labels are not the Deployment's selector, so no ReplicaSet adopts it.
 */
export function buildMaintenancePod(inst: InstanceObjects): V1Pod & { metadata: { name: string }; spec: V1PodSpec } {
  const tmpl: Read<V1PodSpec> = inst.deployment.spec?.template?.spec ?? {};
  const c: Read<V1Container> = (tmpl.containers ?? []).find((x) => x.name === inst.facts.container) ?? {};
  // The Deployment's own parts, which the API server accepted, go into the pod as they are.
  const as = <K extends keyof V1Container>(k: K) => asWritten<V1Container[K]>(c[k] as Read<V1Container[K]>);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: maintenancePodName(inst.name),
      namespace: inst.namespace,
      labels: { [LABEL_K8S_MANAGED_BY]: MANAGED_BY_PLUGIN, [LABEL_K8S_COMPONENT]: MAINTENANCE_COMPONENT, [LABEL_K8S_INSTANCE]: inst.name.slice(0, 63) },
    },
    spec: helperPodSpec({
      container: {
        name: c.name ?? 'odoo',
        image: helperImage(undefined, c.image),
        command: WAITING_COMMAND,
        env: as('env'),
        envFrom: as('envFrom'),
        workingDir: c.workingDir,
        volumeMounts: as('volumeMounts'),
        securityContext: as('securityContext'),
        resources: as('resources'),
      },
      volumes: asWritten<V1PodSpec['volumes']>(tmpl.volumes),
      securityContext: asWritten<V1PodSpec['securityContext']>(tmpl.securityContext),
      serviceAccountName: tmpl.serviceAccountName,
      placement: placementOf(inst.deployment),
      terminationGracePeriodSeconds: 5,
    }),
  };
}

export interface MaintenanceResult {
  instance: string;
  changed: boolean;
  pod: string;
  replicas: number;
}

async function startPod(deps: BackupDeps, inst: InstanceObjects): Promise<string> {
  const pod = buildMaintenancePod(inst);
  try {
    await admitHelperPod(deps.kube, inst.namespace, pod.spec, `the maintenance pod of ${inst.name}`);
    await deps.kube.create(RESOURCES.pods, pod, { namespace: inst.namespace });
    deps.progress(`started maintenance pod ${pod.metadata.name}`);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  await waitForPodRunning({ ...deps, timeoutMs: deps.instanceTimeoutMs }, inst.namespace, pod.metadata.name);
  return pod.metadata.name;
}

export async function maintenanceOn(deps: BackupDeps, inst: InstanceObjects): Promise<MaintenanceResult> {
  const ref = { namespace: inst.namespace, name: inst.name, podSelector: inst.facts.podSelector };
  const existing = maintenanceRecordOf(inst.deployment);
  if (existing) {
    // Already on: make sure its pod is there (it may have been deleted by hand).
    const pod = await startPod(deps, inst);
    return { instance: inst.name, changed: false, pod, replicas: existing.replicas ?? 1 };
  }
  const replicas = inst.deployment.spec?.replicas ?? 1;
  const lock = await acquireInstanceLock(deps.kube, { namespace: inst.namespace, instance: inst.name, operation: 'maintenance', holder: deps.holder, clock: deps.clock, replicas, phase: 'stopping' });
  try {
    const record: MaintenanceRecord = { since: deps.clock.now().toISOString(), by: deps.holder, replicas, pod: maintenancePodName(inst.name) };
    // Recorded first: from now on start refuses, and "off" knows the replicas to give back.
    await deps.kube.patch(RESOURCES.deployments, inst.name, { metadata: { annotations: { [ANNOTATION_MAINTENANCE]: JSON.stringify(record) } } }, { namespace: inst.namespace });
    if (replicas > 0) {
      deps.progress(`stopping ${inst.name}`);
      await scaleAndWait(deps, ref, 0);
    }
    await lock.update({ phase: 'maintenance-pod' });
    const pod = await startPod(deps, inst);
    return { instance: inst.name, changed: true, pod, replicas };
  } finally {
    await lock.release();
  }
}

async function waitForPodGone(deps: BackupDeps, namespace: string, name: string): Promise<void> {
  const deadline = deps.clock.now().getTime() + deps.instanceTimeoutMs;
  while (await deps.kube.getOptional(RESOURCES.pods, name, namespace)) {
    if (deps.clock.now().getTime() > deadline) throw new TimeoutError(`maintenance pod ${name} did not go away`);
    await deps.clock.sleep(300, deps.signal);
    if (deps.signal?.aborted) throw new ConflictError(`interrupted while pod ${name} was being removed; run "kubectl odoo maintenance off" again`);
  }
}

export async function maintenanceOff(deps: BackupDeps, inst: InstanceObjects): Promise<MaintenanceResult> {
  const record = maintenanceRecordOf(inst.deployment);
  const pod = record?.pod ?? maintenancePodName(inst.name);
  if (!record) return { instance: inst.name, changed: false, pod, replicas: inst.deployment.spec?.replicas ?? 1 };
  const replicas = record.replicas ?? 1;
  const lock = await acquireInstanceLock(deps.kube, { namespace: inst.namespace, instance: inst.name, operation: 'maintenance', holder: deps.holder, clock: deps.clock, replicas, phase: 'ending' });
  try {
    deps.progress(`removing maintenance pod ${pod}`);
    await deps.kube.deleteIfExists(RESOURCES.pods, pod, { namespace: inst.namespace });
    await waitForPodGone(deps, inst.namespace, pod);
    await deps.kube.patch(RESOURCES.deployments, inst.name, { metadata: { annotations: { [ANNOTATION_MAINTENANCE]: null } } }, { namespace: inst.namespace });
    if (replicas > 0) {
      await lock.update({ phase: 'starting' });
      deps.progress(`starting ${inst.name} (${replicas} ${replicas === 1 ? 'replica' : 'replicas'})`);
      await scaleAndWait(deps, { namespace: inst.namespace, name: inst.name, podSelector: inst.facts.podSelector }, replicas);
    }
    return { instance: inst.name, changed: true, pod, replicas };
  } finally {
    await lock.release();
  }
}

/** start (and restart) refuse while an instance is in maintenance: its web workload must stay down. */
export async function refuseInMaintenance(kube: KubeClient, namespace: string, name: string): Promise<void> {
  const dep = await findInstanceDeployment(kube, namespace, name);
  const record = maintenanceRecordOf(dep);
  if (!record) return;
  throw new ConflictError(`instance ${dep.metadata.name} is in maintenance${record.by ? ` (by ${record.by}${record.since ? ` since ${record.since}` : ''})` : ''}`, {
    hint: `end it with "kubectl odoo maintenance off ${dep.metadata.name}": that removes the maintenance pod and starts the instance again`,
  });
}
