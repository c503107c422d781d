import { describe, expect, it } from 'vitest';
import { validateKrewManifest } from './krewManifest.js';

const platform = (over: any = {}) => ({
  selector: { matchLabels: { os: 'linux', arch: 'amd64' } },
  uri: 'https://example.org/kubectl-odoo_0.1.0_linux_amd64.tar.gz',
  sha256: 'a'.repeat(64),
  files: [{ from: 'kubectl-odoo', to: '.' }],
  bin: 'kubectl-odoo',
  ...over,
});
const manifest = (spec: any = {}, over: any = {}) => ({
  apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
  kind: 'Plugin',
  metadata: { name: 'odoo' },
  spec: { version: 'v0.1.0', shortDescription: 'Manage Odoo', platforms: [platform()], ...spec },
  ...over,
});

describe('validateKrewManifest', () => {
  it('accepts a complete manifest', () => {
    expect(validateKrewManifest(manifest(), 'odoo.yaml')).toEqual([]);
  });

  it('accepts a platform without files (krew then takes every file of the archive)', () => {
    expect(validateKrewManifest(manifest({ platforms: [platform({ files: undefined })] }), 'odoo.yaml')).toEqual([]);
  });

  it.each([
    ['another apiVersion', manifest({}, { apiVersion: 'krew.googlecontainertools.github.com/v1alpha1' }), 'odoo.yaml', /apiVersion="krew.googlecontainertools.github.com\/v1alpha1"/],
    ['a name other than the file', manifest({}, { metadata: { name: 'odoo2' } }), 'odoo.yaml', /should be named "odoo", not "odoo2"/],
    ['an unsafe name', manifest({}, { metadata: { name: 'od oo' } }), 'od oo.yaml', /is not allowed/],
    ['a reserved Windows name', manifest({}, { metadata: { name: 'con' } }), 'con.yaml', /is not allowed/],
    ['camelCase', manifest({}, { metadata: { name: 'odooCtl' } }), 'odooCtl.yaml', /lowercase words separated by hyphens/],
    ['no short description', manifest({ shortDescription: '' }), 'odoo.yaml', /should have a short description/],
    ['a version without v', manifest({ version: '0.1.0' }), 'odoo.yaml', /failed to parse plugin version/],
    ['no platforms', manifest({ platforms: [] }), 'odoo.yaml', /should have a platform specified/],
    ['a short sha256', manifest({ platforms: [platform({ sha256: 'abc' })] }), 'odoo.yaml', /`sha256` value abc is not valid/],
    ['an upper-case sha256', manifest({ platforms: [platform({ sha256: 'A'.repeat(64) })] }), 'odoo.yaml', /is not valid/],
    ['no uri', manifest({ platforms: [platform({ uri: '' })] }), 'odoo.yaml', /`uri` has to be set/],
    ['no bin', manifest({ platforms: [platform({ bin: '' })] }), 'odoo.yaml', /`bin` has to be set/],
    ['an empty files list', manifest({ platforms: [platform({ files: [] })] }), 'odoo.yaml', /`files` has to be unspecified or non-empty/],
    ['a file operation without to', manifest({ platforms: [platform({ files: [{ from: 'kubectl-odoo' }] })] }), 'odoo.yaml', /`to` field has to be set/],
    ['a short description over two lines', manifest({ shortDescription: 'Manage\nOdoo' }), 'odoo.yaml', /should not have line breaks in short description/],
    ['empty matchExpressions', manifest({ platforms: [platform({ selector: { matchLabels: { os: 'linux' }, matchExpressions: [] } })] }), 'odoo.yaml', /`matchExpressions` specified but empty/],
    ['no selector', manifest({ platforms: [platform({ selector: undefined })] }), 'odoo.yaml', /nil selector/],
    ['an empty selector', manifest({ platforms: [platform({ selector: {} })] }), 'odoo.yaml', /empty selector/],
    ['a selector key other than os/arch', manifest({ platforms: [platform({ selector: { matchLabels: { os: 'linux', distro: 'debian' } } })] }), 'odoo.yaml', /key "distro" not supported/],
    ['an unknown arch', manifest({ platforms: [platform({ selector: { matchLabels: { os: 'linux', arch: 'x86_64' } } })] }), 'odoo.yaml', /unknown arch "x86_64"/],
    ['two platforms for one os/arch', manifest({ platforms: [platform(), platform()] }), 'odoo.yaml', /a second platform for linux\/amd64/],
  ])('refuses %s', (_what, m, file, message) => {
    const errors = validateKrewManifest(m, file);
    expect(errors.join('\n')).toMatch(message);
  });
});
