import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTrees, parseTree, parseVerifyOutput, VERIFY_TREES_SCRIPT, type Tree } from './verify.js';

const tree = (entries: [string, string, number?, string?][]): Tree =>
  new Map(entries.map(([p, type, size = 0, x]) => [p, { type, size, ...(type === 'f' ? { sha256: x } : type === 'l' ? { link: x } : {}) }]));

describe('compareTrees', () => {
  const src = tree([
    ['filestore', 'd'],
    ['filestore/ab/abc', 'f', 3, 'h1'],
    ['sessions/s1', 'f', 10, 'h2'],
    ['link', 'l', 0, 'filestore'],
  ]);
  it.each([
    ['identical', src, []],
    ['a file missing', tree([['filestore', 'd'], ['sessions/s1', 'f', 10, 'h2'], ['link', 'l', 0, 'filestore']]), [{ path: 'filestore/ab/abc', problem: 'missing in the copy' }]],
    ['a checksum differs', tree([['filestore', 'd'], ['filestore/ab/abc', 'f', 3, 'XX'], ['sessions/s1', 'f', 10, 'h2'], ['link', 'l', 0, 'filestore']]), [{ path: 'filestore/ab/abc', problem: 'checksum differs' }]],
    ['a size differs', tree([['filestore', 'd'], ['filestore/ab/abc', 'f', 4, 'h1'], ['sessions/s1', 'f', 10, 'h2'], ['link', 'l', 0, 'filestore']]), [{ path: 'filestore/ab/abc', problem: 'size differs (source 3 bytes, copy 4 bytes)' }]],
    ['an extra file and a changed link', tree([['filestore', 'd'], ['filestore/ab/abc', 'f', 3, 'h1'], ['sessions/s1', 'f', 10, 'h2'], ['link', 'l', 0, 'x'], ['new', 'f', 1, 'h']]), [{ path: 'link', problem: 'link target differs (source filestore, copy x)' }, { path: 'new', problem: 'exists only in the copy' }]],
    ['a type change', tree([['filestore', 'f', 0, 'h'], ['filestore/ab/abc', 'f', 3, 'h1'], ['sessions/s1', 'f', 10, 'h2'], ['link', 'l', 0, 'filestore']]), [{ path: 'filestore', problem: 'is a file in the copy but a directory in the source' }]],
  ] as [string, Tree, unknown[]][])('%s', (_n, target, diffs) => {
    const v = compareTrees(src, target);
    expect(v.differences).toEqual(diffs);
    expect(v.ok).toBe(diffs.length === 0);
    expect(v.source).toEqual({ files: 2, directories: 1, bytes: 13 });
  });
  it('caps the list but counts everything', () => {
    const many = tree(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'f', 1, 'h'] as [string, string, number, string]));
    const v = compareTrees(many, new Map(), 5);
    expect(v.differences).toHaveLength(6);
    expect(v.differences[5]).toEqual({ path: '…', problem: '25 more differences' });
  });
});

describe('verifyScript against real trees', () => {
  it('lists odd file names and finds exactly the changed file', () => {
    const root = mkdtempSync(join(tmpdir(), 'verify-'));
    try {
      for (const side of ['a', 'b']) {
        mkdirSync(join(root, side, 'filestore', 'dir with space'), { recursive: true });
        writeFileSync(join(root, side, 'filestore', 'dir with space', 'new\nline'), 'x');
        writeFileSync(join(root, side, 'ünï $(x) `y`'), 'same');
        writeFileSync(join(root, side, 'big'), Buffer.alloc(100_000, 1));
        symlinkSync('filestore', join(root, side, 'link'));
      }
      writeFileSync(join(root, 'b', 'big'), Buffer.alloc(100_000, 2));
      const out = execFileSync('sh', ['-c', VERIFY_TREES_SCRIPT], { encoding: 'utf8', env: { ...process.env, SOURCE_DIR: join(root, 'a'), TARGET_DIR: join(root, 'b') } });
      const { source, target } = parseVerifyOutput(out);
      expect(source.get('filestore/dir with space/new\nline')).toMatchObject({ type: 'f', size: 1 });
      expect(source.get('link')).toEqual({ type: 'l', size: 0, link: 'filestore' });
      const v = compareTrees(source, target);
      expect(v.differences).toEqual([{ path: 'big', problem: 'checksum differs' }]);
      expect(v.source).toEqual({ files: 3, directories: 2, bytes: 100_005 });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  it('refuses output that was cut short', () => {
    expect(() => parseVerifyOutput('\u0000@@source-list\u0000f\u00001\u0000./a\u0000\u0000')).toThrow(/incomplete/);
  });
  it('parseTree joins sizes and sums', () => {
    const t = parseTree('f\u00003\u0000./a\u0000\u0000d\u00004096\u0000./d\u0000\u0000', `${'a'.repeat(64)}  ./a\u0000`);
    expect(t.get('a')).toEqual({ type: 'f', size: 3, sha256: 'a'.repeat(64) });
    expect(t.get('d')).toEqual({ type: 'd', size: 0 });
  });
});
