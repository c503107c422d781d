// Where psql runs: in the instance's Odoo container when it has psql, else in a short-lived pod with
// the same database variables (deleted afterwards, whatever happens).
import { randomBytes } from 'node:crypto';
import type { CommandContext } from '../../cli/context.js';
import type { KubeClient } from '../../../lib/kube/client.js';
import { RESOURCES } from '../../../lib/kube/resources.js';
import type { InstanceObjects } from '../../instances/resolve.js';
import type { PodTarget } from '../../odooconf/remoteFile.js';
import { waitForPodRunning } from '../../storage/volumePod.js';
import { buildPsqlPod, dbEnvironmentOf, HAS_PSQL, psqlCommand, requirePassword } from '../../oncall/psql.js';
import { runAttached, whyNotRunning } from '../../oncall/session.js';
import { admitHelperPod } from '../../../lib/kube/podSecurity.js';

export interface PsqlRun {
  /** psql's own arguments (-c SQL, -f -). */
  args: string[];
  /** What psql reads on stdin instead of the user's input (a script file). */
  input?: Buffer;
}

/** The running Odoo container, when there is one; undefined when the instance does not run. */
async function containerWithPsql(kube: KubeClient, target: PodTarget | undefined, signal: AbortSignal): Promise<PodTarget | undefined> {
  if (!target) return undefined;
  const { execInPod } = await import('../../../lib/kube/exec.js');
  const probe = await execInPod(kube, { ...target, command: HAS_PSQL, signal });
  return probe.exitCode === 0 ? target : undefined;
}

export async function runPsql(ctx: CommandContext, kube: KubeClient, inst: InstanceObjects, running: PodTarget | undefined, run: PsqlRun): Promise<void> {
  const db = dbEnvironmentOf(inst.deployment);
  requirePassword(inst, db);
  const command = psqlCommand(db, inst.facts.database, run.args);
  const inContainer = await containerWithPsql(kube, running, ctx.signal);
  if (inContainer) {
    await runAttached(kube, ctx.io, { target: inContainer, command, input: run.input, signal: ctx.signal });
    return;
  }
  const pod = buildPsqlPod(inst, db, String(ctx.config.psqlImage), randomBytes(3).toString('hex'));
  ctx.progress(`${running ? `the Odoo container of ${inst.name} has no psql` : whyNotRunning(inst)}: starting pod ${pod.metadata.name} with psql`);
  await admitHelperPod(kube, inst.namespace, pod.spec, `the psql pod of ${inst.name}`);
  await kube.create(RESOURCES.pods, pod, { namespace: inst.namespace });
  try {
    await waitForPodRunning({ kube, clock: ctx.clock, signal: ctx.signal, progress: (m) => ctx.progress(m) }, inst.namespace, pod.metadata.name);
    await runAttached(kube, ctx.io, { target: { namespace: inst.namespace, pod: pod.metadata.name, container: 'psql' }, command, input: run.input, signal: ctx.signal });
  } finally {
    await kube.deleteIfExists(RESOURCES.pods, pod.metadata.name, { namespace: inst.namespace }).catch(() => undefined);
  }
}
