import { describe, expect, it } from 'vitest';
import { restartCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', wait: false, ...over }) as Parameters<NonNullable<typeof restartCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => restartCommand.toOptions!(ctx, args(over));

describe('restart options', () => {
  it('takes the namespace from -n, else the config file, and the wait timeout from the config unless --timeout', () => {
    expect(toOptions({ wait: true }, optionsContext({ globals: { namespace: 'shop' }, config: { waitTimeout: '5m' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      dryRun: undefined,
      timeoutMs: 300_000,
      wait: true,
    });
    expect(toOptions({ timeout: '1500ms' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toMatchObject({ namespace: 'odoo-prod', timeoutMs: 1500, wait: false });
    expect(toOptions({ dryRun: 'server' })).toMatchObject({ namespace: 'saasodoo', dryRun: 'server' });
  });

  it('refuses a bad name, namespace or timeout, and --wait with --dry-run', () => {
    expect(() => toOptions({ name: 'a..b' })).toThrow(/^invalid instance name "a\.\.b": give the Deployment name, instance id/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(() => toOptions({ timeout: '10 minutes' })).toThrow('invalid --timeout "10 minutes": use a duration such as 90s, 5m or 1h');
    expect(() => toOptions({ dryRun: 'client', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing changes that could be waited for');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['restart', 'ac/me']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: invalid instance name "ac\/me": give the Deployment name, instance id, platform instance name or database name/);
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
