// HostAccess for the agent: reads the host through the paths mounted into its container and runs the
// host tools (blkid, lsblk, pvs, chronyc) shipped in its image. Read-only by construction.
import { execFile } from 'node:child_process';
import { promises as fs, constants } from 'node:fs';
import { join } from 'node:path';
import type { Probe } from '../plugin/nodes/facts.js';
import type { ExecOutcome, HostAccess } from '../plugin/nodes/hostAccess.js';

const fail = (e: unknown): Probe => ({ ok: false, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });

export function createLocalHostAccess(opts: { env?: NodeJS.ProcessEnv } = {}): HostAccess {
  const env = { ...(opts.env ?? process.env), LC_ALL: 'C', LVM_SUPPRESS_FD_WARNINGS: '1' };
  return {
    exec(argv, o = {}) {
      return new Promise<ExecOutcome>((resolve) => {
        execFile(argv[0], argv.slice(1), { env, timeout: o.timeoutMs ?? 10_000, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
          if (!err) return resolve({ code: 0, stdout, stderr });
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
          if (e.code === 'ENOENT') return resolve({ code: null, stdout: '', stderr: '', missing: true });
          if (e.killed || e.signal) return resolve({ code: null, stdout, stderr, error: `timed out or killed (${e.signal ?? 'SIGTERM'})` });
          if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
          resolve({ code: null, stdout, stderr, error: String(e.code ?? e.message) });
        });
      });
    },
    async readText(path) {
      try {
        return { ok: true, out: await fs.readFile(path, 'utf8') };
      } catch (e) {
        return fail(e);
      }
    },
    async readHead(path, bytes) {
      let fh: fs.FileHandle | undefined;
      try {
        fh = await fs.open(path, constants.O_RDONLY);
        const buf = Buffer.alloc(bytes);
        const { bytesRead } = await fh.read(buf, 0, bytes, 0);
        return { ok: true, out: buf.subarray(0, bytesRead).toString('base64') };
      } catch (e) {
        return fail(e);
      } finally {
        await fh?.close();
      }
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
      try {
        const fh = await fs.open(path, constants.O_RDONLY | constants.O_EXCL);
        await fh.close();
        return { ok: true, out: 'free' };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === 'EBUSY' ? { ok: true, out: `busy: ${code}` } : fail(e);
      }
    },
  };
}
