// Versions baked in by the bundler; read from package.json files when running from source.
import { createRequire } from 'node:module';

declare const __KUBECTL_ODOO_VERSION__: string | undefined;
declare const __CLIENT_NODE_VERSION__: string | undefined;

function fromPackage(spec: string): string {
  try {
    return (createRequire(import.meta.url)(spec) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function pluginVersion(): string {
  return typeof __KUBECTL_ODOO_VERSION__ === 'string' ? __KUBECTL_ODOO_VERSION__ : fromPackage('../../package.json');
}

export function clientNodeVersion(): string {
  return typeof __CLIENT_NODE_VERSION__ === 'string' ? __CLIENT_NODE_VERSION__ : fromPackage('@kubernetes/client-node/package.json');
}
