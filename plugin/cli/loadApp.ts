// Loads the command-line app: from the compressed chunk embedded by the bundler (so that the fast
// paths in main never compile it), or straight from source when running unbundled.
declare const __KUBECTL_ODOO_APP__: string | undefined;

export type AppModule = typeof import('./app.js');

export async function loadApp(): Promise<AppModule> {
  if (typeof __KUBECTL_ODOO_APP__ === 'string') {
    const { brotliDecompressSync } = await import('node:zlib');
    const code = brotliDecompressSync(Buffer.from(__KUBECTL_ODOO_APP__, 'base64')).toString('utf8');
    const mod = { exports: {} as AppModule };
    new Function('require', 'module', 'exports', '__filename', '__dirname', code)(require, mod, mod.exports, __filename, __dirname);
    return mod.exports;
  }
  return import('./app.js');
}
