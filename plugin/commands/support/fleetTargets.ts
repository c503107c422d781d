// NAME, -l SELECTOR or --all: the instances a command acts on, and the list shown before acting on many.
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { UsageError, DeclinedError } from '../../../lib/errors.js';
import type { KubeClient } from '../../../lib/kube/client.js';
import { RESOURCES } from '../../../lib/kube/resources.js';
import { instanceNamespace } from './instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import type { InstanceObjects } from '../../instances/resolve.js';
import { validateLabelSelector } from '../../instances/selector.js';

export interface FleetArgs {
  name?: string;
  selector?: string;
  all?: boolean;
  yes?: boolean;
}

/** Checks that exactly one of NAME, -l and --all was given (before anything is read). */
export function checkFleetArgs(command: string, args: FleetArgs): void {
  const given = [args.name !== undefined, args.selector !== undefined, !!args.all].filter(Boolean).length;
  if (given === 0) throw new UsageError(`${command} needs an instance: NAME, -l SELECTOR or --all`);
  if (given > 1) throw new UsageError(`${command} takes one of NAME, -l SELECTOR or --all, not several`);
}

/** NAME, -l or --all, checked: what resolveTargets looks up. */
export interface FleetTargets {
  namespace: string;
  /** The instance reference of NAME. */
  name?: string;
  /** -l, normalised. */
  selector?: string;
}

/** Checks NAME, -l and --all and the namespace, before anything is read (for toOptions). */
export function fleetTargetsOf(ctx: OptionsContext, command: string, args: FleetArgs): FleetTargets {
  checkFleetArgs(command, args);
  const namespace = instanceNamespace(ctx);
  const selector = args.selector !== undefined ? validateLabelSelector(args.selector) : undefined;
  const name = args.name !== undefined ? validateInstanceReference(args.name) : undefined;
  return { namespace, ...(name !== undefined ? { name } : {}), ...(selector !== undefined ? { selector } : {}) };
}

/** The instances of checked targets (fleetTargetsOf), or of NAME, -l or --all checked here. */
export async function resolveTargets(ctx: CommandContext, targets: FleetTargets): Promise<{ kube: KubeClient; instances: InstanceObjects[]; many: boolean }>;
export async function resolveTargets(ctx: CommandContext, command: string, args: FleetArgs): Promise<{ kube: KubeClient; instances: InstanceObjects[]; many: boolean }>;
export async function resolveTargets(ctx: CommandContext, targetsOrCommand: FleetTargets | string, args?: FleetArgs): Promise<{ kube: KubeClient; instances: InstanceObjects[]; many: boolean }> {
  const targets = typeof targetsOrCommand === 'string' ? fleetTargetsOf(ctx, targetsOrCommand, args!) : targetsOrCommand;
  const { namespace, selector, name: ref } = targets;
  const kube = await ctx.kube();
  if (ref !== undefined) {
    const { resolveInstance } = await import('../../instances/resolve.js');
    return { kube, instances: [await resolveInstance(kube, namespace, ref)], many: false };
  }
  const { listInstances } = await import('../../instances/resolveFleet.js');
  const { collectInstanceObjects } = await import('../../instances/resolve.js');
  const { isDrillInstance } = await import('../../instances/labels.js');
  const listed = await listInstances(kube, { namespace, labelSelector: selector });
  // A restore drill's throwaway instance is removed within minutes, and the drill owns it: -l and
  // --all leave it alone, as fleet backups do.
  const own = listed.filter((i) => !isDrillInstance(i.deployment));
  // The listing is slimmed; the work needs each Deployment whole.
  const instances: InstanceObjects[] = [];
  for (const i of own.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    instances.push(await collectInstanceObjects(kube, await kube.get(RESOURCES.deployments, i.name, namespace)));
  }
  return { kube, instances, many: true };
}

/** Shows the instances and asks before acting on many of them (as cnpg maintenance set does). */
export async function confirmMany(ctx: CommandContext, what: string, instances: InstanceObjects[], yes: boolean | undefined, describe: (i: InstanceObjects) => string): Promise<void> {
  ctx.io.stderr.write(`${what} ${instances.length} instance(s) in namespace ${ctx.namespace()}:\n`);
  for (const i of instances) ctx.io.stderr.write(`  ${i.name}  ${describe(i)}\n`);
  if (yes) return;
  if (!(await ctx.confirm(`${what} these ${instances.length} instance(s)?`, 'yes'))) throw new DeclinedError();
}
