import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { effectiveOptions, parseOdooConf } from './parse.js';

// What Odoo itself gets: Python's RawConfigParser over the same text (python3 is part of Debian's base).
function pythonReads(text: string): { options?: Record<string, string>; error?: string } {
  const script = [
    'import configparser, json, sys',
    'p = configparser.RawConfigParser()',
    'try:',
    '    p.read_string(sys.stdin.read())',
    '    print(json.dumps({"options": dict(p.items("options")) if p.has_section("options") else {}}))',
    'except configparser.Error as e:',
    '    print(json.dumps({"error": type(e).__name__}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' }));
}

function oursReads(text: string): { options?: Record<string, string>; error?: string } {
  const conf = parseOdooConf(text);
  if (conf.problems.length) return { error: 'problem' };
  return { options: Object.fromEntries([...effectiveOptions(conf)].map(([k, o]) => [k, o.value])) };
}

const CASES: [string, string][] = [
  ['plain', '[options]\nadmin_passwd = secret\ndb_host = postgres\ndb_port = 5432\n'],
  ['colon delimiter and no spaces', '[options]\ndb_host:pg\ndb_user=odoo\n'],
  ['first delimiter splits', '[options]\naddons_path = /a:/b,/c\nlog_handler = :INFO,werkzeug:WARNING\nx: a = b\n'],
  ['keys are lower-cased', '[options]\nDB_Host = pg\n'],
  ['comments and blank lines', '# top\n; semi\n[options]\n  # indented comment\n\ndb_host = pg ; not a comment\n'],
  ['continuation lines', '[options]\naddons_path = /a,\n    /b,\n\n    /c\ndb_host = pg\n'],
  ['trailing blank lines are not part of the value', '[options]\naddons_path = /a,\n  /b\n\n\ndb_host = pg\n'],
  ['indented line after a blank line continues', '[options]\na = 1\n\n  b = 2\n'],
  ['empty value', '[options]\ndb_password =\nlist_db = False\n'],
  ['DEFAULT underneath options', '[DEFAULT]\ndb_host = d\nx = 1\n[options]\ndb_host = o\n'],
  ['other sections', '[options]\ndb_host = pg\n[queue_job]\nchannels = root:2\n'],
  ['CRLF', '[options]\r\ndb_host = pg\r\n'],
  ['no final newline', '[options]\ndb_host = pg'],
  ['percent signs and quotes are literal', '[options]\ndbfilter = ^%d$\nemail_from = "Acme" <a@b.c>\n'],
  ['unicode', '[options]\nemail_from = Ünïcødé ☃ <x@y.z>\n'],
  ['duplicate key', '[options]\ndb_host = a\ndb_host = b\n'],
  ['duplicate key differing in case', '[options]\ndb_host = a\nDB_HOST = b\n'],
  ['duplicate section', '[options]\na = 1\n[options]\nb = 2\n'],
  ['option before any section', 'db_host = pg\n[options]\n'],
  ['line without delimiter', '[options]\ndb_host\n'],
  ['header with trailing text', '[options] trailing\ndb_host = pg\n'],
  ['no options section', '[other]\na = 1\n'],
  ['empty file', ''],
];

describe('parseOdooConf reads what Python configparser (and so Odoo) reads', () => {
  it.each(CASES)('%s', (_name, text) => {
    const py = pythonReads(text);
    const ours = oursReads(text);
    if (py.error) expect(ours.error).toBe('problem');
    else expect(ours).toEqual(py);
  });
});

describe('parseOdooConf line bookkeeping', () => {
  it('records the lines of a multi-line value and where problems are', () => {
    const conf = parseOdooConf('[options]\naddons_path = /a,\n  /b\n\ndb_host = pg\ndb_host = x\n');
    const ap = conf.options.find((o) => o.key === 'addons_path')!;
    expect(ap.lines).toEqual([1, 2]);
    expect(ap.value).toBe('/a,\n/b');
    expect(conf.problems).toEqual([{ line: 6, message: 'option db_host in [options] already set on line 5' }]);
  });
});
