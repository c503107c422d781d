import { describe, expect, it } from 'vitest';
import { migrateStorageCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

type Args = Parameters<NonNullable<typeof migrateStorageCommand.toOptions>>[1];
const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', all: false, plan: false, dryRun: false, dropLegacy: false, yes: false, ...over }) as Args;
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => migrateStorageCommand.toOptions!(ctx, args(over));

describe('migrate-storage options', () => {
  it('takes the size, class and timeouts from the flags, else from the config file', () => {
    const o = toOptions({ size: '20G', storageClass: 'fast', timeout: '2m', jobTimeout: '1h', dryRun: 'client' }, optionsContext({ globals: { namespace: 'shop' } }));
    expect(o).toEqual({
      name: 'acme',
      all: false,
      plan: false,
      dropLegacy: false,
      yes: false,
      namespace: 'shop',
      allNamespaces: false,
      migration: { storageClass: 'fast', size: '20G', sizeForced: true, timeoutMs: 120_000, jobDeadlineSeconds: 3600, dryRun: true },
    });
    const d = toOptions({}, optionsContext({ config: { storageClass: 'rook-cephfs', storage: '15Gi', waitTimeout: '5m' } }));
    expect(d.migration).toEqual({ storageClass: 'rook-cephfs', size: '15Gi', sizeForced: false, timeoutMs: 300_000, jobDeadlineSeconds: 6 * 3600, dryRun: false });
  });

  it('with -A --all: every namespace, none of its own', () => {
    const o = toOptions({ name: undefined, all: true, plan: true }, optionsContext({ globals: { allNamespaces: true, namespace: 'shop' } }));
    expect(o).toMatchObject({ all: true, plan: true, namespace: undefined, allNamespaces: true });
  });

  it('refuses each bad combination and value', () => {
    expect(() => toOptions({ name: 'a b' })).toThrow(/^invalid instance name "a b"/);
    expect(() => toOptions({ all: true })).toThrow('give an instance NAME or --all, not both');
    expect(() => toOptions({ name: undefined })).toThrow('migrate-storage needs an instance NAME or --all');
    expect(() => toOptions({ plan: true })).toThrow('--plan goes with --all (for one instance use --dry-run)');
    expect(() => toOptions({}, optionsContext({ globals: { allNamespaces: true } }))).toThrow('-A goes with --all');
    const drop = '--drop-legacy works on one instance and cannot be combined with --all, --plan or --dry-run';
    expect(() => toOptions({ dropLegacy: true, dryRun: 'client' })).toThrow(drop);
    expect(() => toOptions({ dropLegacy: true, name: undefined, all: true })).toThrow(drop);
    expect(() => toOptions({ size: 'big' })).toThrow('invalid --size "big": use a size such as 10Gi or 500Mi (the platform\'s 10G means 10Gi)');
    expect(() => toOptions({ timeout: 'x' })).toThrow('invalid --timeout "x": use a duration such as 90s, 5m or 1h');
    expect(() => toOptions({ jobTimeout: '0s' })).toThrow('invalid --job-timeout "0s": it must be greater than zero');
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'No_Such' } }))).toThrow('invalid namespace "No_Such": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['migrate-storage', 'acme', '--job-timeout', 'forever']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --job-timeout "forever": use a duration such as 90s, 5m or 1h');
    expect(r.contacted).toBe(0);
  });
});
