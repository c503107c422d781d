import { describe, expect, it } from 'vitest';
import { updateCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) =>
  ({ name: 'acme', allModules: false, backup: true, listPending: false, yes: false, ...over }) as Parameters<NonNullable<typeof updateCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => updateCommand.toOptions!(ctx, args(over));

describe('update options', () => {
  it('takes the modules once each, the namespace of -n, else the config file, and backs up unless --no-backup', () => {
    expect(toOptions({ modules: 'sale, stock,sale', install: 'crm' }, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      update: ['sale', 'stock'],
      install: ['crm'],
      backup: true,
      dryRun: false,
      listPending: false,
      yes: false,
    });
    expect(toOptions({ allModules: true, backup: false, yes: true, dryRun: 'client' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toMatchObject({
      namespace: 'odoo-prod',
      update: 'all',
      install: [],
      backup: false,
      dryRun: true,
      yes: true,
    });
    expect(toOptions({ install: 'website' })).toMatchObject({ namespace: 'saasodoo', update: undefined, install: ['website'] });
    expect(toOptions({ listPending: true })).toMatchObject({ listPending: true, update: undefined, install: [] });
  });

  it('refuses bad modules, no modules, -m with --all-modules, what --list-pending does not take, a bad name or namespace', () => {
    expect(() => toOptions({ modules: 'sale;id' })).toThrow('-m "sale;id": "sale;id" is not a module name (technical names such as sale_stock, separated by commas)');
    expect(() => toOptions({ modules: 'sale', install: 'crm,' })).toThrow('-i "crm,": an empty module name (technical names such as sale_stock, separated by commas)');
    expect(() => toOptions()).toThrow('update needs modules: -m MOD[,MOD...], --all-modules or -i MOD[,MOD...] (or --list-pending)');
    expect(() => toOptions({ modules: 'sale', allModules: true })).toThrow('-m and --all-modules cannot be used together: name the modules, or update them all');
    for (const over of [{ modules: 'sale' }, { allModules: true }, { install: 'crm' }, { backup: false }, { dryRun: 'client' }]) {
      expect(() => toOptions({ listPending: true, ...over })).toThrow('--list-pending only reads: it takes no -m, --all-modules, -i, --no-backup or --dry-run');
    }
    expect(() => toOptions({ listPending: true }, optionsContext({ globals: { output: 'json' } }))).toThrow('--list-pending prints psql\'s table; -o json|yaml is for the update itself');
    expect(() => toOptions({ name: 'ac/me', modules: 'sale' })).toThrow(/^invalid instance name "ac\/me": give the Deployment name, instance id/);
    expect(() => toOptions({ modules: 'sale' }, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['update', 'acme', '-m', 'sale', '--all-modules']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: -m and --all-modules cannot be used together: name the modules, or update them all');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
