// What shell, psql and odoo-shell share: resolve the instance, find its running Odoo container, run one
// command attached to the user's terminal.
import type { CommandContext } from '../../cli/context.js';
import { instanceNamespace } from './instance.js';
import { validateInstanceReference } from '../../instances/names.js';
import type { InstanceObjects } from '../../instances/resolve.js';
import type { KubeClient } from '../../../lib/kube/client.js';

export async function resolveForSession(ctx: CommandContext, command: string, name: string): Promise<{ kube: KubeClient; inst: InstanceObjects }> {
  const ref = validateInstanceReference(name);
  const kube = await ctx.kube();
  const { resolveInstance } = await import('../../instances/resolve.js');
  return { kube, inst: await resolveInstance(kube, instanceNamespace(ctx), ref) };
}

/** resolveForSession for a command whose toOptions already checked the name and the namespace. */
export async function resolveSessionInstance(ctx: CommandContext, namespace: string, name: string): Promise<{ kube: KubeClient; inst: InstanceObjects }> {
  const kube = await ctx.kube();
  const { resolveInstance } = await import('../../instances/resolve.js');
  return { kube, inst: await resolveInstance(kube, namespace, name) };
}
