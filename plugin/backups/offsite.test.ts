import { describe, expect, it } from 'vitest';
import { buildOffsiteJob, parseRemoteListing, planRemotePrune, setsWorthCopying } from './offsite.js';
import { parseListing } from './listing.js';
import { buildManifestBase } from './manifest.js';

describe('off-site copies', () => {
  it('a set on the remote is complete only with its manifest; a copy cut short is partial', () => {
    const sets = parseRemoteListing([
      'FILE 100 active/c1/acme/20250115T103000Z/db.dump.zst',
      'FILE 900 active/c1/acme/20250115T103000Z/data.tar.zst',
      'FILE 150 active/c1/acme/20250115T103000Z/SHA256SUMS',
      'FILE 700 active/c1/acme/20250115T103000Z/manifest.json',
      'FILE 100 active/c1/acme/20250116T103000Z/db.dump.zst',
      'FILE 5 active/c1/acme/.partial-20250117T103000Z/FAILED',
      'FILE 5 active/c1/stray.txt',
      'DONE list',
    ]);
    expect(sets.map((s) => [s.path, s.state, s.bytes])).toEqual([
      ['active/c1/acme/20250116T103000Z', 'partial', 100],
      ['active/c1/acme/20250115T103000Z', 'complete', 1850],
    ]);
  });

  it('the Job takes the remote and its config from the Secret, never as values', () => {
    const job = buildOffsiteJob({ namespace: 'ns', mode: 'sync', sets: ['active/c1/acme/20250115T103000Z'], opId: '20250115T103000Z-ab12' }, { secret: 'odoo-backups-offsite', image: 'rclone/rclone:1.60' }, { backupsPvc: 'odoo-backups-pvc', compression: 'auto', deadlineSeconds: 60, defaultImage: 'x' });
    const c = job.spec.template.spec.containers[0];
    expect(c.env?.find((e: any) => e.name === 'REMOTE')).toEqual({ name: 'REMOTE', valueFrom: { secretKeyRef: { name: 'odoo-backups-offsite', key: 'remote', optional: true } } });
    expect(job.spec.template.spec.volumes?.find((v: any) => v.name === 'offsite')?.secret).toEqual({ secretName: 'odoo-backups-offsite', items: [{ key: 'rclone.conf', path: 'rclone.conf' }], defaultMode: 0o400, optional: true });
    expect(c.volumeMounts?.find((m: any) => m.name === 'backups')?.readOnly).toBe(true);
    expect(c.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  });
});

describe('retention on the remote', () => {
  // The inventory Job's output for one instance: three complete sets (the oldest pinned on the backups
  // volume), an older safety backup and a newer one, and a copy cut short.
  const manifest = (ts: string, reason?: string) =>
    JSON.stringify({
      ...buildManifestBase({ timestamp: ts, instance: 'acme', namespace: 'ns', customerId: 'c1', database: 'acme', image: 'odoo:17.0', dataMountPath: '/var/lib/odoo', consistency: 'live', toolVersion: '0.1.0', ...(reason ? { reason: 'safety-before-restore' as const, restoring: 'x' } : {}) }),
      compression: 'zstd',
      dataBytes: 20,
      proof: 'reread',
      startedAt: '2025-01-15T10:30:00Z',
      finishedAt: '2025-01-15T10:31:00Z',
      files: [
        { name: 'db.dump.zst', role: 'database', size: 10, sha256: 'a'.repeat(64) },
        { name: 'data.tar.zst', role: 'data', size: 20, sha256: 'b'.repeat(64) },
      ],
    });
  const setLines = (ts: string, opts: { pinned?: boolean; reason?: string; partial?: boolean } = {}) => [
    `SET\tactive/c1/acme/${ts}\t10\t${opts.partial ? 0 : 1}\t${opts.pinned ? 1 : 0}`,
    `FILE\tactive/c1/acme/${ts}\tdb.dump.zst\t10`,
    `FILE\tactive/c1/acme/${ts}\tdata.tar.zst\t20`,
    ...(opts.partial ? [] : [`MANIFEST\tactive/c1/acme/${ts}\t${manifest(ts, opts.reason)}`]),
  ];

  it('keeps pinned sets, the newest safety backup and the newest complete set; a complete set goes only with a newer complete one kept as its guard', () => {
    const { sets } = parseListing(
      [
        ...setLines('20250110T020000Z', { pinned: true }),
        ...setLines('20250111T020000Z', { reason: 'safety-before-restore' }),
        ...setLines('20250112T020000Z'),
        ...setLines('20250113T020000Z', { reason: 'safety-before-restore' }),
        ...setLines('20250114T020000Z', { partial: true }),
        ...setLines('20250115T020000Z'),
      ].join('\n'),
    );
    expect(sets.find((s) => s.timestamp === '20250113T020000Z')?.safety).toBe(true);
    const plan = planRemotePrune(sets, { keepLast: 1 });
    expect(plan.map((d) => [d.set.timestamp, d.keep, d.reasons.join(', '), d.guard])).toEqual([
      ['20250115T020000Z', true, 'newest complete, last 1', undefined],
      ['20250114T020000Z', false, 'partial, not restorable', undefined],
      ['20250113T020000Z', true, 'newest safety backup', undefined],
      ['20250112T020000Z', false, 'not selected by the retention policy', 'active/c1/acme/20250115T020000Z'],
      ['20250111T020000Z', false, 'older safety backup', 'active/c1/acme/20250115T020000Z'],
      ['20250110T020000Z', true, 'pinned', undefined],
    ]);
  });

  it('with safety backups only, the older one goes with the newest as its guard', () => {
    const { sets } = parseListing([...setLines('20250111T020000Z', { reason: 'safety-before-restore' }), ...setLines('20250112T020000Z', { reason: 'safety-before-restore' })].join('\n'));
    // Safety backups only: the newest is kept, the older one goes with it as its guard.
    expect(planRemotePrune(sets, { keepLast: 1 }).map((d) => [d.set.timestamp, d.keep, d.guard])).toEqual([
      ['20250112T020000Z', true, undefined],
      ['20250111T020000Z', false, 'active/c1/acme/20250112T020000Z'],
    ]);
  });

  it('a sync before --keep-remote copies only what the remote keeps: not the old local sets its retention would delete at once', () => {
    const local = parseListing([...setLines('20250110T020000Z', { pinned: true }), ...setLines('20250112T020000Z'), ...setLines('20250113T020000Z'), ...setLines('20250115T020000Z')].join('\n')).sets;
    const remote = parseListing([...setLines('20250113T020000Z')].join('\n')).sets;
    // last=1: the new set 15 (and the pinned 10) are copied; 12 would go again right after; 13 is there.
    expect(setsWorthCopying(local, remote, { keepLast: 1 })).toEqual(['active/c1/acme/20250110T020000Z', 'active/c1/acme/20250115T020000Z']);
    // A longer history on the remote than the policy's: every local set it keeps is copied.
    expect(setsWorthCopying(local, remote, { keepLast: 4 })).toEqual(local.map((s) => s.path).sort());
  });
});
