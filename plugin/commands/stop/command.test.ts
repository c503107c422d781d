import { describe, expect, it } from 'vitest';
import { stopCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', wait: false, ...over }) as Parameters<NonNullable<typeof stopCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => stopCommand.toOptions!(ctx, args(over));

describe('stop options', () => {
  it('takes the namespace from -n, else the config file, and the wait timeout from the config unless --timeout', () => {
    expect(toOptions({ wait: true }, optionsContext({ globals: { namespace: 'shop' }, config: { waitTimeout: '45s' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      dryRun: undefined,
      timeoutMs: 45_000,
      wait: true,
    });
    expect(toOptions({ name: 'odoo-acme-1a2b3c4d', timeout: '1h' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toMatchObject({
      name: 'odoo-acme-1a2b3c4d',
      namespace: 'odoo-prod',
      timeoutMs: 3_600_000,
      wait: false,
    });
    expect(toOptions({ dryRun: 'client' })).toMatchObject({ namespace: 'saasodoo', dryRun: 'client', timeoutMs: 600_000 });
  });

  it('refuses a bad name, namespace or timeout, and --wait with --dry-run', () => {
    expect(() => toOptions({ name: '-acme' })).toThrow(/^invalid instance name "-acme": give the Deployment name, instance id/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'shop_1' } }))).toThrow('invalid namespace "shop_1": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(() => toOptions({ timeout: '0' })).toThrow('invalid --timeout "0": it must be greater than zero');
    expect(() => toOptions({ dryRun: 'server', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing changes that could be waited for');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['stop', 'acme', '--wait', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --wait cannot be used with --dry-run: nothing changes that could be waited for');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
