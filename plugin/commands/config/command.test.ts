import { describe, expect, it } from 'vitest';
import { configCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const sub = (name: string) => configCommand.subcommands!.find((c) => c.command.split(' ')[0] === name)!;
const getOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => sub('get').toOptions!(ctx, { name: 'acme', showSecrets: false, ...over });
const setOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) =>
  sub('set').toOptions!(ctx, { name: 'acme', assignments: ['db_host=pg-1'], restart: false, showSecrets: false, allowEmpty: false, ...over });

describe('config get options', () => {
  it('takes the instance, the key and the namespace from -n', () => {
    expect(getOptions({ key: 'db_host', showSecrets: true }, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ name: 'acme', namespace: 'shop', key: 'db_host', showSecrets: true });
    expect(getOptions({}, optionsContext({ config: { namespace: 'tenants' } }))).toEqual({ name: 'acme', namespace: 'tenants', key: undefined, showSecrets: false });
  });

  it('refuses a bad instance name or namespace', () => {
    expect(() => getOptions({ name: 'a b' })).toThrow(/^invalid instance name "a b": give the Deployment name/);
    expect(() => getOptions({}, optionsContext({ globals: { namespace: 'Bad_NS' } }))).toThrow('invalid namespace "Bad_NS": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });
});

describe('config set options', () => {
  it('parses the assignments (keys lower-cased), --dry-run, --restart and the timeout', () => {
    const o = setOptions({ assignments: ['DB_Host=pg-2', 'workers=4'], dryRun: 'client', restart: true, timeout: '90s' }, optionsContext({ globals: { namespace: 'shop' } }));
    expect(o).toEqual({
      name: 'acme',
      namespace: 'shop',
      assignments: [
        { key: 'db_host', value: 'pg-2' },
        { key: 'workers', value: '4' },
      ],
      restart: true,
      dryRun: true,
      showSecrets: false,
      timeoutMs: 90_000,
    });
    expect(setOptions({}, optionsContext({ config: { waitTimeout: '2m' } }))).toMatchObject({ dryRun: false, timeoutMs: 120_000 });
    expect(setOptions({ assignments: ['admin_passwd='], allowEmpty: true }).assignments).toEqual([{ key: 'admin_passwd', value: '' }]);
  });

  it('refuses bad assignments and a bad timeout', () => {
    expect(() => setOptions({ assignments: [] })).toThrow('config set needs at least one KEY=VALUE');
    expect(() => setOptions({ assignments: ['db_host'] })).toThrow('"db_host" is not KEY=VALUE (e.g. db_host=pg-dedicated-1)');
    expect(() => setOptions({ assignments: ['9x=1'] })).toThrow('"9x" is not a valid odoo.conf key: use letters, digits and underscores, starting with a letter or underscore');
    expect(() => setOptions({ assignments: ['admin_passwd='] })).toThrow('admin_passwd= would empty the master password (admin_passwd); give a value, or add --allow-empty if that is really meant');
    expect(() => setOptions({ assignments: ['workers=2', 'WORKERS=3'] })).toThrow('workers is given twice');
    expect(() => setOptions({ timeout: 'soon' })).toThrow('invalid --timeout "soon": use a duration such as 90s, 5m or 1h');
    expect(() => setOptions({ name: 'a/b' })).toThrow(/^invalid instance name "a\/b"/);
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['config', 'set', 'acme', 'db_host=pg-1', '--timeout', '0s']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --timeout "0s": it must be greater than zero');
    expect(r.contacted).toBe(0);
    const g = await runWithoutCluster(['config', 'get', 'a..b!']);
    expect(g.code).toBe(2);
    expect(g.stderr.split('\n')[0]).toMatch(/^error: invalid instance name "a\.\.b!"/);
    expect(g.contacted).toBe(0);
  });
});
