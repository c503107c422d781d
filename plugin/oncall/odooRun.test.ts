// The script that finds the odoo executable of an image, run by a real sh: the official image's odoo
// on PATH, bitnami's under /opt/bitnami/odoo (a private tmpfs over /opt in a mount namespace of its
// own, so the machine's /opt is untouched), and an image with neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { odooArgv } from './odooRun.js';

// A mount namespace needs root; under CI a missing privilege is a failure, not a skip.
const root = process.getuid?.() === 0;
if (!root && process.env.CI === 'true') throw new Error('odooRun tests need root (a mount namespace) and CI=true forbids skipping');

let dir: string;
const fakeOdoo = (label: string) => `#!/bin/sh\necho "${label} $*"\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-odoorun-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'odoo'), fakeOdoo('official'));
  chmodSync(join(dir, 'bin', 'odoo'), 0o755);
  writeFileSync(join(dir, 'bitnami-odoo'), fakeOdoo('bitnami'));
  chmodSync(join(dir, 'bitnami-odoo'), 0o755);
  writeFileSync(join(dir, 'odoo.conf'), '[options]\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[], path: string, bitnami = false) {
  const [cmd, ...args] = argv;
  // In its own mount namespace: /opt becomes an empty tmpfs, with bitnami's odoo when asked for.
  const setup = ['mount -t tmpfs none /opt', bitnami ? `mkdir -p /opt/bitnami/odoo/bin && cp ${join(dir, 'bitnami-odoo')} /opt/bitnami/odoo/bin/odoo` : 'true', 'exec "$@"'].join(' && ');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setup, 'sh', cmd, ...args], { encoding: 'utf8', env: { PATH: path } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!root)('odooArgv', () => {
  it("runs the official image's odoo from PATH, with odoo.conf when it exists", () => {
    const r = run(odooArgv(join(dir, 'odoo.conf'), ['shell', '-d', 'acme']), `${join(dir, 'bin')}:/usr/bin:/bin`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`official shell -d acme -c ${join(dir, 'odoo.conf')}\n`);
    expect(r.code).toBe(0);
  });

  it('leaves -c out when odoo.conf does not exist', () => {
    const r = run(odooArgv(join(dir, 'missing.conf'), ['shell', '-d', 'acme']), `${join(dir, 'bin')}:/usr/bin:/bin`);
    expect(r.stdout).toBe('official shell -d acme\n');
  });

  it("runs bitnami's odoo under /opt/bitnami/odoo when none is on PATH", () => {
    const r = run(odooArgv(join(dir, 'odoo.conf'), ['-u', 'sale', '--stop-after-init']), '/usr/bin:/bin', true);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`bitnami -u sale --stop-after-init -c ${join(dir, 'odoo.conf')}\n`);
    expect(r.code).toBe(0);
  });

  it('an image with no odoo executable fails with 127 and says so', () => {
    const r = run(odooArgv(join(dir, 'odoo.conf'), ['shell']), '/usr/bin:/bin');
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('kubectl-odoo: this container has no odoo executable\n');
    expect(r.stdout).toBe('');
  });
});
