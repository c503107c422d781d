#!/usr/bin/env node
// `npm run cluster`: bundles test/cluster/main.ts into .cluster/ with esbuild and runs it in the
// foreground. Arguments pass through (--seed N, --port P, --dir DIR, --tick-ms MS).
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.cluster');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'package.json'), '{"type": "module"}\n');
await build({
  entryPoints: [join(root, 'test/cluster/main.ts')],
  outfile: join(out, 'cluster.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'inline',
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle expect require.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
});
const child = spawn(process.execPath, ['--enable-source-maps', join(out, 'cluster.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group too; it stops once either way.
process.on('SIGINT', () => child.kill('SIGINT'));
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 0)));
