import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

type Args = Parameters<NonNullable<typeof backupCommand.toOptions>>[1];
const args = (over: Record<string, unknown> = {}) =>
  ({ name: 'acme', all: false, offsite: false, wait: false, consistency: 'live', exportOdooZip: false, dryRun: undefined, ...over }) as unknown as Args;
const backup = (over: Record<string, unknown> = {}, ctx = optionsContext()) => backupCommand.toOptions!(ctx, args(over));
const sub = (name: string) => backupCommand.subcommands!.find((c) => c.command.split(' ')[0] === name)!;
const verify = (over: Record<string, unknown> = {}, ctx = optionsContext()) => sub('verify').toOptions!(ctx, { backup: 'acme/latest', restoreTest: false, drill: false, ...over });
const pin = (name: 'pin' | 'unpin', backupRef: string, ctx = optionsContext()) => sub(name).toOptions!(ctx, { backup: backupRef });
const KEEP_RULES = 'give RULE=N,... with rules last, daily, weekly, monthly, e.g.';

describe('backup options', () => {
  it('one instance: the consistency, the caps, and --keep/--offsite/--drill, which imply --wait', () => {
    const ctx = optionsContext({ globals: { namespace: 'shop' }, config: { backupConcurrency: { perNode: 2, cluster: 6 }, offsiteSecret: 'remote', rcloneImage: 'rclone:1', backupTimeout: '3h' } });
    const o = backup({ keep: 'last=7,daily=14', offsite: true, keepRemote: 'monthly=12', drill: 'weekly', maxCluster: '8' }, ctx);
    expect(o).toMatchObject({
      namespace: 'shop',
      name: 'acme',
      consistency: 'live',
      caps: { perNode: 2, cluster: 8 },
      wait: true,
      exportOdooZip: false,
      keep: { policy: { keepLast: 7, keepDaily: 14 }, text: 'last=7,daily=14' },
      offsite: { secret: 'remote', image: 'rclone:1' },
      drill: 'weekly',
      keepRemote: { policy: { keepMonthly: 12 }, text: 'monthly=12' },
    });
    expect(o.fleet).toBeUndefined();
    expect(o.backup.settings.deadlineSeconds).toBe(3 * 3600);
    const plain = backup({ dryRun: 'client', exportOdooZip: true });
    expect(plain).toMatchObject({ name: 'acme', wait: false, dryRun: 'client', exportOdooZip: true, caps: { perNode: 1, cluster: 4 } });
    expect(plain.keep).toBeUndefined();
    expect(plain.offsite).toBeUndefined();
    expect(backup({ consistency: 'stop' }).wait).toBe(true);
    expect(backup({ wait: true }).wait).toBe(true);
  });

  it('a fleet: --all, -l or --customer', () => {
    expect(backup({ name: undefined, all: true, maxPerNode: '3' }).fleet).toEqual({ labelSelector: undefined, customerId: undefined });
    expect(backup({ name: undefined, all: true, maxPerNode: '3' }).caps).toEqual({ perNode: 3, cluster: 4 });
    expect(backup({ name: undefined, selector: 'tier = gold', customer: 'c-1' })).toMatchObject({ namespace: 'saasodoo', fleet: { labelSelector: 'tier = gold', customerId: 'c-1' } });
  });

  it('refuses each bad flag and combination', () => {
    const fleet = { name: undefined, all: true };
    expect(() => backup({ all: true })).toThrow('backup takes an instance NAME or --all / -l / --customer, not both');
    expect(() => backup({ name: undefined })).toThrow('backup needs the instance NAME, or --all / -l SELECTOR / --customer ID (or a subcommand: verify, pin, unpin, schedule)');
    expect(() => backup({ ...fleet, customer: 'c1' })).toThrow('--all backs up every instance: use it without -l and --customer');
    expect(() => backup({ consistency: 'snapshot' })).toThrow('invalid --consistency "snapshot": use stop or live');
    expect(() => backup({ keep: 'last=x' })).toThrow(`invalid --keep "last=x": ${KEEP_RULES} --keep last=7,daily=14,weekly=8,monthly=12`);
    expect(() => backup({ ...fleet, keep: 'last=7' })).toThrow('--keep is for one instance (and its schedule); prune a fleet with "kubectl odoo backups prune"');
    expect(() => backup({ ...fleet, offsite: true })).toThrow('--offsite is for one instance (and its schedule); copy a fleet with "kubectl odoo backups sync --all"');
    expect(() => backup({ drill: 'yearly' })).toThrow('invalid --drill "yearly": use daily, weekly or monthly (how often a run also drills its new backup)');
    expect(() => backup({ ...fleet, drill: 'daily' })).toThrow('--drill is for one instance (and its schedule); drill a set with "kubectl odoo backup verify NAME/SET --drill"');
    expect(() => backup({ keepRemote: 'daily=0', offsite: true })).toThrow('invalid --keep-remote "daily=0": daily=0 keeps nothing, and the newest complete backup is always kept; give 1 or more');
    expect(() => backup({ ...fleet, keepRemote: 'last=3' })).toThrow('--keep-remote is for one instance (and its schedule); prune the remote with "kubectl odoo backups prune --remote"');
    expect(() => backup({ keepRemote: 'last=3' })).toThrow('--keep-remote is retention for the off-site copies: give it with --offsite');
    expect(() => backup({ maxPerNode: '0' })).toThrow('--max-per-node "0" must be a whole number from 1 to 256');
    expect(() => backup({}, optionsContext({ config: { backupConcurrency: { perNode: 1, cluster: 999 } } }))).toThrow('config backupConcurrency.cluster "999" must be a whole number from 1 to 256');
    expect(() => backup({ ...fleet, all: false, customer: 'a b' })).toThrow('--customer "a b" is not a valid customer id (letters, digits, ".", "_" and "-")');
    expect(() => backup({ ...fleet, exportOdooZip: true })).toThrow('--export-odoo-zip is for one instance: back it up with backup NAME --export-odoo-zip');
    expect(() => backup({ name: 'a b' })).toThrow(/^invalid instance name "a b"/);
    expect(() => backup({}, optionsContext({ config: { backupCompression: 'bz2' } }))).toThrow('config backupCompression "bz2" is not one of auto, zstd, pigz, gzip');
    expect(() => backup({}, optionsContext({ globals: { namespace: 'X' } }))).toThrow('invalid namespace "X": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['backup', 'acme', '--max-cluster', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --max-cluster "lots" must be a whole number from 1 to 256');
    // The config file's backup settings too are checked before the cluster is read.
    const dir = mkdtempSync(join(tmpdir(), 'backup-options-'));
    try {
      writeFileSync(join(dir, 'kco.yaml'), 'backupCompression: bz2\n');
      const c = await runWithoutCluster(['backup', 'acme'], { env: { NO_COLOR: '1', KUBECTL_ODOO_CONFIG: join(dir, 'kco.yaml') } });
      expect(c.code).toBe(2);
      expect(c.stderr.split('\n')[0]).toBe('error: config backupCompression "bz2" is not one of auto, zstd, pigz, gzip');
      expect(c.contacted).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(r.contacted).toBe(0);
  });
});

describe('backup verify options', () => {
  it('a set or a platform archive; --restore-test; --drill with --dry-run', () => {
    const ctx = optionsContext({ globals: { namespace: 'shop' } });
    expect(verify({ restoreTest: true }, ctx)).toMatchObject({ namespace: 'shop', backup: 'acme/latest', restoreTest: true, drill: false, dryRun: false });
    expect(verify({ backup: 'active/customer-001/backup-2025-01-15.tar.gz' }).backup).toBe('active/customer-001/backup-2025-01-15.tar.gz');
    expect(verify({ drill: true, dryRun: 'client' })).toMatchObject({ drill: true, dryRun: true });
  });

  it('refuses each bad combination and reference', () => {
    expect(() => verify({ drill: true, restoreTest: true })).toThrow('--drill and --restore-test are two kinds of check: give one');
    expect(() => verify({ drill: true, backup: 'active/customer-001/b.tar.gz' })).toThrow('--drill needs a backup set with a database dump; active/customer-001/b.tar.gz is a platform archive (volume only)');
    expect(() => verify({ dryRun: 'client' })).toThrow('--dry-run is for --drill: verify itself changes nothing');
    expect(() => verify({ backup: 'active/../b.tar.gz' })).toThrow('invalid platform archive "active/../b.tar.gz": ".." is not allowed; use the path "kubectl odoo backups" lists, e.g. active/customer-001/backup-2025-01-15.tar.gz');
    expect(() => verify({ backup: 'latest' })).toThrow(/^invalid backup "latest"/);
    expect(() => verify({}, optionsContext({ config: { backupTimeout: '0s' } }))).toThrow('invalid backupTimeout (config) "0s": it must be greater than zero');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['backup', 'verify', 'acme/latest', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --dry-run is for --drill: verify itself changes nothing');
    expect(r.contacted).toBe(0);
  });
});

describe('backup pin/unpin options', () => {
  it('the set and the namespace', () => {
    expect(pin('pin', 'acme/20250115T020000Z', optionsContext({ globals: { namespace: 'shop' } }))).toMatchObject({ backup: 'acme/20250115T020000Z', namespace: 'shop' });
    expect(pin('unpin', 'acme/latest').namespace).toBe('saasodoo');
  });

  it('refuses a reference without its instance', async () => {
    expect(() => pin('pin', 'latest')).toThrow(/^invalid backup "latest"/);
    expect(() => pin('unpin', 'latest')).toThrow(/^invalid backup "latest"/);
    const r = await runWithoutCluster(['backup', 'pin', 'latest']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: invalid backup "latest"/);
    expect(r.contacted).toBe(0);
  });
});
