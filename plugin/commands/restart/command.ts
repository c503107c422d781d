import { lifecycleCommand } from '../lifecycle.js';

export const restartCommand = lifecycleCommand({
  verb: 'restart',
  describe: 'Restart an instance with a new pod',
  done: 'restarted',
  already: 'restarted',
  act: async (ctx, namespace, name, dryRun) => (await import('../../instances/lifecycle.js')).restartInstance(await ctx.kube(), namespace, name, ctx.clock.now(), dryRun),
});
