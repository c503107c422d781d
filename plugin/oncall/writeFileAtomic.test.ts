// writeFileAtomic: the bundle is there whole or not at all. A write that fails half-way (a full disk)
// or a rename that is refused leaves the target as it was and no temporary file beside it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './report.js';

let dir: string;
let target: string;
const data = Buffer.alloc(100_000, 'n');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'write-atomic-'));
  target = join(dir, 'report.zip');
  writeFileSync(target, 'the old bundle');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const failure = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });
/** Writes the first half, then the disk is full. */
function fillsUp(fd: number, buf: Buffer, off: number): number {
  if (off > 0) throw failure('ENOSPC');
  return writeSync(fd, buf, off, buf.length / 2);
}
function refused(): void {
  throw failure('EACCES');
}

describe('writeFileAtomic', () => {
  it('replaces the file whole, even when each write takes only part of the data', () => {
    const writes: number[] = [];
    writeFileAtomic(target, data, {
      writeSync: (fd, buf, off) => (writes.push(off), writeSync(fd, buf, off, Math.min(4096, buf.length - off))),
      renameSync,
    });
    expect(readFileSync(target).equals(data)).toBe(true);
    expect(writes.length).toBe(Math.ceil(data.length / 4096));
    expect(readdirSync(dir)).toEqual(['report.zip']);
  });

  it.each([
    ['a write that fails half-way (no space left)', 'ENOSPC', { writeSync: fillsUp, renameSync }],
    ['a refused rename', 'EACCES', { writeSync: (fd: number, buf: Buffer, off: number) => writeSync(fd, buf, off), renameSync: refused }],
  ])('%s: throws, the existing file keeps its content, no temporary file remains', (_what, code, fs) => {
    expect(() => writeFileAtomic(target, data, fs)).toThrow(code);
    expect(readFileSync(target, 'utf8')).toBe('the old bundle');
    expect(readdirSync(dir)).toEqual(['report.zip']);
  });

  it('with the real file system: a target that cannot be replaced (a folder with files) stays, no temporary file remains', () => {
    const folder = join(dir, 'taken.zip');
    mkdirSync(folder);
    writeFileSync(join(folder, 'inside'), 'kept');
    expect(() => writeFileAtomic(folder, data)).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readFileSync(join(folder, 'inside'), 'utf8')).toBe('kept');
    expect(readdirSync(dir).sort()).toEqual(['report.zip', 'taken.zip']);
  });
});
