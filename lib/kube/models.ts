// Kubernetes objects as the plugin and the agent read them: client-node's model types, with every field
// optional. What comes back from the API server may lack any field a model marks required (a dry-run
// object before defaulting, an old server, a partial fixture), so code that reads objects takes them
// as `Read<T>` and guards each field; objects we build are written as the full model.
export type {
  CoreV1Event,
  RbacV1Subject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Container,
  V1ContainerStatus,
  V1CronJob,
  V1CronJobSpec,
  V1DaemonSet,
  V1DeleteOptions,
  V1Deployment,
  V1EnvVar,
  V1Ingress,
  V1Job,
  V1JobTemplateSpec,
  V1LabelSelector,
  V1JobSpec,
  V1Lease,
  V1Namespace,
  V1ObjectMeta,
  V1Node,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodCondition,
  V1PolicyRule,
  V1PodSpec,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1Status,
  V1StorageClass,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';

/**
 * An object as read from the API server: every field, at every depth, may be missing, and times are the
 * RFC 3339 strings of the JSON (client-node's models type them as Date, which its own deserializer makes).
 */
export type Read<T> = T extends (infer U)[]
  ? Read<U>[]
  : T extends Date
    ? string
    : T extends object
      ? string extends keyof T
        ? { [K in keyof T]: Read<T[K]> } // a map (labels, data): its values are there when its keys are
        : { [K in keyof T]?: Read<T[K]> }
      : T;

/** Any API object, by what every kind has: its kind and metadata. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Read<import('@kubernetes/client-node').V1ObjectMeta>;
}

/**
 * An object we write, as its JSON: the model as it is (required fields required), with its times as the
 * RFC 3339 or MicroTime strings the API server takes (client-node's models type them as Date).
 */
export type Json<T> = T extends (infer U)[]
  ? Json<U>[]
  : T extends Date
    ? string
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/** A Rook CephCluster (ceph.rook.io/v1), as far as the plugin reads one: its Ceph image and fsid. */
export interface CephCluster {
  apiVersion?: string;
  kind?: string;
  metadata?: Read<import('@kubernetes/client-node').V1ObjectMeta>;
  spec?: { cephVersion?: { image?: string } };
  status?: { ceph?: { fsid?: string } };
}

/** A Traefik IngressRoute (traefik.io/v1alpha1), as far as the plugin reads one: its routes and TLS. */
export interface IngressRoute {
  apiVersion?: string;
  kind?: string;
  metadata?: Read<import('@kubernetes/client-node').V1ObjectMeta>;
  spec?: {
    entryPoints?: string[];
    routes?: { match?: string; kind?: string; services?: { name?: string; port?: number | string }[] }[];
    tls?: Record<string, unknown>;
  };
}

/**
 * An object the API server stores, as `get` and `list` return it: whatever else it lacks, it has a name
 * (and, when namespaced, a namespace).
 */
export type Stored<T> = Read<T> & { metadata: Read<import('@kubernetes/client-node').V1ObjectMeta> & { name: string } };

/**
 * A part of an object read from the API server, copied into an object we write (a helper pod takes the
 * instance's tolerations, env, volumes): the server accepted it, so it is the full model it was written as.
 */
export function asWritten<T>(part: Read<T>): T {
  return part as unknown as T;
}
