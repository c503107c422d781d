// What `agent install` applies and ships: the manifests of manifests/ and the bundled agent
// (dist/odoo-node-agent.mjs), embedded by the bundler, or read from the source tree when unbundled.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedManifests } from '../../core/manifests.js';

export interface AgentAssets {
  /** manifests/*.yaml by file name. */
  manifests: Record<string, string>;
  /** The bundled agent, one ES module. */
  agent: string;
}

declare const __KUBECTL_ODOO_AGENT_ASSETS__: AgentAssets | undefined;

export function agentAssets(): AgentAssets {
  if (typeof __KUBECTL_ODOO_AGENT_ASSETS__ === 'object') return __KUBECTL_ODOO_AGENT_ASSETS__;
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  let agent: string;
  try {
    agent = readFileSync(join(root, 'dist', 'odoo-node-agent.mjs'), 'utf8');
  } catch {
    throw new Error('dist/odoo-node-agent.mjs is missing: run npm run build');
  }
  return { manifests: shippedManifests(), agent };
}
