import { describe, expect, it } from 'vitest';
import { statusCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const toOptions = (name: string, ctx = optionsContext()) => statusCommand.toOptions!(ctx, { name });

describe('status options', () => {
  it('takes the name as given and the namespace from -n, else from the config', () => {
    expect(toOptions('odoo-acme-1a2b3c4d', optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ name: 'odoo-acme-1a2b3c4d', namespace: 'shop' });
    expect(toOptions('acme', optionsContext({ config: { namespace: 'tenants' } }))).toEqual({ name: 'acme', namespace: 'tenants' });
    expect(toOptions('acme')).toEqual({ name: 'acme', namespace: 'saasodoo' });
  });

  it('refuses a bad name or namespace', () => {
    expect(() => toOptions('acme/x')).toThrow(
      'invalid instance name "acme/x": give the Deployment name, instance id, platform instance name or database name (letters, digits, "-", "_" and ".", e.g. acme or odoo-acme-1a2b3c4d)',
    );
    expect(() => toOptions('acme', optionsContext({ globals: { namespace: '-shop' } }))).toThrow('invalid namespace "-shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['status', 'acme', '-n', 'Shop']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
