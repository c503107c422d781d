// kubectl odoo config get|set: read and change odoo.conf keys of an instance.
import { defineCommand, type CommandDef } from '../../cli/command.js';
import { completeInstanceName, instanceNamespace, refuseWhileBusy, waitTimeout } from '../support/instance.js';
import type { CommandContext } from '../../cli/context.js';
import { showScreen, showTable, showText } from '../../cli/output.js';
import { validateInstanceReference } from '../../instances/names.js';
import { parseAssignments, type Assignment } from '../../odooconf/edit.js';

interface GetArgs {
  name: string;
  key?: string;
  showSecrets: boolean;
}

interface SetArgs {
  name: string;
  assignments: string[];
  restart: boolean;
  dryRun: boolean;
  showSecrets: boolean;
  allowEmpty: boolean;
  timeout?: string;
}

interface GetOptions {
  name: string;
  namespace: string;
  key?: string;
  showSecrets: boolean;
}

interface SetOptions {
  name: string;
  namespace: string;
  assignments: Assignment[];
  restart: boolean;
  dryRun: boolean;
  showSecrets: boolean;
  /** How long --restart waits for readiness. */
  timeoutMs: number;
}

async function deps(ctx: CommandContext) {
  const kube = await ctx.kube();
  const { kubeExec } = await import('../../storage/podExec.js');
  return { kube, exec: kubeExec(kube), clock: ctx.clock, signal: ctx.signal, progress: ctx.progress };
}

const getCommand = defineCommand<GetArgs, GetOptions>({
  command: 'get <name> [key]',
  scope: 'instance',
  complete: completeInstanceName,
  describe: "Show an instance's odoo.conf options (secrets masked), or one option's value",
  outputs: ['table', 'wide', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name' })
      .positional('key', { type: 'string', describe: 'One option, e.g. db_host' })
      .option('show-secrets', { type: 'boolean', default: false, describe: 'Print admin_passwd, db_password and other secrets in clear' }),
  toOptions(ctx, args) {
    validateInstanceReference(args.name);
    return { name: args.name, namespace: instanceNamespace(ctx), key: args.key, showSecrets: args.showSecrets };
  },
  async run(args, ctx) {
    const { getConfig } = await import('../../odooconf/run.js');
    const { MASK } = await import('../../odooconf/secrets.js');
    const view = await getConfig(await deps(ctx), { namespace: args.namespace, name: args.name, key: args.key, showSecrets: args.showSecrets });
    for (const p of view.problems) ctx.io.stderr.write(`warning: ${view.path} ${p} (Odoo refuses to start with this file)\n`);
    if (view.masked.length) ctx.io.stderr.write(`note: ${view.masked.join(', ')} ${view.masked.length > 1 ? 'are secrets' : 'is a secret'}, shown as ${MASK}; --show-secrets prints ${view.masked.length > 1 ? 'them' : 'it'}\n`);
    if (args.key !== undefined && ctx.globals.output === 'table') return showText(`${view.entries[0].value}\n`);
    return showTable({
      rows: view.entries,
      columns: [
        { header: 'key', value: (e) => (e.section === 'options' ? e.key : `[${e.section}] ${e.key}`) },
        { header: 'value', value: (e) => e.value },
      ],
      data: { instance: view.instance, path: view.path, options: view.entries, problems: view.problems },
      empty: `${view.path} has no options`,
    });
  },
});

const setCommand = defineCommand<SetArgs, SetOptions>({
  command: 'set <name> <assignments..>',
  scope: 'instance',
  dryRun: { describe: 'Only show the diff' },
  complete: completeInstanceName,
  describe: 'Change odoo.conf options (KEY=VALUE ...); shows the diff, keeps odoo.conf.bak',
  // The diff on a terminal; -o json|yaml: what changed, with the (masked) diff.
  outputs: ['table', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name' })
      .positional('assignments', { type: 'string', array: true, describe: 'KEY=VALUE, e.g. db_host=pg-dedicated-1' })
      .option('restart', { type: 'boolean', default: false, describe: 'Restart the instance afterwards (Odoo reads odoo.conf only at start)' })
      .option('show-secrets', { type: 'boolean', default: false, describe: 'Show secret values in the diff' })
      .option('allow-empty', { type: 'boolean', default: false, describe: 'Allow an empty value for admin_passwd or another secret (e.g. admin_passwd=)' })
      .option('timeout', { type: 'string', describe: 'How long --restart waits for readiness (default from the config file, 10m)' }),
  toOptions(ctx, args) {
    validateInstanceReference(args.name);
    const assignments = parseAssignments((args.assignments ?? []).map(String), { allowEmpty: args.allowEmpty });
    return {
      name: args.name,
      namespace: instanceNamespace(ctx),
      assignments,
      restart: args.restart,
      dryRun: !!args.dryRun,
      showSecrets: args.showSecrets,
      timeoutMs: waitTimeout(ctx, args.timeout),
    };
  },
  async run(args, ctx) {
    const { assignments, timeoutMs } = args;
    const { unknownOptionWarning } = await import('../../odooconf/knownOptions.js');
    for (const a of assignments) {
      const warning = unknownOptionWarning(a.key);
      if (warning) ctx.io.stderr.write(`warning: ${warning}\n`);
    }
    await refuseWhileBusy(ctx, args.namespace, args.name);
    const { setConfig } = await import('../../odooconf/run.js');
    const d = await deps(ctx);
    const structured = ctx.globals.output === 'json' || ctx.globals.output === 'yaml';
    const r = await setConfig(d, {
      namespace: args.namespace,
      name: args.name,
      assignments,
      dryRun: args.dryRun,
      showSecrets: args.showSecrets,
      // The diff comes as soon as it is known: it stands whatever --restart brings after it.
      onDiff: structured ? undefined : (diff) => void ctx.show(showText(diff)),
    });
    let restarted = false;
    if (!r.changed) {
      ctx.progress(`${r.path} of ${r.instance} already has ${assignments.length > 1 ? 'these values' : 'this value'}; nothing to change`);
    } else if (!r.written) {
      ctx.progress('dry run: nothing written');
    } else {
      ctx.progress(`${r.path} of ${r.instance} written (previous version kept as ${r.path}.bak)`);
      if (!r.running) {
        ctx.progress(`${r.instance} is stopped; Odoo reads the new odoo.conf when it starts`);
      } else if (!args.restart) {
        ctx.progress(`Odoo reads odoo.conf only at start: the change takes effect after "kubectl odoo restart ${r.instance}" (or use --restart)`);
      } else {
        const { resolveInstance } = await import('../../instances/resolve.js');
        const { restartAndWait } = await import('../../instances/lifecycle.js');
        ctx.progress(`restarting ${r.instance} so Odoo reads the new odoo.conf`);
        const inst = await resolveInstance(d.kube, args.namespace, r.instance);
        await restartAndWait({ ...d, timeoutMs }, { namespace: inst.namespace, name: inst.name, podSelector: inst.facts.podSelector });
        restarted = true;
        ctx.progress(`${r.instance} is ready with the new odoo.conf`);
      }
    }
    return showScreen('', {
      instance: r.instance,
      namespace: args.namespace,
      path: r.path,
      changed: r.changed,
      written: r.written,
      restarted,
      changes: r.changes,
      diff: r.diff,
    });
  },
});

export const configCommand: CommandDef = {
  command: 'config',
  describe: "Read and change an instance's odoo.conf",
  subcommands: [getCommand, setCommand],
};
