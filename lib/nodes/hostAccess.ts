// How collectors reach a node: the agent reads its own host (through the host paths mounted into its
// container), the SSH path runs plain shell commands on a remote machine. Both answer with Probes.
import type { Probe } from './facts.js';

export interface ExecOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The program is not installed (ENOENT locally, exit 127 from a shell). */
  missing?: boolean;
  /** Could not run at all (timeout, spawn error). */
  error?: string;
}

export interface HostAccess {
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<ExecOutcome>;
  /** File contents; ok:false with error "ENOENT" when it does not exist. */
  readText(path: string): Promise<Probe>;
  /** `bytes` bytes from `offset` (a multiple of `bytes`; 0: the first ones), base64. */
  readHead(path: string, bytes: number, offset?: number): Promise<Probe>;
  /** Entry names, one per line. */
  list(dir: string): Promise<Probe>;
  realpath(path: string): Promise<Probe>;
  /** "block MAJ MIN", "other" or "missing" (following symlinks). */
  statDevice(path: string): Promise<Probe>;
  /** Symlinks in a directory with their resolved targets: "NAME\tTARGET" lines. */
  links(dir: string): Promise<Probe>;
  /** O_EXCL open of a block device: "free" or "busy: CODE[; open by NAME(PID)...]". */
  exclusiveOpen(path: string): Promise<Probe>;
}

/** Where the host's directories appear to the collector. */
export interface HostPaths {
  proc: string;
  sys: string;
  dev: string;
  udev: string;
  modules: string;
}

export const HOST_PATHS_ON_HOST: HostPaths = { proc: '/proc', sys: '/sys', dev: '/dev', udev: '/run/udev', modules: '/lib/modules' };

/** Quotes one word for a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
