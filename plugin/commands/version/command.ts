import { defineCommand } from '../../cli/command.js';
import { showScreen } from '../../cli/output.js';
import { clientNodeVersion, pluginVersion } from '../../core/buildInfo.js';
import { renderTable } from '../../core/output/table.js';

interface VersionArgs {
  client: boolean;
}

interface VersionOptions {
  /** Client versions only: the server is not asked. */
  clientOnly: boolean;
}

export interface VersionInfo {
  plugin: string;
  clientNode: string;
  node: string;
  server?: { gitVersion: string; platform?: string };
  serverError?: string;
}

export const versionCommand = defineCommand<VersionArgs, VersionOptions>({
  command: 'version',
  scope: 'cluster',
  describe: 'Print the plugin, client library and server versions',
  outputs: ['table', 'json', 'yaml'],
  builder: (y) => y.option('client', { type: 'boolean', default: false, describe: 'Client versions only; do not contact the server' }),
  toOptions: (_ctx, args) => ({ clientOnly: !!args.client }),
  async run(opts, ctx) {
    const info: VersionInfo = { plugin: pluginVersion(), clientNode: clientNodeVersion(), node: process.version };
    if (!opts.clientOnly) {
      try {
        const kube = await ctx.kube();
        const v = await kube.serverVersion();
        info.server = { gitVersion: v.gitVersion, platform: v.platform };
      } catch (e) {
        info.serverError = (e as Error).message;
      }
    }
    const rows: [string, string][] = [
      ['Plugin Version:', `v${info.plugin}`],
      ['client-node Version:', info.clientNode],
      ['Node.js Version:', info.node],
    ];
    if (info.server) rows.push(['Server Version:', info.server.gitVersion]);
    const text = renderTable(rows, [{ header: '', value: (r) => r[0] }, { header: '', value: (r) => r[1] }], { aligned: true, headers: false });
    return showScreen(text, info, { notes: info.serverError && ctx.globals.output === 'table' ? [`Server Version: unavailable: ${info.serverError}`] : [] });
  },
});
