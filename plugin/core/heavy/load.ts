// Loads the heavy chunk: from the compressed payload embedded by the bundler, or straight from source
// when running unbundled (tests).
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

declare const __KUBECTL_ODOO_HEAVY__: string | undefined;

export type HeavyModules = typeof import('./modules.js');

let cached: Promise<HeavyModules> | undefined;

export function loadHeavy(): Promise<HeavyModules> {
  cached ??= (async () => {
    if (typeof __KUBECTL_ODOO_HEAVY__ === 'string') {
      const { brotliDecompressSync } = await import('node:zlib');
      const code = brotliDecompressSync(Buffer.from(__KUBECTL_ODOO_HEAVY__, 'base64')).toString('utf8');
      const mod = { exports: {} as HeavyModules };
      const req = typeof require === 'function' ? require : createRequire(import.meta.url);
      // Some bundled modules (ssh2's WebAssembly poly1305) read __dirname/__filename.
      const file = typeof __filename === 'string' ? __filename : '';
      new Function('require', 'module', 'exports', '__filename', '__dirname', code)(req, mod, mod.exports, file, file ? dirname(file) : '');
      return mod.exports;
    }
    return import('./modules.js');
  })();
  return cached;
}
