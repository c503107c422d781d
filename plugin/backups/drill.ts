// `kubectl odoo backup verify NAME/SET --drill`: proves a backup can serve. The set is restored into a
// throwaway instance (`<name>-drill-<short>`, labelled kubectl-odoo.io/drill-of=<name>) made the way
// `restore --to NEW` makes a copy: its own database and volume, no Ingress. Then, stopped, a Job
// neutralizes its database as Odoo's `neutralize` does (mail servers and crons off, web.base.url set to
// the drill's own address) and matches every attachment row to its file in the filestore; then it is
// started and must answer /web/health. Whatever happens (a failed step, Ctrl-C), everything the drill
// made is removed again, and the verdict is recorded on the instance's Deployment for `status`.
import { CancelledError, FailureError, UsageError } from '../../lib/errors.js';
import { JobFailedError, runJob } from '../../lib/kube/jobs.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { PluginConfig } from '../core/config.js';
import { resolveInstance } from '../instances/resolve.js';
import { serviceDns } from '../instances/facts.js';
import { waitForWebHealth } from '../instances/webHealth.js';
import type { BackupDeps } from './deps.js';
import { DRILL_CADENCES, type DrillCadence } from './drillCadence.js';
import { buildDrillJob, type BuiltJob } from './jobSpecs.js';
import { findBackupSet } from './list.js';
import type { BackupSetInfo } from './listing.js';
import { acquireInstanceLock } from './lock.js';
import { parseQualifiedBackupRef } from './naming.js';
import { makeProgressReporter } from './progress.js';
import { copyPlanFor } from './restore.js';
import { copySpecOf, createAndFillCopy, startCopy, undoCopy, type CopyPlan, type CopyProgress, type InstanceObject } from './restoreCopy.js';
import { ensureBackupsPvc } from './backup.js';
import { ANNOTATION_LAST_DRILL, LABEL_DRILL_OF } from '../instances/labels.js';
import { readDrillRecord, type DrillRecord } from '../instances/statusReport.js';

export { readDrillRecord, type DrillRecord };

/** On every object of a drill's throwaway instance: the instance whose backup it drills. */
export const DRILL_LABEL = LABEL_DRILL_OF;
/** On the instance's Deployment: the last drill's verdict (JSON, see DrillRecord). */
export const LAST_DRILL_ANNOTATION = ANNOTATION_LAST_DRILL;

export { DRILL_CADENCES, parseDrillCadence, type DrillCadence } from './drillCadence.js';

/** `<source>-drill-<short>`: obviously a drill, unique per run, a valid instance name (at most 63). */
export function drillInstanceName(source: string, now: Date): string {
  const short = now.getTime().toString(36).slice(-6);
  const head = source.slice(0, 63 - '-drill-'.length - short.length).replace(/-+$/, '');
  return `${head}-drill-${short}`;
}

export interface DrillCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export interface DrillVerdict {
  backup: string;
  instance: string;
  /** The throwaway instance (removed again). */
  drill: string;
  database: string;
  ok: boolean;
  checks: DrillCheck[];
  /** Attachment rows whose file is not in the filestore (the first 20). */
  missing: string[];
  /** What the drill could not remove. */
  left: string[];
  startedAt: string;
  seconds: number;
}

export interface DrillPlan extends CopyPlan {
  set: BackupSetInfo;
  objects: InstanceObject[];
  drillJob: BuiltJob;
  baseUrl: string;
}

/** What the drill Job printed (pure). */
export function parseDrillLog(log: string): { checks: DrillCheck[]; missing: string[]; neutralized: string[] } {
  const checks: DrillCheck[] = [];
  const missing: string[] = [];
  const neutralized: string[] = [];
  for (const line of log.split('\n')) {
    const m = /^CHECK (\S+) (ok|fail) ?(.*)$/.exec(line);
    if (m) checks.push({ check: m[1], ok: m[2] === 'ok', detail: m[3] });
    else if (line.startsWith('MISSING ')) missing.push(line.slice('MISSING '.length));
    else if (line.startsWith('NEUTRALIZE ')) neutralized.push(line.slice('NEUTRALIZE '.length));
  }
  if (!checks.length) checks.push({ check: 'neutralize', ok: false, detail: log.split('\n').find((l) => l.startsWith('ERROR '))?.slice(6) ?? 'the drill Job printed no results' });
  return { checks, missing, neutralized };
}

/** Plans the drill of a set (reads only): the throwaway instance's objects and the Jobs that fill and check it. */
export async function planDrill(deps: BackupDeps, opts: { namespace: string; backup: string; config: PluginConfig }): Promise<DrillPlan> {
  const ref = parseQualifiedBackupRef(opts.backup);
  const source = await resolveInstance(deps.kube, opts.namespace, ref.instance);
  await ensureBackupsPvc(deps, opts.namespace);
  const set = await findBackupSet(deps, opts.namespace, ref);
  if (!set.manifest) throw new UsageError(`${set.path} is not a complete backup set; a drill needs one`);
  const name = drillInstanceName(source.name, deps.clock.now());
  const spec = { ...copySpecOf(source, { name, namespace: opts.namespace, dataBytes: set.manifest.dataBytes, config: opts.config }), labels: { [DRILL_LABEL]: source.name.slice(0, 63) } };
  if (spec.ingress !== 'none') throw new FailureError(`a drill has no Ingress, but ${name} would get one`);
  const plan = copyPlanFor(deps, { namespace: opts.namespace, source, set, spec });
  const baseUrl = `http://${serviceDns(name, opts.namespace)}:8069`;
  const drillJob = buildDrillJob(plan.target, { opId: plan.opId, baseUrl }, { ...deps.settings, image: plan.job.spec.template.spec.containers[0].image });
  return { ...plan, drillJob, baseUrl };
}

/** Runs the drill Job; its log also when a failed check made it fail. */
async function drillJobLog(deps: BackupDeps, plan: DrillPlan): Promise<string> {
  try {
    const r = await runJob(deps.kube, plan.drillJob, {
      namespace: plan.namespace,
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: deps.settings.deadlineSeconds * 1000 + 120_000,
      what: `the drill checks of ${plan.spec.name}`,
      keep: 'none',
      onLine: makeProgressReporter(deps.progress, () => deps.clock.now().getTime()),
      onStatus: (s) => deps.progress(`  ${s}`),
    });
    return r.log;
  } catch (e) {
    if (!(e instanceof JobFailedError)) throw e;
    return e.result.log;
  }
}

/**
 * Runs the drill and returns its verdict; everything it created is removed before it returns. Throws a
 * CancelledError (after that removal) when interrupted.
 */
export async function runDrill(deps: BackupDeps, plan: DrillPlan): Promise<DrillVerdict> {
  const { spec, set } = plan;
  const started = deps.clock.now();
  const checks: DrillCheck[] = [];
  let missing: string[] = [];
  const made: CopyProgress = { databaseCreated: false };
  let interrupted = false;
  const lock = await acquireInstanceLock(deps.kube, { namespace: plan.namespace, instance: spec.name, operation: 'drill', holder: deps.holder, clock: deps.clock });
  let step = 'restore';
  try {
    await createAndFillCopy(deps, plan, made);
    checks.push({ check: 'restore', ok: true, detail: `${set.path} restored into ${spec.name} (database ${spec.database}, own volume, no Ingress)` });
    step = 'neutralize';
    deps.progress(`neutralizing ${spec.name} and checking its attachments`);
    const out = parseDrillLog(await drillJobLog(deps, plan));
    for (const n of out.neutralized) deps.progress(`  ${n}`);
    checks.push(...out.checks);
    missing = out.missing;
    if (out.checks.some((c) => c.check === 'neutralize' && !c.ok)) {
      checks.push({ check: 'web-health', ok: false, detail: 'not started: its database could not be neutralized' });
    } else {
      step = 'web-health';
      await startCopy(deps, spec);
      await waitForWebHealth(deps, spec, { interrupted: 'the drill was not finished', timedOut: `${spec.name} was started` });
      checks.push({ check: 'web-health', ok: true, detail: `${spec.name} started; /web/health answered 200` });
    }
  } catch (e) {
    // Every failure lands here, so what follows (the removal) always runs.
    interrupted = e instanceof CancelledError || !!deps.signal?.aborted;
    if (!interrupted) checks.push({ check: step, ok: false, detail: (e as Error).message });
  }
  deps.progress(`removing ${spec.name}${made.databaseCreated ? ` and database ${spec.database}` : ''}`);
  const left = await undoCopy(deps, plan, made).catch((e) => [`${spec.name}'s objects (${(e as Error).message})`]);
  await lock.release().catch(() => {});
  const removed = left.length ? `could not remove ${left.join(', ')}; remove them by hand (kubectl get all,pvc -l ${DRILL_LABEL}=${spec.labels?.[DRILL_LABEL]})` : `${spec.name}'s Deployment, Service, volume and Jobs${made.databaseCreated ? ` and database ${spec.database}` : ''} removed`;
  if (interrupted) throw new CancelledError(`interrupted: the drill of ${set.path} was stopped; ${removed}`);
  checks.push({ check: 'cleanup', ok: !left.length, detail: removed });
  const verdict: DrillVerdict = {
    backup: set.path,
    instance: plan.source,
    drill: spec.name,
    database: spec.database,
    ok: checks.every((c) => c.ok),
    checks,
    missing,
    left,
    startedAt: started.toISOString(),
    seconds: Math.round((deps.clock.now().getTime() - started.getTime()) / 1000),
  };
  await recordDrill(deps, plan.namespace, plan.source, verdict);
  return verdict;
}

/** Records the verdict on the instance's Deployment (metadata only: no rollout); a failure to is said, not fatal. */
async function recordDrill(deps: BackupDeps, namespace: string, instance: string, v: DrillVerdict): Promise<void> {
  const failed = v.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`);
  const record: DrillRecord = { backup: v.backup, at: v.startedAt, ok: v.ok, ...(failed.length ? { failed } : {}) };
  try {
    await deps.kube.patch(RESOURCES.deployments, instance, { metadata: { annotations: { [LAST_DRILL_ANNOTATION]: JSON.stringify(record) } } }, { namespace });
  } catch (e) {
    deps.progress(`warning: could not record the drill on deployment ${instance}: ${(e as Error).message}`);
  }
}

/** Whether a scheduled run is due to drill: no drill yet, or the last one is older than the cadence (pure). */
export function drillDue(last: DrillRecord | undefined, cadence: DrillCadence, now: Date): boolean {
  if (!last) return true;
  const at = Date.parse(last.at);
  // A little under the cadence, so a daily run at a drifting minute still drills once a week.
  return !Number.isFinite(at) || now.getTime() - at >= DRILL_CADENCES[cadence] * 86_400_000 - 3_600_000;
}
