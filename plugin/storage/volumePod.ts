// A short-lived pod that mounts an instance's data volume where the instance mounts it, for the work
// that needs the files while the instance is stopped (editing odoo.conf, measuring usage). It runs the
// instance's own image with the instance's security context, so files keep the owner Odoo expects.
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { helperImage, helperPodSpec, placementOf } from '../core/helperPod.js';
import { FailureError, TimeoutError } from '../../lib/errors.js';
import type { Clock } from '../cli/context.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { LABEL_K8S_COMPONENT, LABEL_K8S_INSTANCE, LABEL_K8S_MANAGED_BY, MANAGED_BY_PLUGIN } from '../instances/labels.js';
import type { PodTarget } from '../odooconf/remoteFile.js';
import { admitHelperPod } from '../../lib/kube/podSecurity.js';
import { asWritten, type Read, type V1Container, type V1ContainerStatus, type V1Pod, type V1PodCondition, type V1PodSpec, type V1Volume, type V1VolumeMount } from '../../lib/kube/models.js';

export const VOLUME_POD_COMPONENT = 'volume-access';
/** A forgotten helper pod ends itself. */
const LIFETIME_SECONDS = 900;
const CONTAINER = 'files';

/**
 * The data volume as the Deployment defines it, under the name the helper pod uses, and the mount that
 * shows the same directory: with the instance's subPath, so a legacy instance on the shared tree
 * (hostPath /mnt/cephfs, subPath odoo_instances/odoo_data_...) sees only its own directory.
 */
export function dataVolumeOf(inst: InstanceObjects): { volume: V1Volume; mount: V1VolumeMount } {
  const spec: Read<V1PodSpec> = inst.deployment?.spec?.template?.spec ?? {};
  const container = (spec.containers ?? []).find((c) => c.name === inst.facts.container);
  const mount = (container?.volumeMounts ?? []).find((m) => m.mountPath === inst.facts.dataMountPath);
  const volume = mount && (spec.volumes ?? []).find((v) => v.name === mount.name);
  const at = { name: 'data', mountPath: inst.facts.dataMountPath };
  if (volume && mount) {
    const sub = mount.subPath ? { subPath: mount.subPath } : mount.subPathExpr ? { subPathExpr: mount.subPathExpr } : {};
    // The Deployment's volume as it was read: what the API server accepted for the instance.
    return { volume: { ...(volume as V1Volume), name: 'data' }, mount: { ...at, ...sub } };
  }
  if (inst.pvcName) return { volume: { name: 'data', persistentVolumeClaim: { claimName: inst.pvcName } }, mount: at };
  throw new FailureError(`instance ${inst.name} has no data volume mounted at ${inst.facts.dataMountPath}`);
}

export function buildVolumePod(inst: InstanceObjects, suffix: string): V1Pod & { metadata: { name: string } } {
  const tmpl = inst.deployment.spec?.template?.spec;
  const container: Read<V1Container> = (tmpl?.containers ?? []).find((c) => c.name === inst.facts.container) ?? {};
  const name = `${inst.name.slice(0, 63 - 7)}-f${suffix}`.replace(/[^a-z0-9-]/g, '-');
  const data = dataVolumeOf(inst);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: inst.namespace,
      labels: { [LABEL_K8S_MANAGED_BY]: MANAGED_BY_PLUGIN, [LABEL_K8S_COMPONENT]: VOLUME_POD_COMPONENT, [LABEL_K8S_INSTANCE]: inst.name },
    },
    spec: helperPodSpec({
      container: {
        name: CONTAINER,
        image: helperImage(undefined, inst.facts.image ?? container.image),
        command: ['sleep', String(LIFETIME_SECONDS)],
        securityContext: asWritten<V1Container['securityContext']>(container.securityContext),
        // subPathExpr expands from the container's environment: give the helper the same.
        ...(data.mount.subPathExpr && container.env ? { env: asWritten<V1Container['env']>(container.env) } : {}),
        volumeMounts: [data.mount],
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
      },
      volumes: [data.volume],
      securityContext: asWritten<V1PodSpec['securityContext']>(tmpl?.securityContext),
      placement: placementOf(inst.deployment),
      activeDeadlineSeconds: LIFETIME_SECONDS,
      terminationGracePeriodSeconds: 1,
    }),
  };
}

/** A running pod of the instance whose Odoo container runs, if any (ready ones first). */
export function runningInstancePod(inst: InstanceObjects): PodTarget | undefined {
  const alive = inst.pods.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.phase === 'Running' &&
      (p.status?.containerStatuses ?? []).some((c: Read<V1ContainerStatus>) => c.name === inst.facts.container && c.state?.running),
  );
  const ready = alive.find((p) => (p.status?.conditions ?? []).some((c: Read<V1PodCondition>) => c.type === 'Ready' && c.status === 'True'));
  const pod = ready ?? alive[0];
  return pod ? { namespace: inst.namespace, pod: pod.metadata.name, container: inst.facts.container } : undefined;
}

export interface VolumeAccessDeps {
  kube: KubeClient;
  clock: Clock;
  signal?: AbortSignal;
  progress: (m: string) => void;
  timeoutMs?: number;
}

/**
 * Runs `fn` against the instance's files: in its running pod, else in a short-lived pod that mounts the
 * data volume (deleted afterwards, whatever happens).
 */
export async function withInstanceFiles<T>(deps: VolumeAccessDeps, inst: InstanceObjects, fn: (t: PodTarget, viaHelper: boolean) => Promise<T>): Promise<T> {
  const running = runningInstancePod(inst);
  if (running) return fn(running, false);
  const pod = buildVolumePod(inst, randomBytes(3).toString('hex'));
  deps.progress(`instance ${inst.name} is not running: starting pod ${pod.metadata.name} that mounts its volume`);
  await admitHelperPod(deps.kube, inst.namespace, pod.spec, `the volume pod of ${inst.name}`);
  await deps.kube.create(RESOURCES.pods, pod, { namespace: inst.namespace });
  try {
    await waitForPodRunning(deps, inst.namespace, pod.metadata.name);
    return await fn({ namespace: inst.namespace, pod: pod.metadata.name, container: CONTAINER }, true);
  } finally {
    await deps.kube.deleteIfExists(RESOURCES.pods, pod.metadata.name, { namespace: inst.namespace }).catch(() => undefined);
  }
}

export async function waitForPodRunning(deps: VolumeAccessDeps, namespace: string, name: string): Promise<void> {
  const deadline = deps.clock.now().getTime() + (deps.timeoutMs ?? 120_000);
  let last: Read<V1Pod>;
  for (;;) {
    last = await deps.kube.get<Read<V1Pod>>(RESOURCES.pods, name, namespace);
    const phase = last.status?.phase;
    if (phase === 'Running' && (last.status?.containerStatuses ?? []).every((c) => c.state?.running)) return;
    if (phase === 'Failed' || phase === 'Succeeded') throw new FailureError(`pod ${name} ended (${phase}) before it could be used: ${podProblem(last)}`);
    if (deps.signal?.aborted) throw new FailureError('interrupted');
    if (deps.clock.now().getTime() > deadline) throw new TimeoutError(`pod ${name} did not start: ${podProblem(last)}`);
    await deps.clock.sleep(300, deps.signal);
  }
}

export function podProblem(pod: Read<V1Pod> | undefined): string {
  const waiting = (pod?.status?.containerStatuses ?? []).map((c) => c.state?.waiting ?? c.state?.terminated).find(Boolean);
  if (waiting?.reason) return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  const cond = (pod?.status?.conditions ?? []).find((c) => c.status === 'False' && c.message);
  if (cond) return `${cond.reason ?? cond.type}: ${cond.message}`;
  return pod?.status?.message ?? `phase ${pod?.status?.phase ?? 'Pending'}`;
}
