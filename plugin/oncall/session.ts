// A command in an instance's pod, wired to the user's terminal the way `kubectl exec -it` does it: a
// terminal in the container when stdin and stdout are terminals (raw mode, size followed), plain
// streams otherwise; the remote exit code becomes the plugin's.
import { spawnSync } from 'node:child_process';
import type { IOStreams } from '../cli/context.js';
import type { KubeClient } from '../../lib/kube/client.js';
import type { TerminalSize } from '../../lib/kube/exec.js';
import { ConflictError, RemoteExitError } from '../../lib/errors.js';
import type { InstanceObjects } from '../instances/resolve.js';
import type { PodTarget } from '../odooconf/remoteFile.js';
import { runningInstancePod } from '../storage/volumePod.js';

/** The running Odoo container of the instance, or an error that says what to do instead. */
export function odooContainerTarget(inst: InstanceObjects): PodTarget {
  const t = runningInstancePod(inst);
  if (t) return t;
  const maintenance = inst.deployment?.metadata?.annotations?.['kubectl-odoo.io/maintenance'];
  throw new ConflictError(`instance ${inst.name} has no running Odoo container`, {
    hint: maintenance
      ? `it is in maintenance: "kubectl odoo maintenance shell ${inst.name}" opens a shell in its maintenance pod`
      : `start it with "kubectl odoo start ${inst.name} --wait", or "kubectl odoo maintenance on ${inst.name}" for a pod with its volume and database settings`,
  });
}

/** Why no Odoo container runs, in a few words: stopped, its pod being replaced, or not started yet. */
export function whyNotRunning(inst: InstanceObjects): string {
  if ((inst.deployment?.spec?.replicas ?? 1) === 0) return `instance ${inst.name} is stopped`;
  const leaving = inst.pods.find((p) => p.metadata?.deletionTimestamp);
  if (leaving) return `the pod of instance ${inst.name} is being replaced (${leaving.metadata.name} is terminating)`;
  return `instance ${inst.name} has no running Odoo container yet`;
}

/** bash when the image has it, else sh. */
export const LOGIN_SHELL = 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi';

type TtyIn = NodeJS.ReadableStream & { isTTY?: boolean; fd?: number; setRawMode?: (raw: boolean) => void };
type TtyOut = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number; on?: (e: 'resize', fn: () => void) => unknown; off?: (e: 'resize', fn: () => void) => unknown };

/** Whether the session gets a terminal: stdin and stdout both are one (kubectl exec -it on a terminal). */
export function wantsTerminal(io: IOStreams): boolean {
  return !!io.stdin.isTTY && !!io.stdout.isTTY;
}

function terminalOf(out: TtyOut): TerminalSize {
  return {
    size: () => (out.columns && out.rows ? { width: out.columns, height: out.rows } : undefined),
    onResize: (fn) => {
      out.on?.('resize', fn);
      return () => out.off?.('resize', fn);
    },
  };
}

/**
 * Node's raw mode leaves output processing on (\n written as \r\n), which the container's terminal
 * already does: turned off, as kubectl exec -it and ssh have it, so full-screen programs draw right.
 * setRawMode(false) gives the terminal back its settings from before.
 */
function outputProcessingOff(stdin: TtyIn): void {
  if (typeof stdin.fd === 'number') spawnSync('stty', ['-opost'], { stdio: [stdin.fd, 'ignore', 'ignore'] });
}

export interface SessionOptions {
  target: PodTarget;
  command: string[];
  /** What goes to the command's stdin instead of the user's (psql -f FILE). */
  input?: Buffer;
  signal?: AbortSignal;
}

/** Runs the command attached to io; a non-zero exit is thrown as RemoteExitError (the plugin exits with it). */
export async function runAttached(kube: KubeClient, io: IOStreams, opts: SessionOptions): Promise<void> {
  const { execInPod } = await import('../../lib/kube/exec.js');
  const tty = opts.input === undefined && wantsTerminal(io);
  const stdin = io.stdin as TtyIn;
  if (tty) {
    stdin.setRawMode?.(true);
    outputProcessingOff(stdin);
  }
  try {
    const r = await execInPod(kube, {
      ...opts.target,
      command: opts.command,
      stdin: opts.input ?? (stdin as unknown as import('node:stream').Readable),
      stdout: io.stdout,
      stderr: io.stderr,
      signal: opts.signal,
      ...(tty ? { tty: terminalOf(io.stdout as TtyOut) } : {}),
    });
    if (r.exitCode !== 0) throw new RemoteExitError(r.exitCode);
  } finally {
    if (tty) stdin.setRawMode?.(false);
    stdin.pause?.();
  }
}
