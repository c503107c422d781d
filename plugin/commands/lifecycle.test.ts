// start, stop and restart take the same flags (lifecycle.ts): one table of their options and refusals.
import { describe, expect, it } from 'vitest';
import { startCommand } from './start/command.js';
import { stopCommand } from './stop/command.js';
import { restartCommand } from './restart/command.js';
import { optionsContext } from '../cli/testing/options.js';
import { runWithoutCluster } from '../../test/harness/inProcess.js';

describe.each([
  ['start', startCommand],
  ['stop', stopCommand],
  ['restart', restartCommand],
] as const)('%s options', (verb, command) => {
  type Args = Parameters<NonNullable<typeof command.toOptions>>[1];
  const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => command.toOptions!(ctx, { name: 'acme', wait: false, ...over } as Args);

  it('takes the namespace from -n, else the config file, and the wait timeout from the config unless --timeout', () => {
    expect(toOptions({ wait: true }, optionsContext({ globals: { namespace: 'shop' }, config: { waitTimeout: '90s' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      dryRun: undefined,
      timeoutMs: 90_000,
      wait: true,
    });
    expect(toOptions({ name: 'odoo-acme-1a2b3c4d', timeout: '1500ms' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toMatchObject({
      name: 'odoo-acme-1a2b3c4d',
      namespace: 'odoo-prod',
      timeoutMs: 1500,
      wait: false,
    });
    expect(toOptions({ timeout: '1h' }).timeoutMs).toBe(3_600_000);
    expect(toOptions({ dryRun: 'server' })).toMatchObject({ namespace: 'saasodoo', dryRun: 'server', timeoutMs: 600_000 });
    expect(toOptions({ dryRun: 'client' })).toMatchObject({ dryRun: 'client' });
  });

  it('refuses a bad name, namespace or timeout, and --wait with --dry-run', () => {
    expect(() => toOptions({ name: 'ac/me' })).toThrow(/^invalid instance name "ac\/me": give the Deployment name, instance id/);
    expect(() => toOptions({ name: '-acme' })).toThrow(/^invalid instance name "-acme": give the Deployment name, instance id/);
    expect(() => toOptions({ name: 'a..b' })).toThrow(/^invalid instance name "a\.\.b": give the Deployment name, instance id/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'shop_1' } }))).toThrow('invalid namespace "shop_1": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(() => toOptions({ timeout: 'soon' })).toThrow('invalid --timeout "soon": use a duration such as 90s, 5m or 1h');
    expect(() => toOptions({ timeout: '0' })).toThrow('invalid --timeout "0": it must be greater than zero');
    expect(() => toOptions({}, optionsContext({ config: { waitTimeout: '0s' } }))).toThrow('invalid waitTimeout (config) "0s": it must be greater than zero');
    expect(() => toOptions({ dryRun: 'client', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing changes that could be waited for');
    expect(() => toOptions({ dryRun: 'server', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing changes that could be waited for');
  });

  it.each([
    [['acme', '--wait', '--timeout', 'soon'], 'error: invalid --timeout "soon": use a duration such as 90s, 5m or 1h'],
    [['acme', '--wait', '--dry-run'], 'error: --wait cannot be used with --dry-run: nothing changes that could be waited for'],
    [['ac/me'], /^error: invalid instance name "ac\/me": give the Deployment name, instance id, platform instance name or database name/],
  ])('refuses %j with exit 2 before the cluster is contacted', async (argv, message) => {
    const r = await runWithoutCluster([verb, ...argv]);
    expect(r.code).toBe(2);
    if (typeof message === 'string') expect(r.firstLine).toBe(message);
    else expect(r.firstLine).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
