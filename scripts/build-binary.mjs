// Builds kubectl-odoo as single executables (Node.js single executable applications): the bundled
// dist/kubectl-odoo, with its compressed app and Kubernetes client chunks, injected into a copy of a Node
// binary, so the result runs where no Node.js is installed.
//
//   node scripts/build-binary.mjs                      dist/kubectl-odoo-linux-amd64 from this Node (on linux x64)
//   node scripts/build-binary.mjs --node darwin-arm64=/path/to/node-v20.x-darwin-arm64/bin/node ...
//   node scripts/build-binary.mjs --out DIR             somewhere else than dist/
//
// Each --node OS-ARCH=PATH adds a target (linux-amd64, linux-arm64, darwin-amd64, darwin-arm64) made from
// that Node binary. It must be the same Node.js version as the one running this script, which writes the
// SEA blob (the blob format follows the Node version, not the platform). Darwin binaries lose their
// signature when the blob is injected: where `codesign` exists (macOS) they are signed again ad hoc,
// elsewhere sign them on a Mac (`codesign --sign - FILE`) before they run on Apple silicon.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const PLATFORMS = ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64'];
// The fuse Node checks to know that a blob was injected (src/node_sea.cc).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export function hostPlatform() {
  const os = { linux: 'linux', darwin: 'darwin' }[process.platform];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  return os && arch ? `${os}-${arch}` : undefined;
}

/** Targets from argv: `--node OS-ARCH=PATH` (repeatable); none given means this machine's platform and Node. */
export function parseTargets(argv) {
  const targets = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = a === '--node' ? argv[++i] : a.startsWith('--node=') ? a.slice('--node='.length) : undefined;
    if (value === undefined) throw new Error(`unknown argument "${a}": use --node OS-ARCH=PATH`);
    const m = /^([a-z]+-[a-z0-9]+)=(.+)$/.exec(value);
    if (!m || !PLATFORMS.includes(m[1])) throw new Error(`--node ${value}: expected OS-ARCH=PATH with OS-ARCH one of ${PLATFORMS.join(', ')}`);
    targets.push({ platform: m[1], node: m[2] });
  }
  if (targets.length) return targets;
  const host = hostPlatform();
  if (!host) throw new Error(`no --node given and ${process.platform}-${process.arch} is not a release platform`);
  return [{ platform: host, node: process.execPath }];
}

export const binaryName = (platform) => `kubectl-odoo-${platform}`;

const hasCommand = (cmd) => {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

// postject's ELF parser warns about every note section of Node's binary; those warnings mean nothing here.
async function quietly(fn) {
  const warn = console.warn;
  console.warn = (...args) => (/^warning: Can't find string offset/.test(String(args[0])) ? undefined : warn(...args));
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/** Writes kubectl-odoo-<platform> for each target into outDir (default dist/); returns their paths. */
export async function buildBinaries(targets, outDir = dist) {
  const main = join(dist, 'kubectl-odoo');
  if (!existsSync(main)) throw new Error('dist/kubectl-odoo is missing: run npm run build first');
  const { inject } = createRequire(join(root, 'package.json'))('postject');
  const work = mkdtempSync(join(tmpdir(), 'kubectl-odoo-sea-'));
  const out = [];
  try {
    for (const { platform, node } of targets) {
      if (!existsSync(node)) throw new Error(`${platform}: Node binary ${node} does not exist`);
      const isHost = platform === hostPlatform() && node === process.execPath;
      const blob = join(work, `${platform}.blob`);
      const config = join(work, `${platform}.json`);
      // The code cache speeds up the first compile, but only the Node that made it can use it.
      writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: isHost }));
      execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      const target = join(outDir, binaryName(platform));
      // Made beside the target and renamed over it, so nothing ever runs a half-written binary.
      mkdirSync(outDir, { recursive: true });
      const partial = `${target}.partial-${process.pid}`;
      try {
        copyFileSync(node, partial);
        chmodSync(partial, 0o755);
        const darwin = platform.startsWith('darwin');
        if (darwin && hasCommand('codesign')) execFileSync('codesign', ['--remove-signature', partial]);
        await quietly(() => inject(partial, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE, ...(darwin ? { machoSegmentName: 'NODE_SEA' } : {}) }));
        if (darwin) {
          if (hasCommand('codesign')) execFileSync('codesign', ['--sign', '-', partial]);
          else process.stderr.write(`${binaryName(platform)}: not signed (no codesign here); sign it on a Mac: codesign --sign - ${binaryName(platform)}\n`);
        }
        renameSync(partial, target);
      } catch (e) {
        rmSync(partial, { force: true });
        throw e;
      }
      out.push(target);
      process.stderr.write(`built ${target} (${Math.round(statSync(target).size / 2 ** 20)} MiB)\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const args = process.argv.slice(2);
    const at = args.indexOf('--out');
    const outDir = at >= 0 ? args.splice(at, 2)[1] : undefined;
    await buildBinaries(parseTargets(args), outDir);
  } catch (e) {
    process.stderr.write(`build-binary: ${e.message}\n`);
    process.exitCode = 1;
  }
}
