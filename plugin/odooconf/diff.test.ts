import { describe, expect, it } from 'vitest';
import { diffLines, renderUnifiedDiff } from './diff.js';
import { maskedLines, maskedLinesMarkingChanges, isSecretKey } from './secrets.js';
import { parseOdooConf } from './parse.js';

const plain = { old: (a: string[]) => (i: number) => a[i], new: (b: string[]) => (i: number) => b[i] };

function udiff(a: string[], b: string[]) {
  return renderUnifiedDiff(diffLines(a, b), { old: 'a', new: 'b' }, { old: plain.old(a), new: plain.new(b) });
}

describe('renderUnifiedDiff', () => {
  it.each([
    ['no change', ['x', 'y'], ['x', 'y'], ''],
    ['one line changed', ['a', 'b', 'c', 'd', 'e', 'f'], ['a', 'b', 'c', 'D', 'e', 'f'], '--- a\n+++ b\n@@ -2,5 +2,5 @@\n b\n c\n-d\n+D\n e\n f\n'],
    ['line added at the end', ['a'], ['a', 'b'], '--- a\n+++ b\n@@ -1,1 +1,2 @@\n a\n+b\n'],
    ['two distant changes make two hunks', ['1', '2', '3', '4', '5', '6', '7', '8', '9'], ['X', '2', '3', '4', '5', '6', '7', '8', 'Y'], '--- a\n+++ b\n@@ -1,3 +1,3 @@\n-1\n+X\n 2\n 3\n@@ -7,3 +7,3 @@\n 7\n 8\n-9\n+Y\n'],
  ])('%s', (_n, a, b, expected) => {
    expect(udiff(a, b)).toBe(expected);
  });
});

describe('masking', () => {
  it.each([
    ['admin_passwd', true],
    ['db_password', true],
    ['smtp_password', true],
    ['db_host', false],
    ['smtp_user', false],
    ['api_key', true],
    ['stripe_secret', true],
    ['github_token', true],
    ['keyring_path', false],
  ])('%s secret=%s', (k, secret) => expect(isSecretKey(k)).toBe(secret));

  it('masks secret values on key and continuation lines, never other lines', () => {
    const conf = parseOdooConf('[options]\nadmin_passwd = topsecret\ndb_password:\n  second\ndb_host = pg\nsmtp_password =\n');
    expect(maskedLines(conf)).toEqual(['[options]', 'admin_passwd = ********', 'db_password:', '  ********', 'db_host = pg', 'smtp_password =']);
  });

  it('a diff of a changed secret shows the change but not the values', () => {
    const a = parseOdooConf('[options]\ndb_password = old\n');
    const b = parseOdooConf('[options]\ndb_password = new\n');
    const ma = maskedLines(a);
    const mb = maskedLinesMarkingChanges(a, b);
    const text = renderUnifiedDiff(diffLines(a.lines, b.lines), { old: 'x', new: 'y' }, { old: (i) => ma[i], new: (i) => mb[i] });
    expect(text).toBe('--- x\n+++ y\n@@ -1,2 +1,2 @@\n [options]\n-db_password = ********\n+db_password = ******** (changed)\n');
    expect(text).not.toMatch(/old|new/);
  });

  it.each([
    ['a new secret is an added line, no mark', '[options]\ndb_host = a\n', '[options]\ndb_host = a\ndb_password = x\n', ['[options]', 'db_host = a', 'db_password = ********']],
    ['a secret set to empty shows as empty', '[options]\ndb_password = x\n', '[options]\ndb_password =\n', ['[options]', 'db_password =']],
    ['an unchanged secret beside a changed option is not marked', '[options]\ndb_password = x\ndb_host = a\n', '[options]\ndb_password = x\ndb_host = b\n', ['[options]', 'db_password = ********', 'db_host = b']],
  ])('%s', (_n, a, b, want) => expect(maskedLinesMarkingChanges(parseOdooConf(a), parseOdooConf(b))).toEqual(want));
});
