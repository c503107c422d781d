// Runs the built plugin the way users do: through the real kubectl binary (`kubectl odoo ...`),
// with dist/ first on PATH so kubectl finds kubectl-odoo.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  kubeconfig?: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  timeoutMs?: number;
  /** The child's working directory (the test process's by default). */
  cwd?: string;
  /** Run dist/kubectl-odoo directly instead of through kubectl. */
  direct?: boolean;
  /**
   * The kubeconfig context. The plugin runs as the test cluster's operator (bound by
   * manifests/operator-rbac.yaml) unless told otherwise; `null` takes the current (admin) context.
   */
  context?: string | null;
}

/** The context the test cluster's kubeconfig gives the operator user (test/cluster/kubeconfig.ts). */
export const OPERATOR_CONTEXT = 'operator';

/**
 * `--context operator` when the kubeconfig is a test cluster's (it has that context): the plugin's
 * arguments that make it run as the operator rather than as the admin.
 */
export function operatorArgs(kubeconfig: string | undefined): string[] {
  if (!kubeconfig || !existsSync(kubeconfig)) return [];
  return /^- name: operator$/m.test(readFileSync(kubeconfig, 'utf8')) ? ['--context', OPERATOR_CONTEXT] : [];
}

/** Context flags go first; for `__complete` (whose last word is the one being completed) just before that word. */
function withContextArgs(args: string[], ctx: string[]): string[] {
  if (args[0] === '__complete' && args.length > 1) return [...args.slice(0, -1), ...ctx, args[args.length - 1]];
  return [...ctx, ...args];
}

function contextArgs(opts: RunOptions): string[] {
  if (opts.context === null) return [];
  if (opts.context !== undefined) return ['--context', opts.context];
  return operatorArgs(opts.kubeconfig);
}

export function pluginEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  if (!existsSync(join(DIST, 'kubectl-odoo'))) throw new Error('dist/kubectl-odoo is missing: run npm run build');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${DIST}:${process.env.PATH}`, NO_COLOR: '1', HOME: process.env.HOME };
  delete env.KUBECONFIG;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** `kubectl odoo <args>` as the operator; resolves with the exit code and both streams. */
export function kubectlOdoo(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = pluginEnv({ ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}), ...opts.env });
  const withContext = args.includes('--context') ? args : withContextArgs(args, contextArgs(opts));
  const [cmd, argv] = opts.direct ? [join(DIST, 'kubectl-odoo'), withContext] : [KUBECTL, ['odoo', ...withContext]];
  return run(cmd, argv, env, opts);
}

/** The real kubectl, for seeding and asserting what the cluster holds: as the admin unless told otherwise. */
export function kubectl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = pluginEnv({ ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}), ...opts.env });
  return run(KUBECTL, opts.context ? ['--context', opts.context, ...args] : args, env, opts);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface TerminalRunOptions extends RunOptions {
  /** Lines typed on the terminal, each once the output so far (after the previous answer) matches `after`. */
  answers?: { after: RegExp; type: string }[];
}

/**
 * `kubectl odoo <args>` as the operator on a pseudo-terminal (script(1)): stdin and stdout are a
 * terminal, as when a person runs it. `out` is what the terminal showed: stdout, stderr and the echo
 * of what was typed, with the terminal's \r\n line ends. The terminal has 100 columns and 40 rows.
 */
export function kubectlOdooOnTerminal(args: string[], opts: TerminalRunOptions = {}): Promise<{ code: number; out: string }> {
  const env = pluginEnv({ ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}), TERM: 'xterm', ...opts.env });
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  // A terminal of 100 columns and 40 rows (script's own has the size of its stdin, a pipe: none).
  const cmd = `stty cols 100 rows 40; ${[KUBECTL, 'odoo', ...withContextArgs(args, contextArgs(opts))].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const answers = [...(opts.answers ?? [])];
    let out = '';
    let from = 0;
    child.stdout.on('data', (d) => {
      out += d;
      if (answers.length && answers[0].after.test(out.slice(from))) {
        from = out.length;
        child.stdin.write(`${answers.shift()!.type}\r`);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}
