// Every shell program the plugin runs in a pod, and the project's own scripts, pass shellcheck (POSIX sh
// for what runs in images, where the shell may be dash or busybox). The backup scripts are checked as they
// are assembled (the prelude and the functions they share, then the script), the way a Job receives them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as backupScripts from '../../plugin/backups/scripts.js';
import { DATABASE_EXISTS_SCRIPT } from '../../plugin/backups/restoreCopy.js';
import { COPY_SCRIPT } from '../../plugin/migration/plan.js';
import { VERIFY_TREES_SCRIPT } from '../../plugin/migration/verify.js';
import { REPLACE_FILE_SCRIPT } from '../../plugin/odooconf/remoteFile.js';
import { PSQL_SCRIPT } from '../../plugin/oncall/psql.js';
import { ODOO_SCRIPT } from '../../plugin/oncall/odooRun.js';
import { CHECK_TOOLS_SCRIPT } from '../../plugin/commands/agent/agentObjects.js';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'shellcheck-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// SC2317 ("command appears to be unreachable") is shellcheck 0.9's guess that a function defined in the
// shared prelude is never called; in an assembled script many are called only by some of the scripts.
const EXCLUDE = 'SC2317';

function shellcheck(file: string, shell?: string): string {
  const args = ['-f', 'gcc', '-e', EXCLUDE, ...(shell ? ['-s', shell] : []), file];
  const r = spawnSync('shellcheck', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`shellcheck is not installed (Debian package shellcheck; scripts/test-deps.sh installs it): ${r.error.message}`);
  return r.stdout.trim();
}

const inPods: Record<string, string> = {
  ...Object.fromEntries(Object.entries(backupScripts).filter(([, v]) => typeof v === 'string') as [string, string][]),
  DATABASE_EXISTS_SCRIPT,
  COPY_SCRIPT,
  VERIFY_TREES_SCRIPT,
  REPLACE_FILE_SCRIPT,
  PSQL_SCRIPT,
  ODOO_SCRIPT,
  CHECK_TOOLS_SCRIPT,
};

describe('shellcheck', () => {
  it('knows every script', () => {
    expect(Object.keys(inPods)).toEqual(expect.arrayContaining(['BACKUP_SCRIPT', 'RESTORE_SCRIPT', 'RECOVER_SCRIPT', 'VERIFY_SCRIPT', 'LIST_SCRIPT', 'SET_OPS_SCRIPT']));
    expect(execFileSync('shellcheck', ['--version'], { encoding: 'utf8' })).toMatch(/version: \d/);
  });

  it.each(Object.keys(inPods))('%s passes as POSIX sh', (name) => {
    const file = join(work, `${name}.sh`);
    writeFileSync(file, inPods[name]);
    expect(shellcheck(file, 'sh')).toBe('');
  });

  const ownScripts = readdirSync(join(root, 'scripts')).filter((f) => f.endsWith('.sh'));
  it.each(ownScripts)('scripts/%s passes', (f) => {
    expect(shellcheck(join(root, 'scripts', f))).toBe('');
  });
});
