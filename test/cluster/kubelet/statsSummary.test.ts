import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirUsage, parseQuantity } from './statsSummary.js';

describe('parseQuantity', () => {
  it.each([
    ['10Gi', 10 * 2 ** 30],
    ['500Mi', 500 * 2 ** 20],
    ['1.5Ti', 1.5 * 2 ** 40],
    ['2G', 2e9],
    ['100k', 1e5],
    ['1024', 1024],
    [undefined, undefined],
    ['lots', undefined],
  ])('%s → %s', (q, want) => {
    expect(parseQuantity(q)).toBe(want);
  });
});

describe('dirUsage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelet-du-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('matches du -sb and counts every inode once, hard links included', () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'one'), Buffer.alloc(1000));
    writeFileSync(join(dir, 'a', 'b', 'two'), Buffer.alloc(70_000));
    linkSync(join(dir, 'a', 'one'), join(dir, 'hard'));
    const du = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
    expect(dirUsage(dir)).toEqual({ bytes: du, inodes: 5 });
  });
});
