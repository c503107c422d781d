// npm run release: the release archives of the single executables, their checksums, and the krew
// manifest that installs them.
//
// Run after npm run build (npm run release does both):
//   npm run release [-- --base-url URL] [--homepage URL] [--out DIR] [--manifest FILE] [--node OS-ARCH=PATH ...]
//
// For each platform built (this machine's by default; --node as in scripts/build-binary.mjs):
//   release/kubectl-odoo_<version>_<os>_<arch>.tar.gz         kubectl-odoo, kubectl_complete-odoo, LICENSE, README.md
//   release/kubectl-odoo_<version>_<os>_<arch>.tar.gz.sha256  "<sha256>  <archive>" (sha256sum -c reads it)
// and plugins/odoo.yaml, a krew Plugin manifest whose uri for each archive is <base-url>/<archive>.
// The homepage comes from --homepage, KUBECTL_ODOO_HOMEPAGE or "homepage" of package.json (the project
// names none: where it is published is the publisher's choice), else a placeholder with a warning.
// The base URL defaults to the homepage's release download folder for the tag v<version>
// (KUBECTL_ODOO_RELEASE_BASE_URL overrides it too). Archives are reproducible: fixed owner and mtime.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';
import { buildBinaries, parseTargets } from './build-binary.mjs';

/** The homepage when none is configured: a reserved .example name (RFC 2606), never a real site. */
export const PLACEHOLDER_HOMEPAGE = 'https://kubectl-odoo.example';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

export const PLUGIN_NAME = 'odoo';
export const archiveName = (version, platform) => `kubectl-odoo_${version}_${platform.replace('-', '_')}.tar.gz`;

// ---- a minimal ustar writer: regular files only, which is all a release holds ----

function octal(n, width) {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(name, size, mode, mtime) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108); // uid
  h.write(octal(0, 8), 116); // gid
  h.write(octal(size, 12), 124);
  h.write(octal(mtime, 12), 136);
  h.write('        ', 148); // checksum counted as spaces
  h.write('0', 156); // regular file
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write('root', 265);
  h.write('root', 297);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

/** A gzipped tar of `files` ({name, mode, data}), every entry owned by root with the given mtime. */
export function tarGz(files, mtime) {
  const parts = [];
  for (const f of files) {
    if (Buffer.byteLength(f.name) > 100) throw new Error(`archive entry name too long: ${f.name}`);
    parts.push(tarHeader(f.name, f.data.length, f.mode, mtime), f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts), { level: constants.Z_BEST_COMPRESSION });
}

export const sha256 = (data) => createHash('sha256').update(data).digest('hex');

// ---- the krew manifest ----

const SHORT_DESCRIPTION = 'Manage Odoo instances on Rook-Ceph clusters';
const DESCRIPTION = `Manages Odoo instances on Kubernetes with Rook-Ceph storage: create, list,
status, start/stop, resize, logs and live watch of instances (one PVC,
Deployment, Service and Ingress each); consistent backups (database dump
and filestore), restores and retention; odoo.conf edits; moving legacy
instances to their own PVC; and on-call storage debugging. Its node agent
(kubectl odoo agent install) checks that every node's raw partition is
ready to become a Ceph OSD before a Rook rollout.`;
const CAVEATS = `The node checks need the node agent in the cluster:
  kubectl odoo agent install --dry-run -o yaml   # review what it applies
  kubectl odoo agent install
For "kubectl odoo <TAB>" completion (kubectl 1.26+), link the helper next to the plugin:
  ln -s "$(dirname "$(readlink -f "$(command -v kubectl-odoo)")")/kubectl_complete-odoo" \\
    "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-odoo"`;

function quoted(s) {
  return JSON.stringify(s);
}

function block(s, indent) {
  return s
    .split('\n')
    .map((l) => (l ? indent + l : ''))
    .join('\n');
}

/** The manifest as YAML (written by hand: the field order and block scalars are what reviewers expect). */
export function krewManifest({ version, homepage, platforms }) {
  const lines = [
    'apiVersion: krew.googlecontainertools.github.com/v1alpha2',
    'kind: Plugin',
    'metadata:',
    `  name: ${PLUGIN_NAME}`,
    'spec:',
    `  version: ${quoted(`v${version}`)}`,
    `  homepage: ${homepage}`,
    `  shortDescription: ${quoted(SHORT_DESCRIPTION)}`,
    '  description: |',
    block(DESCRIPTION, '    '),
    '  caveats: |',
    block(CAVEATS, '    '),
    '  platforms:',
  ];
  for (const p of platforms) {
    const [os, arch] = p.platform.split('-');
    lines.push(
      '    - selector:',
      '        matchLabels:',
      `          os: ${os}`,
      `          arch: ${arch}`,
      `      uri: ${p.uri}`,
      `      sha256: ${p.sha256}`,
      '      files:',
      '        - from: kubectl-odoo',
      '          to: .',
      '        - from: kubectl_complete-odoo',
      '          to: .',
      '        - from: LICENSE',
      '          to: .',
      '      bin: kubectl-odoo',
    );
  }
  return `${lines.join('\n')}\n`;
}

function option(argv, name) {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const v = argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
  argv.splice(i, argv[i].includes('=') ? 1 : 2);
  if (!v) throw new Error(`--${name} needs a value`);
  return v;
}

export async function release(argv) {
  const args = [...argv];
  const homepage = option(args, 'homepage') ?? process.env.KUBECTL_ODOO_HOMEPAGE ?? pkg.homepage ?? PLACEHOLDER_HOMEPAGE;
  if (homepage === PLACEHOLDER_HOMEPAGE)
    process.stderr.write(`Warning: no homepage configured; the manifest names the placeholder ${PLACEHOLDER_HOMEPAGE}: pass --homepage URL (or set KUBECTL_ODOO_HOMEPAGE, or "homepage" in package.json) before publishing\n`);
  const baseUrl = (option(args, 'base-url') ?? process.env.KUBECTL_ODOO_RELEASE_BASE_URL ?? `${homepage}/releases/download/v${pkg.version}`).replace(/\/+$/, '');
  const out = option(args, 'out') ?? join(root, 'release');
  const manifestPath = option(args, 'manifest') ?? join(root, 'plugins', `${PLUGIN_NAME}.yaml`);
  const targets = parseTargets(args);

  const work = mkdtempSync(join(tmpdir(), 'kubectl-odoo-release-'));
  try {
    return await releaseFrom(await buildBinaries(targets, work), { targets, homepage, baseUrl, out, manifestPath });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function releaseFrom(binaries, { targets, homepage, baseUrl, out, manifestPath }) {
  // The archive's mtime: the release commit's time, as reproducible builds do (SOURCE_DATE_EPOCH wins).
  const mtime = Number(process.env.SOURCE_DATE_EPOCH ?? execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' }).trim());
  const common = [
    { name: 'kubectl_complete-odoo', mode: 0o755, data: readFileSync(join(root, 'dist/kubectl_complete-odoo')) },
    { name: 'LICENSE', mode: 0o644, data: readFileSync(join(root, 'LICENSE')) },
    { name: 'README.md', mode: 0o644, data: readFileSync(join(root, 'README.md')) },
  ];
  mkdirSync(out, { recursive: true });
  const platforms = [];
  for (const [i, { platform }] of targets.entries()) {
    const binary = readFileSync(binaries[i]);
    const archive = tarGz([{ name: 'kubectl-odoo', mode: 0o755, data: binary }, ...common], mtime);
    const name = archiveName(pkg.version, platform);
    const sum = sha256(archive);
    writeFileSync(join(out, name), archive);
    writeFileSync(join(out, `${name}.sha256`), `${sum}  ${name}\n`);
    platforms.push({ platform, uri: `${baseUrl}/${name}`, sha256: sum });
    process.stderr.write(`release: ${join(out, name)} (${Math.round(archive.length / 2 ** 20)} MiB) sha256 ${sum}\n`);
  }
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeFileSync(manifestPath, krewManifest({ version: pkg.version, homepage, platforms }));
  process.stderr.write(`release: ${manifestPath} (krew manifest, ${platforms.length} platform${platforms.length === 1 ? '' : 's'})\n`);
  return { out, manifestPath, archives: platforms.map((p) => join(out, basename(p.uri))) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await release(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`release: ${e.message}\n`);
    process.exitCode = 1;
  }
}
