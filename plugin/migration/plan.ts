// The objects of a storage migration: the instance PVC the seeds define (`odoo-instance-<id>`, the
// configured class, ReadWriteOnce, sized from the plan), the Jobs that copy and verify (legacy directory
// read-only at /legacy, the PVC at /target), and the Deployment with its data volume switched.
import { posix } from 'node:path';
import { UsageError } from '../../lib/errors.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { parseStorageSize } from '../instances/quantity.js';
import { formatBytes } from '../../lib/bytes.js';
import { LABEL_APP, APP_ODOO_PVC, LABEL_MANAGED_BY, MANAGED_BY_SAASODOO, LABEL_K8S_MANAGED_BY, MANAGED_BY_PLUGIN, LABEL_K8S_COMPONENT, LABEL_K8S_INSTANCE, LABEL_SAAS_INSTANCE_ID } from '../instances/labels.js';
import { VERIFY_TREES_SCRIPT } from './verify.js';
import copySh from './sh/copy.sh';
import { helperImage, helperPodSpec, placementOf } from '../core/helperPod.js';

/** The image of a migration Job when the instance names none: it needs only sh, find, cp (rsync if present). */
const MIGRATION_FALLBACK_IMAGE = 'debian:bookworm-slim';
import { JOB_POD_LABEL } from '../../lib/kube/jobs.js';
import type { Read, V1Container, V1Deployment, V1EnvVar, V1Job, V1PersistentVolumeClaim, V1PodSpec, V1Volume, V1VolumeMount } from '../../lib/kube/models.js';

/** On the PVC: the legacy directory it was copied from. On the Deployment after the switch: the same. */
export const ANNOTATION_MIGRATED_FROM = 'kubectl-odoo.io/migrated-from';
export const MIGRATION_COMPONENT = 'storage-migration';
export const SOURCE_MOUNT = '/legacy';
export const TARGET_MOUNT = '/target';
/** Headroom over the data already there when the plan size is too small for it. */
const HEADROOM = 1.25;

export interface LegacyInstance {
  name: string;
  namespace: string;
  instanceId: string;
  /** The instance's own directory: the volume's hostPath joined with the data mount's subPath. */
  legacyPath: string;
  /** The Deployment's hostPath volume as written (often the whole shared tree, e.g. /mnt/cephfs). */
  hostPath: string;
  /** The data mount's subPath inside that volume, if any. */
  subPath?: string;
  /** The Deployment's volume that is the hostPath (it keeps its name when switched, unless shared). */
  volumeName: string;
  image?: string;
  replicas: number;
  pvcName: string;
  /** Why this instance cannot be migrated as it is (its data directory cannot be told apart safely). */
  problem?: string;
}

const stripSlashes = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** The host directory a mount of a hostPath volume shows: the volume's path joined with the subPath. */
export function hostDirectoryOf(hostPath: string, subPath: string | undefined): string {
  return stripSlashes(posix.normalize(subPath ? posix.join(hostPath, subPath) : hostPath));
}

/** The legacy facts of an instance whose data volume is a hostPath; undefined for PVC-backed ones. */
export function legacyInstanceOf(inst: InstanceObjects): LegacyInstance | undefined {
  const spec: Read<V1PodSpec> = inst.deployment?.spec?.template?.spec ?? {};
  const container = (spec.containers ?? []).find((c) => c.name === inst.facts.container);
  const mount = (container?.volumeMounts ?? []).find((m) => m.mountPath === inst.facts.dataMountPath);
  const volume = mount && (spec.volumes ?? []).find((v) => v.name === mount.name);
  if (!mount || !volume?.name || !volume.hostPath?.path) return undefined;
  const instanceId = inst.facts.instanceId ?? inst.name;
  const hostPath = stripSlashes(posix.normalize(volume.hostPath.path));
  let problem: string | undefined;
  let legacyPath: string;
  if (mount.subPathExpr) {
    // $(VAR) expands per pod from its environment: the directory cannot be known here for certain.
    legacyPath = `${hostPath}/${mount.subPathExpr}`;
    problem = `its data mount uses subPathExpr "${mount.subPathExpr}", which only the kubelet can expand; set the directory as subPath in the Deployment first`;
  } else if (mount.subPath && (posix.isAbsolute(mount.subPath) || posix.normalize(mount.subPath).split('/').includes('..'))) {
    legacyPath = `${hostPath}/${mount.subPath}`;
    problem = `its data mount's subPath "${mount.subPath}" is not a path inside the volume`;
  } else {
    legacyPath = hostDirectoryOf(hostPath, mount.subPath || undefined);
    problem = instanceDirectoryProblem(legacyPath, inst.facts.instanceId);
  }
  return {
    name: inst.name,
    namespace: inst.namespace,
    instanceId,
    legacyPath,
    hostPath,
    ...(mount.subPath ? { subPath: mount.subPath } : {}),
    volumeName: volume.name,
    image: inst.facts.image,
    replicas: inst.deployment?.spec?.replicas ?? 1,
    pvcName: `odoo-instance-${instanceId}`,
    ...(problem ? { problem } : {}),
  };
}

/** The platform names each instance's directory odoo_data_<database>_<first 8 hex digits of the instance id>. */
const INSTANCE_DIR_RE = /^odoo_data_.+_([0-9a-f]{8})$/;

/**
 * Why `path` is not one instance's own data directory, or undefined when it is. Everything that copies
 * from, measures or removes a legacy directory goes through this, so a shared root (/mnt/cephfs,
 * /mnt/cephfs/odoo_instances, odoo_backups) is never taken for an instance's data.
 */
export function instanceDirectoryProblem(path: string, instanceId?: string): string | undefined {
  const clean = stripSlashes(posix.normalize(path));
  if (!posix.isAbsolute(path) || path.split('/').includes('..')) return `"${path}" is not an absolute path`;
  const base = posix.basename(clean);
  const parent = posix.dirname(clean);
  const m = INSTANCE_DIR_RE.exec(base);
  if (!m || parent === '/' || parent === clean) {
    return `"${clean}" is not an instance's own data directory (expected .../odoo_data_<db>_<id8>); it may hold other instances' data`;
  }
  const hex = instanceId?.replace(/-/g, '').toLowerCase();
  if (hex && /^[0-9a-f]{8,}$/.test(hex) && m[1] !== hex.slice(0, 8)) {
    return `"${clean}" belongs to another instance (its id starts with ${m[1]}, this instance's with ${hex.slice(0, 8)})`;
  }
  return undefined;
}

/** The PVC size: the plan's (or --size), grown to hold what is there with headroom when no size was forced. */
export function chooseSize(usedBytes: number | undefined, planSize: string, forced: boolean): { size: string; note?: string } {
  const plan = parseStorageSize(planSize, forced ? '--size' : 'storage size');
  if (usedBytes === undefined || usedBytes * HEADROOM <= plan.value) return { size: plan.text };
  if (forced) {
    throw new UsageError(`--size ${planSize} is too small: the legacy directory holds ${formatBytes(usedBytes)} (leave at least 25% free)`);
  }
  const gi = Math.ceil((usedBytes * HEADROOM) / 2 ** 30);
  return { size: `${gi}Gi`, note: `the plan size ${plan.text} is too small for ${formatBytes(usedBytes)} of data: using ${gi}Gi` };
}

function ownerLabels(legacy: LegacyInstance): Record<string, string> {
  return {
    [LABEL_K8S_MANAGED_BY]: MANAGED_BY_PLUGIN,
    [LABEL_K8S_COMPONENT]: MIGRATION_COMPONENT,
    [LABEL_K8S_INSTANCE]: legacy.name,
  };
}

export function buildTargetPvc(legacy: LegacyInstance, size: string, storageClass: string): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: legacy.pvcName,
      namespace: legacy.namespace,
      // The platform's PVC labels (migration plan) plus the instance id, so either side finds it.
      labels: { [LABEL_APP]: APP_ODOO_PVC, [LABEL_MANAGED_BY]: MANAGED_BY_SAASODOO, [LABEL_SAAS_INSTANCE_ID]: legacy.instanceId, [LABEL_K8S_MANAGED_BY]: MANAGED_BY_PLUGIN },
      annotations: { [ANNOTATION_MIGRATED_FROM]: legacy.legacyPath },
    },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, resources: { requests: { storage: size } } },
  };
}

/** Mirrors the legacy directory into the PVC (sh/copy.sh). */
export const COPY_SCRIPT = copySh;
/** The mount paths, as the copy and verify scripts read them. */
const TREE_ENV = [
  { name: 'SOURCE_DIR', value: SOURCE_MOUNT },
  { name: 'TARGET_DIR', value: TARGET_MOUNT },
];

export type JobKind = 'copy' | 'verify' | 'measure' | 'drop';

interface JobSpecInput {
  legacy: LegacyInstance;
  kind: JobKind;
  suffix: string;
  command: string[];
  env?: V1EnvVar[];
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
  deadlineSeconds: number;
  /** The instance's pod template, for placement and image pull secrets. */
  template?: PodTemplate;
}

/** The instance's pod spec, as placementOf reads it. */
export type PodTemplate = Read<V1PodSpec>;

function buildJob(j: JobSpecInput): V1Job {
  const name = `${j.legacy.name.slice(0, 40)}-${j.kind}-${j.suffix}`.replace(/-+/g, '-');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: j.legacy.namespace, labels: ownerLabels(j.legacy) },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: j.deadlineSeconds,
      template: {
        metadata: { labels: { ...ownerLabels(j.legacy), [JOB_POD_LABEL]: name } },
        spec: helperPodSpec({
          container: {
            name: j.kind,
            image: helperImage(undefined, j.legacy.image) || MIGRATION_FALLBACK_IMAGE,
            command: j.command,
            ...(j.env ? { env: j.env } : {}),
            // Root keeps every owner and mode exactly as they are.
            securityContext: { runAsUser: 0, runAsGroup: 0 },
            volumeMounts: j.mounts,
          },
          volumes: j.volumes,
          placement: placementOf({ spec: { template: { spec: j.template ?? {} } } }),
        }),
      },
    },
  };
}

/** The instance's own directory, never the tree around it (checked again here, whoever built `legacy`). */
function sourceVolume(legacy: LegacyInstance): V1Volume {
  splitLegacyPath(legacy.legacyPath, legacy.instanceId);
  return { name: 'legacy', hostPath: { path: legacy.legacyPath, type: 'Directory' } };
}
const targetVolume = (legacy: LegacyInstance): V1Volume => ({ name: 'target', persistentVolumeClaim: { claimName: legacy.pvcName } });

export function buildCopyJob(legacy: LegacyInstance, suffix: string, deadlineSeconds: number, template?: PodTemplate): V1Job {
  return buildJob({
    legacy,
    kind: 'copy',
    suffix,
    deadlineSeconds,
    template,
    command: ['sh', '-c', COPY_SCRIPT],
    env: TREE_ENV,
    volumes: [sourceVolume(legacy), targetVolume(legacy)],
    mounts: [
      { name: 'legacy', mountPath: SOURCE_MOUNT, readOnly: true },
      { name: 'target', mountPath: TARGET_MOUNT },
    ],
  });
}

export function buildVerifyJob(legacy: LegacyInstance, suffix: string, deadlineSeconds: number, template?: PodTemplate): V1Job {
  return buildJob({
    legacy,
    kind: 'verify',
    suffix,
    deadlineSeconds,
    template,
    command: ['sh', '-c', VERIFY_TREES_SCRIPT],
    env: TREE_ENV,
    volumes: [sourceVolume(legacy), targetVolume(legacy)],
    mounts: [
      { name: 'legacy', mountPath: SOURCE_MOUNT, readOnly: true },
      { name: 'target', mountPath: TARGET_MOUNT, readOnly: true },
    ],
  });
}

/**
 * Sizes of legacy directories that share a parent: `du -sk` over their names (argv, no shell), with the
 * parent mounted read-only. Output lines are "<KiB>\t/legacy/<name>".
 */
export function buildMeasureJob(legacy: LegacyInstance, parent: string, names: string[], suffix: string, template?: PodTemplate): V1Job {
  for (const n of names) splitLegacyPath(posix.join(parent, n));
  return buildJob({
    legacy,
    kind: 'measure',
    suffix,
    deadlineSeconds: 3600,
    template,
    command: ['du', '-sk', '--', ...names.map((n) => `${SOURCE_MOUNT}/${n}`)],
    volumes: [{ name: 'legacy', hostPath: { path: parent, type: 'Directory' } }],
    mounts: [{ name: 'legacy', mountPath: SOURCE_MOUNT, readOnly: true }],
  });
}

export function buildDropJob(legacy: LegacyInstance, suffix: string, template?: PodTemplate): V1Job {
  const { parent, base } = splitLegacyPath(legacy.legacyPath, legacy.instanceId);
  return buildJob({
    legacy,
    kind: 'drop',
    suffix,
    deadlineSeconds: 3600,
    template,
    command: ['rm', '-rf', '--', `${SOURCE_MOUNT}/${base}`],
    volumes: [{ name: 'legacy', hostPath: { path: parent, type: 'Directory' } }],
    mounts: [{ name: 'legacy', mountPath: SOURCE_MOUNT }],
  });
}

/** The parent directory and name of an instance's own data directory; refuses anything else. */
export function splitLegacyPath(path: string, instanceId?: string): { parent: string; base: string } {
  const problem = instanceDirectoryProblem(path, instanceId);
  if (problem) throw new UsageError(`refusing to work on legacy path ${problem}`);
  const clean = stripSlashes(posix.normalize(path));
  return { parent: posix.dirname(clean), base: posix.basename(clean) };
}

/** `du -sk` lines into bytes per legacy directory name. */
export function parseDuSizes(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const r = /^(\d+)\s+(.+)$/.exec(line.trim());
    if (r) m.set(posix.basename(r[2]), Number(r[1]) * 1024);
  }
  return m;
}

/** On the Deployment after the switch: where the data came from, as JSON ({@link MigrationRecord}). */
export const ANNOTATION_MIGRATION = 'kubectl-odoo.io/migration';

/** What --drop-legacy later recomputes the legacy directory from. */
export interface MigrationRecord {
  hostPath: string;
  subPath?: string;
  legacyPath: string;
  pvc: string;
}

export function migrationRecordOf(legacy: LegacyInstance): MigrationRecord {
  return { hostPath: legacy.hostPath, ...(legacy.subPath ? { subPath: legacy.subPath } : {}), legacyPath: legacy.legacyPath, pvc: legacy.pvcName };
}

export function parseMigrationRecord(text: string | undefined): MigrationRecord | undefined {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text);
    if (typeof r?.hostPath === 'string' && typeof r?.legacyPath === 'string' && typeof r?.pvc === 'string' && (r.subPath === undefined || typeof r.subPath === 'string')) return r;
  } catch {
    // A hand-edited or foreign annotation: treated as no record.
  }
  return undefined;
}

/** The pod spec of a Deployment as read: one it lacks is a broken object, not one to migrate. */
function podSpecOf(d: Read<V1Deployment>): Read<V1PodSpec> {
  const spec = d.spec?.template?.spec;
  if (!spec) throw new Error(`Deployment ${d.metadata?.name ?? ''} has no pod template`);
  return spec;
}

const containersOf = (spec: Read<V1PodSpec>): Read<V1Container>[] => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];

/**
 * The Deployment with its data on the PVC instead of the hostPath. Every mount of the hostPath volume
 * that shows the instance's directory (or something inside it) moves to the PVC, without the subPath
 * prefix. When the volume is used for nothing else it is replaced under the same name (so the mounts
 * stay as they are); when other mounts still use it (the shared tree mounted for backups, say) it is
 * kept for them and the PVC gets a volume of its own.
 */
export function switchToPvc(deployment: Read<V1Deployment>, legacy: LegacyInstance): Read<V1Deployment> {
  const d = structuredClone(deployment);
  const spec = podSpecOf(d);
  const volumes = (spec.volumes ??= []);
  const dataMounts: { mount: Read<V1VolumeMount>; rest: string }[] = [];
  let otherUses = 0;
  for (const c of containersOf(spec)) {
    for (const m of c.volumeMounts ?? []) {
      if (m.name !== legacy.volumeName) continue;
      const dir = m.subPathExpr ? undefined : hostDirectoryOf(legacy.hostPath, m.subPath || undefined);
      if (dir === legacy.legacyPath) dataMounts.push({ mount: m, rest: '' });
      else if (dir?.startsWith(`${legacy.legacyPath}/`)) dataMounts.push({ mount: m, rest: dir.slice(legacy.legacyPath.length + 1) });
      else otherUses++;
    }
  }
  const pvcVolume = (name: string) => ({ name, persistentVolumeClaim: { claimName: legacy.pvcName } });
  let pvcVolumeName = legacy.volumeName;
  if (otherUses === 0) {
    volumes[volumes.findIndex((v) => v.name === legacy.volumeName)] = pvcVolume(legacy.volumeName);
  } else {
    const taken = new Set(volumes.map((v) => v.name));
    pvcVolumeName = ['odoo-data', `${legacy.volumeName.slice(0, 59)}-pvc`].find((n) => !taken.has(n)) ?? `data-${legacy.pvcName}`.slice(0, 63);
    volumes.push(pvcVolume(pvcVolumeName));
  }
  for (const { mount, rest } of dataMounts) {
    mount.name = pvcVolumeName;
    delete mount.subPath;
    if (rest) mount.subPath = rest;
  }
  const metadata = (d.metadata ??= {});
  metadata.annotations = { ...metadata.annotations, [ANNOTATION_MIGRATED_FROM]: legacy.legacyPath, [ANNOTATION_MIGRATION]: JSON.stringify(migrationRecordOf(legacy)) };
  return d;
}

/** The reverse of switchToPvc, for a rollback: the volumes and mounts of `original` on the current object. */
export function switchToHostPath(current: Read<V1Deployment>, original: Read<V1Deployment>): Read<V1Deployment> {
  const d = structuredClone(current);
  const spec = podSpecOf(d);
  const orig = podSpecOf(original);
  spec.volumes = structuredClone(orig.volumes);
  for (const key of ['initContainers', 'containers'] as const) {
    for (const c of spec[key] ?? []) {
      const o = (orig[key] ?? []).find((x) => x.name === c.name);
      if (o) c.volumeMounts = structuredClone(o.volumeMounts);
    }
  }
  if (d.metadata?.annotations) {
    delete d.metadata.annotations[ANNOTATION_MIGRATED_FROM];
    delete d.metadata.annotations[ANNOTATION_MIGRATION];
  }
  return d;
}
