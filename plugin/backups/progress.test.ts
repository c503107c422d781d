import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProgress, makeProgressReporter, parseProgressLine } from './progress.js';
import { BACKUP_SCRIPT } from './scripts.js';
import { parseBackupListing, formatAge, newestComplete } from './listing.js';

describe('progress', () => {
  it.each([
    ['TOTAL data=1000 db=20', { kind: 'total', data: 1000, db: 20 }],
    // GNU tar's %u counts records: at checkpoint 3000, 2999 records of 10 KiB are done.
    ['tar: PROGRESS:data:3000', { kind: 'bytes', bytes: 2999 * 10240 }],
    ['tar: PROGRESS:data:0', { kind: 'bytes', bytes: 0 }],
    ['PHASE database+data', { kind: 'phase', name: 'database+data' }],
    ['ERROR database dump failed: x', { kind: 'error', message: 'database dump failed: x' }],
    ['pg_dump: some noise', undefined],
  ])('parses %j', (line, ev) => {
    expect(parseProgressLine(line)).toEqual(ev);
  });

  it('formats bytes, rate and ETA', () => {
    expect(formatProgress({ bytes: 50e6, total: 150e6, elapsedMs: 10_000 })).toBe('data 47.7Mi / 143.1Mi (33%), 4.8Mi/s, ETA 0:20');
  });

  it('reports phases always and bytes at most every few seconds', () => {
    const out: string[] = [];
    let t = 0;
    const feed = makeProgressReporter((l) => out.push(l), () => t, 3000);
    feed('TOTAL data=102400000 db=1');
    feed('PHASE data');
    t = 4000;
    feed('tar: PROGRESS:data:2001');
    t = 5000;
    feed('tar: PROGRESS:data:3001');
    expect(out).toEqual(['  data...', '  data 19.5Mi / 97.7Mi (20%), 4.9Mi/s, ETA 0:16']);
  });
});

// The scripts' own tar_progress, run with the real GNU tar over files of known size: every progress
// figure must be what tar itself counts at that moment (its %T total), never more than the archive.
describe('progress of a real GNU tar run', () => {
  const fn = /^tar_progress\(\) \{[\s\S]*?^\}$/m.exec(BACKUP_SCRIPT)![0];
  const dir = mkdtempSync(join(tmpdir(), 'tar-progress-'));
  const src = join(dir, 'src');
  mkdirSync(join(src, 'filestore'), { recursive: true });
  // 24 MiB in files of several sizes (zeros compress, but tar's records are counted before compression).
  for (let i = 0; i < 12; i++) writeFileSync(join(src, 'filestore', `f${i}`), Buffer.alloc((i + 1) * 2 ** 17 * 2.5));
  const totalsOf = (stderr: string, label: string) =>
    stderr.split('\n').flatMap((l) => {
      const m = new RegExp(`${label}:(?:\\w+: )?(\\d+)`).exec(l);
      return m ? [Number(m[1])] : [];
    });
  const run = (script: string) => {
    const r = spawnSync('sh', ['-c', `${fn}\n${script}`], { env: { ...process.env, CHECKPOINT: '100', SRC: src, DIR: dir }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stderr;
  };

  it('archiving: the figures equal tar\'s own byte count and end within one checkpoint of the archive size', () => {
    const stderr = run(`tar -C "$SRC" -cf - . $(tar_progress data) '--checkpoint-action=echo=TOTAL:%{w}T' > "$DIR/a.tar"`);
    const archive = statSync(join(dir, 'a.tar')).size;
    const figures = stderr.split('\n').map(parseProgressLine).flatMap((e) => (e?.kind === 'bytes' ? [e.bytes] : []));
    expect(figures.length).toBeGreaterThan(10);
    expect(figures).toEqual(totalsOf(stderr, 'TOTAL'));
    expect(Math.max(...figures)).toBeLessThanOrEqual(archive);
    expect(archive - figures[figures.length - 1]).toBeLessThanOrEqual(100 * 10240);
    // What a user sees after the first ~10 MB: about 10Mi, not 1000 times that.
    const out: string[] = [];
    let t = 0;
    const feed = makeProgressReporter((l) => out.push(l), () => t, 0);
    feed(`TOTAL data=${archive} db=0`);
    feed('PHASE data');
    const tenMb = stderr.split('\n').filter((l) => l.includes('PROGRESS:data:'))[9];
    t = 2000;
    feed(tenMb);
    expect(out[1]).toMatch(/^ {2}data 9\.\dMi \/ 2\d(\.\d)?Mi \(\d\d%\), 4\.\dMi\/s, ETA 0:0\d$/);
  });

  it('restoring: the figures equal what tar has read', () => {
    const stderr = run(`mkdir -p "$DIR/out" && tar -C "$DIR/out" -xf - $(tar_progress data) '--checkpoint-action=echo=TOTAL:%{r}T' < "$DIR/a.tar"`);
    const figures = stderr.split('\n').map(parseProgressLine).flatMap((e) => (e?.kind === 'bytes' ? [e.bytes] : []));
    expect(figures.length).toBeGreaterThan(10);
    expect(figures).toEqual(totalsOf(stderr, 'TOTAL'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
});

describe('parseBackupListing', () => {
  const manifest = JSON.stringify({
    format: 'kubectl-odoo.backup/v1', timestamp: '20250115T103000Z', instance: 'acme', namespace: 'n', customerId: 'c', database: 'acme', image: 'i',
    dataMountPath: '/var/lib/odoo', consistency: 'live', tool: { name: 'kubectl-odoo', version: '0' }, compression: 'zstd', odooVersion: '17.0', pgVersion: '15',
    dataBytes: 1, startedAt: '2025-01-15T10:30:00Z', finishedAt: '2025-01-15T10:31:00Z', proof: 'reread',
    files: [{ name: 'db.dump.zst', role: 'database', size: 1, sha256: 'a'.repeat(64) }, { name: 'data.tar.zst', role: 'data', size: 1, sha256: 'b'.repeat(64) }],
  });
  const out = [
    'SET\tactive/c/acme/20250115T103000Z\t5000\t1\t1',
    `MANIFEST\tactive/c/acme/20250115T103000Z\t${manifest}`,
    'SET\tactive/c/acme/20250116T103000Z\t10\t0\t0',
    'SET\tactive/c/acme/.partial-20250117T103000Z\t10\t0\t0',
    'SET\tactive/c/acme/.partial-20250118T103000Z\t10\t0\t0',
    'FAILED\tactive/c/acme/.partial-20250118T103000Z\tdatabase dump failed: no route',
    'SET\tactive/c/acme/.partial-20250119T103000Z\t10\t0\t0',
    'SET\tactive/c/acme/.partial-20250119T113000Z\t10\t0\t0',
    'FAILED\tactive/c/acme/.partial-20250119T113000Z\tinterrupted (signal 15) before it was complete',
    'SET\tactive/c/acme/20250120T103000Z\t10\t1\t0',
    'MANIFEST\tactive/c/acme/20250120T103000Z\t{"format":"kubectl-odoo.backup/v1"}',
    'DONE list',
  ].join('\n');

  it('judges every set: only a final folder with a valid manifest is complete', () => {
    const sets = parseBackupListing(out, new Set(['acme/20250119T103000Z']));
    expect(sets.map((s) => [s.timestamp, s.state, s.pinned, s.error ?? ''])).toEqual([
      ['20250120T103000Z', 'partial', false, 'manifest field "timestamp" is missing'],
      // Cut short by a signal (Ctrl-C, Job deleted): partial, as the README says, not failed.
      ['20250119T113000Z', 'partial', false, 'interrupted (signal 15) before it was complete'],
      ['20250119T103000Z', 'running', false, ''],
      ['20250118T103000Z', 'failed', false, 'database dump failed: no route'],
      ['20250117T103000Z', 'partial', false, 'interrupted before it was complete'],
      ['20250116T103000Z', 'partial', false, 'manifest.json is missing'],
      ['20250115T103000Z', 'complete', true, ''],
    ]);
    expect(sets[6]).toMatchObject({ path: 'active/c/acme/20250115T103000Z', bytes: 5000, manifest: { odooVersion: '17.0' } });
    expect(sets[4].path).toBe('active/c/acme/20250117T103000Z');
    expect(sets[4].folder).toBe('active/c/acme/.partial-20250117T103000Z');
  });

  it('a set made before sets were proven is unproven, one whose files lost bytes is damaged; neither is "latest"', () => {
    const withTs = (ts: string, extra: object = {}) => JSON.stringify({ ...JSON.parse(manifest), timestamp: ts, ...extra });
    const listing = [
      'SET\tactive/c/acme/20250115T103000Z\t2\t1\t0',
      `MANIFEST\tactive/c/acme/20250115T103000Z\t${withTs('20250115T103000Z')}`,
      'FILE\tactive/c/acme/20250115T103000Z\tdb.dump.zst\t1',
      'FILE\tactive/c/acme/20250115T103000Z\tdata.tar.zst\t1',
      'SET\tactive/c/acme/20250116T103000Z\t2\t1\t0',
      `MANIFEST\tactive/c/acme/20250116T103000Z\t${withTs('20250116T103000Z', { proof: undefined })}`,
      'SET\tactive/c/acme/20250117T103000Z\t2\t1\t0',
      `MANIFEST\tactive/c/acme/20250117T103000Z\t${withTs('20250117T103000Z')}`,
      'FILE\tactive/c/acme/20250117T103000Z\tdb.dump.zst\t1',
      'FILE\tactive/c/acme/20250117T103000Z\tdata.tar.zst\t0',
      'SET\tactive/c/acme/20250118T103000Z\t2\t1\t0',
      `MANIFEST\tactive/c/acme/20250118T103000Z\t${withTs('20250118T103000Z')}`,
      'FILE\tactive/c/acme/20250118T103000Z\tdata.tar.zst\t1',
    ].join('\n');
    const sets = parseBackupListing(listing);
    expect(sets.map((s) => [s.timestamp, s.state, s.error ?? ''])).toEqual([
      ['20250118T103000Z', 'damaged', 'db.dump.zst is missing'],
      ['20250117T103000Z', 'damaged', 'data.tar.zst has 0 bytes, the manifest says 1'],
      ['20250116T103000Z', 'unproven', 'made before backups were proven on disk; "kubectl odoo backup verify" checks it'],
      ['20250115T103000Z', 'complete', ''],
    ]);
    expect(newestComplete(sets)?.timestamp).toBe('20250115T103000Z');
  });

  it('marks safety backups, and "latest" is the newest complete set that is not one', () => {
    const withTs = (ts: string, extra: object = {}) => JSON.stringify({ ...JSON.parse(manifest), timestamp: ts, ...extra });
    const safety = { reason: 'safety-before-restore', restoring: 'active/c/acme/20250115T103000Z' };
    const listing = [
      'SET\tactive/c/acme/20250115T103000Z\t5000\t1\t0',
      `MANIFEST\tactive/c/acme/20250115T103000Z\t${withTs('20250115T103000Z')}`,
      'SET\tactive/c/acme/20250116T103000Z\t5000\t1\t0',
      `MANIFEST\tactive/c/acme/20250116T103000Z\t${withTs('20250116T103000Z', safety)}`,
      'SET\tactive/c/acme/.partial-20250117T103000Z\t10\t0\t0',
    ].join('\n');
    const sets = parseBackupListing(listing);
    expect(sets.map((s) => [s.timestamp, s.state, s.safety])).toEqual([
      ['20250117T103000Z', 'partial', false],
      ['20250116T103000Z', 'complete', true],
      ['20250115T103000Z', 'complete', false],
    ]);
    expect(sets[1].manifest?.restoring).toBe('active/c/acme/20250115T103000Z');
    expect(newestComplete(sets)?.timestamp).toBe('20250115T103000Z');
    expect(newestComplete(sets.filter((s) => !s.safety && s.state === 'partial'))).toBeUndefined();
  });

  it.each([
    [5_000, '5s'],
    [600_000, '10m'],
    [3 * 3600_000 + 60_000, '3h1m'],
    [3 * 86_400_000 + 3600_000, '3d1h'],
    [400 * 86_400_000, '1y35d'],
  ])('age of %i ms is %s', (ms, s) => {
    expect(formatAge(ms)).toBe(s);
  });
});
