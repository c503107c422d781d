import { describe, expect, it } from 'vitest';
import { odooShellCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const toOptions = (name: string, ctx = optionsContext()) => odooShellCommand.toOptions!(ctx, { name });

describe('odoo-shell options', () => {
  it('takes the name as given and the namespace from -n, else from the config', () => {
    expect(toOptions('odoo_acme', optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ name: 'odoo_acme', namespace: 'shop' });
    expect(toOptions('acme', optionsContext({ config: { namespace: 'tenants' } }))).toEqual({ name: 'acme', namespace: 'tenants' });
    expect(toOptions('acme')).toEqual({ name: 'acme', namespace: 'saasodoo' });
  });

  it('refuses a bad name or namespace', () => {
    expect(() => toOptions('acme!')).toThrow(
      'invalid instance name "acme!": give the Deployment name, instance id, platform instance name or database name (letters, digits, "-", "_" and ".", e.g. acme or odoo-acme-1a2b3c4d)',
    );
    expect(() => toOptions('acme', optionsContext({ globals: { namespace: 'shop_1' } }))).toThrow('invalid namespace "shop_1": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['odoo-shell', 'acme', '-n', 'shop_1']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid namespace "shop_1": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
