import { describe, expect, it } from 'vitest';
import { orderMounts, resolveExecutable } from './sandbox.js';

describe('orderMounts', () => {
  it('mounts parents before the mounts nested in them', () => {
    const m = (target: string) => ({ source: '/s', target, readOnly: false });
    expect(orderMounts([m('/var/lib/odoo/filestore'), m('/etc/odoo/odoo.conf'), m('/var/lib/odoo'), m('/backups')]).map((x) => x.target)).toEqual([
      '/backups',
      '/etc/odoo/odoo.conf',
      '/var/lib/odoo',
      '/var/lib/odoo/filestore',
    ]);
  });
});

describe('resolveExecutable', () => {
  it.each([
    ['sh', '/usr/bin:/bin', true],
    ['/bin/sh', '', true],
    ['no-such-tool-here', '/usr/bin:/bin', false],
    ['sh', '', false],
    ['/etc/passwd', '', false],
  ])('%s in %j', (cmd, path, found) => {
    expect(resolveExecutable(cmd, path) !== undefined).toBe(found);
  });
});
