// npm run release: the archives, their sha256 files and the krew manifest. The manifest passes krew's
// validation, every checksum matches its archive, and an archive unpacked as krew would (its `files`
// copied, `bin` run through kubectl's plugin lookup) gives a working plugin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import yaml from 'js-yaml';
import { KUBECTL, ROOT } from '../harness/plugin.js';
import { validateKrewManifest } from './krewManifest.js';

const BASE_URL = 'https://downloads.example.org/kubectl-odoo/v0.1.0';
const HOMEPAGE = 'https://downloads.example.org/kubectl-odoo';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('release archives and the krew manifest', () => {
  let dir: string;
  let manifest: any;
  let manifestPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-odoo-release-'));
    manifestPath = join(dir, 'plugins', 'odoo.yaml');
    execFileSync(process.execPath, [join(ROOT, 'scripts/release.mjs'), '--out', join(dir, 'release'), '--manifest', manifestPath, '--base-url', `${BASE_URL}/`, '--homepage', HOMEPAGE], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    manifest = yaml.load(readFileSync(manifestPath, 'utf8'));
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a manifest that krew accepts', () => {
    expect(validateKrewManifest(manifest, basename(manifestPath))).toEqual([]);
    expect(manifest.spec.version).toBe(`v${pkg.version}`);
    expect(manifest.spec.homepage).toBe(HOMEPAGE);
    for (const key of ['shortDescription', 'description', 'caveats']) expect(manifest.spec[key], key).toMatch(/\S/);
    expect(manifest.spec.caveats).toContain('kubectl odoo agent install');
  });

  it('points each platform at its archive under the base URL, with the matching sha256', () => {
    const [platform] = manifest.spec.platforms;
    const archive = `kubectl-odoo_${pkg.version}_linux_amd64.tar.gz`;
    expect(platform.selector).toEqual({ matchLabels: { os: 'linux', arch: 'amd64' } });
    expect(platform.uri).toBe(`${BASE_URL}/${archive}`);
    for (const p of manifest.spec.platforms) {
      const file = join(dir, 'release', basename(p.uri));
      const sum = createHash('sha256').update(readFileSync(file)).digest('hex');
      expect(p.sha256).toBe(sum);
      expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(`${sum}  ${basename(file)}\n`);
      const check = spawnSync('sha256sum', ['-c', `${basename(file)}.sha256`], { cwd: join(dir, 'release'), encoding: 'utf8' });
      expect(check.stdout.trim()).toBe(`${basename(file)}: OK`);
    }
  });

  it('packs the binary, the completion helper, LICENSE and README', () => {
    const file = join(dir, 'release', basename(manifest.spec.platforms[0].uri));
    const list = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(list.map((l) => l.split(/\s+/).pop()).sort()).toEqual(['LICENSE', 'README.md', 'kubectl-odoo', 'kubectl_complete-odoo']);
    const binary = list.find((l) => l.endsWith(' kubectl-odoo'))!;
    expect(binary).toMatch(/^-rwxr-xr-x root\/root /);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('installs as krew does and runs as "kubectl odoo"', () => {
    const p = manifest.spec.platforms[0];
    const unpacked = join(dir, 'unpacked');
    const installed = join(dir, 'store', 'odoo', manifest.spec.version);
    mkdirSync(unpacked, { recursive: true });
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, 'release', basename(p.uri)), '-C', unpacked]);
    for (const f of p.files) copyFileSync(join(unpacked, f.from), join(installed, f.to === '.' ? f.from : f.to));
    const bin = join(installed, p.bin);
    expect(existsSync(bin)).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const env = { PATH: `${installed}:/usr/bin:/bin`, HOME: dir, NO_COLOR: '1' };
    const version = spawnSync(KUBECTL, ['odoo', 'version', '--client'], { env, encoding: 'utf8' });
    expect(version.stderr).toBe('');
    expect(version.stdout).toContain(`Plugin Version:        v${pkg.version}`);
    const help = spawnSync(bin, ['--help'], { env, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^kubectl odoo <command> \[flags\]/);
  });
});
