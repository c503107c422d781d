import { describe, expect, it } from 'vitest';
import { applyAssignments, parseAssignments } from './edit.js';
import { effectiveOptions, parseOdooConf } from './parse.js';
import { UsageError } from '../../lib/errors.js';
import { unknownOptionWarning } from './knownOptions.js';

const BASE = [
  '; written by the platform',
  '[options]',
  'admin_passwd = s3cret',
  'DB_Host=postgres',
  'db_port: 5432',
  'addons_path = /mnt/extra-addons,',
  '    /usr/lib/python3/dist-packages/odoo/addons',
  '# keep me',
  '',
  '[queue_job]',
  'channels = root:2',
  '',
].join('\n');

describe('applyAssignments', () => {
  it.each([
    ['replaces a value keeping spelling and delimiter style', [{ key: 'db_host', value: 'pg-dedicated-1' }], BASE.replace('DB_Host=postgres', 'DB_Host=pg-dedicated-1')],
    ['keeps ": " delimiters', [{ key: 'db_port', value: '6432' }], BASE.replace('db_port: 5432', 'db_port: 6432')],
    [
      'appends a new key at the end of [options], before comments of the next section',
      [{ key: 'proxy_mode', value: 'True' }],
      BASE.replace('/odoo/addons\n', '/odoo/addons\nproxy_mode = True\n'),
    ],
    [
      'a multi-line value becomes one line',
      [{ key: 'addons_path', value: '/x' }],
      BASE.replace('addons_path = /mnt/extra-addons,\n    /usr/lib/python3/dist-packages/odoo/addons', 'addons_path = /x'),
    ],
    ['setting the same value changes nothing', [{ key: 'db_port', value: '5432' }], BASE],
  ])('%s', (_n, assignments, expected) => {
    expect(applyAssignments(BASE, assignments)).toBe(expected);
  });

  it('adds [options] when the file has none', () => {
    expect(applyAssignments('[misc]\na = 1\n', [{ key: 'db_host', value: 'pg' }])).toBe('[misc]\na = 1\n\n[options]\ndb_host = pg\n');
    expect(applyAssignments('', [{ key: 'db_host', value: 'pg' }])).toBe('[options]\ndb_host = pg\n');
  });

  it('keeps CRLF line endings', () => {
    expect(applyAssignments('[options]\r\na = 1\r\n', [{ key: 'b', value: '2' }])).toBe('[options]\r\na = 1\r\nb = 2\r\n');
  });

  const HOSTILE = [`it's "quoted"`, '$(touch /tmp/pwned)', '`id`', 'EOF', "'EOF'", 'a;b # c', '%(here)s %d', 'Ünïcødé ☃ 日本', '\\n not a newline', '=leading equals', ': colon'];
  it.each(HOSTILE)('hostile value %j reads back exactly through Python rules', (value) => {
    const out = applyAssignments(BASE, [{ key: 'db_password', value }]);
    const conf = parseOdooConf(out);
    expect(conf.problems).toEqual([]);
    expect(effectiveOptions(conf).get('db_password')!.value).toBe(value);
    expect(effectiveOptions(conf).get('db_host')!.value).toBe('postgres');
  });
});

describe('parseAssignments', () => {
  it('takes what Odoo casts at start-up: whole numbers in its forms, numbers, choices, True/False', () => {
    const ok = ['workers=4', 'limit_time_real=-1', 'limit_memory_hard=2_684_354_560', 'http_port=0x1f95', 'transient_age_limit=0.5', 'osv_memory_age_limit=1e1', 'db_sslmode=verify-full', 'log_level=debug_sql', 'max_cron_threads=False'];
    expect(parseAssignments(ok).map((a) => a.value)).toEqual(ok.map((a) => a.split('=')[1]));
  });
  it('an empty secret only with allowEmpty', () => {
    expect(parseAssignments(['admin_passwd=', 'db_password='], { allowEmpty: true })).toEqual([
      { key: 'admin_passwd', value: '' },
      { key: 'db_password', value: '' },
    ]);
  });
  it('splits on the first = and lower-cases keys', () => {
    expect(parseAssignments(['DB_HOST=a=b', 'list_db='])).toEqual([
      { key: 'db_host', value: 'a=b' },
      { key: 'list_db', value: '' },
    ]);
  });
  it.each([
    [[], /at least one/],
    [['db_host'], /not KEY=VALUE/],
    [['=x'], /not KEY=VALUE/],
    [['db host=x'], /not a valid odoo.conf key/],
    [['[options]=x'], /not a valid odoo.conf key/],
    [['#k=x'], /not a valid odoo.conf key/],
    [['db_host=a\nadmin_passwd=x'], /line break/],
    [['db_host=a\rb'], /line break/],
    [['db_host= pg'], /whitespace/],
    [['db_host=a\u0000'], /control character/],
    [['a=1', 'A=2'], /given twice/],
    // Found in a trial: the key's line break was trimmed away and `db_host = evil` was written.
    [['db_host\n=evil'], /^"db_host\\n" is not a valid odoo.conf key: use letters, digits and underscores/],
    [['db_host\r=evil'], /not a valid odoo.conf key/],
    [[' db_host=x'], /not a valid odoo.conf key/],
    [['db-host=x'], /not a valid odoo.conf key/],
    [['admin_passwd='], /^admin_passwd= would empty the master password \(admin_passwd\); give a value, or add --allow-empty if that is really meant$/],
    [['db_password='], /^db_password= would empty the secret db_password;/],
    [['SMTP_PASSWORD='], /would empty the secret smtp_password/],
    // Odoo casts these at start-up and stops on a value its checker refuses.
    [['limit_time_real=abc'], /^invalid value "abc" for limit_time_real: Odoo reads it as a whole number and would not start with this value$/],
    [['workers=2.5'], /for workers: Odoo reads it as a whole number/],
    [['workers='], /for workers: Odoo reads it as a whole number/],
    [['transient_age_limit=1h'], /for transient_age_limit: Odoo reads it as a number/],
    [['db_sslmode=on'], /for db_sslmode: Odoo reads it as one of disable, allow, prefer, require, verify-ca, verify-full/],
    [['log_level=verbose'], /for log_level: Odoo reads it as one of info, /],
  ] as [string[], RegExp][])('%j is refused', (args, msg) => {
    expect(() => parseAssignments(args)).toThrow(UsageError);
    expect(() => parseAssignments(args)).toThrow(msg);
  });
});

describe('unknownOptionWarning', () => {
  it.each([
    ['db_host', undefined],
    ['db_hots', 'db_hots is not an option Odoo itself reads (did you mean db_host?); it is written anyway for modules that read it'],
    ['queue_job_channels', 'queue_job_channels is not an option Odoo itself reads; it is written anyway for modules that read it'],
  ])('%s', (key, warning) => expect(unknownOptionWarning(key)).toBe(warning));
});
