// The objects of a storage migration: the instance PVC the seeds define (`odoo-instance-<id>`, the
// configured class, ReadWriteOnce, sized from the plan), the Jobs that copy and verify (legacy directory
// read-only at /legacy, the PVC at /target), and the Deployment with its data volume switched.
import { posix } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { formatBytes, parseStorageSize } from '../instances/quantity.js';
import { LABEL_APP, APP_ODOO_PVC, LABEL_MANAGED_BY, MANAGED_BY_SAASODOO, LABEL_K8S_MANAGED_BY, MANAGED_BY_PLUGIN, LABEL_K8S_COMPONENT, LABEL_K8S_INSTANCE, LABEL_SAAS_INSTANCE_ID } from '../instances/labels.js';
import { verifyScript } from './verify.js';
import { JOB_POD_LABEL } from '../core/kube/jobs.js';

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
  legacyPath: string;
  /** The Deployment's volume that is the hostPath (it keeps its name when switched). */
  volumeName: string;
  image?: string;
  replicas: number;
  pvcName: string;
}

/** The legacy facts of an instance whose data volume is a hostPath; undefined for PVC-backed ones. */
export function legacyInstanceOf(inst: InstanceObjects): LegacyInstance | undefined {
  const spec = inst.deployment?.spec?.template?.spec ?? {};
  const container = (spec.containers ?? []).find((c: any) => c.name === inst.facts.container);
  const mount = (container?.volumeMounts ?? []).find((m: any) => m.mountPath === inst.facts.dataMountPath);
  const volume = mount && (spec.volumes ?? []).find((v: any) => v.name === mount.name);
  if (!volume?.hostPath?.path) return undefined;
  const instanceId = inst.facts.instanceId ?? inst.name;
  return {
    name: inst.name,
    namespace: inst.namespace,
    instanceId,
    legacyPath: volume.hostPath.path.replace(/\/+$/, ''),
    volumeName: volume.name,
    image: inst.facts.image,
    replicas: inst.deployment?.spec?.replicas ?? 1,
    pvcName: `odoo-instance-${instanceId}`,
  };
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

export function buildTargetPvc(legacy: LegacyInstance, size: string, storageClass: string): any {
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

/**
 * Mirrors the legacy directory into the PVC. With rsync (in most images that have it) only what changed
 * moves; without it the target is emptied and copied whole. Owners, modes, times and links are kept.
 */
export const COPY_SCRIPT = [
  'set -eu',
  `if command -v rsync >/dev/null 2>&1; then exec rsync -a --delete --numeric-ids ${SOURCE_MOUNT}/ ${TARGET_MOUNT}/; fi`,
  `find ${TARGET_MOUNT} -mindepth 1 -delete`,
  `cp -a ${SOURCE_MOUNT}/. ${TARGET_MOUNT}/`,
].join('\n');

export type JobKind = 'copy' | 'verify' | 'measure' | 'drop';

interface JobSpecInput {
  legacy: LegacyInstance;
  kind: JobKind;
  suffix: string;
  command: string[];
  volumes: any[];
  mounts: any[];
  deadlineSeconds: number;
  /** The instance's pod template, for placement and image pull secrets. */
  template?: any;
}

function buildJob(j: JobSpecInput): any {
  const name = `${j.legacy.name.slice(0, 40)}-${j.kind}-${j.suffix}`.replace(/-+/g, '-');
  const tmpl = j.template ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: j.legacy.namespace, labels: ownerLabels(j.legacy) },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: j.deadlineSeconds,
      template: {
        metadata: { labels: { ...ownerLabels(j.legacy), [JOB_POD_LABEL]: name } },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: tmpl.nodeSelector,
          tolerations: tmpl.tolerations,
          imagePullSecrets: tmpl.imagePullSecrets,
          containers: [
            {
              name: j.kind,
              image: j.legacy.image ?? 'debian:bookworm-slim',
              command: j.command,
              // Root keeps every owner and mode exactly as they are.
              securityContext: { runAsUser: 0, runAsGroup: 0 },
              volumeMounts: j.mounts,
            },
          ],
          volumes: j.volumes,
        },
      },
    },
  };
}

const sourceVolume = (legacy: LegacyInstance) => ({ name: 'legacy', hostPath: { path: legacy.legacyPath, type: 'Directory' } });
const targetVolume = (legacy: LegacyInstance) => ({ name: 'target', persistentVolumeClaim: { claimName: legacy.pvcName } });

export function buildCopyJob(legacy: LegacyInstance, suffix: string, deadlineSeconds: number, template?: any): any {
  return buildJob({
    legacy,
    kind: 'copy',
    suffix,
    deadlineSeconds,
    template,
    command: ['sh', '-c', COPY_SCRIPT],
    volumes: [sourceVolume(legacy), targetVolume(legacy)],
    mounts: [
      { name: 'legacy', mountPath: SOURCE_MOUNT, readOnly: true },
      { name: 'target', mountPath: TARGET_MOUNT },
    ],
  });
}

export function buildVerifyJob(legacy: LegacyInstance, suffix: string, deadlineSeconds: number, template?: any): any {
  return buildJob({
    legacy,
    kind: 'verify',
    suffix,
    deadlineSeconds,
    template,
    command: ['sh', '-c', verifyScript(SOURCE_MOUNT, TARGET_MOUNT)],
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
export function buildMeasureJob(legacy: LegacyInstance, parent: string, names: string[], suffix: string, template?: any): any {
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

export function buildDropJob(legacy: LegacyInstance, suffix: string, template?: any): any {
  const { parent, base } = splitLegacyPath(legacy.legacyPath);
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

export function splitLegacyPath(path: string): { parent: string; base: string } {
  const clean = posix.normalize(path).replace(/\/+$/, '');
  const base = posix.basename(clean);
  const parent = posix.dirname(clean);
  if (!posix.isAbsolute(clean) || !base || base === '.' || base === '..' || parent === clean || parent === '/') {
    throw new UsageError(`refusing to work on legacy path "${path}": expected a directory below a parent such as /mnt/cephfs/odoo_instances`);
  }
  return { parent, base };
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

/** The Deployment with its data volume on the PVC instead of the hostPath (same volume name, so mounts stay). */
export function switchToPvc(deployment: any, legacy: LegacyInstance): any {
  const d = structuredClone(deployment);
  const volumes: any[] = d.spec.template.spec.volumes;
  const i = volumes.findIndex((v) => v.name === legacy.volumeName);
  volumes[i] = { name: legacy.volumeName, persistentVolumeClaim: { claimName: legacy.pvcName } };
  d.metadata.annotations = { ...d.metadata.annotations, [ANNOTATION_MIGRATED_FROM]: legacy.legacyPath };
  return d;
}

/** The reverse of switchToPvc, for a rollback when the instance does not come up on the PVC. */
export function switchToHostPath(deployment: any, legacy: LegacyInstance, original: any): any {
  const d = structuredClone(deployment);
  const volumes: any[] = d.spec.template.spec.volumes;
  const i = volumes.findIndex((v) => v.name === legacy.volumeName);
  volumes[i] = original;
  if (d.metadata.annotations) delete d.metadata.annotations[ANNOTATION_MIGRATED_FROM];
  return d;
}
