import { describe, expect, it } from 'vitest';
import { describeInterruption, restoreQuestion, validateRestoreArgs, type InterruptionFacts } from './restore.js';

const base: Omit<InterruptionFacts, 'stage'> = {
  instance: 'acme',
  set: 'active/c/acme/20250115T103000Z',
  committed: false,
  start: 'started',
  leftovers: '.odoo-restore-20250116t090000z on the volume and database acme__old_20250116t090000z',
};
const SAFETY = 'active/c/acme/20250116T090000Z';

describe('describeInterruption', () => {
  it.each<[string, Partial<InterruptionFacts> & Pick<InterruptionFacts, 'stage'>, string]>([
    [
      'while stopping',
      { stage: 'stopping' },
      'interrupted: restore of acme stopped while acme was being stopped, before anything was restored; acme keeps its database and files and was started again',
    ],
    [
      'during the safety backup',
      { stage: 'safety-backup' },
      'interrupted: restore of acme stopped during the safety backup, before anything was restored; acme keeps its database and files and was started again (the unfinished safety backup is a partial set, which "kubectl odoo backups prune" removes)',
    ],
    [
      'during files+database',
      { stage: 'restoring', jobPhase: 'files+database', safetyBackup: SAFETY },
      `interrupted: restore of acme stopped during files+database; acme keeps its previous database and files and was started again (safety backup: ${SAFETY})`,
    ],
    [
      'a stopped instance stays stopped',
      { stage: 'restoring', jobPhase: 'check', safetyBackup: SAFETY, start: 'stopped-as-before' },
      `interrupted: restore of acme stopped during check; acme keeps its previous database and files and stays stopped, as it was (safety backup: ${SAFETY})`,
    ],
    [
      'the restore pod did not go',
      { stage: 'restoring', jobPhase: 'files+database', safetyBackup: SAFETY, start: 'not-started', podStillThere: 'odoo-restore-acme-x' },
      `interrupted: restore of acme stopped during files+database; acme keeps its previous database and files and was NOT started again: the restore Job's pod odoo-restore-acme-x had not stopped yet; start acme once it is gone (kubectl odoo start acme) (safety backup: ${SAFETY})`,
    ],
    [
      'during the swap',
      { stage: 'restoring', jobPhase: 'swap', safetyBackup: SAFETY },
      `interrupted: restore of acme stopped during the swap: the restore Job puts the previous database and files back unless the swap had just completed, so acme most likely keeps its previous database and files and was started again; check it before use (safety backup: ${SAFETY})`,
    ],
    [
      'after the swap',
      { stage: 'restoring', jobPhase: 'swap', committed: true, safetyBackup: SAFETY },
      `interrupted: restore of acme stopped after active/c/acme/20250115T103000Z was swapped in: acme has the restored database and files and was started again; what the restore replaced is still there (${base.leftovers}): delete it by hand (safety backup: ${SAFETY})`,
    ],
    [
      'while starting',
      { stage: 'starting', committed: true, safetyBackup: SAFETY, start: 'starting' },
      `interrupted: restore of acme from active/c/acme/20250115T103000Z is complete, but it was interrupted while acme was starting (see "kubectl odoo status acme"); what the restore replaced is still there (${base.leftovers}): delete it by hand (safety backup: ${SAFETY})`,
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
});
