// The files of manifests/ as they were when the plugin was built: embedded by the bundler, read from
// the source tree when unbundled. `agent install` applies them; a 403 names the Role in them that grants
// what was refused.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __KUBECTL_ODOO_AGENT_ASSETS__: { manifests: Record<string, string> } | undefined;

/** manifests/*.yaml by file name. */
export function shippedManifests(): Record<string, string> {
  if (typeof __KUBECTL_ODOO_AGENT_ASSETS__ === 'object') return __KUBECTL_ODOO_AGENT_ASSETS__.manifests;
  const dir = fileURLToPath(new URL('../../manifests/', import.meta.url));
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}
