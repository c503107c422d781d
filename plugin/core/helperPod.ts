// The one builder of the pods the plugin starts beside an instance: backup, restore, verify, list and
// prune Jobs, migration Jobs, the volume pod, the maintenance pod and the psql pod. Each schedules where
// the instance can and pulls what it pulls, so a tainted node, a node rule or a private registry that
// the instance copes with does not leave its helpers Pending or in ImagePullBackOff.
import type { V1Container, V1PodSecurityContext, V1PodSpec, V1Toleration, V1NodeAffinity, V1LocalObjectReference } from '@kubernetes/client-node';
import { asWritten, type Read } from '../../lib/kube/models.js';

/**
 * What a helper pod takes from the instance's pod template. Pod (anti-)affinity is not copied: it
 * would keep a helper away from the very node its RWO volume is attached to.
 */
export interface PodPlacement {
  tolerations?: V1Toleration[];
  nodeSelector?: Record<string, string>;
  nodeAffinity?: V1NodeAffinity;
  imagePullSecrets?: V1LocalObjectReference[];
  priorityClassName?: string;
  fsGroup?: number;
}

interface WithPodTemplate {
  spec?: { template?: { spec?: Read<V1PodSpec> } };
}

/** The placement and pull settings of a Deployment's (or any workload's) pod template. */
export function placementOf(workload: WithPodTemplate | undefined): PodPlacement {
  const spec: Read<V1PodSpec> = workload?.spec?.template?.spec ?? {};
  const out: PodPlacement = {};
  if (spec.tolerations?.length) out.tolerations = asWritten<V1Toleration[]>(spec.tolerations);
  if (spec.nodeSelector && Object.keys(spec.nodeSelector).length) out.nodeSelector = spec.nodeSelector;
  if (spec.affinity?.nodeAffinity) out.nodeAffinity = asWritten<V1NodeAffinity>(spec.affinity.nodeAffinity);
  if (spec.imagePullSecrets?.length) out.imagePullSecrets = asWritten<V1LocalObjectReference[]>(spec.imagePullSecrets);
  if (spec.priorityClassName) out.priorityClassName = spec.priorityClassName;
  if (spec.securityContext?.fsGroup !== undefined) out.fsGroup = spec.securityContext.fsGroup;
  return out;
}

/**
 * The image a helper runs: the one configured for helpers (config file or --image) when there is one,
 * else the instance's own image (which has the tools Odoo's data needs: tar, psql, python).
 */
export function helperImage(configured: string | undefined, instanceImage: string | undefined): string {
  return configured || instanceImage || '';
}

export interface HelperPodInput {
  container: V1Container;
  volumes?: V1PodSpec['volumes'];
  placement?: PodPlacement;
  /** The pod's own security context; the instance's fsGroup is added unless it sets one. */
  securityContext?: V1PodSecurityContext;
  /** Pins the pod to this node: where the instance's RWO volume is attached (a node its rules allow). */
  nodeName?: string;
  activeDeadlineSeconds?: number;
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
}

/** The pod spec of a helper: restartPolicy Never, the instance's placement, pinned when asked. */
export function helperPodSpec(p: HelperPodInput): V1PodSpec {
  const pl = p.placement ?? {};
  const spec: V1PodSpec = { restartPolicy: 'Never', containers: [p.container] };
  if (p.activeDeadlineSeconds !== undefined) spec.activeDeadlineSeconds = p.activeDeadlineSeconds;
  if (p.terminationGracePeriodSeconds !== undefined) spec.terminationGracePeriodSeconds = p.terminationGracePeriodSeconds;
  if (p.serviceAccountName) spec.serviceAccountName = p.serviceAccountName;
  const securityContext = { ...(p.securityContext ?? {}) };
  if (pl.fsGroup !== undefined && securityContext.fsGroup === undefined) securityContext.fsGroup = pl.fsGroup;
  if (Object.keys(securityContext).length) spec.securityContext = securityContext;
  if (pl.tolerations) spec.tolerations = pl.tolerations;
  if (pl.nodeSelector) spec.nodeSelector = pl.nodeSelector;
  if (pl.imagePullSecrets) spec.imagePullSecrets = pl.imagePullSecrets;
  if (pl.priorityClassName) spec.priorityClassName = pl.priorityClassName;
  if (p.nodeName) {
    spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [p.nodeName] }] }],
        },
      },
    };
  } else if (pl.nodeAffinity) {
    spec.affinity = { nodeAffinity: pl.nodeAffinity };
  }
  if (p.volumes?.length) spec.volumes = p.volumes;
  return spec;
}
