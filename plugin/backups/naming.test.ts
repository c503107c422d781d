import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/errors.js';
import {
  backupSetPath,
  formatBackupTimestamp,
  jobName,
  parseBackupRef,
  parseBackupTimestamp,
  parseQualifiedBackupRef,
  parseSetFolder,
  sideDatabaseName,
  validateBackupInstanceName,
} from './naming.js';

describe('backup timestamps', () => {
  it('formats UTC, sortable, without separators', () => {
    expect(formatBackupTimestamp(new Date('2025-01-15T10:30:05.123Z'))).toBe('20250115T103005Z');
  });
  it.each([
    ['20250115T103005Z', '2025-01-15T10:30:05.000Z'],
    ['20251340T000000Z', undefined],
    ['20250115T253000Z', undefined],
    ['2025-01-15T10:30:05Z', undefined],
    ['20250115T103005', undefined],
  ])('parses %s', (ts, iso) => {
    expect(parseBackupTimestamp(ts)?.toISOString()).toBe(iso);
  });
});

describe('parseBackupRef', () => {
  it.each([
    ['latest', { timestamp: 'latest' }],
    ['20250115T103000Z', { timestamp: '20250115T103000Z' }],
    ['acme/20250115T103000Z', { instance: 'acme', timestamp: '20250115T103000Z' }],
    ['acme/latest', { instance: 'acme', timestamp: 'latest' }],
    // INSTANCE is any name the instance answers to: a database or platform name may have upper case, "_" and ".".
    ['Shop_EU.v2/latest', { instance: 'Shop_EU.v2', timestamp: 'latest' }],
    ['5B6C7D8E-1111-4000-A000-000000000007/20250115T103000Z', { instance: '5B6C7D8E-1111-4000-A000-000000000007', timestamp: '20250115T103000Z' }],
    ['active/cust-1/acme/20250115T103000Z/', { customerId: 'cust-1', instance: 'acme', timestamp: '20250115T103000Z' }],
  ])('accepts %s', (raw, ref) => {
    expect(parseBackupRef(raw)).toEqual(ref);
  });

  it.each([
    ['', /^backup reference is empty: use latest, /],
    ['yesterday', /^invalid backup "yesterday": use latest, a timestamp like 20250115T103000Z, INSTANCE\/TIMESTAMP or active\/CUSTOMER\/INSTANCE\/TIMESTAMP \(as "kubectl odoo backups" lists them\)$/],
    ['acme$/20250115T103000Z', /^invalid backup "acme\$\/20250115T103000Z": "acme\$" is not an instance name \(its Deployment name, instance id, platform instance name or database: letters, digits, "-", "_" and "."\)$/],
    ['a..b/latest', /^invalid backup "a\.\.b\/latest": "a\.\.b" is not an instance name/],
    ['active/cust-1/Acme/20250115T103000Z', /^invalid backup ".*": "Acme" is not an instance's folder \(its Deployment name: lower-case letters, digits and "-"\)$/],
    ['acme/2025', /^invalid backup "acme\/2025": "2025" is not a backup timestamp \(YYYYMMDDTHHMMSSZ, e.g. 20250115T103000Z\) or latest$/],
    ['acme/.partial-20250115T103000Z', /incomplete set and cannot be used/],
    ['active/../acme/20250115T103000Z', /^invalid backup ".*": "\.\." is not a customer id$/],
    ['a/b/c', /^invalid backup "a\/b\/c": use latest, /],
    ['/etc/passwd', /^invalid backup "\/etc\/passwd": use latest, /],
    ['acme/20250115T103000Z; rm -rf /', /is not a backup timestamp/],
  ])('rejects %j with one clear line', (raw, msg) => {
    let err: unknown;
    try {
      parseBackupRef(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).not.toContain('\n');
  });

  it('verify and pin need the instance in the reference; a single word is named once', () => {
    expect(() => parseQualifiedBackupRef('20250115T103000Z')).toThrow(/does not say which instance/);
    expect(() => parseQualifiedBackupRef('nope')).toThrow(
      /^invalid backup "nope": it does not say which instance it belongs to; use INSTANCE\/TIMESTAMP, INSTANCE\/latest or active\/CUSTOMER\/INSTANCE\/TIMESTAMP \(as "kubectl odoo backups" lists them\)$/,
    );
    expect(parseQualifiedBackupRef('acme/latest').instance).toBe('acme');
  });

  it.each([
    ['acme', undefined],
    ['odoo-acme-1a2b3c4d', undefined],
    ['acme.prod', /^--to: invalid instance name "acme\.prod": names are lower-case letters, digits and "-", at most 63/],
    ['Acme', /^--to: invalid instance name "Acme": names are lower-case letters, digits and "-" \(e.g. acme or odoo-acme-1a2b3c4d\)$/],
    ['a'.repeat(64), /^--to: invalid instance name "a{64}": .*at most 63/],
  ])('instance names in backups follow the instance name rules: %s', (name, msg) => {
    if (!msg) expect(validateBackupInstanceName(name, '--to')).toBe(name);
    else expect(() => validateBackupInstanceName(name, '--to')).toThrow(msg);
  });
});

describe('set folders', () => {
  it.each([
    ['active/cust-1/acme/20250115T103000Z', { customerId: 'cust-1', instance: 'acme', timestamp: '20250115T103000Z', partial: false }],
    ['active/cust-1/acme/.partial-20250115T103000Z', { customerId: 'cust-1', instance: 'acme', timestamp: '20250115T103000Z', partial: true }],
    ['active/cust-1/acme/.deleting-20250115T103000Z', undefined],
    ['active/cust-1/acme/backup-2025-01-15.tar.gz', undefined],
    ['staging/cust-1/acme/20250115T103000Z', undefined],
  ])('%s', (rel, id) => {
    expect(parseSetFolder(rel)).toEqual(id);
  });
  it('paths are active/<customer>/<instance>/<timestamp>', () => {
    expect(backupSetPath({ customerId: 'c', instance: 'i', timestamp: '20250115T103000Z' })).toBe('active/c/i/20250115T103000Z');
  });
});

describe('Kubernetes and PostgreSQL names', () => {
  it('Job names fit 63 characters and keep the timestamp', () => {
    const n = jobName('backup', 'odoo-a-very-long-database-name-for-a-customer-1a2b3c4d', '20250115T103000Z');
    expect(n.length).toBeLessThanOrEqual(63);
    expect(n).toMatch(/^odoo-backup-odoo-a-very-long.*[a-z0-9]-20250115t103000z$/);
  });
  it('side databases fit 63 bytes and keep the suffix', () => {
    const db = 'x'.repeat(63);
    const n = sideDatabaseName(db, 'restore', '20250115T103000Z');
    expect(n.length).toBe(63);
    expect(n.endsWith('__restore_20250115t103000z')).toBe(true);
    expect(sideDatabaseName('acme', 'old', '20250115T103000Z')).toBe('acme__old_20250115t103000z');
  });
});
