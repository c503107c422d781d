// Bundles the plugin into one executable file (dist/kubectl-odoo), its completion helper, and the agent.
import { build } from 'esbuild';
import { brotliCompressSync, constants } from 'node:zlib';
import { readFileSync, readdirSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'package.json'), '{"type": "commonjs"}\n');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const clientNode = JSON.parse(readFileSync(join(root, 'node_modules/@kubernetes/client-node/package.json'), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // The shell programs the Jobs run live in .sh files and are bundled as text.
  loader: { '.sh': 'text' },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // import.meta only appears on the unbundled (source) code paths, which a CommonJS chunk never takes.
  logOverride: { 'empty-import-meta': 'silent' },
  // The CommonJS outputs turn import() into require(): a single executable (SEA) runs its main script
  // without an ESM loader, where import() throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING.
  supported: { 'dynamic-import': false },
  define: {
    __KUBECTL_ODOO_VERSION__: JSON.stringify(pkg.version),
    __CLIENT_NODE_VERSION__: JSON.stringify(clientNode.version),
  },
};

// CommonJS dependencies inside an ESM bundle expect require, __filename and __dirname.
const requireShim =
  "import{createRequire as __kcoCreateRequire}from'node:module';import{fileURLToPath as __kcoPath}from'node:url';" +
  "const require=__kcoCreateRequire(import.meta.url);const __filename=__kcoPath(import.meta.url);const __dirname=__kcoPath(new URL('.',import.meta.url));";
// 1. The node agent: one file, run by the DaemonSet (from its image, or from a ConfigMap that
// `kubectl odoo agent install --no-build` makes, which is why the plugin embeds it).
await build({
  ...common,
  entryPoints: [join(root, 'agent/main.ts')],
  outfile: join(dist, 'odoo-node-agent.mjs'),
  format: 'esm',
  supported: {},
  banner: { js: `#!/usr/bin/env node\n${requireShim}` },
});
chmodSync(join(dist, 'odoo-node-agent.mjs'), 0o755);

// `kubectl odoo agent install` applies the agent's manifests as they are in manifests/, and ships the agent.
const agentAssets = {
  manifests: Object.fromEntries(
    readdirSync(join(root, 'manifests'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f, readFileSync(join(root, 'manifests', f), 'utf8')]),
  ),
  agent: readFileSync(join(dist, 'odoo-node-agent.mjs'), 'utf8'),
};

// ssh2 and cpu-features load optional native addons inside try/catch and fall back to pure JavaScript;
// a bundle cannot carry .node files, so those requires throw and the fallback is used.
const optionalNativeAddons = {
  name: 'optional-native-addons',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: 'native-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'native-addon' }, () => ({ contents: 'throw new Error("native addon not bundled")' }));
  },
};

// 2. The heavy chunk (client-node, ssh2 and friends): compiled only when a command needs it.
const heavy = await build({
  ...common,
  entryPoints: [join(root, 'plugin/core/heavy/modules.ts')],
  format: 'cjs',
  write: false,
  minifyIdentifiers: true,
  plugins: [optionalNativeAddons],
});
const heavyCode = heavy.outputFiles[0].contents;
const heavyPayload = brotliCompressSync(heavyCode, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }).toString('base64');

const keepHeavyOut = {
  name: 'heavy-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/modules\.js$/ }, (args) => (args.importer.includes('heavy') ? { path: args.path, external: true } : undefined));
  },
};

// yargs' ESM build wraps help text by cutting words in half; its CommonJS build wraps at word boundaries.
const yargsCommonJs = {
  name: 'yargs-cjs',
  setup(b) {
    b.onResolve({ filter: /^yargs$/ }, () => ({ path: join(root, 'node_modules/yargs/index.cjs') }));
  },
};

// 3. The app chunk (yargs and every command), kept compressed in the executable like the heavy chunk:
// the fast paths (--help, version --client) never compile it.
const keepAppOut = {
  name: 'app-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/app\.js$/ }, (args) => (args.importer.endsWith('loadApp.ts') ? { path: args.path, external: true } : undefined));
  },
};
const app = await build({
  ...common,
  entryPoints: [join(root, 'plugin/cli/app.ts')],
  format: 'cjs',
  write: false,
  define: { ...common.define, __KUBECTL_ODOO_HEAVY__: JSON.stringify(heavyPayload), __KUBECTL_ODOO_AGENT_ASSETS__: JSON.stringify(agentAssets) },
  plugins: [keepHeavyOut, yargsCommonJs, optionalNativeAddons],
});
const appCode = app.outputFiles[0].contents;
const appPayload = brotliCompressSync(appCode, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }).toString('base64');

// 4. The plugin: one executable CommonJS file (faster to start than ESM; dist/package.json tells Node).
// Built twice: the second build embeds the help text that the first one renders, for the fast path.
const buildPlugin = async (help) => {
  await build({
    ...common,
    entryPoints: [join(root, 'plugin/main.ts')],
    outfile: join(dist, 'kubectl-odoo'),
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    footer: { js: 'main();' },
    define: {
      ...common.define,
      __KUBECTL_ODOO_APP__: JSON.stringify(appPayload),
      ...(help ? { __KUBECTL_ODOO_HELP__: JSON.stringify(help) } : {}),
    },
    plugins: [keepAppOut],
  });
  chmodSync(join(dist, 'kubectl-odoo'), 0o755);
};
await buildPlugin(undefined);
const help = execFileSync(process.execPath, [join(dist, 'kubectl-odoo'), '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
await buildPlugin(help);

// 5. kubectl >= 1.26 asks kubectl_complete-odoo for `kubectl odoo <TAB>` completions.
writeFileSync(
  join(dist, 'kubectl_complete-odoo'),
  '#!/bin/sh\n# Shell completion for `kubectl odoo`, called by kubectl (>= 1.26).\nexec "$(dirname "$(readlink -f "$0")")/kubectl-odoo" __complete "$@"\n',
);
chmodSync(join(dist, 'kubectl_complete-odoo'), 0o755);

const kb = (n) => `${Math.round(n / 1024)} KiB`;
process.stderr.write(
  `built dist/kubectl-odoo (${kb(readFileSync(join(dist, 'kubectl-odoo')).length)}: app ${kb(appCode.length)} and Kubernetes client ${kb(heavyCode.length)}, both compressed), dist/odoo-node-agent.mjs\n`,
);
