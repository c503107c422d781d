import type { Argv } from 'yargs';
import { defineCommand, type CommandDef } from '../../cli/command.js';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { showScreen, showText, type CommandOutput } from '../../cli/output.js';
import { FailureError } from '../../../lib/errors.js';
import { completeInstanceName, instanceNamespace } from '../support/instance.js';
import { fleetTargetsOf, type FleetArgs, type FleetTargets } from '../support/fleetTargets.js';
import { backupConfigOf, type BackupConfig } from '../support/backupDeps.js';
import { validateInstanceReference } from '../../instances/names.js';

const fleetOptions = (y: Argv) =>
  y
    .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
    .option('selector', { alias: 'l', type: 'string', describe: 'Every instance whose Deployment matches this label selector' })
    .option('all', { type: 'boolean', default: false, describe: 'Every instance of the namespace' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Act on the listed instances without asking' });

interface FleetOptions {
  targets: FleetTargets;
  yes: boolean;
  backup: BackupConfig;
}

function fleetOptionsOf(ctx: OptionsContext, args: FleetArgs, mode: 'on' | 'off'): FleetOptions {
  const targets = fleetTargetsOf(ctx, `maintenance ${mode}`, args);
  return { targets, yes: !!args.yes, backup: backupConfigOf(ctx) };
}

async function runOnFleet(ctx: CommandContext, args: FleetOptions, mode: 'on' | 'off'): Promise<CommandOutput | void> {
  const { resolveTargets, confirmMany } = await import('../support/fleetTargets.js');
  const { maintenanceOn, maintenanceOff } = await import('../../oncall/maintenance.js');
  const { backupDeps } = await import('../support/backupDeps.js');
  const { deriveInstanceStatus, statusText } = await import('../../instances/status.js');
  const { instances, many } = await resolveTargets(ctx, args.targets);
  if (many) {
    if (!instances.length) {
      ctx.io.stderr.write(`No instances found in namespace ${ctx.namespace()}.\n`);
      return;
    }
    const now = ctx.clock.now();
    await confirmMany(ctx, mode === 'on' ? 'Put in maintenance' : 'End the maintenance of', instances, args.yes, (i) => statusText(deriveInstanceStatus({ deployment: i.deployment, pods: i.pods }, now)));
  }
  const deps = await backupDeps(ctx, args.backup);
  const failed: string[] = [];
  const results: unknown[] = [];
  for (const inst of instances) {
    try {
      const r = mode === 'on' ? await maintenanceOn(deps, inst) : await maintenanceOff(deps, inst);
      results.push({ instance: r.instance, namespace: inst.namespace, maintenance: mode === 'on', changed: r.changed, pod: r.pod, replicas: r.replicas });
      if (ctx.globals.output === 'table') {
        const line =
          mode === 'on'
            ? r.changed
              ? `instance/${r.instance} is in maintenance: stopped (it had ${r.replicas} ${r.replicas === 1 ? 'replica' : 'replicas'}); "kubectl odoo maintenance shell ${r.instance}" opens a shell in pod ${r.pod}`
              : `instance/${r.instance} is already in maintenance (pod ${r.pod})`
            : r.changed
              ? `instance/${r.instance}: maintenance ended, pod ${r.pod} removed, started again (${r.replicas} ${r.replicas === 1 ? 'replica' : 'replicas'})`
              : `instance/${r.instance} is not in maintenance`;
        // Each instance's line as it is done: a fleet takes a while, and a later failure must not hide it.
        await ctx.show(showText(`${line}\n`));
      }
    } catch (e) {
      if (!many) throw e;
      failed.push(inst.name);
      ctx.io.stderr.write(`error: ${inst.name}: ${(e as Error).message}\n`);
    }
  }
  return showScreen('', many ? results : results[0], {
    failure: failed.length ? new FailureError(`maintenance ${mode} failed for ${failed.length} of ${instances.length} instance(s): ${failed.join(', ')}`) : undefined,
  });
}

interface ShellArgs {
  name: string;
  command?: string;
}

interface ShellOptions {
  name: string;
  namespace: string;
  command?: string;
}

export const maintenanceCommand: CommandDef = {
  command: 'maintenance',
  describe: 'Fence an instance: stop it and give it a maintenance pod with its volume and database settings',
  subcommands: [
    defineCommand<FleetArgs, FleetOptions>({
      command: 'on [name]',
      scope: 'namespace',
      describe: 'Stop the instance and start its maintenance pod; start refuses until "maintenance off"',
      outputs: ['table', 'json', 'yaml'],
      builder: fleetOptions,
      complete: completeInstanceName,
      toOptions: (ctx, args) => fleetOptionsOf(ctx, args, 'on'),
      run: (opts, ctx) => runOnFleet(ctx, opts, 'on'),
    }),
    defineCommand<FleetArgs, FleetOptions>({
      command: 'off [name]',
      scope: 'namespace',
      describe: 'Remove the maintenance pod and give the instance back its replicas from before',
      outputs: ['table', 'json', 'yaml'],
      builder: fleetOptions,
      complete: completeInstanceName,
      toOptions: (ctx, args) => fleetOptionsOf(ctx, args, 'off'),
      run: (opts, ctx) => runOnFleet(ctx, opts, 'off'),
    }),
    defineCommand<ShellArgs, ShellOptions>({
      command: 'shell <name>',
      scope: 'instance',
      describe: 'Open a shell in the maintenance pod (-c CMD runs one command)',
      outputs: ['table'],
      stream: true,
      builder: (y) =>
        y
          .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
          .option('command', { alias: 'c', type: 'string', describe: 'Run this command with sh -c instead of an interactive shell; its exit code is ours' }),
      complete: completeInstanceName,
      toOptions: (ctx, args) => ({ name: validateInstanceReference(args.name), namespace: instanceNamespace(ctx), command: args.command }),
      async run(args, ctx) {
        const { resolveForSession } = await import('../support/attach.js');
        const { runAttached, LOGIN_SHELL } = await import('../../oncall/session.js');
        const { maintenancePodName } = await import('../../oncall/maintenance.js');
        const { maintenanceRecordOf } = await import('../../instances/status.js');
        const { ConflictError } = await import('../../../lib/errors.js');
        const { kube, inst } = await resolveForSession(ctx, 'maintenance shell', args.name);
        const record = maintenanceRecordOf(inst.deployment);
        if (!record) throw new ConflictError(`instance ${inst.name} is not in maintenance`, { hint: `"kubectl odoo maintenance on ${inst.name}" starts one; "kubectl odoo shell ${inst.name}" opens a shell in the running instance` });
        const target = { namespace: inst.namespace, pod: record.pod ?? maintenancePodName(inst.name), container: inst.facts.container };
        await runAttached(kube, ctx.io, { target, command: ['sh', '-c', args.command ?? LOGIN_SHELL], signal: ctx.signal });
      },
    }),
  ],
};
