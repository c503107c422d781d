import { describe, expect, it } from 'vitest';
import { archiveOwners, archiveTime, dateInArchiveName, judgeArchiveLayout, parsePlatformArchivePath, type ArchiveCandidate } from './platformArchives.js';
import { parseListing, platformBackups } from './listing.js';
import { UsageError } from '../../lib/errors.js';

describe('parsePlatformArchivePath', () => {
  it('takes active/CUSTOMER/NAME.tar.gz and .tgz', () => {
    expect(parsePlatformArchivePath('active/customer-001/backup-2025-01-15.tar.gz')).toEqual({ path: 'active/customer-001/backup-2025-01-15.tar.gz', customerId: 'customer-001', name: 'backup-2025-01-15' });
    expect(parsePlatformArchivePath('active/42/shop.tgz')).toMatchObject({ customerId: '42', name: 'shop' });
  });
  it('leaves other references to the set parser', () => {
    for (const ref of ['acme/latest', 'active/c/acme/20250115T103000Z', 'latest']) expect(parsePlatformArchivePath(ref)).toBeUndefined();
  });
  it.each([
    ['/backups/active/c/x.tar.gz', /an absolute path is not allowed/],
    ['active/../etc/x.tar.gz', /"\.\." is not allowed/],
    ['active/c/../../x.tar.gz', /"\.\." is not allowed/],
    ['active/c/sub/x.tar.gz', /use the path "kubectl odoo backups" lists/],
    ['staging/c/x.tar.gz', /use the path/],
    ['active/.c/x.tar.gz', /is not a customer id/],
    ['active/c/.tar.gz', /is not an archive name/],
    ['active/c/a b.tar.gz', /is not an archive name/],
  ])('refuses %s', (raw, why) => {
    expect(() => parsePlatformArchivePath(raw)).toThrow(UsageError);
    expect(() => parsePlatformArchivePath(raw)).toThrow(why);
  });
});

describe('archive time', () => {
  const mtime = new Date('2025-01-15T02:13:07Z');
  it.each([
    ['backup-2025-01-15', '2025-01-15T02:13:07.000Z'], // a date alone: the mtime of that day is more precise
    ['backup-2025-01-14', '2025-01-14T00:00:00.000Z'], // a copied file: the name wins over an mtime of another day
    ['backup-20250110T103000Z', '2025-01-10T10:30:00.000Z'],
    ['shop_2025-01-10_10-30-00', '2025-01-10T10:30:00.000Z'],
    ['shop-20250110-103000', '2025-01-10T10:30:00.000Z'],
    ['backup-2025-13-40', '2025-01-15T02:13:07.000Z'], // not a date
    ['nightly', '2025-01-15T02:13:07.000Z'],
  ])('%s', (name, iso) => expect(archiveTime(name, mtime).toISOString()).toBe(iso));
  it('tells a date from a date and time', () => {
    expect(dateInArchiveName('backup-2025-01-15')).toEqual({ date: new Date('2025-01-15T00:00:00Z'), timeOfDay: false });
    expect(dateInArchiveName('12345')).toBeUndefined();
  });
});

describe('archiveOwners', () => {
  const shop: ArchiveCandidate = { name: 'odoo-shop-5b6c7d8e', customerId: 'customer-001', ids: ['5b6c7d8e-1111-4000-a000-000000000007', '5b6c7d8e11114000a000000000000007', '5b6c7d8e'], databases: ['shop'] };
  const shopEu: ArchiveCandidate = { name: 'odoo-shop_eu-0a0b0c0d', customerId: 'customer-001', ids: ['0a0b0c0d'], databases: ['shop_eu'] };
  const lone: ArchiveCandidate = { name: 'odoo-globex-9f8e7d6c', customerId: 'customer-002', ids: ['9f8e7d6c'], databases: ['globex'] };
  const guide: ArchiveCandidate = { name: 'odoo-initech-7c1d9e0a', ids: ['7c1d9e0a'], databases: ['initech'] };
  const all = [shop, shopEu, lone, guide];
  const owners = (path: string) => archiveOwners(parsePlatformArchivePath(path)!, all);
  it.each([
    ['active/customer-002/backup-2025-01-15.tar.gz', ['odoo-globex-9f8e7d6c']], // the customer's only instance
    ['active/customer-001/backup-2025-01-15.tar.gz', ['odoo-shop-5b6c7d8e', 'odoo-shop_eu-0a0b0c0d']], // the name says not which
    ['active/customer-001/shop-2025-01-15.tar.gz', ['odoo-shop-5b6c7d8e']], // by database
    ['active/customer-001/shop_eu-2025-01-15.tar.gz', ['odoo-shop_eu-0a0b0c0d']], // the longest database name wins
    ['active/customer-001/backup-5b6c7d8e-2025-01-15.tar.gz', ['odoo-shop-5b6c7d8e']], // by id8
    ['active/customer-001/5b6c7d8e-1111-4000-a000-000000000007.tar.gz', ['odoo-shop-5b6c7d8e']], // by full id
    ['active/customer-001/shopping-2025-01-15.tar.gz', ['odoo-shop-5b6c7d8e', 'odoo-shop_eu-0a0b0c0d']], // "shop" only as a whole word
    ['active/customer-009/initech-2025-01-15.tar.gz', ['odoo-initech-7c1d9e0a']], // no customer label: by database
    ['active/customer-009/globex-2025-01-15.tar.gz', []], // globex belongs to customer-002
  ])('%s', (path, want) => expect(owners(path)).toEqual(want));
});

describe('judgeArchiveLayout', () => {
  it.each([
    [['./', './conf', './conf/odoo.conf', './data', './data/filestore', './data/filestore/shop', './data/filestore/shop/ab', './addons'], 'bitnami', 'bitnami image (conf/, data/filestore/: shop)'],
    [['odoo/', 'odoo/conf/odoo.conf', 'odoo/data/filestore/shop/ab/abcdef'], 'bitnami', 'bitnami image (odoo/conf/, odoo/data/filestore/: shop)'],
    [['filestore/', 'filestore/acme/0a/0a1b', 'sessions/', 'conf/odoo.conf'], 'official', 'official image (filestore/: acme)'],
  ])('%j', (entries, layout, detail) => expect(judgeArchiveLayout(entries)).toMatchObject({ ok: true, layout, detail }));
  it('says what it found when the top is not an Odoo volume', () => {
    expect(judgeArchiveLayout(['etc/passwd', 'home/x'])).toEqual({ ok: false, filestores: [], detail: "not an Odoo data volume: expected bitnami's conf/ and data/filestore/ or the official image's filestore/ at the top, found etc, home" });
    expect(judgeArchiveLayout([]).ok).toBe(false);
  });
});

describe('platform archives in the list Job output', () => {
  it('become backups of kind platform, volume only, without a database, next to our sets', () => {
    const out = [
      'ARCHIVE\tactive/customer-002/backup-2025-01-15.tar.gz\t4096\t1736907187',
      'ARCHIVE\tactive/customer-002/../x.tar.gz\t1\t1',
      'ARCHIVE\tactive/customer-002/broken.tar.gz\tx\tnot-a-time',
      'DONE list',
    ].join('\n');
    const { sets, archives } = parseListing(out);
    expect(sets).toEqual([]);
    expect(archives.map((a) => a.path)).toEqual(['active/customer-002/backup-2025-01-15.tar.gz']);
    const [b] = platformBackups(archives, [{ name: 'odoo-globex-9f8e7d6c', customerId: 'customer-002', ids: [], databases: ['globex'] }]);
    expect(b).toMatchObject({ kind: 'platform', database: false, state: 'volume only', instance: 'odoo-globex-9f8e7d6c', bytes: 4096, customerId: 'customer-002', timestamp: '20250115T021307Z' });
  });
});
