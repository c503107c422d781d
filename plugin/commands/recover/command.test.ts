import { describe, expect, it } from 'vitest';
import { recoverCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', yes: false, ...over }) as Parameters<NonNullable<typeof recoverCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => recoverCommand.toOptions!(ctx, args(over));

describe('recover options', () => {
  it('takes the instance in the namespace of -n, else the config file; asks unless --yes, changes nothing with --dry-run', () => {
    expect(toOptions({}, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ name: 'acme', namespace: 'shop', dryRun: false, yes: false });
    expect(toOptions({ name: 'odoo_acme', yes: true, dryRun: 'client' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toEqual({
      name: 'odoo_acme',
      namespace: 'odoo-prod',
      dryRun: true,
      yes: true,
    });
    expect(toOptions().namespace).toBe('saasodoo');
  });

  it('refuses a bad name or namespace', () => {
    expect(() => toOptions({ name: 'ac/me' })).toThrow(/^invalid instance name "ac\/me": give the Deployment name, instance id/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['recover', 'acme', '-n', 'Shop', '--yes'], { env: { NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
