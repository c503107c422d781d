// Benchmarks that drive the test cluster or its fixtures (TypeScript) bundle them with esbuild first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the TypeScript modules that `exports` lines re-export (paths relative to `root`) into a new
 * folder under `parent` and imports the bundle; `cleanup` removes the folder.
 */
export async function importBundled(root, parent, prefix, exports) {
  const dir = mkdtempSync(join(parent, prefix));
  const entry = join(dir, 'entry.ts');
  const from = (p) => JSON.stringify(join(root, p));
  writeFileSync(entry, [...exports.map(([names, path]) => `export { ${names} } from ${from(path)};`), ''].join('\n'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  const outfile = join(dir, 'bundle.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    loader: { '.sh': 'text' },
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  const mod = await import(pathToFileURL(outfile).href);
  return { ...mod, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
