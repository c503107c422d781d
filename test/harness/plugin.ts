// Runs the built plugin the way users do: through the real kubectl binary (`kubectl odoo ...`),
// with dist/ first on PATH so kubectl finds kubectl-odoo.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

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
  /** Run dist/kubectl-odoo directly instead of through kubectl. */
  direct?: boolean;
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

/** `kubectl odoo <args>`; resolves with the exit code and both streams. */
export function kubectlOdoo(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = pluginEnv({ ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}), ...opts.env });
  const [cmd, argv] = opts.direct ? [join(DIST, 'kubectl-odoo'), args] : [KUBECTL, ['odoo', ...args]];
  return run(cmd, argv, env, opts);
}

/** The real kubectl, for asserting what the cluster holds. */
export function kubectl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = pluginEnv({ ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}), ...opts.env });
  return run(KUBECTL, args, env, opts);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
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
