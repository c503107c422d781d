// The Jobs of backups: pure builders from plain parameters to Job objects.
//
// Every Job runs one constant script (scripts.ts) with `sh -c`; every value reaches it as an
// environment variable. Database credentials are copied from the instance's own container env as
// they are defined there: a secretKeyRef stays a secretKeyRef, so no secret value is ever written into
// a Job, printed, or put on a command line.
import { JOB_POD_LABEL } from '../../lib/kube/jobs.js';
import { FailureError } from '../../lib/errors.js';
import type { V1EnvVar, V1Job, V1JobSpec, V1ObjectMeta, V1PodSpec, V1PodTemplateSpec } from '../../lib/kube/models.js';
import { helperImage, helperPodSpec, placementOf, type PodPlacement } from '../core/helperPod.js';

export { placementOf, type PodPlacement } from '../core/helperPod.js';
import type { DbSettings, EnvSource } from '../instances/facts.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { BACKUP_SCRIPT, DRILL_SCRIPT, DROP_DATABASE_SCRIPT, LIST_SCRIPT, RECOVER_SCRIPT, RESTORE_PREFLIGHT_SCRIPT, RESTORE_SCRIPT, SET_OPS_SCRIPT, VERIFY_SCRIPT } from './scripts.js';
import { encodeManifestBase, type ManifestBase } from './manifest.js';
import { instanceBackupDir, isValidDatabaseName, jobName } from './naming.js';

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_OPERATION = 'kubectl-odoo.io/operation';
export const LABEL_INSTANCE = 'kubectl-odoo.io/instance';
export const LABEL_BACKUP_SET = 'kubectl-odoo.io/backup-set';

/** Where the Jobs mount the volumes. */
export const DATA_MOUNT = '/data';
export const BACKUPS_MOUNT = '/backups';

export type Operation = 'backup' | 'restore' | 'verify' | 'list' | 'prune' | 'pin' | 'recover' | 'offsite' | 'drill';

/** What a backup needs to know about an instance. */
export interface BackupTarget {
  namespace: string;
  /** The instance (Deployment) name. */
  name: string;
  customerId: string;
  database: string;
  image: string;
  dataMountPath: string;
  pvcName: string;
  db: DbSettings;
  /** Node of the running instance pod: an RWO volume can only be mounted there. */
  nodeName?: string;
  replicas: number;
  /** Where and how the instance's pods schedule and pull: its Jobs do the same. */
  placement?: PodPlacement;
}

/** Customer folder for instances that carry no customer id label. */
export const NO_CUSTOMER = 'no-customer';

export function backupTargetOf(inst: InstanceObjects): BackupTarget {
  const f = inst.facts;
  if (!inst.pvcName) {
    const why = f.hostPath ? `its data is on the shared directory ${f.hostPath} (hostPath): migrate it to its own PVC first` : 'it has no data volume';
    throw new FailureError(`instance ${inst.name} cannot be backed up: ${why}`);
  }
  if (!f.database || !isValidDatabaseName(f.database)) {
    throw new FailureError(`instance ${inst.name} has no usable database name (ODOO_DATABASE_NAME or the "database" label)`);
  }
  if (!f.db.host) throw new FailureError(`instance ${inst.name} does not say where its database is (no ODOO_DATABASE_HOST or HOST in its env)`);
  if (!f.db.user) throw new FailureError(`instance ${inst.name} does not say which database user it uses (no ODOO_DATABASE_USER or USER in its env)`);
  const running = inst.pods.find((p) => p.status?.phase === 'Running' && p.spec?.nodeName);
  return {
    namespace: inst.namespace,
    name: inst.name,
    customerId: f.customerId || NO_CUSTOMER,
    database: f.database,
    image: f.image ?? '',
    dataMountPath: f.dataMountPath,
    pvcName: inst.pvcName,
    db: f.db,
    nodeName: running?.spec?.nodeName,
    replicas: inst.deployment?.spec?.replicas ?? 1,
    placement: placementOf(inst.deployment),
  };
}

function envVar(name: string, src: EnvSource | undefined, fallback?: string): V1EnvVar | undefined {
  if (src?.secret) return { name, valueFrom: { secretKeyRef: { name: src.secret.name, key: src.secret.key } } };
  if (src?.configMap) return { name, valueFrom: { configMapKeyRef: { name: src.configMap.name, key: src.configMap.key } } };
  if (src?.value !== undefined && src.value !== '') return { name, value: src.value };
  return fallback !== undefined ? { name, value: fallback } : undefined;
}

/** libpq's variables, from the instance's own settings. */
export function databaseEnv(db: DbSettings, database: string): V1EnvVar[] {
  return [
    envVar('PGHOST', db.host),
    envVar('PGPORT', db.port, '5432'),
    envVar('PGUSER', db.user),
    envVar('PGPASSWORD', db.password),
    { name: 'PGDATABASE', value: database },
    { name: 'PGCONNECT_TIMEOUT', value: '15' },
  ].filter((e): e is V1EnvVar => !!e);
}

/** A Job as the builders write it: named, in its namespace, labelled, with its pod template. */
export type BuiltJob = V1Job & {
  metadata: V1ObjectMeta & { name: string; namespace: string; labels: Record<string, string> };
  spec: V1JobSpec & { template: V1PodTemplateSpec & { metadata: V1ObjectMeta & { labels: Record<string, string> }; spec: V1PodSpec } };
};

export interface JobParams {
  name: string;
  namespace: string;
  operation: Operation;
  instance?: string;
  setTimestamp?: string;
  image: string;
  script: string;
  env: V1EnvVar[];
  volumes: { name: string; claimName: string; mountPath: string; readOnly: boolean }[];
  deadlineSeconds: number;
  nodeName?: string;
  placement?: PodPlacement;
}

function labelValue(v: string | undefined): string | undefined {
  return v && v.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v) ? v : undefined;
}

/**
 * The scripts' test hook (see point() in scripts.ts): KUBECTL_ODOO_PAUSE=<point>:<file> in the plugin's
 * environment makes its Jobs wait at that point while the file exists. Unset, it adds nothing.
 */
export function pauseHookEnv(): V1EnvVar[] {
  const raw = process.env.KUBECTL_ODOO_PAUSE;
  const m = raw ? /^([a-z0-9+-]+):(\/.+)$/.exec(raw) : null;
  return m ? [{ name: 'PAUSE_AT', value: m[1] }, { name: 'PAUSE_FILE', value: m[2] }] : [];
}

export function buildJob(p: JobParams): BuiltJob {
  const labels: Record<string, string> = { [LABEL_MANAGED_BY]: 'kubectl-odoo', [LABEL_COMPONENT]: 'backup', [LABEL_OPERATION]: p.operation };
  const inst = labelValue(p.instance);
  if (inst) labels[LABEL_INSTANCE] = inst;
  if (p.setTimestamp) labels[LABEL_BACKUP_SET] = p.setTimestamp.toLowerCase();
  const podSpec = helperPodSpec({
    container: {
      name: p.operation,
      image: p.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/sh', '-c', p.script],
      env: [...p.env, ...pauseHookEnv()],
      volumeMounts: p.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, readOnly: v.readOnly })),
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
    },
    volumes: p.volumes.map((v) => ({ name: v.name, persistentVolumeClaim: { claimName: v.claimName, readOnly: v.readOnly } })),
    // Root reads every file of the volume whatever its owner, and restores owners as they were.
    securityContext: { runAsUser: 0, runAsGroup: 0 },
    placement: p.placement,
    nodeName: p.nodeName,
  });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: p.name, namespace: p.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: p.deadlineSeconds,
      ttlSecondsAfterFinished: 86_400,
      template: { metadata: { labels: { ...labels, [JOB_POD_LABEL]: p.name } }, spec: podSpec },
    },
  };
}

export interface JobSettings {
  backupsPvc: string;
  /** Image for Jobs; default: the instance's own image (it has pg_dump matching its Odoo). */
  image?: string;
  compression: string;
  deadlineSeconds: number;
}

const backupsVolume = (s: JobSettings, readOnly: boolean) => ({ name: 'backups', claimName: s.backupsPvc, mountPath: BACKUPS_MOUNT, readOnly });
const dataVolume = (t: BackupTarget, readOnly: boolean) => ({ name: 'instance-data', claimName: t.pvcName, mountPath: DATA_MOUNT, readOnly });

export function buildBackupJob(t: BackupTarget, base: ManifestBase, s: JobSettings, opts: { exportOdooZip: boolean }): BuiltJob {
  return buildJob({
    name: jobName('backup', t.name, base.timestamp),
    namespace: t.namespace,
    operation: 'backup',
    instance: t.name,
    setTimestamp: base.timestamp,
    image: helperImage(s.image, t.image),
    script: BACKUP_SCRIPT,
    env: [
      ...databaseEnv(t.db, t.database),
      { name: 'SRC_DIR', value: DATA_MOUNT },
      { name: 'BACKUP_ROOT', value: BACKUPS_MOUNT },
      { name: 'SET_PARENT', value: instanceBackupDir(t.customerId, t.name) },
      { name: 'SET_NAME', value: base.timestamp },
      { name: 'MANIFEST_BASE', value: encodeManifestBase(base) },
      { name: 'CONSISTENCY', value: base.consistency },
      { name: 'EXPORT_ODOO_ZIP', value: opts.exportOdooZip ? '1' : '0' },
      { name: 'COMPRESSION', value: s.compression },
    ],
    volumes: [dataVolume(t, true), backupsVolume(s, false)],
    deadlineSeconds: s.deadlineSeconds,
    nodeName: t.nodeName,
    placement: t.placement,
  });
}

export interface RestoreJobParams {
  setPath: string;
  sourceDatabase: string;
  scratchDatabase: string;
  oldDatabase: string;
  opId: string;
  /** The target is a new instance (restore --to NEW): its database must not exist yet, and a failed Job drops what it created. */
  newInstance?: boolean;
  /** Replace the files only and leave the database as it is (a platform archive holds no database). */
  filesOnly?: boolean;
}

export function buildRestoreJob(t: BackupTarget, p: RestoreJobParams, s: JobSettings): BuiltJob {
  return buildJob({
    name: jobName('restore', t.name, p.opId),
    namespace: t.namespace,
    operation: 'restore',
    instance: t.name,
    image: helperImage(s.image, t.image),
    script: RESTORE_SCRIPT,
    env: [
      ...databaseEnv(t.db, t.database),
      { name: 'BACKUP_ROOT', value: BACKUPS_MOUNT },
      { name: 'SET_PATH', value: p.setPath },
      { name: 'DATA_DIR', value: DATA_MOUNT },
      { name: 'SOURCE_DB', value: p.sourceDatabase },
      { name: 'SCRATCH_DB', value: p.scratchDatabase },
      { name: 'OLD_DB', value: p.oldDatabase },
      { name: 'OP_ID', value: p.opId.toLowerCase() },
      // The replaced files and database are removed by the Job below once the instance runs again; a new
      // instance replaced nothing, so its (empty) staging folder goes at once.
      { name: 'REPLACED', value: p.newInstance ? 'remove' : 'keep' },
      ...(p.newInstance ? [{ name: 'NEW_INSTANCE', value: '1' }] : []),
      ...(p.filesOnly ? [{ name: 'FILES_ONLY', value: '1' }] : []),
    ],
    volumes: [dataVolume(t, false), backupsVolume(s, true)],
    deadlineSeconds: s.deadlineSeconds,
    nodeName: t.nodeName,
    placement: t.placement,
  });
}

/**
 * Removes the files and database a restore replaced, beside the running instance: on the instance pod's
 * node (t.nodeName), where its ReadWriteOnce volume is attached. Only what the restore's journal shows
 * as replaced by a committed swap is removed.
 */
export function buildRemoveReplacedJob(t: BackupTarget, p: Pick<RestoreJobParams, 'opId'>, s: JobSettings): BuiltJob {
  return buildRecoverJob(t, 'cleanup', s, p.opId);
}

/**
 * `kubectl odoo recover`: inspect (read-only) what interrupted restores left on the volume and in the
 * database server, apply (finish or undo them), or cleanup (remove what committed ones replaced).
 */
export function buildRecoverJob(t: BackupTarget, mode: 'inspect' | 'apply' | 'cleanup', s: JobSettings, opId?: string, id = opId ?? 'x'): BuiltJob {
  return buildJob({
    name: jobName(mode === 'cleanup' ? 'cleanup' : 'recover', t.name, id),
    namespace: t.namespace,
    operation: 'recover',
    instance: t.name,
    image: helperImage(s.image, t.image),
    script: RECOVER_SCRIPT,
    env: [
      ...databaseEnv(t.db, t.database),
      { name: 'DATA_DIR', value: DATA_MOUNT },
      { name: 'MODE', value: mode },
      ...(opId ? [{ name: 'OP_ID', value: opId.toLowerCase() }] : []),
    ],
    volumes: [dataVolume(t, mode === 'inspect')],
    deadlineSeconds: s.deadlineSeconds,
    nodeName: t.nodeName,
    placement: t.placement,
  });
}

/** Reads, before a restore changes anything: room to stage it and no interrupted restore on the volume. */
export function buildRestorePreflightJob(t: BackupTarget, p: { setPath: string; opId: string }, s: JobSettings): BuiltJob {
  return buildJob({
    name: jobName('preflight', t.name, p.opId),
    namespace: t.namespace,
    operation: 'verify',
    instance: t.name,
    image: helperImage(s.image, t.image),
    script: RESTORE_PREFLIGHT_SCRIPT,
    env: [
      { name: 'DATA_DIR', value: DATA_MOUNT },
      { name: 'BACKUP_ROOT', value: BACKUPS_MOUNT },
      { name: 'SET_PATH', value: p.setPath },
    ],
    volumes: [dataVolume(t, true), backupsVolume(s, true)],
    deadlineSeconds: 600,
    nodeName: t.nodeName,
    placement: t.placement,
  });
}

/**
 * Drops the database a restore into a new instance created, when a later step failed (the instance
 * objects are removed too). No volume: only the database goes.
 */
export function buildDropDatabaseJob(t: BackupTarget, opId: string, s: JobSettings): BuiltJob {
  return buildJob({
    name: jobName('cleanup', t.name, opId),
    namespace: t.namespace,
    operation: 'restore',
    instance: t.name,
    image: helperImage(s.image, t.image),
    script: DROP_DATABASE_SCRIPT,
    env: [...databaseEnv(t.db, t.database), { name: 'DROP_DB', value: t.database }],
    volumes: [],
    deadlineSeconds: 600,
    placement: t.placement,
  });
}

export interface VerifyJobParams {
  namespace: string;
  setPath: string;
  instance: string;
  opId: string;
  /** Placement and pull settings of the instance whose set it is, when known. */
  placement?: PodPlacement;
  /** For --restore-test: the instance whose database server and credentials host the scratch database. */
  restoreTest?: { target: BackupTarget; sourceDatabase: string; scratchDatabase: string };
}

export function buildVerifyJob(p: VerifyJobParams, s: JobSettings, image: string): BuiltJob {
  const rt = p.restoreTest;
  return buildJob({
    name: jobName('verify', p.instance, p.opId),
    namespace: p.namespace,
    operation: 'verify',
    instance: p.instance,
    image: helperImage(s.image, image),
    script: VERIFY_SCRIPT,
    env: [
      ...(rt ? databaseEnv(rt.target.db, rt.target.database) : []),
      { name: 'BACKUP_ROOT', value: BACKUPS_MOUNT },
      { name: 'SET_PATH', value: p.setPath },
      { name: 'RESTORE_TEST', value: rt ? '1' : '0' },
      ...(rt
        ? [
            { name: 'SOURCE_DB', value: rt.sourceDatabase },
            { name: 'SCRATCH_DB', value: rt.scratchDatabase },
            { name: 'STAGE_DIR', value: `${BACKUPS_MOUNT}/staging/verify-${p.opId.toLowerCase()}` },
          ]
        : []),
    ],
    // The restore test stages files under staging/ on the backups volume (it has the room).
    volumes: [backupsVolume(s, !rt)],
    deadlineSeconds: s.deadlineSeconds,
    placement: rt?.target.placement ?? p.placement,
  });
}

export function buildListJob(p: { namespace: string; customerGlob: string; instanceGlob: string; opId: string; placement?: PodPlacement }, s: JobSettings, image: string): BuiltJob {
  return buildJob({
    name: jobName('list', p.instanceGlob === '*' ? 'all' : p.instanceGlob, p.opId),
    namespace: p.namespace,
    operation: 'list',
    instance: p.instanceGlob === '*' ? undefined : p.instanceGlob,
    image: helperImage(s.image, image),
    script: LIST_SCRIPT,
    env: [
      { name: 'BACKUP_ROOT', value: BACKUPS_MOUNT },
      { name: 'CUSTOMER_GLOB', value: p.customerGlob },
      { name: 'INSTANCE_GLOB', value: p.instanceGlob },
    ],
    volumes: [backupsVolume(s, true)],
    deadlineSeconds: 600,
    placement: p.placement,
  });
}

export function buildSetOpsJob(p: { namespace: string; op: 'delete' | 'pin' | 'unpin'; folders: string[]; opId: string; instance?: string; placement?: PodPlacement }, s: JobSettings, image: string): BuiltJob {
  return buildJob({
    name: jobName(p.op === 'delete' ? 'prune' : p.op, p.instance ?? 'sets', p.opId),
    namespace: p.namespace,
    operation: p.op === 'delete' ? 'prune' : 'pin',
    instance: p.instance,
    image: helperImage(s.image, image),
    script: SET_OPS_SCRIPT,
    env: [
      { name: 'BACKUP_ROOT', value: BACKUPS_MOUNT },
      { name: 'OP', value: p.op },
      { name: 'SETS', value: p.folders.join('\n') },
    ],
    volumes: [backupsVolume(s, false)],
    deadlineSeconds: 3600,
    placement: p.placement,
  });
}

/**
 * A restore drill's database steps on its throwaway instance, stopped: neutralize its database, then
 * match every attachment row to its file on its volume (mounted read-only). Values reach the script
 * and its SQL only through the environment.
 */
export function buildDrillJob(t: BackupTarget, p: { opId: string; baseUrl: string }, s: JobSettings): BuiltJob {
  return buildJob({
    name: jobName('drill', t.name, p.opId),
    namespace: t.namespace,
    operation: 'drill',
    instance: t.name,
    image: helperImage(s.image, t.image),
    script: DRILL_SCRIPT,
    env: [...databaseEnv(t.db, t.database), { name: 'DATA_DIR', value: DATA_MOUNT }, { name: 'BASE_URL', value: p.baseUrl }],
    volumes: [dataVolume(t, true)],
    deadlineSeconds: s.deadlineSeconds,
    nodeName: t.nodeName,
    placement: t.placement,
  });
}
