// Builds the yargs CLI from the explicit command list and runs one invocation.
// The exit code of every run is decided here (see exitCodeFor); nothing else calls process.exit.
import { editDistance } from '../instances/names.js';
import yargs, { type Argv } from 'yargs';
import { parseDryRun, type CommandDef } from './command.js';
import type { CommandContext, Clock, Env, GlobalOptions, IOStreams } from './context.js';
import { COMMANDS } from './commands.js';
import { UsageError, exitCodeFor, formatError, CancelledError, CliError } from '../../lib/errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../core/output/printer.js';
import { printOutput } from './output.js';
import { colorEnabled, makeColors, type ColorMode } from '../core/output/colors.js';
import { loadPluginConfig, type PluginConfig } from '../core/config.js';
import type { KubeClient } from '../../lib/kube/client.js';

export interface AppDeps {
  io: IOStreams;
  env: Env;
  clock: Clock;
  /** Overrides the API client (tests); default builds one from the kubeconfig. */
  kubeFactory?: (globals: GlobalOptions, config: PluginConfig, env: Env, log: (l: string) => void, clock: Clock) => Promise<KubeClient>;
  signal?: AbortSignal;
}

export const SCRIPT_NAME = 'kubectl odoo';

export function addGlobalOptions(y: Argv): Argv {
  return y
    .option('kubeconfig', { type: 'string', describe: 'Path to the kubeconfig file', global: true, requiresArg: true })
    .option('context', { type: 'string', describe: 'The kubeconfig context to use', global: true, requiresArg: true })
    .option('namespace', { alias: 'n', type: 'string', describe: 'Namespace of the instances (default from the config file, else "saasodoo")', global: true, requiresArg: true })
    .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'Act on all namespaces', global: true })
    .option('output', { alias: 'o', type: 'string', choices: OUTPUT_FORMATS as unknown as string[], default: 'table', describe: 'Output format', global: true, requiresArg: true })
    .option('color', { type: 'string', choices: ['auto', 'always', 'never'], default: 'auto', describe: 'Colour output (NO_COLOR disables it)', global: true, requiresArg: true })
    .option('v', { type: 'string', default: '0', describe: 'Log level, a whole number (6 logs every API request)', global: true, requiresArg: true });
}

/** kubectl's -v is a klog level: a base-10 int32 (strconv.ParseInt(value, 10, 32)); anything else is refused. */
export function parseVerbosity(raw: unknown): number {
  const text = String(Array.isArray(raw) ? raw[raw.length - 1] : (raw ?? '0')).trim();
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) {
    throw new UsageError(`invalid value "${text}" for -v: the log level is a whole number, e.g. -v 6 to log every API request`);
  }
  return Math.max(0, n);
}

export function globalsFrom(argv: Record<string, any>): GlobalOptions {
  return {
    kubeconfig: argv.kubeconfig,
    context: argv.context,
    namespace: argv.namespace,
    allNamespaces: !!argv.allNamespaces,
    output: (argv.output ?? 'table') as OutputFormat,
    color: (argv.color ?? 'auto') as ColorMode,
    // Checked by parseVerbosity before a command runs; completion takes what it can.
    verbose: Math.max(0, Number(argv.v ?? 0) || 0),
  };
}

async function defaultKubeFactory(globals: GlobalOptions, config: PluginConfig, env: Env, log: (l: string) => void, clock: Clock): Promise<KubeClient> {
  const { loadKubeconfig } = await import('../../lib/kube/kubeconfig.js');
  const { buildConnection } = await import('../../lib/kube/connection.js');
  const { KubeClient } = await import('../../lib/kube/client.js');
  // As kubectl: with no kubeconfig at all, a pod uses its service account (scheduled backups run so).
  const { existsSync } = await import('node:fs');
  const { kubeconfigPaths } = await import('../../lib/kube/kubeconfig.js');
  const { inClusterKubeconfig } = await import('../../lib/kube/inCluster.js');
  const none = !globals.kubeconfig && !kubeconfigPaths(undefined, env).paths.some((p) => existsSync(p));
  const inCluster = none ? inClusterKubeconfig(env) : undefined;
  const resolved = inCluster ?? loadKubeconfig({ kubeconfig: globals.kubeconfig, context: globals.context, env });
  const conn = buildConnection(resolved, async (r) => (await (await import('../core/heavy/load.js')).loadHeavy()).clientNodeAuth(r));
  // Retry back-offs and Retry-After dates go through the command's clock like every other wait.
  return new KubeClient(conn, { retry: config.retry, verbosity: globals.verbose, log, sleep: (ms) => clock.sleep(ms), now: () => clock.now().getTime() });
}

const DISPOSE = Symbol('dispose');

export function makeContext(deps: AppDeps, globals: GlobalOptions, config: PluginConfig, signal: AbortSignal): CommandContext {
  const { io, env } = deps;
  const colors = makeColors(colorEnabled(globals.color, !!io.stdout.isTTY, env));
  const log = (l: string) => io.stderr.write(`${l}\n`);
  let client: Promise<KubeClient> | undefined;
  const ctx: CommandContext & { [DISPOSE]?: () => Promise<void> } = {
    io,
    env,
    globals,
    config,
    colors,
    clock: deps.clock,
    signal,
    kube: () => (client ??= (deps.kubeFactory ?? defaultKubeFactory)(globals, config, env, log, deps.clock)),
    namespace: () => globals.namespace || config.namespace,
    interactive: !!io.stdin.isTTY,
    show: (out) => printOutput(io, globals.output, out),
    progress: (m) => io.stderr.write(`${m}\n`),
    confirm: (question, expected) => confirmByTyping(io, question, expected),
  };
  // Keep-alive sockets would hold the process open after the command is done.
  ctx[DISPOSE] = async () => {
    if (client) (await client.catch(() => undefined))?.close();
  };
  return ctx;
}

export async function disposeContext(ctx: CommandContext): Promise<void> {
  await (ctx as { [DISPOSE]?: () => Promise<void> })[DISPOSE]?.();
}

async function confirmByTyping(io: IOStreams, question: string, expected: string): Promise<boolean> {
  io.stderr.write(`${question} Type "${expected}" to confirm: `);
  const line = await readLine(io.stdin);
  if (line === undefined) {
    io.stderr.write('\n');
    // No terminal and nothing on stdin (a script, cron, CI): say how to confirm instead of hanging or guessing.
    throw new UsageError('confirmation needed but stdin gave no answer: pass --yes to confirm without a prompt');
  }
  return line.trim() === expected;
}

function readLine(stdin: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    if ((stdin as { readableEnded?: boolean }).readableEnded) return resolve(undefined);
    let buf = '';
    const onData = (c: Buffer | string) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        // Lines typed ahead (or piped) after this one belong to the next question.
        const rest = buf.slice(nl + 1);
        done(buf.slice(0, nl));
        if (rest) (stdin as NodeJS.ReadableStream & { unshift(c: Buffer): void }).unshift(Buffer.from(rest));
      }
    };
    const onEnd = () => done(buf.length ? buf : undefined);
    const done = (v: string | undefined) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause?.();
      resolve(v);
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume?.();
  });
}

function registerCommand(y: Argv, def: CommandDef, deps: AppDeps, state: RunState): Argv {
  return y.command(
    def.command,
    def.describe,
    (sub: Argv) => {
      let b = def.builder ? def.builder(sub) : sub;
      if (def.dryRun) b = b.option('dry-run', { type: 'string', global: false, describe: def.dryRun.describe + (def.dryRun.server ? ' (--dry-run=server: the API server also checks every change and stores nothing)' : '') });
      b = requireFlagValues(b);
      for (const child of def.subcommands ?? []) b = registerCommand(b, child, deps, state);
      if (def.subcommands?.length && !def.run) b = b.demandCommand(1, `${SCRIPT_NAME} ${def.command.split(' ')[0]} needs a subcommand`);
      return b;
    },
    def.run
      ? async (argv: Record<string, any>) => {
          state.ran = true;
          parseVerbosity(argv.v);
          const globals = globalsFrom(argv);
          const name = `${SCRIPT_NAME} ${argv._.join(' ')}`.trim();
          if (def.outputs && !def.outputs.includes(globals.output)) {
            // A command that prints only text (a log, a shell, a script) has no other format to offer.
            if (def.outputs.length === 1 && def.outputs[0] === 'table') throw new UsageError(`-o ${globals.output} is not supported by "${name}": it prints text only`);
            throw new UsageError(`-o ${globals.output} is not supported by "${name}": use ${def.outputs.map((o) => `-o ${o}`).join(' or ')}`);
          }
          enforceScope(def, name, globals);
          if (def.dryRun) {
            const mode = parseDryRun(argv['dry-run'], !!def.dryRun.server);
            if (mode === 'server' && !def.dryRun.server) throw new UsageError(`--dry-run=server is not supported by "${name}": nothing it does can be checked by the API server alone; use --dry-run`);
            argv['dry-run'] = argv.dryRun = mode;
          }
          const config = loadPluginConfig(deps.env);
          const ctx = makeContext(deps, globals, config, state.signal);
          try {
            // Every refusal of bad input comes from toOptions, before the cluster is read.
            const options = def.toOptions ? def.toOptions(ctx, argv) : argv;
            const out = await def.run!(options, ctx);
            if (out) {
              await printOutput(deps.io, globals.output, out);
              if (out.failure) throw out.failure;
            }
          } finally {
            await disposeContext(ctx);
          }
        }
      : undefined,
    undefined,
    undefined,
  ) as Argv;
}

/**
 * A flag that takes a value must be given one, as kubectl's do (`flag needs an argument`): `-n` with
 * nothing after it would otherwise run in the default namespace. --dry-run alone means client.
 */
function requireFlagValues(y: Argv): Argv {
  const declared = (y as unknown as { getOptions(): { string: string[]; number: string[] } }).getOptions();
  const keys = [...declared.string, ...declared.number].filter((k) => k !== 'dry-run' && k !== 'dryRun');
  return keys.length ? y.requiresArg(keys) : y;
}

/**
 * `--dry-run NAME`: NAME is the command's argument, not the flag's value (kubectl's --dry-run takes its
 * value only after "="). `--dry-run client|server|none` keeps its value.
 */
export function bareDryRun(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (args[i] === '--dry-run' && (next === undefined || !['client', 'server', 'none'].includes(next))) out.push('--dry-run=client');
    else out.push(args[i]);
  }
  return out;
}

/** -A where a command declares it acts on one instance or one namespace: one message for all. */
function enforceScope(def: CommandDef, name: string, globals: GlobalOptions): void {
  if (!globals.allNamespaces) return;
  const command = name.slice(SCRIPT_NAME.length + 1);
  if (def.scope === 'instance') throw new UsageError(`${command} acts on one instance: use -n NAMESPACE instead of -A`);
  if (def.scope === 'namespace') throw new UsageError(`${command} works in one namespace at a time: use -n NAMESPACE instead of -A`);
}


interface RunState {
  ran: boolean;
  signal: AbortSignal;
}

export function buildParser(deps: AppDeps, state: RunState, commands: CommandDef[] = COMMANDS): Argv {
  let y = yargs()
    .scriptName(SCRIPT_NAME)
    .usage(`${SCRIPT_NAME} <command> [flags]\n\nManage Odoo instances, their storage and backups, and check nodes before a Rook-Ceph rollout.`)
    .parserConfiguration({ 'camel-case-expansion': true, 'strip-dashed': false, 'greedy-arrays': false })
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, (deps.io.stdout.columns ?? 100)))
    .help('help')
    .alias('help', 'h')
    .version(false)
    .showHelpOnFail(false)
    .demandCommand(1, 'a command is required: run "kubectl odoo --help" for the list')
    .epilogue('Run "kubectl odoo <command> --help" for a command\'s flags. Docs: README.md of kubectl-odoo.');
  y = addGlobalOptions(y);
  for (const def of commands) y = registerCommand(y, def, deps, state);
  return y;
}

/** Runs one invocation and returns its exit code. */
export async function runApp(args: string[], deps: AppDeps): Promise<number> {
  const controller = new AbortController();
  const outer = deps.signal;
  outer?.addEventListener('abort', () => controller.abort(), { once: true });
  const state: RunState = { ran: false, signal: controller.signal };
  if (args[0] === '__complete') {
    const { complete, formatCompletion } = await import('./complete.js');
    const result = await complete(args.slice(1), COMMANDS, (argv) => makeContext(deps, globalsFrom(argv), loadPluginConfig(deps.env), state.signal));
    deps.io.stdout.write(formatCompletion(result));
    return 0;
  }
  // yargs would read "--storage -5Gi" as the flags -5 -G -i; say what is wrong instead.
  const at = args.findIndex((a) => /^-\d/.test(a) && !/^-\d+(\.\d+)?$/.test(a));
  if (at >= 0) {
    const flag = at > 0 && /^--?[a-z]/i.test(args[at - 1]) && !args[at - 1].includes('=') ? ` for ${args[at - 1]}` : '';
    // Sizes, counts and durations alike: none of them is ever negative.
    const reason = /^-\d+(\.\d+)?(ms|s|m|h)$/.test(args[at]) ? 'a duration cannot be negative' : 'sizes and quantities cannot be negative';
    const err = new UsageError(`invalid value "${args[at]}"${flag}: ${reason}`);
    deps.io.stderr.write(formatError(err) + '\n');
    deps.io.stderr.write(`See "${SCRIPT_NAME} ${commandPath(args)}--help" for usage.\n`);
    return exitCodeFor(err);
  }
  const unknown = unknownCommand(args, COMMANDS);
  if (unknown) {
    deps.io.stderr.write(formatError(unknown) + '\n');
    return exitCodeFor(unknown);
  }
  args = bareDryRun(args);
  const parser = buildParser(deps, state);
  let output = '';
  let parseError: Error | undefined;
  parser.fail((msg: string | null, err: Error | undefined) => {
    throw err ?? new UsageError(normaliseYargsMessage(msg ?? 'invalid usage', args));
  });
  try {
    await parser.parseAsync(args, {}, (err: Error | undefined, _argv: unknown, out: string) => {
      if (err) parseError = err;
      output = out;
    });
    if (parseError) throw parseError;
    if (output) deps.io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    return 0;
  } catch (err) {
    const e = err instanceof Error && err.name === 'YError' ? new UsageError(normaliseYargsMessage(err.message, args)) : err;
    if (controller.signal.aborted && !(e instanceof UsageError)) {
      // Keep what the command said about the state it left things in; "interrupted" alone helps nobody at 3 a.m.
      const said = e instanceof CliError && e.message !== 'interrupted' ? e : new CancelledError('interrupted');
      const err = said.kind === 'interrupted' ? said : new CancelledError(`interrupted: ${said.message}`);
      deps.io.stderr.write(formatError(err) + '\n');
      return exitCodeFor(err);
    }
    const verbose = args.some((a) => /^-v(=|$)/.test(a) || a.startsWith('--v=')) && args.length > 0;
    const message = formatError(e, verbose);
    if (message) deps.io.stderr.write(message + '\n');
    const [top] = commandsNamed(args);
    const agentCommand = !!top && verb(top) === 'agent';
    const forbidden = message && (await import('../core/forbiddenHint.js')).explainForbidden(message, (await import('../core/manifests.js')).shippedManifests(), { agentCommand });
    if (forbidden) deps.io.stderr.write(forbidden + '\n');
    if (e instanceof UsageError && !e.hint) deps.io.stderr.write(`See "${SCRIPT_NAME} ${commandPath(args)}--help" for usage.\n`);
    return exitCodeFor(e);
  }
}

/** The commands named by the words of args, outermost first (flags and their values skipped). */
function commandsNamed(args: string[]): CommandDef[] {
  const path: CommandDef[] = [];
  let level: CommandDef[] = COMMANDS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-')) {
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    const def = level.find((c) => c.command.split(' ')[0] === a || c.aliases?.includes(a));
    if (!def) break;
    path.push(def);
    level = def.subcommands ?? [];
  }
  return path;
}

const verb = (def: CommandDef) => def.command.split(' ')[0];

/** "create " for `kubectl odoo create x --bad`, "" when no command was recognised. */
function commandPath(args: string[]): string {
  const path = commandsNamed(args);
  return path.length ? `${path.map(verb).join(' ')} ` : '';
}

/** The usage line of the command the user ran, e.g. "kubectl odoo create <name>". */
function usageOf(args: string[]): string | undefined {
  const path = commandsNamed(args);
  if (!path.length) return undefined;
  const rest = path[path.length - 1].command.split(' ').slice(1).join(' ');
  return `${SCRIPT_NAME} ${path.map(verb).join(' ')}${rest ? ' ' + rest : ''}`;
}

const VALUE_FLAGS = new Set(['--kubeconfig', '--context', '-n', '--namespace', '-o', '--output', '--color', '-v']);
const GLOBAL_BOOLEANS = new Set(['-A', '--all-namespaces', '-h', '--help']);

/** Like cobra: `unknown command "x" for "kubectl odoo"`, with close matches (edit distance <= 2 or a prefix). */
export function unknownCommand(args: string[], commands: CommandDef[]): UsageError | undefined {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (VALUE_FLAGS.has(a)) i++;
      // A command's own flag may take the next word as its value (nodes --agent-namespace x): the
      // words after it are yargs' to read, not command names.
      else if (words.length && !a.includes('=') && !GLOBAL_BOOLEANS.has(a)) break;
      continue;
    }
    words.push(a);
  }
  // A group that takes no argument of its own (config, agent, maintenance, nodes) only takes its subcommands.
  let level = commands;
  const path: string[] = [];
  for (const word of words) {
    const names = level.flatMap((c) => [c.command.split(' ')[0], ...(c.aliases ?? [])]).filter((n) => !n.startsWith('__'));
    if (word.startsWith('__')) return undefined;
    if (!names.includes(word)) {
      const parent = [SCRIPT_NAME, ...path].join(' ');
      const primary = level.map((c) => c.command.split(' ')[0]).filter((n) => !n.startsWith('__'));
      const close = primary.filter((n) => editDistance(n, word) <= 2 || (word.length >= 3 && n.startsWith(word)));
      const help = path.length ? `Run "${parent} --help" for its commands.` : `Run "${SCRIPT_NAME} --help" for the commands.`;
      return new UsageError(`unknown command "${word}" for "${parent}"`, {
        hint: close.length ? `Did you mean ${close.map((c) => `"${c}"`).join(' or ')}? ${help}` : help,
      });
    }
    const def = level.find((c) => c.command.split(' ')[0] === word || c.aliases?.includes(word))!;
    if (!def.subcommands?.length || def.command.includes(' ')) return undefined;
    path.push(def.command);
    level = def.subcommands;
  }
  return undefined;
}


function normaliseYargsMessage(msg: string, args?: string[]): string {
  // yargs phrases ("Unknown argument: x", "Invalid values:\n  Argument: output, Given: ...") become one
  // lower-case line; argument names stay as the user typed them.
  const first = msg.split('\n')[0].trim();
  const bare = /^Not enough arguments following: (.+)$/.exec(first);
  if (bare) {
    const flag = bare[1].length === 1 ? `-${bare[1]}` : `--${bare[1]}`;
    return `flag needs an argument: ${flag}`;
  }
  if (/^Not enough non-option arguments/.test(first)) {
    const usage = args && usageOf(args);
    return usage ? `missing required argument: usage is "${usage}"` : "missing required argument (see --help for the command's usage)";
  }
  const invalid = /Argument: ([\w-]+), Given: ("[^"]*"|\S+), Choices: (.*)$/m.exec(msg);
  if (invalid) {
    let choices = invalid[3].split(/,\s*/).map((c) => c.replace(/^"|"$/g, ''));
    // -o is global: name the formats the command at hand prints, not every format some command prints.
    const own = invalid[1] === 'output' && args ? commandsNamed(args).at(-1)?.outputs : undefined;
    if (own) choices = choices.filter((c) => own.includes(c as OutputFormat));
    return `invalid value ${invalid[2]} for --${invalid[1]}: use one of ${choices.join(', ')}`;
  }
  // "Unknown arguments: dry-run, dryRun": yargs names a dashed flag twice (its camel-case twin); say it once, as typed.
  const unknown = /^Unknown arguments?: (.*)$/.exec(first);
  if (unknown) {
    const names = unknown[1].split(/,\s*/).filter((n, _i, all) => !(/[A-Z]/.test(n) && all.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
    const flags = names.map((n) => (n.length === 1 ? `-${n}` : /^[a-z]/i.test(n) && args?.some((a) => a === `--${n}` || a.startsWith(`--${n}=`)) ? `--${n}` : n));
    return `unknown ${flags.length === 1 ? (flags[0].startsWith('-') ? 'flag' : 'argument') : 'arguments'}: ${flags.join(', ')}`;
  }
  const oneLine = msg.replace(/\s*\n\s*/g, ' ').trim();
  return oneLine.charAt(0).toLowerCase() + oneLine.slice(1);
}
