import { describe, expect, it } from 'vitest';
import { judgeLastBackup, lastBackupAnnotationPatch, LAST_BACKUP_ANNOTATION } from './lastBackup.js';
import { describeLastBackup } from '../instances/statusReport.js';

const PARENT = 'active/c/acme';
const dep = (rec?: object) => ({ metadata: { annotations: (rec ? { [LAST_BACKUP_ANNOTATION]: JSON.stringify(rec) } : {}) as Record<string, string> } });
function job(ts: string, state: 'running' | 'failed' | 'complete' = 'running', reason?: string) {
  const conditions = state === 'failed' ? [{ type: 'Failed', status: 'True' }] : state === 'complete' ? [{ type: 'Complete', status: 'True' }] : [];
  const base = { format: 'kubectl-odoo.backup/v1', timestamp: ts, ...(reason ? { reason } : {}) };
  return {
    metadata: { name: `odoo-backup-acme-${ts.toLowerCase()}`, labels: { 'kubectl-odoo.io/backup-set': ts.toLowerCase() } },
    spec: { template: { spec: { containers: [{ env: [{ name: 'SET_PARENT', value: PARENT }, { name: 'SET_NAME', value: ts }, { name: 'MANIFEST_BASE', value: JSON.stringify(base) }] }] } } },
    status: { conditions },
  };
}
const recorded = { path: `${PARENT}/20250115T103000Z`, takenAt: '2025-01-15T10:30:02Z', bytes: 2048 };
const SAFETY = 'safety-before-restore';

describe('judgeLastBackup', () => {
  it.each([
    ['nothing known', dep(), [], undefined],
    ['the recorded backup', dep(recorded), [], { name: recorded.path, state: 'complete', size: '2Ki' }],
    ['a newer running Job beside the recorded one', dep(recorded), [job('20250116T000000Z')], { name: recorded.path, state: 'complete', attempt: { name: `${PARENT}/20250116T000000Z`, state: 'running' } }],
    ['a newer failed Job beside the recorded one', dep(recorded), [job('20250116T000000Z', 'failed')], { name: recorded.path, attempt: { state: 'failed', location: 'Job odoo-backup-acme-20250116t000000z' } }],
    ['an older failed Job is not news', dep(recorded), [job('20250114T000000Z', 'failed')], { name: recorded.path, state: 'complete', attempt: undefined }],
    ['only a failed Job', dep(), [job('20250116T000000Z', 'failed')], { name: `${PARENT}/20250116T000000Z`, state: 'failed' }],
    // Found in a trial: the plugin was killed, its Job finished and never recorded itself.
    ['a set finished by an orphaned Job, as a set path like the recorded form', dep(recorded), [job('20250116T000000Z', 'complete')], { name: `${PARENT}/20250116T000000Z`, state: 'complete', takenAt: '2025-01-16T00:00:00.000Z' }],
    ['an orphaned complete set with a newer failed attempt', dep(), [job('20250117T000000Z', 'failed'), job('20250116T000000Z', 'complete')], { name: `${PARENT}/20250116T000000Z`, attempt: { name: `${PARENT}/20250117T000000Z`, state: 'failed' } }],
    // Found in a trial: a restore's safety backup became the "last backup".
    ['a safety backup Job never counts', dep(recorded), [job('20250116T000000Z', 'complete', SAFETY), job('20250117T000000Z', 'running', SAFETY)], { name: recorded.path, attempt: undefined }],
    ['a safety backup recorded by an older plugin is not taken either', dep({ ...recorded, reason: SAFETY }), [], undefined],
    ['an unreadable annotation is ignored', { metadata: { annotations: { [LAST_BACKUP_ANNOTATION]: '{' } } }, [], undefined],
  ])('%s', (_n, d, jobs, expected) => {
    const r = judgeLastBackup(d, jobs).info;
    if (expected === undefined) expect(r).toBeUndefined();
    else expect({ attempt: undefined, ...r }).toMatchObject(expected);
  });

  it('asks to record a set an orphaned Job finished, with the size its log gave', () => {
    const j = job('20250116T000000Z', 'complete');
    expect(judgeLastBackup(dep(recorded), [j]).unrecorded).toMatchObject({ path: `${PARENT}/20250116T000000Z`, job: j.metadata.name });
    expect(judgeLastBackup(dep(recorded), [j], new Map([[j.metadata.name, 4096]])).info?.size).toBe('4Ki');
    expect(judgeLastBackup(dep(recorded), []).unrecorded).toBeUndefined();
  });

  it('a safety backup is never recorded as the last backup', () => {
    expect(lastBackupAnnotationPatch({ ...recorded, reason: SAFETY })).toEqual({});
    expect(lastBackupAnnotationPatch(recorded)).toEqual({ metadata: { annotations: { [LAST_BACKUP_ANNOTATION]: JSON.stringify(recorded) } } });
  });
});

describe('describeLastBackup', () => {
  const now = new Date('2025-01-16T01:00:00Z');
  it('reads the same whether the annotation or a Job told', () => {
    const fromRecord = judgeLastBackup(dep({ ...recorded, path: `${PARENT}/20250116T000000Z`, takenAt: '2025-01-16T00:00:00Z' }), []).info!;
    const fromJob = judgeLastBackup(dep(), [job('20250116T000000Z', 'complete')]).info!;
    expect(describeLastBackup(fromRecord, now)).toBe(`${PARENT}/20250116T000000Z, 60m ago (complete)`);
    expect(describeLastBackup(fromJob, now)).toBe(describeLastBackup(fromRecord, now));
  });
  it('names a newer attempt and its Job', () => {
    const info = judgeLastBackup(dep(recorded), [job('20250116T003000Z', 'failed')]).info!;
    expect(describeLastBackup(info, now)).toBe(`${recorded.path}, 14h ago (complete); newer: ${PARENT}/20250116T003000Z, 30m ago (failed, Job odoo-backup-acme-20250116t003000z)`);
  });
});
