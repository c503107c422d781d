import { describe, expect, it } from 'vitest';
import { backupsCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const sub = (name: string) => backupsCommand.subcommands!.find((c) => c.command.split(' ')[0] === name)!;
const list = (over: Record<string, unknown> = {}, ctx = optionsContext()) => backupsCommand.toOptions!(ctx, { remote: false, ...over });
const prune = (over: Record<string, unknown> = {}, ctx = optionsContext()) => sub('prune').toOptions!(ctx, { includePlatform: false, remote: false, yes: false, keepLast: '7', ...over });
const sync = (over: Record<string, unknown> = {}, ctx = optionsContext()) => sub('sync').toOptions!(ctx, { all: false, ...over });
const badCustomer = '--customer "a b" is not a valid customer id (letters, digits, ".", "_" and "-")';

describe('backups options', () => {
  it('the scope, --remote and the settings of the config file', () => {
    const ctx = optionsContext({ globals: { namespace: 'shop' }, config: { backupCompression: 'gzip', backupTimeout: '1h', offsiteSecret: 'offsite', rcloneImage: 'rclone/rclone:1.68' } });
    const o = list({ name: 'acme', remote: true }, ctx);
    expect(o.scope).toEqual({ namespace: 'shop', instance: 'acme', customerId: undefined });
    expect(o.remote).toBe(true);
    expect(o.offsite).toEqual({ secret: 'offsite', image: 'rclone/rclone:1.68' });
    expect(o.backup.settings).toMatchObject({ compression: 'gzip', deadlineSeconds: 3600 });
    expect(list({ customer: 'c-42' }).scope).toEqual({ namespace: 'saasodoo', instance: undefined, customerId: 'c-42' });
  });

  it('refuses a bad customer, instance or namespace, and a bad backup config first', () => {
    expect(() => list({ customer: 'a b' })).toThrow(badCustomer);
    expect(() => list({ name: 'a b' })).toThrow(/^invalid instance name "a b"/);
    expect(() => list({}, optionsContext({ globals: { namespace: 'a.b' } }))).toThrow('invalid namespace "a.b": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(() => list({ customer: 'a b' }, optionsContext({ config: { backupCompression: 'lz4' } }))).toThrow('config backupCompression "lz4" is not one of auto, zstd, pigz, gzip');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['backups', '--customer', 'a b']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: ${badCustomer}`);
    expect(r.contacted).toBe(0);
  });
});

describe('backups prune options', () => {
  it('the policy from the --keep-* flags, --remote, --include-platform, --dry-run and --yes', () => {
    const o = prune({ name: 'acme', keepLast: ' 7 ', keepDaily: '14', keepWeekly: '8', keepMonthly: '12', dryRun: 'client', yes: true }, optionsContext({ globals: { namespace: 'shop' } }));
    expect(o).toMatchObject({
      scope: { namespace: 'shop', instance: 'acme' },
      policy: { keepLast: 7, keepDaily: 14, keepWeekly: 8, keepMonthly: 12 },
      includePlatform: false,
      remote: false,
      dryRun: 'client',
      yes: true,
    });
    expect(prune({ keepLast: undefined, keepWeekly: '4', includePlatform: true })).toMatchObject({ policy: { keepLast: undefined, keepWeekly: 4 }, includePlatform: true, dryRun: undefined });
    expect(prune({ remote: true }).remote).toBe(true);
  });

  it('refuses each bad rule and flag', () => {
    expect(() => prune({ keepLast: 'abc' })).toThrow('invalid --keep-last "abc": give a whole number of backups, e.g. --keep-last 7');
    expect(() => prune({ keepMonthly: '1.5' })).toThrow('invalid --keep-monthly "1.5": give a whole number of backups, e.g. --keep-monthly 7');
    expect(() => prune({ keepDaily: '0' })).toThrow(
      "invalid --keep-daily 0: a rule keeps at least 1 backup, and prune always keeps each instance's newest complete set; use --keep-last 1 to keep only that one",
    );
    expect(() => prune({ keepLast: undefined })).toThrow('prune needs a retention rule: --keep-last N, --keep-daily N, --keep-weekly N or --keep-monthly N');
    expect(() => prune({ remote: true, includePlatform: true })).toThrow("--include-platform is for the backups volume: the platform's archives are never copied off-site");
    expect(() => prune({ customer: 'a b' })).toThrow(badCustomer);
    expect(() => prune({}, optionsContext({ config: { waitTimeout: 'never' } }))).toThrow('invalid waitTimeout (config) "never": use a duration such as 90s, 5m or 1h');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['backups', 'prune', 'acme', '--keep-last', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --keep-last "x": give a whole number of backups, e.g. --keep-last 7');
    expect(r.contacted).toBe(0);
  });
});

describe('backups sync options', () => {
  it('one of NAME, --customer or --all, with the off-site settings', () => {
    const ctx = optionsContext({ config: { offsiteSecret: 'remote-1', rcloneImage: 'rclone/rclone:1' } });
    expect(sync({ name: 'acme', dryRun: 'client' }, ctx)).toMatchObject({ scope: { namespace: 'saasodoo', instance: 'acme' }, dryRun: 'client', offsite: { secret: 'remote-1', image: 'rclone/rclone:1' } });
    expect(sync({ all: true }).scope).toEqual({ namespace: 'saasodoo', instance: undefined, customerId: undefined });
    expect(sync({ customer: 'c1' }).scope.customerId).toBe('c1');
  });

  it('refuses none or several targets and a bad customer', () => {
    const one = 'backups sync takes one of: an instance NAME, --customer ID or --all';
    expect(() => sync()).toThrow(one);
    expect(() => sync({ name: 'acme', all: true })).toThrow(one);
    expect(() => sync({ customer: 'a b' })).toThrow(badCustomer);
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['backups', 'sync']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: backups sync takes one of: an instance NAME, --customer ID or --all');
    expect(r.contacted).toBe(0);
  });
});
