import { describe, expect, it } from 'vitest';
import { startCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', wait: false, ...over }) as Parameters<NonNullable<typeof startCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => startCommand.toOptions!(ctx, args(over));

describe('start options', () => {
  it('takes the namespace from -n, else the config file, and the wait timeout from the config unless --timeout', () => {
    expect(toOptions({ wait: true }, optionsContext({ globals: { namespace: 'shop' }, config: { waitTimeout: '90s' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      dryRun: undefined,
      timeoutMs: 90_000,
      wait: true,
    });
    expect(toOptions({ timeout: '2m' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toMatchObject({ namespace: 'odoo-prod', timeoutMs: 120_000, wait: false });
    expect(toOptions({ dryRun: 'server' })).toMatchObject({ namespace: 'saasodoo', dryRun: 'server', timeoutMs: 600_000 });
  });

  it('refuses a bad name, namespace or timeout, and --wait with --dry-run', () => {
    expect(() => toOptions({ name: 'ac/me' })).toThrow(/^invalid instance name "ac\/me": give the Deployment name, instance id/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(() => toOptions({ timeout: 'soon' })).toThrow('invalid --timeout "soon": use a duration such as 90s, 5m or 1h');
    expect(() => toOptions({}, optionsContext({ config: { waitTimeout: '0s' } }))).toThrow('invalid waitTimeout (config) "0s": it must be greater than zero');
    expect(() => toOptions({ dryRun: 'client', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing changes that could be waited for');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['start', 'acme', '--wait', '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --timeout "soon": use a duration such as 90s, 5m or 1h');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
