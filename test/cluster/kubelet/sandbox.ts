// Runs a container process on this machine the way a container runtime would see its volumes: in a
// private mount namespace (`unshare --mount --propagation private`) where every volume is bind-mounted
// at its mountPath, read-only mounts remounted read-only. The image is not pulled: the command runs with
// the host's own tools (sh, tar, pg_dump, ...), as root, on the host network.
//
// A container also gets its own PID namespace (`--pid --fork --mount-proc`): its command is PID 1
// there, so as in a real container it ignores SIGTERM unless it handles it, only it receives the
// kubelet's SIGTERM, and everything else in the container dies with it.
//
// No value is ever spliced into a shell string: the setup script below is a constant and receives the
// mounts, the working directory and the argv as positional parameters, then `exec`s the argv, so the
// container's main process is the one unshare started, and its process group is ours to kill.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, appendFileSync, mkdtempSync, constants as fsConstants, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { tmpdir } from 'node:os';

export interface BindMount {
  /** Host path backing the volume (a directory, or a file for a subPath/item mount). */
  source: string;
  /** Path inside the container. */
  target: string;
  readOnly: boolean;
}

export interface SandboxSpec {
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: BindMount[];
  stdio?: StdioOptions;
  /** Run argv as PID 1 of a new PID namespace, as a container's main process (not for exec sessions). */
  pidNamespace?: boolean;
  /** Join this network namespace first (/proc/<pid>/ns/net): a host-network pod's node (nodeNetwork.ts). */
  netns?: string;
}

// $1 = mount binary, $2 = number of mounts, $3 = an empty staging directory, then (source, target,
// ro|rw) triples, then workdir, then argv.
// Every source is first bound into a private tmpfs on the staging directory, reached afterwards through
// an open descriptor (fd 9) to it: as a runtime resolves every source on the host, a volume mounted over
// a path (an emptyDir at /tmp, say) must not hide the sources of the volumes mounted after it. Only
// positions are spliced into the eval, never values.
// Mount points still missing at the second stage lie inside an earlier volume (nested mountPaths): they
// are created there, as runc does.
const SCRIPT = `set -e
mnt=$1; n=$2; st=$3; shift 3
"$mnt" -t tmpfs -o mode=0700 tmpfs "$st"
i=0
while [ "$i" -lt "$n" ]; do
  eval "src=\\\${$((3 * i + 1))}"
  if [ -d "$src" ]; then mkdir -- "$st/$i"; else : > "$st/$i"; fi
  "$mnt" --bind -- "$src" "$st/$i"
  i=$((i + 1))
done
exec 9< "$st"
i=0
while [ "$i" -lt "$n" ]; do
  src=/proc/self/fd/9/$i; dst=$2; mode=$3; shift 3
  if [ ! -e "$dst" ]; then
    if [ -d "$src" ]; then mkdir -p -- "$dst"; else mkdir -p -- "$(dirname -- "$dst")"; : > "$dst"; fi
  fi
  "$mnt" --bind -- "$src" "$dst"
  if [ "$mode" = ro ]; then "$mnt" -o remount,bind,ro -- "$dst"; fi
  i=$((i + 1))
done
exec 9<&-
wd=$1; shift
if [ -n "$wd" ]; then mkdir -p -- "$wd"; cd -- "$wd"; fi
exec "$@"`;

const MOUNT_BIN = ['/usr/bin/mount', '/bin/mount'].find((p) => existsSync(p)) ?? 'mount';
const UNSHARE_BIN = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p)) ?? 'unshare';
const NSENTER_BIN = ['/usr/bin/nsenter', '/bin/nsenter'].find((p) => existsSync(p)) ?? 'nsenter';

/** Only ever an empty directory: never recursive, as volumes were bound below it in the container. */
function removeStage(stage: string): void {
  try {
    rmdirSync(stage);
  } catch {
    /* already gone */
  }
}

/** Orders mounts so a parent mountPath is mounted before the ones nested in it, as the kubelet does. */
export function orderMounts(mounts: BindMount[]): BindMount[] {
  return [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
}

function depth(p: string): number {
  return normalize(p).split(sep).filter(Boolean).length;
}

/**
 * Mount points the host lacks are created for the run and removed afterwards. Several runs may need
 * the same mount point at once — in this process and in other test processes running clusters side by
 * side — and removing a directory that is a mount point in another namespace would detach that mount.
 * So users are counted in a registry under /run, one marker file per process, changed under a lock; the
 * last user removes what the first one created.
 */
const REGISTRY = '/run/kubectl-odoo-test-mountpoints';
const mountPointUsers = new Map<string, number>();

function registryDir(target: string, isDir: boolean): string {
  return join(REGISTRY, createHash('sha1').update(`${target}\0${isDir}`).digest('hex'));
}

function withRegistryLock<T>(fn: () => T): T {
  mkdirSync(REGISTRY, { recursive: true });
  const lock = join(REGISTRY, 'lock');
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        mkdirSync(REGISTRY, { recursive: true }); // the last user just removed the empty registry
        continue;
      }
      if (code !== 'EEXIST') throw e;
      // A lock left by a process that died holding it is broken after a while.
      if (Date.now() > deadline) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
    try {
      rmdirSync(REGISTRY); // leave no trace once nobody uses it
    } catch {
      /* still in use */
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acquireMountPoint(target: string, isDir: boolean): void {
  const key = `${target}\0${isDir}`;
  const count = mountPointUsers.get(key) ?? 0;
  mountPointUsers.set(key, count + 1);
  if (count > 0) return;
  withRegistryLock(() => {
    const dir = registryDir(target, isDir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, String(process.pid)), '');
    // Walk up to the first existing ancestor; everything below it is created here and recorded.
    const missing: string[] = [];
    let p = target;
    while (!existsSync(p)) {
      missing.unshift(p);
      const parent = dirname(p);
      if (parent === p) break;
      p = parent;
    }
    for (let i = 0; i < missing.length; i++) {
      try {
        if (i === missing.length - 1 && !isDir) writeFileSync(missing[i], '', { flag: 'wx' });
        else mkdirSync(missing[i]);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // made by a container's own fallback
        throw e;
      }
      appendFileSync(join(dir, 'created'), missing[i] + '\n');
    }
  });
}

function releaseMountPoint(target: string, isDir: boolean): void {
  const key = `${target}\0${isDir}`;
  const count = mountPointUsers.get(key) ?? 0;
  if (count > 1) {
    mountPointUsers.set(key, count - 1);
    return;
  }
  mountPointUsers.delete(key);
  withRegistryLock(() => {
    const dir = registryDir(target, isDir);
    rmSync(join(dir, String(process.pid)), { force: true });
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    if (entries.some((f) => /^\d+$/.test(f) && processAlive(Number(f)))) return;
    let created: string[] = [];
    try {
      created = readFileSync(join(dir, 'created'), 'utf8').split('\n').filter(Boolean);
    } catch {
      /* nothing was created */
    }
    for (const p of created.reverse()) {
      try {
        if (lstatSync(p).isDirectory()) rmdirSync(p);
        else unlinkSync(p);
      } catch {
        // Not empty (someone put something there) or already gone: leave it.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Process groups still running, so a test process that exits without stopping its cluster leaves none behind. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const key of [...mountPointUsers.keys()]) {
      mountPointUsers.set(key, 1);
      const [target, isDir] = key.split('\0');
      releaseMountPoint(target, isDir === 'true');
    }
  });
}

export interface SandboxProcess {
  child: ChildProcess;
  /** Resolves with the exit code (128+signal when killed) once the process is gone and mount points are released. */
  exited: Promise<{ code: number; signal: NodeJS.Signals | null }>;
  /**
   * SIGKILL goes to every process of the container; any other signal to its main process only (PID 1
   * of its PID namespace, or the process itself without one), as a container runtime sends it.
   */
  signal(sig: NodeJS.Signals): void;
}

/** Spawns argv in a fresh mount namespace with the given bind mounts. */
export function spawnInSandbox(spec: SandboxSpec): SandboxProcess {
  const mounts = orderMounts(spec.mounts);
  const points: { target: string; isDir: boolean }[] = [];
  for (const m of mounts) {
    if (!isAbsolute(m.target)) throw new Error(`mount path ${m.target} must be absolute`);
    const isDir = statSync(m.source).isDirectory();
    // Only top-level mount points live on the host; nested ones are created inside their parent volume.
    if (mounts.some((o) => o !== m && isInside(m.target, o.target))) continue;
    acquireMountPoint(m.target, isDir);
    points.push({ target: m.target, isDir });
  }
  // Empty on the host: the tmpfs on it exists only in the container's mount namespace.
  const stage = mkdtempSync(join(tmpdir(), 'kubectl-odoo-sandbox-'));
  const args = ['--mount', '--propagation', 'private', ...(spec.pidNamespace ? ['--pid', '--fork', '--mount-proc'] : []), '--', '/bin/sh', '-c', SCRIPT, 'sh', MOUNT_BIN, String(mounts.length), stage];
  for (const m of mounts) args.push(m.source, m.target, m.readOnly ? 'ro' : 'rw');
  args.push(spec.workingDir ?? '', ...spec.argv);
  let child: ChildProcess;
  try {
    // nsenter joins the network namespace and execs unshare: the process (and its group) stays the same.
    child = spec.netns
      ? spawn(NSENTER_BIN, [`--net=${spec.netns}`, '--', UNSHARE_BIN, ...args], { env: spec.env, stdio: spec.stdio ?? ['ignore', 'pipe', 'pipe'], detached: true })
      : spawn(UNSHARE_BIN, args, { env: spec.env, stdio: spec.stdio ?? ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (e) {
    for (const p of points) releaseMountPoint(p.target, p.isDir);
    removeStage(stage);
    throw e;
  }
  installExitHook();
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);
  const exited = new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      if (pid !== undefined) {
        liveGroups.delete(pid);
        // A container ends with its main process: whatever it left running in the background goes too.
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* the group is already empty */
        }
      }
      for (const p of points) releaseMountPoint(p.target, p.isDir);
      removeStage(stage);
      resolve({ code: code ?? (signal ? 128 + signalNumber(signal) : 1), signal });
    };
    child.on('exit', finish);
    child.on('error', () => finish(127, null));
  });
  return {
    child,
    exited,
    signal(sig) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      if (sig === 'SIGKILL') {
        try {
          process.kill(-child.pid, sig);
        } catch {
          /* already gone */
        }
        return;
      }
      signalMain(child.pid, Boolean(spec.pidNamespace), sig);
    },
  };
}

/**
 * With a PID namespace, the main process is unshare's one child (it forks it at once); a signal sent
 * before the fork is retried for a moment, as it would wait for the container to be created.
 */
function signalMain(pid: number, inNamespace: boolean, sig: NodeJS.Signals, attempt = 0): void {
  let target: number | undefined = pid;
  if (inNamespace) {
    try {
      target = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
    } catch {
      return; // unshare itself is gone
    }
  }
  if (target === undefined) {
    if (attempt < 50) setTimeout(() => signalMain(pid, inNamespace, sig, attempt + 1), 20).unref();
    return;
  }
  try {
    process.kill(target, sig);
  } catch {
    /* already gone */
  }
}

function isInside(p: string, parent: string): boolean {
  const a = normalize(p);
  const b = normalize(parent).replace(/\/$/, '');
  return a !== b && a.startsWith(b + '/');
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
export function signalNumber(sig: NodeJS.Signals): number {
  return SIGNALS[sig] ?? 1;
}

/**
 * Finds argv[0] the way execve with a PATH search would, so a missing binary is reported like the
 * runtime reports it instead of as a shell's exit 127.
 */
export function resolveExecutable(cmd: string, path: string | undefined, cwd = '/'): string | undefined {
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : join(cwd, cmd);
    return isExecutableFile(p) ? p : undefined;
  }
  for (const dir of (path ?? '').split(':')) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
