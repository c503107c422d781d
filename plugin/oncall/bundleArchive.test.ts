import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFormatOf, writeBundle, type BundleEntry } from './bundleArchive.js';

const entries: BundleEntry[] = [
  { path: 'report/README.txt', content: 'what was collected\n' },
  { path: 'report/odoo-acme-1a2b3c4d/objects/deployment.yaml', content: 'kind: Deployment\n'.repeat(200) },
  { path: `report/${'d'.repeat(80)}/${'f'.repeat(60)}.log`, content: Buffer.from([0, 1, 2, 255]) },
  { path: 'report/empty.txt', content: '' },
];

describe('bundleFormatOf', () => {
  it.each([
    ['a.zip', 'zip'],
    ['b.TAR.GZ', 'tar.gz'],
    ['c.tgz', 'tar.gz'],
    ['d.tar', undefined],
    ['e', undefined],
  ])('%s', (f, want) => expect(bundleFormatOf(f)).toBe(want));
});

describe('writeBundle', () => {
  it.each(['zip', 'tar.gz'] as const)('%s: unzip/tar extract every file with its bytes', (format) => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    try {
      const file = join(dir, `b.${format}`);
      writeFileSync(file, writeBundle(format, entries, new Date('2026-12-03T12:34:56Z')));
      if (format === 'zip') execFileSync('unzip', ['-q', file, '-d', join(dir, 'x')]);
      else execFileSync('tar', ['-xzf', file, '-C', (execFileSync('mkdir', ['-p', join(dir, 'x')]), join(dir, 'x'))]);
      for (const e of entries) expect(readFileSync(join(dir, 'x', e.path))).toEqual(Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content));
      const utc = { env: { ...process.env, TZ: 'UTC' } };
      const listing = format === 'zip' ? execFileSync('unzip', ['-Z', '-T', file], utc).toString() : execFileSync('tar', ['-tvzf', file], utc).toString();
      expect(listing).toMatch(format === 'zip' ? /20261203\.1234(56|54)/ : /2026-12-03 12:34/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
