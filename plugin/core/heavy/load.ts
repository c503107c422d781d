// Loads the heavy chunk: from the compressed payload embedded by the bundler, or straight from source
// when running unbundled (tests).
import { createRequire } from 'node:module';

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
      new Function('require', 'module', 'exports', code)(req, mod, mod.exports);
      return mod.exports;
    }
    return import('./modules.js');
  })();
  return cached;
}
