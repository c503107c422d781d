// A small real file system (ext4 on a loop device) mounted over a directory, to run out of space on
// purpose; fill() leaves exactly about N bytes free. Needs root. Everything is undone by remove(),
// even when a step failed: unmount, detach the loop device by its path, delete the image.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallVolume {
  mountPoint: string;
  freeBytes(): number;
  /** Fills the volume until about `bytes` remain free (a filler file outside any set). */
  leaveFree(bytes: number): void;
  remove(): void;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function mountSmallVolume(mountPoint: string, sizeBytes: number): SmallVolume {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-small-'));
  const image = join(dir, 'volume.img');
  const undo: (() => void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const remove = () => {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // keep undoing the rest
      }
    }
    undo.length = 0;
  };
  try {
    run('truncate', ['-s', String(sizeBytes), image]);
    const dev = run('losetup', ['--find', '--show', image]).trim();
    undo.push(() => run('losetup', ['-d', dev]));
    // No reserved blocks and no journal space surprises: free space is what df says.
    run('mkfs.ext4', ['-q', '-F', '-m', '0', '-O', '^has_journal', dev]);
    run('mount', [dev, mountPoint]);
    undo.push(() => run('umount', [mountPoint]));
  } catch (e) {
    remove();
    throw e;
  }
  const freeBytes = () => {
    const s = statfsSync(mountPoint);
    return s.bavail * s.bsize;
  };
  return {
    mountPoint,
    freeBytes,
    leaveFree(bytes) {
      const filler = join(mountPoint, '.filler');
      rmSync(filler, { force: true });
      const fill = freeBytes() - bytes;
      if (fill > 0) run('fallocate', ['-l', String(fill), filler]);
    },
    remove,
  };
}
