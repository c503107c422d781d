// migrate-storage: move a legacy instance from its hostPath directory on the shared CephFS tree to its
// own PVC. Copy while it runs, stop, copy what changed, verify every file, switch the Deployment's
// volume, start, wait for readiness. Until the switch the Deployment is untouched but for its replica
// count; any failure puts the replicas back, and a failure to come up on the PVC switches the volume
// back. The legacy directory is only ever read (dropLegacy removes it, separately, when asked).
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { Clock } from '../cli/context.js';
import { CancelledError, ConflictError, DeclinedError, UsageError } from '../../lib/errors.js';
import { resolveInstance, type InstanceObjects } from '../instances/resolve.js';
import { listInstances } from '../instances/resolveFleet.js';
import { formatBytes } from '../../lib/bytes.js';
import {
  ANNOTATION_MIGRATED_FROM,
  ANNOTATION_MIGRATION,
  hostDirectoryOf,
  instanceDirectoryProblem,
  parseMigrationRecord,
  type MigrationRecord,
  buildCopyJob,
  buildDropJob,
  buildMeasureJob,
  buildTargetPvc,
  buildVerifyJob,
  chooseSize,
  legacyInstanceOf,
  parseDuSizes,
  splitLegacyPath,
  switchToHostPath,
  switchToPvc,
  type LegacyInstance,
  type PodTemplate,
} from './plan.js';
import { compareTrees, parseVerifyOutput, type Verification } from './verify.js';
import { JobFailedError, runJob, type JobResult } from '../../lib/kube/jobs.js';
import { scaleAndWait, waitUntil } from '../instances/lifecycle.js';
import { withInstanceLock, type InstanceLock } from '../backups/lock.js';
import { describeUsers, findPathUsers } from './sharing.js';
import type { Read, V1Deployment, V1Job, V1PersistentVolumeClaim } from '../../lib/kube/models.js';

export interface MigrationDeps {
  kube: KubeClient;
  clock: Clock;
  signal?: AbortSignal;
  progress: (m: string) => void;
  /** Who holds the instance's lock while it is migrated: user@host. */
  holder: string;
}

export interface MigrationOptions {
  storageClass: string;
  /** The plan size (config `storage`), or --size when `sizeForced`. */
  size: string;
  sizeForced: boolean;
  /** Readiness and stop waits. */
  timeoutMs: number;
  /** Deadline of each copy/verify Job. */
  jobDeadlineSeconds: number;
  dryRun: boolean;
}

export interface StepReport {
  step: string;
  ok: boolean;
  detail: string;
}

export interface MigrationReport {
  instance: string;
  namespace: string;
  legacyPath: string;
  pvc: string;
  size?: string;
  usedBytes?: number;
  ok: boolean;
  /** The step that failed; the Deployment still uses the legacy directory. */
  stoppedAt?: string;
  steps: StepReport[];
  verification?: Verification;
  /** Stopped by Ctrl-C. */
  interrupted?: boolean;
  /** The instance did not come up on the PVC and was switched back to the legacy directory. */
  switchedBack?: boolean;
  /** With --dry-run: what would be created and changed. */
  objects?: (V1PersistentVolumeClaim | V1Job | Read<V1Deployment>)[];
}

const suffix = () => randomBytes(2).toString('hex');

function jobOptions(deps: MigrationDeps, spec: V1Job, deadlineSeconds: number) {
  return {
    namespace: spec.metadata?.namespace ?? '',
    clock: deps.clock,
    signal: deps.signal,
    timeoutMs: deadlineSeconds * 1000 + 60_000,
    what: `${spec.spec?.template.spec?.containers[0].name} Job ${spec.metadata?.name}`,
    onStatus: (text: string) => deps.progress(`  ${text}`),
  };
}

export async function migrateInstance(deps: MigrationDeps, namespace: string, name: string, opts: MigrationOptions): Promise<MigrationReport> {
  const inst = await resolveInstance(deps.kube, namespace, name);
  const legacy = legacyInstanceOf(inst);
  if (!legacy) {
    const from = inst.deployment?.metadata?.annotations?.[ANNOTATION_MIGRATED_FROM];
    if (from) throw new UsageError(`instance ${inst.name} was already migrated from ${from} to PVC ${inst.pvcName}`);
    throw new UsageError(`instance ${inst.name} keeps its data on PVC ${inst.pvcName ?? '?'}, not on a legacy hostPath directory: nothing to migrate`);
  }
  if (legacy.problem) throw new UsageError(`cannot migrate ${inst.name}: ${legacy.problem}`);
  return migrateLegacy(deps, inst, legacy, opts);
}

/** The migration holds the instance's lock (not for --dry-run), so nothing else changes it meanwhile. */
async function migrateLegacy(deps: MigrationDeps, inst: InstanceObjects, legacy: LegacyInstance, opts: MigrationOptions): Promise<MigrationReport> {
  if (opts.dryRun) return migrateLegacyLocked(deps, inst, legacy, opts);
  return withInstanceLock(
    deps.kube,
    { namespace: inst.namespace, instance: inst.name, operation: 'migrate-storage', holder: deps.holder, clock: deps.clock, replicas: legacy.replicas, phase: 'measure' },
    (lock) => migrateLegacyLocked(deps, inst, legacy, opts, lock),
  );
}

async function migrateLegacyLocked(deps: MigrationDeps, inst: InstanceObjects, legacy: LegacyInstance, opts: MigrationOptions, lock?: InstanceLock): Promise<MigrationReport> {
  const report: MigrationReport = { instance: legacy.name, namespace: legacy.namespace, legacyPath: legacy.legacyPath, pvc: legacy.pvcName, ok: false, steps: [] };
  const template = inst.deployment.spec?.template?.spec;
  // The step under way, for a failure that is thrown rather than reported (an interrupt, an API error).
  let current = 'measure';
  const ok = (step: string, detail: string) => {
    report.steps.push({ step, ok: true, detail });
    deps.progress(`✓ ${step}: ${detail}`);
  };
  const fail = (step: string, detail: string) => {
    report.steps.push({ step, ok: false, detail });
    report.stoppedAt = step;
    deps.progress(`✗ ${step}: ${detail}`);
    return report;
  };
  const job = async (step: string, spec: V1Job): Promise<JobResult | undefined> => {
    current = step;
    await lock?.update({ phase: step, job: spec.metadata?.name });
    deps.progress(`… ${step}: Job ${spec.metadata?.name}`);
    try {
      return await runJob(deps.kube, spec, jobOptions(deps, spec, opts.jobDeadlineSeconds));
    } catch (e) {
      if (!(e instanceof JobFailedError)) throw e;
      fail(step, `${e.message}${e.hint ? ` (${e.hint})` : ''}`);
      return undefined;
    }
  };
  let stopped = false;
  try {
    // 1. Size the PVC from what is really there.
    const { parent, base } = splitLegacyPath(legacy.legacyPath, legacy.instanceId);
    const measured = await job('measure', buildMeasureJob(legacy, parent, [base], suffix(), template));
    if (!measured) return report;
    const used = parseDuSizes(measured.log).get(base);
    report.usedBytes = used;
    const sized = chooseSize(used, opts.size, opts.sizeForced);
    report.size = sized.size;
    ok('measure', `${legacy.legacyPath} uses ${used === undefined ? 'an unknown amount' : formatBytes(used) || '0'} on disk (du)${sized.note ? `; ${sized.note}` : ''}`);

    const pvc = buildTargetPvc(legacy, sized.size, opts.storageClass);
    if (opts.dryRun) {
      report.objects = [pvc, buildCopyJob(legacy, 'xxxx', opts.jobDeadlineSeconds, template), buildVerifyJob(legacy, 'xxxx', opts.jobDeadlineSeconds, template), switchToPvc(inst.deployment, legacy)];
      report.ok = true;
      report.steps.push({ step: 'plan', ok: true, detail: `would create PVC ${legacy.pvcName} (${sized.size}, ${opts.storageClass}), copy, stop, copy the delta, verify, switch volume ${legacy.volumeName} to the PVC and start` });
      return report;
    }

    // 2. The PVC (an earlier interrupted run's PVC for the same directory is reused).
    const existing = await deps.kube.getOptional<Read<V1PersistentVolumeClaim>>(RESOURCES.persistentvolumeclaims, legacy.pvcName, legacy.namespace);
    if (existing) {
      if (existing.metadata?.annotations?.[ANNOTATION_MIGRATED_FROM] !== legacy.legacyPath) {
        throw new ConflictError(`PVC ${legacy.pvcName} already exists and was not created by migrate-storage for ${legacy.legacyPath}; not touching it`);
      }
      ok('create PVC', `reusing PVC ${legacy.pvcName} from an earlier run`);
    } else {
      current = 'create PVC';
      await deps.kube.create(RESOURCES.persistentvolumeclaims, pvc, { namespace: legacy.namespace });
      ok('create PVC', `PVC ${legacy.pvcName} (${sized.size}, ${opts.storageClass})`);
    }
    current = 'bind PVC';
    const bound = await waitForBound(deps, legacy, opts.timeoutMs);
    if (!bound.ok) return fail('bind PVC', bound.detail);

    // 3. Bulk copy while Odoo still runs, so the stop is short.
    const running = legacy.replicas > 0;
    if (running) {
      if (!(await job('copy', buildCopyJob(legacy, suffix(), opts.jobDeadlineSeconds, template)))) return report;
      ok('copy', `copied ${legacy.legacyPath} into ${legacy.pvcName} while the instance ran`);
      deps.progress(`… stop: scaling ${legacy.name} to 0`);
      stopped = true;
      current = 'stop';
      await lock?.update({ phase: 'stop', job: null });
      await scaleAndWait({ ...deps, timeoutMs: opts.timeoutMs }, { namespace: inst.namespace, name: inst.name, podSelector: inst.facts.podSelector }, 0);
      ok('stop', `${legacy.name} stopped`);
    }

    // 4. With nothing writing, copy what changed and verify every file.
    if (!(await job(running ? 'copy delta' : 'copy', buildCopyJob(legacy, suffix(), opts.jobDeadlineSeconds, template)))) return report;
    ok(running ? 'copy delta' : 'copy', running ? 'copied what changed since the first copy' : `copied ${legacy.legacyPath} into ${legacy.pvcName}`);
    const verifyOut = await job('verify', buildVerifyJob(legacy, suffix(), opts.jobDeadlineSeconds, template));
    if (!verifyOut) return report;
    let verification: Verification;
    try {
      const trees = parseVerifyOutput(verifyOut.log);
      verification = compareTrees(trees.source, trees.target);
    } catch (e) {
      return fail('verify', (e as Error).message);
    }
    report.verification = verification;
    const counts = `${verification.source.files} files, ${verification.source.directories} directories, ${formatBytes(verification.source.bytes) || '0'} of file data (${verification.source.bytes} bytes)`;
    if (!verification.ok) {
      return fail('verify', `the copy differs from ${legacy.legacyPath}: ${verification.differences.map((d) => `${d.path}: ${d.problem}`).join('; ')}`);
    }
    ok('verify', `source and copy match: ${counts}, every checksum equal`);

    // 5. Switch the data volume; from here a failure to start switches it back.
    current = 'switch';
    const fresh = await deps.kube.get<Read<V1Deployment>>(RESOURCES.deployments, legacy.name, legacy.namespace);
    const switched = switchToPvc(fresh, legacy);
    (switched.spec ??= {}).replicas = legacy.replicas;
    await deps.kube.replace(RESOURCES.deployments, switched, { namespace: legacy.namespace });
    stopped = false;
    ok('switch', `volume ${legacy.volumeName} of Deployment ${legacy.name} now uses PVC ${legacy.pvcName}`);
    if (running) {
      current = 'start';
      try {
        await waitUntil({ ...deps, timeoutMs: opts.timeoutMs }, { namespace: inst.namespace, name: inst.name, podSelector: inst.facts.podSelector }, 'ready');
      } catch (e) {
        const cur = await deps.kube.get<Read<V1Deployment>>(RESOURCES.deployments, legacy.name, legacy.namespace);
        await deps.kube.replace(RESOURCES.deployments, switchToHostPath(cur, inst.deployment), { namespace: legacy.namespace });
        if (e instanceof CancelledError) report.interrupted = true;
        report.switchedBack = true;
        return fail('start', `${e instanceof CancelledError ? 'interrupted' : (e as Error).message}; switched back to the legacy directory (PVC ${legacy.pvcName} kept)`);
      }
      ok('start', `${legacy.name} is ready on PVC ${legacy.pvcName}`);
    }
    report.ok = true;
    return report;
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConflictError) throw e;
    fail(current, e instanceof CancelledError ? 'interrupted' : (e as Error).message);
    if (e instanceof CancelledError) report.interrupted = true;
    return report;
  } finally {
    if (stopped) {
      // The Deployment still points at the legacy directory: bring the instance back as it was.
      deps.progress(`… restoring ${legacy.name} to ${legacy.replicas} replica(s) on the legacy directory`);
      await deps.kube.patch(RESOURCES.deployments, legacy.name, { spec: { replicas: legacy.replicas } }, { namespace: legacy.namespace }).catch(() => undefined);
    }
  }
}

async function waitForBound(deps: MigrationDeps, legacy: LegacyInstance, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const deadline = deps.clock.now().getTime() + timeoutMs;
  for (;;) {
    const pvc = await deps.kube.get<Read<V1PersistentVolumeClaim>>(RESOURCES.persistentvolumeclaims, legacy.pvcName, legacy.namespace);
    if (pvc.status?.phase === 'Bound') return { ok: true, detail: '' };
    if (deps.clock.now().getTime() > deadline || deps.signal?.aborted) {
      return { ok: false, detail: `PVC ${legacy.pvcName} is still ${pvc.status?.phase ?? 'Pending'}; "kubectl odoo storage ${legacy.name}" shows why` };
    }
    await deps.clock.sleep(500, deps.signal);
  }
}

export interface LegacyPlanRow {
  instance: string;
  namespace: string;
  legacyPath: string;
  usedBytes?: number;
  pvc: string;
  size?: string;
  note?: string;
}

/** Every legacy instance (hostPath data volume) with its measured size and the PVC it would get. */
export async function planAll(deps: MigrationDeps, scope: { namespace?: string; allNamespaces: boolean }, opts: Pick<MigrationOptions, 'size' | 'sizeForced'>): Promise<LegacyPlanRow[]> {
  const instances = await listInstances(deps.kube, { namespace: scope.namespace, allNamespaces: scope.allNamespaces });
  const legacies = instances.map((i) => ({ inst: i, legacy: legacyInstanceOf(i) })).filter((x): x is { inst: InstanceObjects; legacy: LegacyInstance } => !!x.legacy);
  // One measuring Job per namespace and parent directory, not one per instance; directories that are
  // not an instance's own (a shared root mounted as the data volume) are not measured, only reported.
  type Group = { legacy: LegacyInstance; template: PodTemplate | undefined; parent: string; names: string[] };
  const groups = new Map<string, Group>();
  for (const { inst, legacy } of legacies) {
    if (legacy.problem) continue;
    const { parent, base } = splitLegacyPath(legacy.legacyPath, legacy.instanceId);
    const key = `${legacy.namespace}\u0000${parent}`;
    const g: Group = groups.get(key) ?? { legacy, template: inst.deployment.spec?.template?.spec, parent, names: [] };
    g.names.push(base);
    groups.set(key, g);
  }
  const sizes = new Map<string, number>();
  for (const g of groups.values()) {
    const spec = buildMeasureJob(g.legacy, g.parent, g.names, suffix(), g.template);
    // du exits non-zero when one directory is missing; the others are still measured.
    const out = await runJob(deps.kube, spec, { ...jobOptions(deps, spec, 3600), keep: 'none' }).catch((e) => {
      if (e instanceof JobFailedError) return e.result;
      throw e;
    });
    for (const [base, bytes] of parseDuSizes(out.log)) sizes.set(`${g.legacy.namespace}\u0000${g.parent}/${base}`, bytes);
  }
  return legacies
    .map(({ legacy }) => {
      if (legacy.problem) return { instance: legacy.name, namespace: legacy.namespace, legacyPath: legacy.legacyPath, pvc: legacy.pvcName, note: `cannot migrate: ${legacy.problem}` };
      const used = sizes.get(`${legacy.namespace}\u0000${legacy.legacyPath}`);
      let size: string | undefined;
      let note: string | undefined;
      try {
        const s = chooseSize(used, opts.size, opts.sizeForced);
        size = s.size;
        note = s.note;
      } catch (e) {
        note = (e as Error).message;
      }
      if (used === undefined) note = 'size unknown: the directory could not be measured';
      return { instance: legacy.name, namespace: legacy.namespace, legacyPath: legacy.legacyPath, usedBytes: used, pvc: legacy.pvcName, size, note };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.instance.localeCompare(b.instance));
}

/** Migrates every legacy instance one after the other; one failure does not stop the others. */
export async function migrateAll(deps: MigrationDeps, scope: { namespace?: string; allNamespaces: boolean }, opts: MigrationOptions): Promise<MigrationReport[]> {
  const instances = await listInstances(deps.kube, { namespace: scope.namespace, allNamespaces: scope.allNamespaces });
  const legacies = instances.filter((i) => legacyInstanceOf(i)).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const reports: MigrationReport[] = [];
  for (const [i, inst] of legacies.entries()) {
    if (deps.signal?.aborted) break;
    deps.progress(`[${i + 1}/${legacies.length}] ${inst.namespace}/${inst.name}`);
    try {
      // Fresh objects: an earlier migration may have taken a while.
      const current = await resolveInstance(deps.kube, inst.namespace, inst.name);
      const legacy = legacyInstanceOf(current);
      if (!legacy) continue;
      if (legacy.problem) throw new UsageError(`cannot migrate ${current.name}: ${legacy.problem}`);
      reports.push(await migrateLegacy(deps, current, legacy, opts));
    } catch (e) {
      const legacy = legacyInstanceOf(inst)!;
      const detail = (e as Error).message;
      deps.progress(`✗ start of migration: ${detail}`);
      reports.push({ instance: inst.name, namespace: inst.namespace, legacyPath: legacy.legacyPath, pvc: legacy.pvcName, ok: false, stoppedAt: 'start of migration', steps: [{ step: 'start of migration', ok: false, detail }] });
    }
    if (reports.at(-1)?.interrupted) break;
  }
  return reports;
}

/**
 * Removes the legacy directory of an instance that migrate-storage moved to its PVC. The directory is
 * recomputed from the migration record and must agree with every other fact (the Deployment's and the
 * PVC's annotations, the PVC the Deployment now uses, the instance's directory name), and nothing else
 * on the cluster may use it, a directory above it or one inside it. Anything doubtful refuses.
 */
export async function dropLegacy(deps: MigrationDeps, namespace: string, name: string, confirm: (inst: string, path: string) => Promise<boolean>): Promise<{ instance: string; legacyPath: string }> {
  const inst = await resolveInstance(deps.kube, namespace, name);
  const annotations = inst.deployment?.metadata?.annotations ?? {};
  const from: string | undefined = annotations[ANNOTATION_MIGRATED_FROM];
  if (legacyInstanceOf(inst)) throw new UsageError(`instance ${inst.name} still runs on its legacy directory: migrate it first`);
  if (!from) throw new UsageError(`instance ${inst.name} has no record of a migration by migrate-storage (annotation ${ANNOTATION_MIGRATED_FROM}); nothing to drop`);
  const refuse = (why: string) => new ConflictError(`refusing to remove ${from}: ${why}; nothing removed`);
  // Migrations recorded before the record annotation existed name only the directory (and had no subPath).
  const record: MigrationRecord | undefined = annotations[ANNOTATION_MIGRATION] === undefined ? { hostPath: from, legacyPath: from, pvc: inst.pvcName ?? '' } : parseMigrationRecord(annotations[ANNOTATION_MIGRATION]);
  if (!record) throw refuse(`the migration record (annotation ${ANNOTATION_MIGRATION}) is unreadable, so the directory cannot be recomputed`);
  const recomputed = hostDirectoryOf(record.hostPath, record.subPath);
  if (recomputed !== from || record.legacyPath !== from) throw refuse(`the records disagree: ${ANNOTATION_MIGRATED_FROM} says ${from}, the migration record gives ${recomputed}`);
  if (record.pvc !== inst.pvcName) throw refuse(`the migration record names PVC ${record.pvc} but the instance's data volume is ${inst.pvcName ?? 'not a PVC'}`);
  const pvc = await deps.kube.getOptional<Read<V1PersistentVolumeClaim>>(RESOURCES.persistentvolumeclaims, record.pvc, inst.namespace);
  if (pvc?.metadata?.annotations?.[ANNOTATION_MIGRATED_FROM] !== from) {
    throw refuse(pvc ? `PVC ${record.pvc} records ${pvc.metadata?.annotations?.[ANNOTATION_MIGRATED_FROM] ?? 'no source'} as where its data came from` : `PVC ${record.pvc} does not exist`);
  }
  const problem = instanceDirectoryProblem(from, inst.facts.instanceId);
  if (problem) throw refuse(problem);
  let users;
  try {
    users = await findPathUsers(deps.kube, from);
  } catch (e) {
    throw refuse((e as Error).message);
  }
  if (users.length) throw refuse(`it is still in use by ${describeUsers(users)}`);
  if (!(await confirm(inst.name, from))) throw new DeclinedError('not confirmed; nothing removed');
  const legacy: LegacyInstance = { name: inst.name, namespace: inst.namespace, instanceId: inst.facts.instanceId ?? inst.name, legacyPath: from, hostPath: record.hostPath, subPath: record.subPath, volumeName: '', image: inst.facts.image, replicas: 0, pvcName: record.pvc };
  const spec = buildDropJob(legacy, suffix(), inst.deployment.spec?.template?.spec);
  try {
    await runJob(deps.kube, spec, { ...jobOptions(deps, spec, 3600), what: `removing ${from}` });
  } catch (e) {
    if (e instanceof CancelledError) throw new CancelledError(`interrupted while removing ${from}: part of it may already be gone; the instance runs on PVC ${record.pvc} and is not affected`);
    throw e;
  }
  const dropped = { [ANNOTATION_MIGRATED_FROM]: null, [ANNOTATION_MIGRATION]: null, 'kubectl-odoo.io/legacy-dropped': from };
  await deps.kube.patch(RESOURCES.deployments, inst.name, { metadata: { annotations: dropped } }, { namespace: inst.namespace });
  return { instance: inst.name, legacyPath: from };
}
