// A minimal root filesystem for running a program where no Node.js is reachable: only the given
// executables and the shared libraries the dynamic loader needs for them (from ldd), so whatever runs
// there finds nothing of this machine but what was copied. Run programs in it with runInRoot, which
// chroots with an empty environment (env -i) and a PATH of the root's /bin only.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export interface MinimalRoot {
  dir: string;
  remove(): void;
}

/** The absolute paths of the shared libraries (and the loader) that `file` is linked against. */
export function sharedLibraries(file: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [file], { encoding: 'utf8' });
  } catch {
    return []; // statically linked (or a script)
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

/** `files` maps a path inside the root (e.g. /bin/kubectl-odoo) to the host file copied there. */
export function buildMinimalRoot(files: Record<string, string>): MinimalRoot {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-root-'));
  const put = (inside: string, from: string, mode?: number) => {
    const to = join(dir, inside);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    if (mode !== undefined) chmodSync(to, mode);
  };
  for (const [inside, from] of Object.entries(files)) {
    put(inside, from, 0o755);
    for (const lib of sharedLibraries(from)) put(lib, lib);
  }
  mkdirSync(join(dir, 'tmp'), { recursive: true, mode: 0o1777 });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RootRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv inside the root: chroot, `env -i`, PATH=/bin, HOME=/tmp, plus `env`. */
export function runInRoot(root: MinimalRoot, argv: string[], env: Record<string, string> = {}): Promise<RootRun> {
  const vars = Object.entries({ PATH: '/bin', HOME: '/tmp', NO_COLOR: '1', ...env }).map(([k, v]) => `${k}=${v}`);
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/env', ['-i', ...vars, '/usr/sbin/chroot', root.dir, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Host paths of tools for the root's /bin, by name (so scripts like kubectl_complete-odoo can run). */
export function hostTools(names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const path = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', n], { encoding: 'utf8' }).trim();
    out[`/bin/${basename(n)}`] = path;
  }
  return out;
}
