// stdout belongs to the app: a command's run returns its output and the app prints it (cli/output.ts).
// Only the declared streams (a log, an interactive session) write to stdout as they go. Checked two
// ways: over the sources of plugin/commands, and by running commands in this process.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../plugin/cli/commands.js';
import type { CommandDef } from '../../plugin/cli/command.js';
import { globalsFrom, makeContext, disposeContext } from '../../plugin/cli/app.js';
import { printOutput, type CommandOutput } from '../../plugin/cli/output.js';
import { loadPluginConfig } from '../../plugin/core/config.js';
import { realClock } from '../../lib/io.js';
import { BASH_COMPLETION } from '../../plugin/commands/completion/scripts.js';
import { createCommand } from '../../plugin/commands/create/command.js';
import { stopCommand } from '../../plugin/commands/stop/command.js';
import { runInProcess } from '../harness/inProcess.js';
import { ROOT } from '../harness/plugin.js';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { seedInstances } from '../cluster/seed.js';

const COMMANDS_DIR = join(ROOT, 'plugin', 'commands');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Printing through the printer layer: the app's job, with what run returns. */
const PRINTS = /\bprint(Result|Objects|Object|Action|Structured)\(/;
/** Writing to stdout (asking whether it is a terminal is not), or printing. */
const WRITES_STDOUT = [/stdout\.write/, /io\.stdout(?!\.(isTTY|columns)\b)/, /process\.stdout/, /console\.log/, PRINTS];
/** Handing the terminal over: to a log stream, a shell, psql. */
const HANDS_OVER = [/\bstreamPodLogs\(/, /\brunAttached\(/, /\brunPsql\(/];

/** The modules of the declared stream commands: they write their lines as they come. */
const STREAM_MODULES = ['logs/command.ts', 'watch/command.ts', 'psql/command.ts', 'shell/command.ts', 'odoo-shell/command.ts'];
/** The modules that hand the terminal to a session, beside those. */
const SESSION_MODULES = [
  ...STREAM_MODULES,
  'maintenance/command.ts', // maintenance shell
  'support/psqlSession.ts',
  'update/command.ts', // update --list-pending prints psql's own table
];

const offences = (text: string, patterns: RegExp[]) =>
  text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => !line.startsWith('//') && !line.startsWith('*') && patterns.some((p) => p.test(line)));

function leaves(defs: CommandDef[], prefix: string[] = []): { path: string; def: CommandDef }[] {
  return defs.flatMap((def) => {
    const path = [...prefix, def.command.split(' ')[0]];
    return [...(def.run ? [{ path: path.join(' '), def }] : []), ...leaves(def.subcommands ?? [], path)];
  });
}

describe('stdout in plugin/commands', () => {
  const files = sources(COMMANDS_DIR).map((p) => ({ rel: relative(COMMANDS_DIR, p), text: readFileSync(p, 'utf8') }));

  it('finds the command modules', () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it('no module writes to stdout except the streams', () => {
    // A stream writes its lines as they come; it still returns, never prints, anything else.
    const found = files.flatMap((f) => offences(f.text, STREAM_MODULES.includes(f.rel) ? [PRINTS] : WRITES_STDOUT).map((o) => `${f.rel}:${o.n}: ${o.line}`));
    expect(found).toEqual([]);
  });

  it('only the stream modules hand the terminal over', () => {
    const found = files.filter((f) => !SESSION_MODULES.includes(f.rel) && offences(f.text, HANDS_OVER).length).map((f) => f.rel);
    expect(found).toEqual([]);
  });

  it('the streams are declared on their commands', () => {
    const declared = leaves(COMMANDS)
      .filter((l) => l.def.stream)
      .map((l) => l.path)
      .sort();
    expect(declared).toEqual(['logs', 'maintenance shell', 'odoo-shell', 'psql', 'shell', 'watch']);
  });
});

// Runs in this process, against the test cluster (no kubelet: nothing here runs a pod).
let cluster: TestCluster;
let instance: string;
beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false });
  [{ deployment: instance }] = seedInstances(cluster, 1, { seed: 7 });
});
afterAll(async () => cluster?.stop());

const env = { NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent', KUBECTL_ODOO_CONFIG: undefined };

function buffers() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdin, stdout, stderr }, stdout: () => out, stderr: () => err };
}

/** Runs def.run alone, as the app would, and gives back what it returned and what it wrote meanwhile. */
async function runAlone(def: CommandDef, argv: Record<string, unknown>) {
  const b = buffers();
  const globals = globalsFrom({ kubeconfig: cluster.kubeconfigPath, ...argv });
  const ctx = makeContext({ io: b.io, env, clock: realClock }, globals, loadPluginConfig(env), new AbortController().signal);
  try {
    const options = def.toOptions ? def.toOptions(ctx, argv) : argv;
    const out = (await def.run!(options, ctx)) as CommandOutput | undefined;
    return { out, wrote: b.stdout(), printed: out ? await printed(out, globals.output) : '' };
  } finally {
    await disposeContext(ctx);
  }
}

async function printed(out: CommandOutput, format: ReturnType<typeof globalsFrom>['output']): Promise<string> {
  const b = buffers();
  await printOutput(b.io, format, out);
  return b.stdout();
}

const kube = () => ['--kubeconfig', cluster.kubeconfigPath];

describe('a command returns its output and the app prints it', () => {
  it('stop --dry-run returns an action and writes nothing itself; the app prints it as the run does', async () => {
    for (const output of ['table', 'name', 'json'] as const) {
      const alone = await runAlone(stopCommand, { name: instance, wait: false, dryRun: 'client', output });
      expect(alone.out?.kind).toBe('action');
      expect(alone.wrote).toBe('');
      const r = await runInProcess(['stop', instance, '--dry-run', '-o', output, ...kube()], { env });
      expect(r.code).toBe(0);
      expect(alone.printed).toBe(r.stdout);
    }
    const r = await runInProcess(['stop', instance, '--dry-run', ...kube()], { env });
    expect(r.stdout).toBe(`instance/${instance} stopped (dry run)\n`);
    const json = JSON.parse((await runInProcess(['stop', instance, '--dry-run', '-o', 'json', ...kube()], { env })).stdout);
    expect(json).toMatchObject({ action: 'stop', instance, namespace: 'saasodoo', changed: true, replicas: 0, dryRun: 'client' });
  });

  it('create --dry-run returns the objects; one line each, kind/name with -o name, a List with -o json', async () => {
    const alone = await runAlone(createCommand, { name: 'fresh', customer: '42', wait: false, dryRun: 'client', reuseVolume: false, force: false, output: 'table' });
    expect(alone.out?.kind).toBe('objects');
    expect(alone.wrote).toBe('');
    const r = await runInProcess(['create', 'fresh', '--customer', '42', '--dry-run', ...kube()], { env });
    expect(r.stdout).toBe(alone.printed);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'persistentvolumeclaim/odoo-instance-fresh created (dry run)',
      'service/fresh created (dry run)',
      'ingress.networking.k8s.io/fresh created (dry run)',
      'deployment.apps/fresh created (dry run)',
    ]);
    const names = await runInProcess(['create', 'fresh', '--customer', '42', '--dry-run', '-o', 'name', ...kube()], { env });
    expect(names.stdout).toBe(r.stdout.replace(/ created \(dry run\)/g, ''));
    const list = JSON.parse((await runInProcess(['create', 'fresh', '--customer', '42', '--dry-run', '-o', 'json', ...kube()], { env })).stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((o: any) => o.kind)).toEqual(['PersistentVolumeClaim', 'Service', 'Ingress', 'Deployment']);
  });

  it('completion prints its script unchanged', async () => {
    const r = await runInProcess(['completion', 'bash'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(BASH_COMPLETION);
  });

  it('version --client: a screen for people, the same facts as json', async () => {
    const table = await runInProcess(['version', '--client'], { env });
    expect(table.stdout).toMatch(/^Plugin Version: +v\S+\nclient-node Version: +\S+\nNode\.js Version: +v\S+\n$/);
    const json = JSON.parse((await runInProcess(['version', '--client', '-o', 'json'], { env })).stdout);
    expect(json.node).toBe(process.version);
    expect(table.stdout).toContain(`v${json.plugin}`);
  });

  it('storage -o name: one persistentvolumeclaim per volume; -o json the rows', async () => {
    const r = await runInProcess(['storage', '-o', 'name', ...kube()], { env });
    expect(r.code).toBe(0);
    const pvc = cluster.store.list('persistentvolumeclaims', 'saasodoo').map((p: any) => p.metadata.name);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(pvc.map((n: string) => `persistentvolumeclaim/${n}`).sort());
    const rows = JSON.parse((await runInProcess(['storage', '-o', 'json', ...kube()], { env })).stdout);
    expect(rows.map((x: any) => x.pvc).sort()).toEqual(pvc.sort());
  });

  it('a failure after the output: the output is printed, then the error decides the exit code', async () => {
    // No agent is installed: nodes prints what it has and exits non-zero.
    const r = await runInProcess(['nodes', '-o', 'json', ...kube()], { env });
    expect(r.code).not.toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stderr).toMatch(/^error: /m);
  });
});
