import { defineCommand } from '../../cli/command.js';
import { showScreen } from '../../cli/output.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { validateInstanceReference } from '../../instances/names.js';

interface StatusArgs {
  name: string;
}

interface StatusOptions {
  name: string;
  namespace: string;
}

export const statusCommand = defineCommand<StatusArgs, StatusOptions>({
  command: 'status <name>',
  scope: 'instance',
  outputs: ['table', 'json', 'yaml'],
  describe: 'Is the instance healthy: workload, pod, storage, network and recent warnings',
  builder: (y) => y.positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    return { name: validateInstanceReference(args.name), namespace: instanceNamespace(ctx) };
  },
  async run(opts, ctx) {
    const kube = await ctx.kube();
    const { collectStatusReport, renderStatusReport } = await import('../../instances/statusReport.js');
    const { lastBackupOf: lastBackupProvider } = await import('../../backups/lastBackup.js');
    const now = ctx.clock.now();
    const { operationStatus } = await import('../../backups/recover.js');
    const { scheduleStatusOf } = await import('../../backups/scheduleStatus.js');
    const report = await collectStatusReport(kube, opts.namespace, opts.name, { now, lastBackup: lastBackupProvider, operation: operationStatus, schedule: scheduleStatusOf });
    return showScreen(renderStatusReport(report, ctx.colors, now), report);
  },
});
