// `kubectl odoo agent install|status|upgrade|uninstall`: flags are parsed and validated here; the objects
// come from agentObjects.ts, applying and removing them from agentInstall.ts, the status from agentStatus.ts.
import { agentNamespaceOf } from '../support/instance.js';
import type { Argv } from 'yargs';
import type { AgentObject } from './agentObjects.js';
import type { Read, Stored, V1ConfigMap, V1DaemonSet, V1Node, V1Pod, V1Secret } from '../../../lib/kube/models.js';
import { defineCommand, type CommandDef } from '../../cli/command.js';
import type { CommandContext, OptionsContext } from '../../cli/context.js';
import { DeclinedError, NotFoundError, UsageError } from '../../../lib/errors.js';
import { pluginVersion } from '../../core/buildInfo.js';
import { showObjects, showTable, showText, type CommandOutput } from '../../cli/output.js';
import type { AgentMode } from './agentObjects.js';

interface AgentArgs {
  'agent-namespace'?: string;
}
interface ApplyArgs extends AgentArgs {
  image?: string;
  /** false with --no-build (yargs reads --no-X as X=false). */
  build?: boolean;
  'dry-run': boolean;
}
interface UninstallArgs extends AgentArgs {
  yes: boolean;
  'dry-run': boolean;
}

/**
 * The agent's mode as the flags and the config file decide it: `installed` (upgrade without --image or
 * --no-build) keeps the mode of the installed DaemonSet, which only the cluster knows.
 */
type ModeChoice = { kind: 'image'; image: string } | { kind: 'no-build'; nodeImage: string } | { kind: 'installed'; nodeImage: string };

interface AgentOptions {
  /** Where the agent runs. */
  namespace: string;
}

interface ApplyOptions extends AgentOptions {
  dryRun: boolean;
  mode: ModeChoice;
  devices: string[];
  port: number;
}

interface UninstallOptions extends AgentOptions {
  yes: boolean;
  dryRun: boolean;
  /** agentNodeImage: the objects of a no-build install, which name every object any install makes. */
  nodeImage: string;
  devices: string[];
  port: number;
}

// A container image reference: [host[:port]/]path[:tag][@sha256:digest], lower case as registries require.
const IMAGE_REF = /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const agentNamespace = (ctx: OptionsContext, args: AgentArgs) => agentNamespaceOf(ctx, args['agent-namespace']);

function checkImage(image: string, what: string): string {
  if (!IMAGE_REF.test(image)) throw new UsageError(`${what} "${image}" is not an image reference: use [registry/]repository[:tag][@sha256:digest], in lower case`);
  return image;
}

function agentPort(ctx: OptionsContext): number {
  const port = Number(ctx.config.agentPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`config file: agentPort must be a port number from 1 to 65535, got ${ctx.config.agentPort}`);
  return port;
}

const noBuildImage = (ctx: OptionsContext) => checkImage(String(ctx.config.agentNodeImage), 'agentNodeImage (config file)');

/** --image, --no-build, else what is installed (upgrade), else agentImage of the config, else --no-build. */
function chooseMode(ctx: OptionsContext, args: ApplyArgs, upgrade: boolean): ModeChoice {
  const noBuildFlag = args.build === false;
  if (args.image !== undefined && noBuildFlag) throw new UsageError('--image and --no-build exclude each other: --image runs an image built from agent/Dockerfile, --no-build a stock Node.js image');
  if (args.image !== undefined) return { kind: 'image', image: checkImage(args.image, '--image') };
  if (noBuildFlag) return { kind: 'no-build', nodeImage: noBuildImage(ctx) };
  // --build says an image built from agent/Dockerfile runs: it has to be named.
  if (args.build === true && !ctx.config.agentImage) {
    throw new UsageError('--build needs the image built from agent/Dockerfile: give it with --image (or agentImage in the config file)');
  }
  // An upgrade finds the agent installed: agentNodeImage is checked only if it runs without an image.
  if (upgrade) return { kind: 'installed', nodeImage: String(ctx.config.agentNodeImage) };
  if (ctx.config.agentImage) return { kind: 'image', image: checkImage(String(ctx.config.agentImage), 'agentImage (config file)') };
  return { kind: 'no-build', nodeImage: noBuildImage(ctx) };
}

/** The devices the agent judges: the config file's, at least one. */
function agentDevices(ctx: OptionsContext): string[] {
  const devices = ctx.config.devices;
  if (!devices.length) throw new UsageError('config file: devices is empty: name at least one device for the agent to judge');
  return devices;
}

function applyOptionsOf(ctx: OptionsContext, args: ApplyArgs, upgrade: boolean): ApplyOptions {
  const mode = chooseMode(ctx, args, upgrade);
  return { namespace: agentNamespace(ctx, args), dryRun: !!args['dry-run'], mode, devices: agentDevices(ctx), port: agentPort(ctx) };
}

/** The mode the objects carry: the chosen one, or for `installed` the installed DaemonSet's. */
async function resolveMode(choice: ModeChoice, installed?: Read<V1DaemonSet>): Promise<AgentMode> {
  const { agentAssets } = await import('./assets.js');
  const noBuild = (nodeImage: string): AgentMode => ({ kind: 'no-build', nodeImage, agentScript: agentAssets().agent });
  if (choice.kind === 'image') return choice;
  if (choice.kind === 'no-build') return noBuild(choice.nodeImage);
  const { MODE_ANNOTATION } = await import('./agentObjects.js');
  const installedImage = installed?.spec?.template?.spec?.containers?.find((c) => c.name === 'agent')?.image;
  if (installed?.metadata?.annotations?.[MODE_ANNOTATION] === 'image' && installedImage) return { kind: 'image', image: installedImage };
  return noBuild(checkImage(choice.nodeImage, 'agentNodeImage (config file)'));
}

async function objectsToApply(o: { namespace: string; devices: string[]; port: number }, mode: AgentMode): Promise<AgentObject[]> {
  const { agentAssets } = await import('./assets.js');
  const { buildAgentObjects, selectAgentDocuments } = await import('./agentObjects.js');
  return buildAgentObjects(selectAgentDocuments(agentAssets().manifests), { namespace: o.namespace, version: pluginVersion(), mode, devices: o.devices, port: o.port });
}

/** What is printed of an object: no managedFields, and never a token. */
function printable(obj: AgentObject): AgentObject {
  const o = structuredClone(obj) as AgentObject & Read<V1Secret>;
  if (o.metadata) delete o.metadata.managedFields;
  if (o.kind === 'Secret' && o.type === 'kubernetes.io/service-account-token' && o.data) o.data = Object.fromEntries(Object.keys(o.data).map((k) => [k, '<redacted>']));
  return o;
}

function agentObjectsOutput(objects: AgentObject[], line: (o: AgentObject, i: number) => string, notes?: string[]): CommandOutput {
  return showObjects(objects.map(printable), line, { notes });
}

const applyOptions = (y: Argv) =>
  y
    .option('image', { type: 'string', requiresArg: true, describe: 'Run this image, built from agent/Dockerfile (default from config: agentImage)' })
    // Given as --no-build: the bundled agent from a ConfigMap on a stock Node.js image.
    .option('build', { type: 'boolean', describe: '--no-build: no image to build, the bundled agent from a ConfigMap on a stock Node.js image (config: agentNodeImage); the default without --image or agentImage' })
    .option('agent-namespace', { type: 'string', requiresArg: true, describe: 'Namespace of the agent (default from config: kubectl-odoo)' });

async function applyRun(ctx: CommandContext, opts: ApplyOptions, upgrade: boolean): Promise<CommandOutput> {
  const ns = opts.namespace;
  const { installAgent, upgradeAgent, installedDaemonSet } = await import('./agentInstall.js');
  const { objectRef, VERSION_LABEL } = await import('./agentObjects.js');
  if (opts.dryRun && !upgrade) {
    // Needs no cluster: what install applies follows from the flags and the config file alone.
    const objects = await objectsToApply(opts, await resolveMode(opts.mode));
    return agentObjectsOutput(objects, (o) => `${objectRef(o)} serverside-applied (dry run)`);
  }
  const kube = await ctx.kube();
  const installed = upgrade ? await installedDaemonSet(kube, ns) : undefined;
  const objects = await objectsToApply(opts, await resolveMode(opts.mode, installed));
  if (opts.dryRun) return agentObjectsOutput(objects, (o) => `${objectRef(o)} serverside-applied (dry run)`);
  const deps = { clock: ctx.clock, signal: ctx.signal, progress: ctx.progress };
  const applied = upgrade ? await upgradeAgent(kube, objects, deps) : await installAgent(kube, objects, deps);
  const from = installed?.metadata?.labels?.[VERSION_LABEL];
  return agentObjectsOutput(
    applied.map((a) => a.object),
    (_o, i) => `${applied[i].ref} ${applied[i].skipped ? `unchanged (${applied[i].skipped})` : 'serverside-applied'}`,
    [
      upgrade
        ? `The node agent goes from version ${from ?? 'unknown'} to ${pluginVersion()}, one node at a time; follow it with: kubectl odoo agent status`
        : `The node agent starts on every node; follow it with: kubectl odoo agent status`,
    ],
  );
}

export const agentInstallCommand = defineCommand<ApplyArgs, ApplyOptions>({
  command: 'install',
  scope: 'cluster',
  dryRun: { describe: 'Print the objects it would apply, change nothing (-o yaml for the manifests)' },
  describe: 'Install the node agent (server-side apply of its namespace, accounts, RBAC, Secrets and DaemonSet)',
  outputs: ['table', 'yaml', 'json'],
  builder: (y) =>
    applyOptions(y)
      .example('$0 agent install', 'the bundled agent on a stock Node.js image: nothing to build')
      .example('$0 agent install --image registry.example/odoo-node-agent:0.1.0', 'an image built from agent/Dockerfile')
      .example('$0 agent install --dry-run -o yaml', 'print what it would apply'),
  toOptions: (ctx, args) => applyOptionsOf(ctx, args, false),
  run: (opts, ctx) => applyRun(ctx, opts, false),
});

export const agentUpgradeCommand = defineCommand<ApplyArgs, ApplyOptions>({
  command: 'upgrade',
  scope: 'cluster',
  dryRun: { describe: 'Print the objects it would apply, change nothing (-o yaml for the manifests)' },
  describe: "Move the installed agent to this plugin's version and the current config (keeps its image unless told)",
  outputs: ['table', 'yaml', 'json'],
  builder: (y) => applyOptions(y).example('$0 agent upgrade', 'after upgrading the plugin, or changing devices/agentPort in the config file'),
  toOptions: (ctx, args) => applyOptionsOf(ctx, args, true),
  run: (opts, ctx) => applyRun(ctx, opts, true),
});

export const agentStatusCommand = defineCommand<AgentArgs, AgentOptions>({
  command: 'status',
  scope: 'cluster',
  describe: 'Per node: the agent pod, its version and image, readiness, and the age of its last summary',
  outputs: ['table', 'wide', 'json', 'yaml'],
  builder: (y) => y.option('agent-namespace', { type: 'string', requiresArg: true, describe: 'Namespace of the agent (default from config: kubectl-odoo)' }),
  toOptions: (ctx, args) => ({ namespace: agentNamespace(ctx, args) }),
  async run(opts, ctx) {
    const ns = opts.namespace;
    const kube = await ctx.kube();
    const { installedDaemonSet } = await import('./agentInstall.js');
    const { RESOURCES } = await import('../../../lib/kube/resources.js');
    const { AGENT_POD_SELECTOR, SUMMARY_SELECTOR } = await import('../../../lib/nodes/summary.js');
    const { deriveAgentStatus, versionSkewWarnings, summaryAge } = await import('./agentStatus.js');
    const { MODE_ANNOTATION } = await import('./agentObjects.js');
    const ds = await installedDaemonSet(kube, ns);
    const [nodes, pods, summaries] = await Promise.all([
      kube.list<Stored<V1Node>>(RESOURCES.nodes),
      kube.list<Stored<V1Pod>>(RESOURCES.pods, { namespace: ns, labelSelector: AGENT_POD_SELECTOR }),
      kube.list<Stored<V1ConfigMap>>(RESOURCES.configmaps, { namespace: ns, labelSelector: SUMMARY_SELECTOR }),
    ]);
    const rows = deriveAgentStatus({ nodes: nodes.items.map((n) => n.metadata.name), pods: pods.items, summaries: summaries.items });
    const now = ctx.clock.now();
    const notes: string[] = [];
    if (ctx.globals.output === 'table' || ctx.globals.output === 'wide') {
      notes.push(...versionSkewWarnings(rows, pluginVersion()));
      for (const r of rows) if (r.problem && ctx.globals.output === 'table') notes.push(`${r.node}: ${r.problem}`);
    }
    return showTable({
      rows,
      columns: [
        { header: 'NODE', value: (r) => r.node },
        { header: 'POD', value: (r) => r.pod ?? '<none>' },
        { header: 'VERSION', value: (r) => r.version ?? '<unknown>' },
        { header: 'IMAGE', value: (r) => r.image ?? '' },
        { header: 'READY', value: (r) => (r.ready ? 'true' : 'false') },
        { header: 'STATUS', value: (r) => r.status },
        { header: 'RESTARTS', value: (r) => String(r.restarts), align: 'right' },
        { header: 'LAST SUMMARY', value: (r) => summaryAge(r, now) },
        { header: 'PROBLEM', value: (r) => r.problem ?? '', wide: true },
      ],
      data: {
        namespace: ns,
        mode: ds.metadata.annotations?.[MODE_ANNOTATION],
        pluginVersion: pluginVersion(),
        nodes: rows.map((r) => ({ ...r, summaryAge: r.summaryAt ? summaryAge(r, now) : undefined })),
      },
      name: (r) => `node/${r.node}`,
      notes,
    });
  },
});

export const agentUninstallCommand = defineCommand<UninstallArgs, UninstallOptions>({
  command: 'uninstall',
  scope: 'cluster',
  dryRun: { describe: 'Print what it would delete, change nothing' },
  describe: 'Remove what "agent install" created (asks first)',
  outputs: ['table'],
  builder: (y) =>
    y
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' })
      .option('agent-namespace', { type: 'string', requiresArg: true, describe: 'Namespace of the agent (default from config: kubectl-odoo)' }),
  toOptions(ctx, args) {
    const nodeImage = noBuildImage(ctx);
    return { namespace: agentNamespace(ctx, args), yes: args.yes, dryRun: !!args['dry-run'], nodeImage, devices: agentDevices(ctx), port: agentPort(ctx) };
  },
  async run(args, ctx) {
    const ns = args.namespace;
    const kube = await ctx.kube();
    const { plannedRemoval, removeAgent } = await import('./agentInstall.js');
    const { objectRef } = await import('./agentObjects.js');
    // Every object any install makes (the ConfigMap too), whatever the mode; only those it created go.
    const planned = await plannedRemoval(kube, await objectsToApply(args, await resolveMode({ kind: 'no-build', nodeImage: args.nodeImage })), ns);
    if (!planned.length) throw new NotFoundError(`nothing of the node agent installed by kubectl odoo in namespace ${ns}`);
    const refs = planned.map(objectRef);
    if (args.dryRun) return showText(refs.map((r) => `${r} deleted (dry run)\n`).join(''));
    const namespaceGoes = planned.some((o) => o.kind === 'Namespace');
    if (!args.yes) {
      const question = `This removes the node agent: ${refs.join(', ')}${namespaceGoes ? ` (deleting namespace ${ns} deletes everything in it, the node summaries too)` : ''}.`;
      if (!(await ctx.confirm(question, ns))) throw new DeclinedError('not confirmed; nothing was deleted');
    }
    // Each object as it goes: an error part-way must not hide what was already deleted.
    await removeAgent(kube, planned, (ref) => void ctx.show(showText(`${ref} deleted\n`)));
    if (!namespaceGoes) {
      const { RESOURCES } = await import('../../../lib/kube/resources.js');
      const { SUMMARY_SELECTOR } = await import('../../../lib/nodes/summary.js');
      const left = (await kube.list(RESOURCES.configmaps, { namespace: ns, labelSelector: SUMMARY_SELECTOR })).items.length;
      if (left) ctx.progress(`Left in namespace ${ns} (not made by install): ${left} node summary ConfigMap(s) the agents wrote; remove them with: kubectl -n ${ns} delete configmaps -l ${SUMMARY_SELECTOR}`);
    }
  },
});

export const agentCommand: CommandDef = {
  command: 'agent',
  describe: 'Install, inspect, upgrade and remove the node agent (DaemonSet)',
  subcommands: [agentInstallCommand, agentStatusCommand, agentUpgradeCommand, agentUninstallCommand],
};
