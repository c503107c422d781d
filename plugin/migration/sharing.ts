// Before a legacy directory is removed: is anything else on the cluster using it? On the shared CephFS
// tree one hostPath (/mnt/cephfs) is typically mounted by many workloads with different subPaths, so a
// directory counts as used when any workload shows it, a directory above it (which contains it) or one
// below it (part of it). PersistentVolumes backed by hostPath or local paths count too.
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES, type ResourceType } from '../../lib/kube/resources.js';
import { ApiError } from '../../lib/kube/errors.js';
import { hostDirectoryOf } from './plan.js';
import type { Read, V1CronJob, V1DaemonSet, V1Deployment, V1Job, V1PersistentVolume, V1Pod, V1PodSpec, V1ReplicaSet } from '../../lib/kube/models.js';
import type { V1ObjectMeta, V1StatefulSet } from '@kubernetes/client-node';

export type Overlap = 'the same directory' | 'a directory above it' | 'a directory inside it';

export function overlapOf(candidate: string, path: string): Overlap | undefined {
  if (candidate === path) return 'the same directory';
  if (candidate === '/' || path.startsWith(`${candidate}/`)) return 'a directory above it';
  if (candidate.startsWith(`${path}/`)) return 'a directory inside it';
  return undefined;
}

/**
 * The host directories a pod spec can reach through hostPath volumes: per mount the volume's path
 * joined with its subPath. A subPathExpr cannot be expanded here, so it counts as the whole volume.
 */
export function hostDirectoriesOfPodSpec(spec: Read<V1PodSpec> | undefined): string[] {
  const out = new Set<string>();
  const hostVolumes = new Map<string, string>();
  for (const v of spec?.volumes ?? []) if (v?.name && v.hostPath?.path) hostVolumes.set(v.name, v.hostPath.path);
  const mounted = new Set<string>();
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])]) {
    for (const m of c.volumeMounts ?? []) {
      const root = m.name === undefined ? undefined : hostVolumes.get(m.name);
      if (root === undefined || m.name === undefined) continue;
      mounted.add(m.name);
      out.add(m.subPathExpr ? hostDirectoryOf(root, undefined) : hostDirectoryOf(root, m.subPath || undefined));
    }
  }
  // A volume no container mounts yet is still a claim on the directory.
  for (const [name, root] of hostVolumes) if (!mounted.has(name)) out.add(hostDirectoryOf(root, undefined));
  return [...out];
}

export interface PathUser {
  /** kind namespace/name */
  what: string;
  hostDirectory: string;
  overlap: Overlap;
}

const finished = (job: Read<V1Job>) => (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

/** What every listed workload is read for, whatever its kind. */
interface Workload {
  metadata?: Read<V1ObjectMeta>;
}

interface Source<T extends Workload = Workload> {
  type: ResourceType;
  kind: string;
  podSpec(o: T): Read<V1PodSpec> | undefined;
  /** Objects that can no longer start a pod are skipped. */
  live?(o: T): boolean;
}

/** A source of one kind: the objects listed from `type` are of that kind (methods take them bivariantly). */
const source = <T extends Workload>(s: Source<T>): Source => s;

const SOURCES: Source[] = [
  source<Read<V1Pod>>({ type: RESOURCES.pods, kind: 'pod', podSpec: (o) => o.spec, live: (o) => o.status?.phase !== 'Succeeded' && o.status?.phase !== 'Failed' }),
  source<Read<V1Deployment>>({ type: RESOURCES.deployments, kind: 'deployment', podSpec: (o) => o.spec?.template?.spec }),
  // Old ReplicaSets of a Deployment keep its old template at 0 replicas: only those that run count.
  source<Read<V1ReplicaSet>>({ type: RESOURCES.replicasets, kind: 'replicaset', podSpec: (o) => o.spec?.template?.spec, live: (o) => (o.spec?.replicas ?? 1) > 0 }),
  source<Read<V1StatefulSet>>({ type: RESOURCES.statefulsets, kind: 'statefulset', podSpec: (o) => o.spec?.template?.spec }),
  source<Read<V1DaemonSet>>({ type: RESOURCES.daemonsets, kind: 'daemonset', podSpec: (o) => o.spec?.template?.spec }),
  source<Read<V1Job>>({ type: RESOURCES.jobs, kind: 'job', podSpec: (o) => o.spec?.template?.spec, live: (o) => !finished(o) }),
  source<Read<V1CronJob>>({ type: RESOURCES.cronjobs, kind: 'cronjob', podSpec: (o) => o.spec?.jobTemplate?.spec?.template?.spec }),
];

/**
 * Every workload in every namespace (and every PersistentVolume) that uses `path`, a directory above it
 * or one inside it. A list that fails for any reason but "this API does not exist" is an error: not
 * knowing is not the same as nobody using it.
 */
export async function findPathUsers(kube: KubeClient, path: string, ignore: (kind: string, o: Workload) => boolean = () => false): Promise<PathUser[]> {
  const users: PathUser[] = [];
  for (const s of SOURCES) {
    try {
      for await (const page of kube.listPages<Workload>(s.type, {})) {
        for (const o of page.items) {
          if ((s.live && !s.live(o)) || ignore(s.kind, o)) continue;
          for (const dir of hostDirectoriesOfPodSpec(s.podSpec(o))) {
            const overlap = overlapOf(dir, path);
            if (overlap) users.push({ what: `${s.kind} ${o.metadata?.namespace}/${o.metadata?.name}`, hostDirectory: dir, overlap });
          }
        }
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) continue;
      throw new Error(`cannot tell whether anything else uses ${path}: listing ${s.type.plural} failed (${(e as Error).message})`);
    }
  }
  try {
    for await (const page of kube.listPages<Read<V1PersistentVolume>>(RESOURCES.persistentvolumes, {})) {
      for (const pv of page.items) {
        const p = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
        if (!p) continue;
        const dir = hostDirectoryOf(p, undefined);
        const overlap = overlapOf(dir, path);
        const claim = pv.spec?.claimRef ? ` (claim ${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name})` : '';
        if (overlap) users.push({ what: `persistentvolume ${pv.metadata?.name}${claim}`, hostDirectory: dir, overlap });
      }
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw new Error(`cannot tell whether anything else uses ${path}: listing persistentvolumes failed (${(e as Error).message})`);
  }
  return users;
}

export function describeUsers(users: PathUser[], max = 5): string {
  const shown = users.slice(0, max).map((u) => `${u.what} (${u.hostDirectory}, ${u.overlap})`);
  return shown.join(', ') + (users.length > max ? ` and ${users.length - max} more` : '');
}
