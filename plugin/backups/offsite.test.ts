import { describe, expect, it } from 'vitest';
import { buildOffsiteJob, parseRemoteListing } from './offsite.js';

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
    expect(c.env.find((e: any) => e.name === 'REMOTE')).toEqual({ name: 'REMOTE', valueFrom: { secretKeyRef: { name: 'odoo-backups-offsite', key: 'remote', optional: true } } });
    expect(job.spec.template.spec.volumes.find((v: any) => v.name === 'offsite').secret).toEqual({ secretName: 'odoo-backups-offsite', items: [{ key: 'rclone.conf', path: 'rclone.conf' }], defaultMode: 0o400, optional: true });
    expect(c.volumeMounts.find((m: any) => m.name === 'backups').readOnly).toBe(true);
    expect(c.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  });
});
