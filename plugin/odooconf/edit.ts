// Changing odoo.conf keys the way a careful person would by hand: only the lines of the changed options
// are rewritten; comments, order, spelling and every other line stay as they were.
import { UsageError } from '../../lib/errors.js';
import { OPTIONS_SECTION, parseOdooConf, type ConfOption, type ParsedConf } from './parse.js';
import { isSecretKey } from './secrets.js';

export interface Assignment {
  key: string;
  value: string;
}

// Odoo's option names are identifiers (letters, digits, underscores: the `dest` of its optparse options,
// read back from [options] by name); configparser lower-cases keys (optionxform), and a key with `=`, `:`,
// whitespace, a line break, brackets or a leading `#`/`;` cannot be written so that it reads back the same.
// The key is checked as given, never trimmed: `db_host\n=evil` must not become `db_host = evil`.
const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `KEY=VALUE` arguments; a bad one is a UsageError before anything is read or written. */
export function parseAssignments(args: readonly string[], opts: { allowEmpty?: boolean } = {}): Assignment[] {
  if (args.length === 0) throw new UsageError('config set needs at least one KEY=VALUE');
  const seen = new Set<string>();
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`${JSON.stringify(arg)} is not KEY=VALUE (e.g. db_host=pg-dedicated-1)`);
    validateKey(arg.slice(0, eq));
    const key = arg.slice(0, eq).toLowerCase();
    const value = arg.slice(eq + 1);
    validateValue(key, value);
    if (value === '' && isSecretKey(key) && !opts.allowEmpty) {
      const what = key === 'admin_passwd' ? 'the master password (admin_passwd)' : `the secret ${key}`;
      throw new UsageError(`${key}= would empty ${what}; give a value, or add --allow-empty if that is really meant`);
    }
    if (seen.has(key)) throw new UsageError(`${key} is given twice`);
    seen.add(key);
    return { key, value };
  });
}

export function validateKey(key: string): void {
  if (!KEY_RE.test(key)) {
    throw new UsageError(`${JSON.stringify(key)} is not a valid odoo.conf key: use letters, digits and underscores, starting with a letter or underscore`);
  }
}

export function validateValue(key: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new UsageError(`the value of ${key} contains a line break: odoo.conf values are one line`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) throw new UsageError(`the value of ${key} contains a control character`);
  if (value !== value.trim()) {
    throw new UsageError(`the value of ${key} starts or ends with whitespace, which Odoo's config parser strips`);
  }
  validateTyped(key, value);
}

// The options Odoo casts from odoo.conf with optparse's type checkers at start-up (odoo/tools/config.py,
// _parse_config): a value the checker refuses stops the server ("option X: invalid integer value").
const INT_OPTIONS = new Set([
  'http_port', 'gevent_port', 'longpolling_port', 'db_port', 'smtp_port', 'db_maxconn', 'osv_memory_count_limit',
  'max_cron_threads', 'workers', 'limit_memory_hard', 'limit_memory_soft', 'limit_time_cpu', 'limit_time_real',
  'limit_request', 'limit_time_real_cron',
]);
const FLOAT_OPTIONS = new Set(['transient_age_limit', 'osv_memory_age_limit']);
const CHOICE_OPTIONS: Record<string, readonly string[]> = {
  db_sslmode: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
  log_level: ['info', 'debug_rpc', 'warn', 'test', 'critical', 'runbot', 'debug_sql', 'error', 'debug', 'debug_rpc_answer', 'notset'],
};
// optparse's int checker: decimal (Python's int(), so digit groups may be joined by _), 0x, 0o, 0b.
const INT_RE = /^[+-]?(\d+(_\d+)*|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/;
const FLOAT_RE = /^[+-]?((\d+(_\d+)*)(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+)?$/;
// Odoo turns True/False (any case of the first letter) into booleans before casting; those are left as they are.
const BOOLEAN_WORDS = new Set(['True', 'true', 'False', 'false']);

function validateTyped(key: string, value: string): void {
  if (BOOLEAN_WORDS.has(value)) return;
  const refuse = (what: string) => new UsageError(`invalid value ${JSON.stringify(value)} for ${key}: Odoo reads it as ${what} and would not start with this value`);
  if (INT_OPTIONS.has(key) && !INT_RE.test(value)) throw refuse('a whole number');
  if (FLOAT_OPTIONS.has(key) && !FLOAT_RE.test(value)) throw refuse('a number');
  const choices = CHOICE_OPTIONS[key];
  if (choices && !choices.includes(value)) throw refuse(`one of ${choices.join(', ')}`);
}

/** The new file text with each assignment applied to [options] (added at the end of it when absent). */
export function applyAssignments(text: string, assignments: readonly Assignment[]): string {
  let conf = parseOdooConf(text);
  for (const a of assignments) conf = parseOdooConf(applyOne(conf, a));
  return joinLines(conf);
}

function applyOne(conf: ParsedConf, a: Assignment): string {
  const lines = [...conf.lines];
  const existing = conf.options.find((o) => o.section === OPTIONS_SECTION && o.key === a.key);
  if (existing) {
    if (existing.value === a.value && existing.lines.length === 1) return joinLines(conf);
    lines[existing.line] = rewriteOptionLine(conf.lines[existing.line], existing, a.value);
    // Continuation lines of a multi-line value go; comment lines between them stay.
    const drop = new Set(existing.lines.filter((l) => l !== existing.line));
    return joinLines({ ...conf, lines: lines.filter((_, i) => !drop.has(i)) });
  }
  const newLine = `${a.key} = ${a.value}`;
  const header = conf.sections.find((s) => s.name === OPTIONS_SECTION);
  if (!header) {
    // Odoo ignores a file without [options]; start one at the end.
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
    if (lines.length) lines.push('');
    lines.push(`[${OPTIONS_SECTION}]`, newLine);
    return joinLines({ ...conf, lines, finalEol: true });
  }
  // After the last option line of the first [options] block (or right after its header).
  const next = conf.sections.find((s) => s.line > header.line);
  const end = next ? next.line : lines.length;
  let insertAt = header.line + 1;
  for (const o of conf.options) {
    if (o.line > header.line && o.line < end) insertAt = Math.max(insertAt, Math.max(...o.lines) + 1);
  }
  lines.splice(insertAt, 0, newLine);
  return joinLines({ ...conf, lines, finalEol: conf.finalEol || insertAt === lines.length - 1 });
}

function rewriteOptionLine(line: string, opt: ConfOption, value: string): string {
  // Keep the indentation, the key as spelled and the delimiter with its spacing.
  const m = /^(\s*)(.*?)(\s*[=:][ \t]*)/.exec(line)!;
  let delimiter = m[3];
  if (!/[ \t]$/.test(delimiter) && /^\s/.test(delimiter)) delimiter += ' ';
  return `${m[1]}${opt.rawKey}${delimiter}${value}`;
}

export function joinLines(conf: Pick<ParsedConf, 'lines' | 'eol' | 'finalEol'>): string {
  if (conf.lines.length === 0) return '';
  return conf.lines.join(conf.eol) + (conf.finalEol ? conf.eol : '');
}
