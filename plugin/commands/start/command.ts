import { lifecycleCommand } from '../lifecycle.js';

export const startCommand = lifecycleCommand({
  verb: 'start',
  describe: 'Start a stopped instance (scale its Deployment to 1)',
  done: 'started',
  already: 'running',
  act: async (ctx, namespace, name, dryRun) => (await import('../../instances/lifecycle.js')).setReplicas(await ctx.kube(), namespace, name, 1, dryRun),
});
