import { describe, expect, it } from 'vitest';
import { listCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ sort: 'name', includeKept: false, ...over }) as Parameters<NonNullable<typeof listCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => listCommand.toOptions!(ctx, args(over));

describe('list options', () => {
  it('lists the namespace of -n, else of the config, and every namespace with -A, sorted by name', () => {
    expect(toOptions({}, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ namespace: 'shop', selector: undefined, customer: undefined, sort: 'name', includeKept: false });
    expect(toOptions({}, optionsContext({ config: { namespace: 'tenants' } })).namespace).toBe('tenants');
    expect(toOptions({}, optionsContext({ globals: { allNamespaces: true } })).namespace).toBeUndefined();
    expect(toOptions({ sort: undefined }).sort).toBe('name');
  });

  it('takes the selector normalised, the customer id as text, the sort key and --include-kept', () => {
    expect(toOptions({ selector: 'tier=gold , env', sort: 'storage' })).toMatchObject({ selector: 'tier=gold,env', sort: 'storage', includeKept: false });
    expect(toOptions({ customer: 7, includeKept: true, sort: 'age' })).toMatchObject({ customer: '7', includeKept: true, sort: 'age', selector: undefined });
  });

  it('refuses a bad selector, -l with --include-kept, a bad sort key or namespace', () => {
    expect(() => toOptions({ selector: 'app = odoo x' })).toThrow(
      'invalid -l selector "app = odoo x": "app = odoo x" is not a requirement like key=value, key!=value, key in (a,b), key or !key',
    );
    expect(() => toOptions({ selector: 'tier=gold', includeKept: true })).toThrow(
      '--include-kept cannot be used with -l: a kept volume has no Deployment whose labels could match; use --customer',
    );
    expect(() => toOptions({ sort: 'size' })).toThrow('invalid --sort "size": use name, age, status, customer, storage');
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'a.b' } }))).toThrow('invalid namespace "a.b": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['list', '-l', 'tier=gold', '--include-kept']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --include-kept cannot be used with -l: a kept volume has no Deployment whose labels could match; use --customer');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
