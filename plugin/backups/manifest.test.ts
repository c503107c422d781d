import { describe, expect, it } from 'vitest';
import { buildManifestBase, checkManifest, encodeManifestBase, isSafetyBackup, parseSha256Sums } from './manifest.js';

const sumA = 'a'.repeat(64);
const sumB = 'b'.repeat(64);
const base = buildManifestBase({
  timestamp: '20250115T103000Z',
  instance: 'acme',
  namespace: 'saasodoo',
  customerId: 'cust-1',
  database: 'acme',
  image: 'odoo:17.0',
  dataMountPath: '/var/lib/odoo',
  consistency: 'live',
  toolVersion: '0.1.0',
});
const full = {
  ...base,
  compression: 'zstd',
  odooVersion: '17.0.1.3',
  pgVersion: '15.4',
  dataBytes: 1234,
  startedAt: '2025-01-15T10:30:00Z',
  finishedAt: '2025-01-15T10:31:00Z',
  files: [
    { name: 'db.dump.zst', role: 'database', size: 10, sha256: sumA },
    { name: 'data.tar.zst', role: 'data', size: 20, sha256: sumB },
  ],
};
const sums = `${sumA}  db.dump.zst\n${sumB}  data.tar.zst\n`;

describe('manifest base', () => {
  it('is one line of JSON ending in "}" so the Job can append its fields', () => {
    const text = encodeManifestBase(base);
    expect(text).not.toContain('\n');
    expect(text.endsWith('}')).toBe(true);
    // What the Job does: strip the brace, append fields.
    const completed = JSON.parse(`${text.slice(0, -1)},"extra":1}`);
    expect(completed).toMatchObject({ format: 'kubectl-odoo.backup/v1', instance: 'acme', tool: { name: 'kubectl-odoo', version: '0.1.0' }, extra: 1 });
  });
});

describe('safety backups', () => {
  it('carry their reason and the set whose restore they preceded; other sets carry neither', () => {
    const safety = buildManifestBase({ ...base, toolVersion: '0.1.0', reason: 'safety-before-restore', restoring: 'active/cust-1/acme/20250101T000000Z' });
    expect(safety).toMatchObject({ reason: 'safety-before-restore', restoring: 'active/cust-1/acme/20250101T000000Z' });
    expect(isSafetyBackup(safety)).toBe(true);
    expect('reason' in base || 'restoring' in base).toBe(false);
    expect(isSafetyBackup(base)).toBe(false);
    expect(checkManifest(JSON.stringify({ ...full, reason: 'safety-before-restore', restoring: 'active/cust-1/acme/20250101T000000Z' }), { sha256sums: sums })).toMatchObject({ ok: true });
  });
});

describe('checkManifest', () => {
  it('accepts a complete manifest that agrees with SHA256SUMS and its folder', () => {
    expect(checkManifest(JSON.stringify(full), { sha256sums: sums, expect: { instance: 'acme', timestamp: '20250115T103000Z' } })).toMatchObject({ ok: true });
  });

  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"format":', /not valid JSON/],
    ['another format', { ...full, format: 'v0' }, /manifest format is "v0"/],
    ['no database dump', { ...full, files: [full.files[1]] }, /no database dump/],
    ['no data archive', { ...full, files: [full.files[0]] }, /no data archive/],
    ['a path as file name', { ...full, files: [...full.files, { name: '../x', role: 'data', size: 1, sha256: sumA }] }, /invalid name "\.\.\/x"/],
    ['bad digest', { ...full, files: [{ ...full.files[0], sha256: 'xyz' }, full.files[1]] }, /not a SHA-256 digest/],
    ['digest differs from SHA256SUMS', { ...full, files: [{ ...full.files[0], sha256: 'c'.repeat(64) }, full.files[1]] }, /differs between manifest.json and SHA256SUMS/],
    ['bad consistency', { ...full, consistency: 'maybe' }, /"consistency" has an invalid value/],
    ['other instance', { ...full, instance: 'other' }, /for instance "other", not "acme"/],
    ['negative size', { ...full, dataBytes: -1 }, /dataBytes/],
    ['unknown reason', { ...full, reason: 'because' }, /"reason" has an invalid value "because"/],
  ];
  it.each(cases)('rejects %s', (_what, doc, msg) => {
    const r = checkManifest(typeof doc === 'string' ? doc : JSON.stringify(doc), { sha256sums: sums, expect: { instance: 'acme', timestamp: '20250115T103000Z' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toMatch(msg);
  });

  it('parses sha256sum output in text and binary mode', () => {
    expect([...parseSha256Sums(`${sumA}  x.zst\n${sumB} *y.gz\ngarbage\n`)]).toEqual([
      ['x.zst', sumA],
      ['y.gz', sumB],
    ]);
  });
});
