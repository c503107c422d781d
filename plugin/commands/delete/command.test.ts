import { describe, expect, it } from 'vitest';
import { deleteCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) =>
  ({ name: 'acme', yes: false, deleteData: false, dropDatabase: false, backup: true, ...over }) as Parameters<NonNullable<typeof deleteCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => deleteCommand.toOptions!(ctx, args(over));

describe('delete options', () => {
  it('keeps the volume and the database unless asked, in the namespace of -n, else the config file', () => {
    expect(toOptions({}, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      dryRun: undefined,
      yes: false,
      deleteData: false,
      dropDatabase: false,
      backup: true,
    });
    expect(toOptions({ name: 'odoo-acme-1a2b3c4d', yes: true, deleteData: true, dropDatabase: true, backup: false, dryRun: 'server' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toEqual({
      name: 'odoo-acme-1a2b3c4d',
      namespace: 'odoo-prod',
      dryRun: 'server',
      yes: true,
      deleteData: true,
      dropDatabase: true,
      backup: false,
    });
    expect(toOptions({ deleteData: true, dryRun: 'client' })).toMatchObject({ namespace: 'saasodoo', deleteData: true, dropDatabase: false, dryRun: 'client' });
  });

  it('refuses --drop-database without --delete-data, --no-backup without --drop-database, a bad name or namespace', () => {
    expect(() => toOptions({ dropDatabase: true })).toThrow('--drop-database needs --delete-data: a kept volume without its database could not bring the instance back');
    expect(() => toOptions({ backup: false })).toThrow('--no-backup only applies to --drop-database (delete takes no backup otherwise)');
    expect(() => toOptions({ deleteData: true, backup: false })).toThrow('--no-backup only applies to --drop-database (delete takes no backup otherwise)');
    expect(() => toOptions({ name: 'ac/me' })).toThrow(/^invalid instance name "ac\/me": give the Deployment name, instance id/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['delete', 'acme', '--drop-database', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --drop-database needs --delete-data: a kept volume without its database could not bring the instance back');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
