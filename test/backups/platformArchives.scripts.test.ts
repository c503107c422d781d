// The list, verify and set-operation Job scripts on the platform's own archives, made as the platform
// makes them: `tar czf active/<customer>/<name>.tar.gz` of a bitnami-shaped data volume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './scriptRunner.js';
import { bitnamiVolume } from './bitnamiVolume.js';
import { LIST_SCRIPT, SET_OPS_SCRIPT, VERIFY_SCRIPT } from '../../plugin/backups/scripts.js';
import { parseListing, platformBackups } from '../../plugin/backups/listing.js';
import { parsePlatformVerifyOutput } from '../../plugin/backups/verify.js';

let root: string;
let backupRoot: string;
let volume: string;
const CUSTOMER = 'customer-001';
const GOOD = `active/${CUSTOMER}/backup-2025-01-15.tar.gz`;

function tarCzf(archive: string, args: string[]): void {
  mkdirSync(join(backupRoot, archive, '..'), { recursive: true });
  execFileSync('tar', ['czf', join(backupRoot, archive), ...args]);
}

const listEnv = () => ({ BACKUP_ROOT: backupRoot, CUSTOMER_GLOB: '*', INSTANCE_GLOB: '*' });
const verify = (path: string) => runScript(VERIFY_SCRIPT, { BACKUP_ROOT: backupRoot, SET_PATH: path, RESTORE_TEST: '0' });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'odoo-platform-archives-'));
  backupRoot = join(root, 'backups');
  volume = join(root, 'volume');
  bitnamiVolume(volume, 'shop');
  tarCzf(GOOD, ['-C', volume, '.']);
  utimesSync(join(backupRoot, GOOD), new Date('2025-01-15T02:13:07Z'), new Date('2025-01-15T02:13:07Z'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('platform archives on the backups volume', () => {
  it('are listed with their size and mtime beside our sets, and matched to the customer\'s instance', async () => {
    mkdirSync(join(backupRoot, 'active', CUSTOMER, 'odoo-shop-5b6c7d8e', '20250116T020000Z'), { recursive: true });
    // Not archives: a folder named like one, a link, a file deeper down, and a name the list cannot print safely.
    mkdirSync(join(backupRoot, 'active', CUSTOMER, 'folder.tar.gz'));
    symlinkSync('/etc/passwd', join(backupRoot, 'active', CUSTOMER, 'link.tar.gz'));
    writeFileSync(join(backupRoot, 'active', CUSTOMER, 'odoo-shop-5b6c7d8e', 'stray.tar.gz'), '');
    writeFileSync(join(backupRoot, 'active', CUSTOMER, 'bad\tname.tar.gz'), '');
    const run = await runScript(LIST_SCRIPT, listEnv());
    expect(run.code).toBe(0);
    const { sets, archives } = parseListing(run.output);
    expect(sets.map((s) => s.path)).toEqual([`active/${CUSTOMER}/odoo-shop-5b6c7d8e/20250116T020000Z`]);
    expect(archives).toEqual([{ path: GOOD, customerId: CUSTOMER, name: 'backup-2025-01-15', bytes: statSync(join(backupRoot, GOOD)).size, mtime: new Date('2025-01-15T02:13:07Z') }]);
    const [b] = platformBackups(archives, [{ name: 'odoo-shop-5b6c7d8e', customerId: CUSTOMER, ids: ['5b6c7d8e'], databases: ['shop'] }]);
    expect(b).toMatchObject({ kind: 'platform', database: false, state: 'volume only', instance: 'odoo-shop-5b6c7d8e', time: new Date('2025-01-15T02:13:07Z') });
  });

  it('verify checks gzip, tar, paths and the bitnami layout, and says there is no database', async () => {
    const run = await verify(GOOD);
    expect(run.code).toBe(0);
    const r = parsePlatformVerifyOutput(run.output);
    expect(r.ok).toBe(true);
    expect(r.layout).toBe('bitnami');
    expect(r.checks.map((c) => [c.check, c.ok, c.detail])).toEqual([
      ['gzip', true, 'intact'],
      ['tar', true, `${execFileSync('tar', ['tzf', join(backupRoot, GOOD)]).toString().trim().split('\n').length} entries`],
      ['paths', true, 'every entry stays inside the volume'],
      ['layout', true, 'bitnami image (conf/, data/filestore/: shop)'],
      ['database', true, 'none: volume only (no database dump in a platform archive)'],
    ]);
  });

  it('verify fails a truncated archive and one that is no Odoo volume', async () => {
    const truncated = `active/${CUSTOMER}/truncated.tar.gz`;
    const bytes = execFileSync('cat', [join(backupRoot, GOOD)]);
    writeFileSync(join(backupRoot, truncated), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const t = parsePlatformVerifyOutput((await verify(truncated)).output);
    expect(t.ok).toBe(false);
    expect(t.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(expect.arrayContaining(['gzip']));

    const other = join(root, 'other');
    mkdirSync(join(other, 'etc'), { recursive: true });
    writeFileSync(join(other, 'etc', 'hosts'), '127.0.0.1 localhost\n');
    tarCzf(`active/${CUSTOMER}/not-odoo.tar.gz`, ['-C', other, 'etc']);
    const run = await verify(`active/${CUSTOMER}/not-odoo.tar.gz`);
    expect(run.code).toBe(0); // the shell checks pass: the plugin judges the layout
    const n = parsePlatformVerifyOutput(run.output);
    expect(n.ok).toBe(false);
    expect(n.checks.find((c) => c.check === 'layout')).toEqual({ check: 'layout', ok: false, detail: "not an Odoo data volume: expected bitnami's conf/ and data/filestore/ or the official image's filestore/ at the top, found etc" });
  });

  it('verify refuses an archive whose entries or links leave the volume', async () => {
    const work = join(root, 'evil', 'a', 'b');
    mkdirSync(work, { recursive: true });
    writeFileSync(join(root, 'evil', 'escape'), 'outside\n');
    symlinkSync('../../../etc/passwd', join(work, 'passwd-link'));
    bitnamiVolume(work, 'shop');
    const evil = `active/${CUSTOMER}/evil.tar.gz`;
    mkdirSync(join(backupRoot, 'active', CUSTOMER), { recursive: true });
    execFileSync('tar', ['czf', join(backupRoot, evil), '-P', '-C', work, 'conf', 'data', 'passwd-link', '../../escape', join(root, 'evil', 'escape')], { cwd: work });
    const run = await verify(evil);
    expect(run.code).toBe(1);
    const r = parsePlatformVerifyOutput(run.output);
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.check === 'paths')).toEqual({ check: 'paths', ok: false, detail: '3 absolute or ".." path(s): refused, never extracted' });
    expect(r.problems).toEqual(['entry ../../escape', `entry ${join(root, 'evil', 'escape')}`, 'link to ../../../etc/passwd']);
  });

  it('verify refuses paths outside active/ and archives that are not there', async () => {
    const up = await verify('active/../../etc/x.tar.gz');
    expect(up.code).toBe(1);
    expect(up.output).toContain('ERROR refusing path active/../../etc/x.tar.gz');
    const missing = await verify(`active/${CUSTOMER}/nope.tar.gz`);
    expect(missing.code).toBe(1);
    expect(parsePlatformVerifyOutput(missing.output).checks[0]).toEqual({ check: 'verify', ok: false, detail: `backup active/${CUSTOMER}/nope.tar.gz does not exist` });
  });

  it('the set Job deletes an archive file when told to, refuses to pin one, and never follows paths out', async () => {
    const doomed = `active/${CUSTOMER}/old-2024-12-01.tar.gz`;
    tarCzf(doomed, ['-C', volume, '.']);
    const pin = await runScript(SET_OPS_SCRIPT, { BACKUP_ROOT: backupRoot, OP: 'pin', SETS: doomed });
    expect(pin.code).toBe(1);
    expect(pin.output).toContain(`ERROR ${doomed} is a platform archive: it cannot be pinned`);
    const bad = await runScript(SET_OPS_SCRIPT, { BACKUP_ROOT: backupRoot, OP: 'delete', SETS: 'active/../x.tar.gz' });
    expect(bad.code).toBe(1);
    const del = await runScript(SET_OPS_SCRIPT, { BACKUP_ROOT: backupRoot, OP: 'delete', SETS: `${doomed}\nactive/${CUSTOMER}/link.tar.gz` });
    expect(del.code).toBe(0);
    expect(del.output).toContain(`DELETED ${doomed}`);
    expect(del.output).toContain(`GONE active/${CUSTOMER}/link.tar.gz`);
    expect(existsSync(join(backupRoot, doomed))).toBe(false);
    expect(existsSync(join(backupRoot, GOOD))).toBe(true);
    expect(existsSync('/etc/passwd')).toBe(true);
  });
});
