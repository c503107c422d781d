import { describe, expect, it } from 'vitest';
import { shellCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const toOptions = (args: { name: string; command?: string }, ctx = optionsContext()) => shellCommand.toOptions!(ctx, args);

describe('shell options', () => {
  it('takes the namespace from -n, else from the config, and -c as given', () => {
    expect(toOptions({ name: 'acme' }, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ name: 'acme', namespace: 'shop', command: undefined });
    expect(toOptions({ name: 'acme', command: 'df -h /var/lib/odoo' }, optionsContext({ config: { namespace: 'tenants' } }))).toEqual({
      name: 'acme',
      namespace: 'tenants',
      command: 'df -h /var/lib/odoo',
    });
  });

  it('refuses a bad name or namespace', () => {
    expect(() => toOptions({ name: '-acme' })).toThrow(
      'invalid instance name "-acme": give the Deployment name, instance id, platform instance name or database name (letters, digits, "-", "_" and ".", e.g. acme or odoo-acme-1a2b3c4d)',
    );
    expect(() => toOptions({ name: 'acme' }, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['shell', 'a..b', '-c', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: invalid instance name "a..b": give the Deployment name, instance id, platform instance name or database name (letters, digits, "-", "_" and ".", e.g. acme or odoo-acme-1a2b3c4d)',
    );
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
