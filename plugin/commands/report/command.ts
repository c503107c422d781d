// kubectl odoo report NAME | -l SELECTOR | --all: the support bundle (see oncall/report.ts).
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defineCommand } from '../../cli/command.js';
import type { CommandContext } from '../../cli/context.js';
import { showScreen } from '../../cli/output.js';
import { DeclinedError, UsageError } from '../../../lib/errors.js';
import { completeInstanceName, parseTail } from '../support/instance.js';
import { checkFleetArgs, fleetTargetsOf, type FleetArgs, type FleetTargets } from '../support/fleetTargets.js';
import { bundleFormatOf, type BundleFormat } from '../../oncall/bundleArchive.js';
import type { InstanceObjects } from '../../instances/resolve.js';
import type { ReportDeps, ReportOptions } from '../../oncall/report.js';

interface ReportArgs extends FleetArgs {
  file?: string;
  logs: boolean;
  tail?: number;
  includeSecrets: boolean;
}

interface ReportCommandOptions {
  targets: FleetTargets;
  /** -f, checked; absent: report-<label>-<time>.zip, named when the run starts. */
  file?: { path: string; format: BundleFormat };
  /** What the default file is named after: NAME, else the namespace. */
  label: string;
  logs: boolean;
  tail?: number;
  includeSecrets: boolean;
  yes: boolean;
  /** The command as README.txt records it. */
  command: string;
}

/** The bundle's file: a .zip or .tar.gz that does not exist yet, in a folder that does. */
function checkBundleFile(file: string, given: string | undefined): BundleFormat {
  const format = bundleFormatOf(file);
  if (!format) throw new UsageError(`-f ${given}: the bundle is a .zip or a .tar.gz (or .tgz) file`);
  if (existsSync(file)) throw new UsageError(`${file} exists: give another -f, or remove it first`);
  if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory()) throw new UsageError(`-f ${given}: folder ${dirname(file)} does not exist`);
  return format;
}

/** 20261203T124500Z: sorts, and is a file name everywhere. */
function fileTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * The screens, as status, storage, backups and config get produce them, without colour. For many
 * instances the backups volume is listed once (one Job), not once per instance.
 */
async function reportDeps(ctx: CommandContext, many: boolean): Promise<ReportDeps> {
  const { makeColors } = await import('../../core/output/colors.js');
  const { collectStatusReport, renderStatusReport } = await import('../../instances/statusReport.js');
  const { lastBackupOf: lastBackupProvider } = await import('../../backups/lastBackup.js');
  const { operationStatus } = await import('../../backups/recover.js');
  const { describeStorage } = await import('../../storage/run.js');
  const { kubeExec } = await import('../../storage/podExec.js');
  const { renderInstanceStorage, storageThresholds } = await import('../storage/command.js');
  const { backupRows } = await import('../backups/command.js');
  const { backupDeps } = await import('../support/backupDeps.js');
  const { listBackupSets, resolveBackupScope } = await import('../../backups/list.js');
  const { renderTable } = await import('../../core/output/table.js');
  const { withInstanceFiles } = await import('../../storage/volumePod.js');
  const { readPodFile } = await import('../../odooconf/remoteFile.js');
  const { odooConfPath } = await import('../../odooconf/run.js');
  const kube = await ctx.kube();
  const exec = kubeExec(kube);
  const plain = makeColors(false);
  const files = { kube, exec, clock: ctx.clock, signal: ctx.signal, progress: ctx.progress };
  let backups: Awaited<ReturnType<typeof backupDeps>> | undefined;
  let everySet: Promise<Awaited<ReturnType<typeof listBackupSets>>> | undefined;
  return {
    kube,
    clock: ctx.clock,
    signal: ctx.signal,
    progress: ctx.progress,
    agentNamespace: ctx.config.agentNamespace,
    async status(inst) {
      const now = ctx.clock.now();
      const report = await collectStatusReport(kube, inst.namespace, inst.name, { now, lastBackup: lastBackupProvider, operation: operationStatus });
      return { text: renderStatusReport(report, plain, now), data: report };
    },
    async storage(inst) {
      const s = await describeStorage(files, { namespace: inst.namespace, name: inst.name, measure: false, thresholds: storageThresholds(ctx), agentNamespace: ctx.config.agentNamespace });
      return { text: renderInstanceStorage({ colors: plain }, s), data: s };
    },
    async backups(inst) {
      backups ??= await backupDeps(ctx);
      const b = backups;
      const sets = many
        ? (await (everySet ??= listBackupSets(b, { namespace: inst.namespace }, { platform: true }))).filter((s) => s.instance === inst.name || s.instances?.includes(inst.name))
        : await listBackupSets(b, await resolveBackupScope(b, { namespace: inst.namespace, instance: inst.name }), { platform: true });
      const { rows, columns } = backupRows({ clock: ctx.clock, colors: plain }, sets);
      return { text: rows.length ? renderTable(rows, columns, { aligned: true, wide: true }) : `No backups found for instance ${inst.name}.\n`, data: sets.map((s) => ({ ...s, time: s.time.toISOString() })) };
    },
    async odooConf(inst: InstanceObjects) {
      const path = odooConfPath(inst);
      return { path, text: await withInstanceFiles(files, inst, (t) => readPodFile(exec, t, path)) };
    },
  };
}

export const reportCommand = defineCommand<ReportArgs, ReportCommandOptions>({
  command: 'report [name]',
  scope: 'namespace',
  describe: 'Write a support bundle (.zip or .tar.gz) of an instance: objects, events, status, storage, logs, odoo.conf, backups, node summary; secrets redacted',
  outputs: ['table', 'json', 'yaml'],
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name, instance id or platform Deployment name' })
      .option('selector', { alias: 'l', type: 'string', describe: 'Every instance whose Deployment matches this label selector' })
      .option('all', { type: 'boolean', default: false, describe: 'Every instance of the namespace' })
      .option('file', { alias: 'f', type: 'string', describe: 'The bundle to write: .zip or .tar.gz (default report-<name>-<time>.zip in the current folder)' })
      .option('logs', { type: 'boolean', default: false, describe: 'Also collect the container logs (and the previous container\'s after a restart)' })
      .option('tail', { type: 'string', requiresArg: true, describe: 'With --logs: only the last N lines of each log' })
      .option('include-secrets', { type: 'boolean', default: false, describe: 'Put Secret values and odoo.conf passwords in clear into the bundle (asks first)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'With --include-secrets: do not ask' }),
  complete: completeInstanceName,
  toOptions(ctx, args) {
    checkFleetArgs('report', args);
    const tail = args.tail !== undefined ? parseTail(args.tail) : undefined;
    if (tail !== undefined && !args.logs) throw new UsageError('--tail goes with --logs');
    const label = args.name ?? ctx.namespace();
    let file: ReportCommandOptions['file'];
    if (args.file !== undefined) {
      const path = resolve(args.file);
      file = { path, format: checkBundleFile(path, args.file) };
    }
    if (args.includeSecrets && !args.yes && !ctx.interactive) {
      throw new UsageError('--include-secrets puts Secret values in clear into the bundle: it asks first, and without a terminal needs --yes');
    }
    const targets = fleetTargetsOf(ctx, 'report', args);
    const command = `kubectl odoo report ${args.name ?? (args.selector !== undefined ? `-l ${args.selector}` : '--all')}${args.logs ? ' --logs' : ''}${tail !== undefined ? ` --tail ${tail}` : ''}${args.includeSecrets ? ' --include-secrets' : ''}`;
    return { targets, file, label, logs: args.logs, tail, includeSecrets: args.includeSecrets, yes: !!args.yes, command };
  },
  async run(args, ctx) {
    const { resolveTargets } = await import('../support/fleetTargets.js');
    const { writeBundle } = await import('../../oncall/bundleArchive.js');
    const started = ctx.clock.now();
    // The default name carries the time the run started.
    const file = args.file?.path ?? resolve(`report-${args.label.replace(/[^A-Za-z0-9._-]/g, '_')}-${fileTime(started)}.zip`);
    const format = args.file?.format ?? checkBundleFile(file, undefined);
    const { instances, many } = await resolveTargets(ctx, args.targets);
    if (many && !instances.length) {
      ctx.io.stderr.write(`No instances found in namespace ${ctx.namespace()}; no bundle was written.\n`);
      return;
    }
    if (args.includeSecrets && !args.yes) {
      if (!(await ctx.confirm(`The bundle will hold the Secret values and odoo.conf passwords of ${instances.map((i) => i.name).join(', ')} in clear.`, 'yes'))) {
        throw new DeclinedError('not confirmed; no bundle was written');
      }
    }
    const { collectInstanceBundle, renderReadme, writeFileAtomic } = await import('../../oncall/report.js');
    const { whoAmI } = await import('../support/backupDeps.js');
    const { pluginVersion } = await import('../../core/buildInfo.js');
    const deps = await reportDeps(ctx, many);
    const opts: ReportOptions = { logs: args.logs, tail: args.tail, includeSecrets: args.includeSecrets };
    const root = (file.split('/').pop() ?? 'report').replace(/\.(zip|tar\.gz|tgz)$/i, '');
    const bundles = [];
    for (const inst of instances) bundles.push(await collectInstanceBundle(deps, inst, opts, `${root}/${inst.name}`));
    const readme = renderReadme({
      createdAt: started,
      by: whoAmI(),
      toolVersion: pluginVersion(),
      context: ctx.globals.context ?? '(the kubeconfig\'s current context)',
      namespace: ctx.namespace(),
      command: args.command,
      opts,
      bundles,
    });
    writeFileAtomic(file, writeBundle(format, [{ path: `${root}/README.txt`, content: readme }, ...bundles.flatMap((b) => b.files)], started));
    const errors = bundles.flatMap((b) => b.errors.map((e) => `${b.instance}: ${e}`));
    for (const e of errors) ctx.io.stderr.write(`warning: not collected: ${e}\n`);
    const written = `support bundle of ${bundles.length} instance(s) written${errors.length ? `; ${errors.length} part(s) could not be collected (listed in README.txt)` : ''}`;
    return showScreen(`${file}\n`, { file, format, instances: bundles.map((b) => b.instance), errors, secretsIncluded: args.includeSecrets }, { notes: ctx.globals.output === 'table' ? [written] : [] });
  },
});
