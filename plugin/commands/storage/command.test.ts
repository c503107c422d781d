import { describe, expect, it } from 'vitest';
import { storageCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ measure: false, sort: 'use', ...over }) as Parameters<NonNullable<typeof storageCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => storageCommand.toOptions!(ctx, args(over));

describe('storage options', () => {
  it('one instance: the namespace from -n and the thresholds from the config', () => {
    const o = toOptions({ name: 'acme', measure: true }, optionsContext({ globals: { namespace: 'shop' }, config: { storageWarnPercent: 70, storageCriticalPercent: 90 } }));
    expect(o).toEqual({ name: 'acme', namespace: 'shop', measure: true, sort: 'use', thresholds: { warnPercent: 70, criticalPercent: 90 } });
  });

  it('the table: the config\'s namespace, or every namespace with -A, in the order asked', () => {
    expect(toOptions({ sort: 'capacity' }, optionsContext({ config: { namespace: 'tenants' } }))).toEqual({
      name: undefined,
      namespace: 'tenants',
      measure: false,
      sort: 'capacity',
      thresholds: { warnPercent: 85, criticalPercent: 95 },
    });
    expect(toOptions({}, optionsContext({ globals: { allNamespaces: true, output: 'name' } }))).toMatchObject({ name: undefined, namespace: undefined });
  });

  it('refuses a bad name, NAME with -A or -o name, --measure without NAME, and a bad namespace', () => {
    expect(() => toOptions({ name: 'Bad/Name' })).toThrow(
      'invalid instance name "Bad/Name": give the Deployment name, instance id, platform instance name or database name (letters, digits, "-", "_" and ".", e.g. acme or odoo-acme-1a2b3c4d)',
    );
    expect(() => toOptions({ name: 'x' }, optionsContext({ globals: { allNamespaces: true } }))).toThrow(
      'storage NAME acts on one instance: use -n NAMESPACE instead of -A (or -A without a NAME, for every namespace)',
    );
    expect(() => toOptions({ measure: true })).toThrow('--measure goes with an instance NAME');
    expect(() => toOptions({ name: 'x' }, optionsContext({ globals: { output: 'name' } }))).toThrow(
      '-o name is for the table of volumes ("kubectl odoo storage -o name"); for one instance use -o json or yaml',
    );
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['storage', 'acme', '-o', 'name']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: -o name is for the table of volumes ("kubectl odoo storage -o name"); for one instance use -o json or yaml');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
