import { lifecycleCommand } from '../lifecycle.js';

export const stopCommand = lifecycleCommand({
  verb: 'stop',
  describe: 'Stop an instance (scale its Deployment to 0; the volume stays)',
  done: 'stopped',
  already: 'stopped',
  act: async (ctx, namespace, name, dryRun) => (await import('../../instances/lifecycle.js')).setReplicas(await ctx.kube(), namespace, name, 0, dryRun),
});
