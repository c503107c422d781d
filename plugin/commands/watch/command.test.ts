import { describe, expect, it } from 'vitest';
import { watchCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const toOptions = (args: Record<string, unknown> = {}, ctx = optionsContext()) => watchCommand.toOptions!(ctx, args as Parameters<NonNullable<typeof watchCommand.toOptions>>[1]);

describe('watch options', () => {
  it('watches the namespace of -n, else of the config, and every namespace with -A', () => {
    expect(toOptions({}, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ namespace: 'shop', selector: undefined, customer: undefined });
    expect(toOptions({}, optionsContext({ config: { namespace: 'tenants' } })).namespace).toBe('tenants');
    expect(toOptions({}, optionsContext({ globals: { allNamespaces: true }, config: { namespace: 'tenants' } })).namespace).toBeUndefined();
  });

  it('normalises the selector and reads the customer id as text', () => {
    expect(toOptions({ selector: ' tier = gold , env!=dev ', customer: 42 })).toEqual({ namespace: 'saasodoo', selector: 'tier = gold,env!=dev', customer: '42' });
    expect(toOptions({ selector: 'tier in (gold,silver)' }).selector).toBe('tier in (gold,silver)');
  });

  it('refuses a bad selector or namespace', () => {
    expect(() => toOptions({ selector: '  ' })).toThrow('invalid -l selector: it is empty (e.g. -l saasodoo.io/customer-id=42)');
    expect(() => toOptions({ selector: 'tier in (gold' })).toThrow(
      'invalid -l selector "tier in (gold": "tier in (gold" is not a requirement like key=value, key!=value, key in (a,b), key or !key',
    );
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['watch', '-A', '-l', 'a=b,=c']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid -l selector "a=b,=c": "=c" is not a requirement like key=value, key!=value, key in (a,b), key or !key');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
