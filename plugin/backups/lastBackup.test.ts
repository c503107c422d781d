import { describe, expect, it } from 'vitest';
import { judgeLastBackup, LAST_BACKUP_ANNOTATION } from './lastBackup.js';

const dep = (rec?: object) => ({ metadata: { annotations: rec ? { [LAST_BACKUP_ANNOTATION]: JSON.stringify(rec) } : {} } });
const job = (ts: string, conditions: object[] = []) => ({ metadata: { name: `odoo-backup-acme-${ts}`, labels: { 'kubectl-odoo.io/backup-set': ts } }, status: { conditions } });
const recorded = { path: 'active/c/acme/20250115T103000Z', takenAt: '2025-01-15T10:30:00Z', bytes: 2048 };

describe('judgeLastBackup', () => {
  it.each([
    ['nothing known', dep(), [], undefined],
    ['the recorded backup', dep(recorded), [], { name: recorded.path, state: 'complete', size: '2.0KiB' }],
    ['a newer running Job', dep(recorded), [job('20250116t000000z')], { name: '20250116T000000Z', state: 'running' }],
    ['a newer failed Job', dep(recorded), [job('20250116t000000z', [{ type: 'Failed', status: 'True' }])], { name: '20250116T000000Z', state: 'failed' }],
    ['an older failed Job loses to the record', dep(recorded), [job('20250114t000000z', [{ type: 'Failed', status: 'True' }])], { name: recorded.path, state: 'complete' }],
    ['an unreadable annotation is ignored', { metadata: { annotations: { [LAST_BACKUP_ANNOTATION]: '{' } } }, [], undefined],
  ])('%s', (_n, d, jobs, expected) => {
    const r = judgeLastBackup(d, jobs);
    if (expected === undefined) expect(r).toBeUndefined();
    else expect(r).toMatchObject(expected);
  });
});
