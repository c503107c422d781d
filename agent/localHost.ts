// HostAccess for the agent: reads the host through the paths mounted into its container and runs the
// host tools (blkid, lsblk, pvs, chronyc) shipped in its image. Read-only by construction.
//
// A device whose I/O hangs (a dead disk, a suspended device-mapper table, lost iSCSI/NBD) must not hang
// the agent: everything that reads a device (the tools, and the first bytes, read with dd) runs in a
// child process with a deadline. At the deadline the child is sent SIGKILL and the agent answers
// without it ("device did not answer" → UNKNOWN). A process stuck in uninterruptible sleep (D state)
// cannot be killed until the kernel finishes its I/O, so it may linger, but the agent no longer waits.
import { spawn } from 'node:child_process';
import { promises as fs, constants } from 'node:fs';
import { join } from 'node:path';
import type { Probe } from '../lib/nodes/facts.js';
import type { ExecOutcome, HostAccess } from '../lib/nodes/hostAccess.js';

const fail = (e: unknown): Probe => ({ ok: false, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });

/** What readHead and exclusiveOpen report when the device does not answer in time; the judge shows it. */
export const DEVICE_DID_NOT_ANSWER = 'device did not answer';
/** Exclusive opens tried, 100 ms apart, before a device is judged held. */
const EXCLUSIVE_OPEN_TRIES = 3;
/** Seconds the first bytes of a device (or its exclusive open) may take. */
export const DEVICE_READ_TIMEOUT_MS = 5_000;
const MAX_OUTPUT_BYTES = 8 << 20;

interface RunOutcome {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  missing?: boolean;
  timedOut?: boolean;
  error?: string;
}

/**
 * Runs a program; resolves when it exits, or at the deadline after SIGKILL without waiting for the
 * exit (which never comes for a process in uninterruptible sleep on a hung device).
 */
export function runWithDeadline(argv: string[], opts: { env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (o: Omit<RunOutcome, 'stdout' | 'stderr'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...o, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    };
    const child = spawn(argv[0], argv.slice(1), { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      // Not waited for: it exits when (if) the kernel lets it.
      child.unref();
      finish({ code: null, timedOut: true, error: `timed out after ${opts.timeoutMs / 1000} s (killed)` });
    }, opts.timeoutMs);
    const collect = (chunks: Buffer[]) => (d: Buffer) => {
      size += d.length;
      if (size > MAX_OUTPUT_BYTES) {
        child.kill('SIGKILL');
        return finish({ code: null, error: 'printed too much' });
      }
      chunks.push(d);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ENOENT' ? { code: null, missing: true } : { code: null, error: e.code ?? e.message }));
    child.on('close', (code, signal) => finish(signal ? { code: null, error: `killed (${signal})` } : { code }));
  });
}

export function createLocalHostAccess(opts: { env?: NodeJS.ProcessEnv } = {}): HostAccess {
  const env = { ...(opts.env ?? process.env), LC_ALL: 'C', LVM_SUPPRESS_FD_WARNINGS: '1' };
  return {
    async exec(argv, o = {}) {
      const r = await runWithDeadline(argv, { env, timeoutMs: o.timeoutMs ?? 10_000 });
      if (r.missing) return { code: null, stdout: '', stderr: '', missing: true };
      const stdout = r.stdout.toString('utf8');
      if (r.timedOut) return { code: null, stdout, stderr: r.stderr, error: `${DEVICE_DID_NOT_ANSWER}: ${r.error}` };
      if (r.error) return { code: null, stdout, stderr: r.stderr, error: r.error };
      return { code: r.code, stdout, stderr: r.stderr };
    },
    async readText(path) {
      try {
        return { ok: true, out: await fs.readFile(path, 'utf8') };
      } catch (e) {
        return fail(e);
      }
    },
    async readHead(path, bytes, offset = 0) {
      // dd in a child, so a read that never returns costs a killed process, not a stuck agent.
      const skip = offset ? [`skip=${Math.floor(offset / bytes)}`] : [];
      const r = await runWithDeadline(['dd', `if=${path}`, `bs=${bytes}`, ...skip, 'count=1', 'status=none'], { env, timeoutMs: DEVICE_READ_TIMEOUT_MS });
      if (r.timedOut) return { ok: false, error: `${DEVICE_DID_NOT_ANSWER} within ${DEVICE_READ_TIMEOUT_MS / 1000} s` };
      if (r.missing) return { ok: false, error: 'dd not available' };
      if (r.code !== 0) return { ok: false, error: ddError(r) };
      return { ok: true, out: r.stdout.subarray(0, bytes).toString('base64') };
    },
    async list(dir) {
      try {
        return { ok: true, out: (await fs.readdir(dir)).sort().join('\n') };
      } catch (e) {
        return fail(e);
      }
    },
    async realpath(path) {
      try {
        return { ok: true, out: await fs.realpath(path) };
      } catch (e) {
        return fail(e);
      }
    },
    async statDevice(path) {
      try {
        const st = await fs.stat(path);
        if (!st.isBlockDevice()) return { ok: true, out: 'other' };
        // Linux dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31.
        const major = ((st.rdev >> 8) & 0xfff) | (Math.floor(st.rdev / 2 ** 32) & ~0xfff);
        const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & ~0xff);
        return { ok: true, out: `block ${major} ${minor}` };
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { ok: true, out: 'missing' } : fail(e);
      }
    },
    async links(dir) {
      try {
        const names = await fs.readdir(dir);
        const rows = await Promise.all(names.map(async (n) => `${n}\t${await fs.realpath(join(dir, n)).catch(() => '')}`));
        return { ok: true, out: rows.join('\n') };
      } catch (e) {
        return fail(e);
      }
    },
    async exclusiveOpen(path) {
      // What ceph-volume calls "locked": the kernel refuses an exclusive open when the device is
      // mounted, held by device-mapper/md, or opened exclusively by someone else.
      // Opening does no I/O on the device for disks, partitions and dm, but an open that never returns
      // would hold one of libuv's few threads: it is given up on at the deadline all the same.
      // A holder that lets go within EXCLUSIVE_OPEN_TRIES x 100 ms (another probe's own exclusive open,
      // udev's) is no holder: only one that stays is "locked".
      const open = (async (): Promise<Probe> => {
        for (let attempt = 1; ; attempt++) {
          try {
            const fh = await fs.open(path, constants.O_RDONLY | constants.O_EXCL);
            await fh.close();
            return { ok: true, out: 'free' };
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            if (code !== 'EBUSY') return fail(e);
            if (attempt >= EXCLUSIVE_OPEN_TRIES) return { ok: true, out: `busy: ${code}` };
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<Probe>((r) => (timer = setTimeout(() => r({ ok: false, error: `${DEVICE_DID_NOT_ANSWER} within ${DEVICE_READ_TIMEOUT_MS / 1000} s` }), DEVICE_READ_TIMEOUT_MS)));
      try {
        return await Promise.race([open, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** dd's complaint as an errno-like word where it has one (the judge shows it as the detail). */
function ddError(r: RunOutcome): string {
  const msg = r.stderr.trim().split('\n').pop() ?? '';
  if (/No such file/i.test(msg)) return 'ENOENT';
  if (/Permission denied/i.test(msg)) return 'EACCES';
  return r.error ?? `dd exited with ${r.code}${msg ? `: ${msg.slice(0, 200)}` : ''}`;
}
