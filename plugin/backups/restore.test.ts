import { describe, expect, it } from 'vitest';
import { describeInterruption, layoutMismatch, restoreJobState, restoreQuestion, validateRestoreArgs, type InterruptionFacts } from './restore.js';

const base: Omit<InterruptionFacts, 'stage'> = {
  instance: 'acme',
  set: 'active/c/acme/20250115T103000Z',
  start: 'started',
};
const SAFETY = 'active/c/acme/20250116T090000Z';

describe('restoreJobState', () => {
  it.each([
    ['PHASE swap\nSTATE rolled-back\nERROR restore failed', { state: 'rolled-back' }],
    ['PHASE check\nSTATE untouched\n', { state: 'untouched' }],
    ['COMMITTED\nSTATE committed', { state: 'committed' }],
    ['PHASE swap\nSTATE incomplete out', { state: 'incomplete', journal: 'out' }],
    ['PHASE swap\n', { state: 'unknown' }],
    ['COMMITTED\n', { state: 'committed' }],
  ])('%j', (log, state) => expect(restoreJobState(log)).toEqual(state));
});

describe('describeInterruption', () => {
  it.each<[string, Partial<InterruptionFacts> & Pick<InterruptionFacts, 'stage'>, string]>([
    [
      'while stopping',
      { stage: 'stopping' },
      'interrupted: restore of acme stopped before anything was restored; acme keeps its database and files and was started again',
    ],
    [
      'during the safety backup',
      { stage: 'safety-backup' },
      'interrupted: restore of acme stopped during the safety backup, before anything was restored; acme keeps its database and files and was started again (the unfinished safety backup is a failed set, which "kubectl odoo backups prune" removes)',
    ],
    [
      'during files+database',
      { stage: 'restoring', jobPhase: 'files+database', jobState: { state: 'untouched' }, safetyBackup: SAFETY },
      `interrupted: restore of acme stopped during files+database, before the swap; acme keeps its database and files and was started again (safety backup: ${SAFETY})`,
    ],
    [
      'a stopped instance stays stopped',
      { stage: 'restoring', jobPhase: 'check', jobState: { state: 'untouched' }, safetyBackup: SAFETY, start: 'stopped-as-before' },
      `interrupted: restore of acme stopped during check, before the swap; acme keeps its database and files and stays stopped, as it was (safety backup: ${SAFETY})`,
    ],
    [
      'the swap was undone',
      { stage: 'restoring', jobPhase: 'swap', jobState: { state: 'rolled-back' }, safetyBackup: SAFETY },
      `interrupted: restore of acme stopped during the swap, which was undone; acme has its previous database and files and was started again (safety backup: ${SAFETY})`,
    ],
    [
      'after the swap',
      { stage: 'restoring', jobPhase: 'swap', jobState: { state: 'committed' }, safetyBackup: SAFETY },
      `interrupted: restore of acme stopped after active/c/acme/20250115T103000Z was swapped in: acme has the restored database and files and was started again; "kubectl odoo recover acme" removes what the restore replaced (safety backup: ${SAFETY})`,
    ],
    [
      'the Job ended without a word',
      { stage: 'restoring', jobPhase: 'swap', jobState: { state: 'unknown' }, safetyBackup: SAFETY, start: 'left-stopped' },
      `interrupted: restore of acme stopped during swap and its Job ended without saying where acme stands; acme stays stopped and locked: "kubectl odoo recover acme" reads the restore's journal and finishes or undoes the swap (safety backup: ${SAFETY})`,
    ],
    [
      'while starting',
      { stage: 'starting', safetyBackup: SAFETY },
      `interrupted: restore of acme from active/c/acme/20250115T103000Z is complete, but it was interrupted while acme was starting (see "kubectl odoo status acme"); "kubectl odoo recover acme" removes what the restore replaced (safety backup: ${SAFETY})`,
    ],
  ])('%s', (_what, facts, message) => {
    expect(describeInterruption({ ...base, ...facts })).toBe(message);
  });
});

describe('restore arguments and question', () => {
  it.each([
    [{ name: 'acme', from: 'latest', to: 'acme.copy' }, /^--to: invalid instance name "acme\.copy": names are lower-case letters, digits and "-", at most 63/],
    [{ name: 'acme', from: 'latest', to: 'Acme' }, /^--to: invalid instance name "Acme": names are lower-case letters, digits and "-" \(e\.g\./],
    [{ name: 'acme', from: 'latest', to: 'acme' }, /^--to names the same instance/],
    [{ name: 'acme', from: 'yesterday' }, /^invalid backup "yesterday": use latest, /],
  ])('rejects %j', (args, msg) => {
    expect(() => validateRestoreArgs(args)).toThrow(msg);
  });

  const set = { path: 'active/c/acme/20250115T103000Z', time: new Date('2025-01-15T10:30:00Z') };
  it('asks about the target, says which backup and what happens first', () => {
    expect(restoreQuestion({ namespace: 'saasodoo', target: { name: 'acme' }, set })).toBe(
      'This replaces the database and files of instance acme in namespace saasodoo with backup active/c/acme/20250115T103000Z (taken 2025-01-15T10:30:00Z). acme is stopped meanwhile; a safety backup of its current state is taken first.',
    );
    expect(restoreQuestion({ namespace: 'saasodoo', target: { name: 'acme-copy' }, set, copyFrom: 'acme' })).toMatch(
      /^This replaces the database and files of instance acme-copy in namespace saasodoo with a copy of acme's backup active\/c\/acme\/20250115T103000Z /,
    );
  });
  it('says a files-only restore leaves the database as it is', () => {
    const archive = { kind: 'platform' as const, path: 'active/customer-001/backup-2025-01-15.tar.gz', time: new Date('2025-01-15T02:13:07Z') };
    expect(restoreQuestion({ namespace: 'saasodoo', target: { name: 'acme' }, set: archive, filesOnly: true })).toBe(
      'This replaces the files of instance acme in namespace saasodoo with platform archive active/customer-001/backup-2025-01-15.tar.gz (taken 2025-01-15T02:13:07Z); its database is left as it is. acme is stopped meanwhile; a safety backup of its current state is taken first.',
    );
    expect(restoreQuestion({ namespace: 'saasodoo', target: { name: 'acme' }, set, filesOnly: true })).toMatch(/^This replaces the files of instance acme in namespace saasodoo with the files of backup active\/c\/acme\/20250115T103000Z \(taken .*\); its database is left as it is\./);
  });
});

describe('layoutMismatch', () => {
  it.each([
    ['bitnami', '/bitnami/odoo', undefined],
    ['official', '/var/lib/odoo/', undefined],
    ['bitnami', '/data', undefined], // neither image's mount: not judged
    ['bitnami', '/var/lib/odoo', "it holds a bitnami image's volume (conf/, data/filestore/), but the instance's image keeps its data at /var/lib/odoo, where Odoo would not find that filestore"],
    ['official', '/bitnami/odoo', "it holds the official image's volume (filestore/ at the top), but the instance's image keeps its data at /bitnami/odoo, where Odoo would not find that filestore"],
  ] as const)('%s archive, volume at %s', (layout, mount, want) => expect(layoutMismatch(layout, mount)).toBe(want));
});
