import { describe, expect, it } from 'vitest';
import { restoreCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) =>
  ({ name: 'acme', from: 'latest', yes: false, filesOnly: false, ...over }) as Parameters<NonNullable<typeof restoreCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => restoreCommand.toOptions!(ctx, args(over));

describe('restore options', () => {
  it('takes the backup, the target and the namespace of -n, else the config file', () => {
    expect(toOptions({ from: 'acme/20250115T103000Z' }, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      from: 'acme/20250115T103000Z',
      to: undefined,
      domain: undefined,
      subdomain: undefined,
      filesOnly: false,
      dryRun: false,
      yes: false,
    });
    expect(toOptions({ to: 'acme-copy', subdomain: 'copy', yes: true, dryRun: 'client' }, optionsContext({ config: { namespace: 'odoo-prod' } }))).toMatchObject({
      namespace: 'odoo-prod',
      from: 'latest',
      to: 'acme-copy',
      subdomain: 'copy',
      dryRun: true,
      yes: true,
    });
    expect(toOptions({ from: 'active/customer-001/backup-2025-01-15.tar.gz', filesOnly: true })).toMatchObject({ filesOnly: true, namespace: 'saasodoo' });
  });

  it('reads --from remote:SET as the set to fetch from the remote first', () => {
    const o = toOptions({ from: 'remote:20250115T103000Z' });
    expect(o.remoteRef).toEqual({ timestamp: '20250115T103000Z' });
    expect(o.from).toBe('remote:20250115T103000Z');
    expect(toOptions().remoteRef).toBeUndefined();
  });

  it('refuses every bad flag', () => {
    expect(() => toOptions({ name: 'ac/me' })).toThrow(/^invalid instance name "ac\/me": give the Deployment name, instance id/);
    expect(() => toOptions({ from: undefined })).toThrow('--from is required: the backup to restore (see "kubectl odoo backups NAME")');
    expect(() => toOptions({ from: 'yesterday' })).toThrow(/^invalid backup "yesterday": use latest, a timestamp like 20250115T103000Z/);
    expect(() => toOptions({ from: 'remote:20250115T103000Z', to: 'acme-copy' })).toThrow(
      '--from remote:SET restores into NAME itself: fetch the set with "restore NAME --from remote:SET" first, then use --to or --files-only with the set\'s path',
    );
    expect(() => toOptions({ from: 'remote:20250115T103000Z', filesOnly: true })).toThrow(/^--from remote:SET restores into NAME itself/);
    expect(() => toOptions({ from: 'remote:20250115T103000Z', dryRun: 'client' })).toThrow(
      '--dry-run cannot show a restore from the remote before the set is fetched: list it with "kubectl odoo backups --remote"',
    );
    expect(() => toOptions({ to: 'acme' })).toThrow('--to names the same instance; leave it out to restore in place');
    expect(() => toOptions({ to: 'Acme_Copy' })).toThrow('--to: invalid instance name "Acme_Copy": names are lower-case letters, digits and "-" (e.g. acme or odoo-acme-1a2b3c4d)');
    expect(() => toOptions({ to: 'acme-copy', filesOnly: true })).toThrow('--files-only restores into an existing instance; it cannot make a copy (--to)');
    expect(() => toOptions({ from: 'active/customer-001/backup-2025-01-15.tar.gz' })).toThrow(
      'active/customer-001/backup-2025-01-15.tar.gz is a platform archive: it holds the data volume and no database; restore its files with --files-only (the database stays as it is)',
    );
    expect(() => toOptions({ domain: 'copy.example.com' })).toThrow('--domain/--subdomain are for a new instance made with --to NEW');
    expect(() => toOptions({ subdomain: 'copy' })).toThrow('--domain/--subdomain are for a new instance made with --to NEW');
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['restore', 'acme', '--from', 'remote:20250115T103000Z', '--dry-run'], { env: { NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --dry-run cannot show a restore from the remote before the set is fetched: list it with "kubectl odoo backups --remote"');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
