// Answers for the two invocations people run most and expect instantly. The help text is rendered by
// the full parser at build time, so it is the same text `kubectl odoo --help` would print.
import { clientNodeVersion, pluginVersion } from '../core/buildInfo.js';

declare const __KUBECTL_ODOO_HELP__: string | undefined;

export function fastPath(args: string[], env: Record<string, string | undefined>): string | undefined {
  if (typeof __KUBECTL_ODOO_HELP__ === 'string' && (args.length === 0 || (args.length === 1 && (args[0] === '--help' || args[0] === '-h')))) {
    return __KUBECTL_ODOO_HELP__;
  }
  if (args.length === 2 && args[0] === 'version' && args[1] === '--client' && env.KUBECTL_ODOO_CONFIG === undefined) {
    return [
      `Plugin Version:        v${pluginVersion()}`,
      `client-node Version:   ${clientNodeVersion()}`,
      `Node.js Version:       ${process.version}`,
      '',
    ].join('\n');
  }
  return undefined;
}
