// odoo-node-agent: the DaemonSet process. Inspects this node's devices for Ceph OSD readiness, checks the
// node's prerequisites, measures disk usage, keeps the node's summary ConfigMap fresh, and answers the
// plugin over a token-protected WebSocket reached through the API server's port-forward.
//
//   odoo-node-agent [--config FILE] [--kubeconfig FILE] [--port N]
//
// NODE_NAME (downward API) names the node. In a pod the in-cluster service account is used.
import { loadAgentConfig, ConfigError } from './config.js';
import { createLocalHostAccess } from './localHost.js';
import { NodeAgent, type Log } from './agent.js';
import { startAgentServer } from './server.js';
import { KubeClient } from '../lib/kube/client.js';
import { buildConnection } from '../lib/kube/connection.js';
import { loadKubeconfig } from '../lib/kube/kubeconfig.js';
import { inClusterKubeconfig } from '../lib/kube/inCluster.js';

declare const __KUBECTL_ODOO_VERSION__: string | undefined;
const VERSION = typeof __KUBECTL_ODOO_VERSION__ === 'string' ? __KUBECTL_ODOO_VERSION__ : 'dev';

// One JSON object per line on stderr: what log collectors expect from a DaemonSet.
const log: Log = (level, msg, fields = {}) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
}

function kubeClient(kubeconfig: string | undefined, env: NodeJS.ProcessEnv): KubeClient | undefined {
  if (kubeconfig) return new KubeClient(buildConnection(loadKubeconfig({ kubeconfig, env })), { userAgent: `odoo-node-agent/${VERSION}` });
  const inCluster = inClusterKubeconfig(env);
  if (inCluster) return new KubeClient(buildConnection(inCluster), { userAgent: `odoo-node-agent/${VERSION}` });
  return undefined;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const node = env.NODE_NAME;
  if (!node) {
    log('error', 'NODE_NAME is not set (give it from the downward API: fieldRef spec.nodeName)');
    return 2;
  }
  let config;
  try {
    config = loadAgentConfig(argValue(argv, 'config') ?? env.AGENT_CONFIG, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      log('error', e.message);
      return 2;
    }
    throw e;
  }
  const port = argValue(argv, 'port');
  if (port !== undefined) config.listen.port = Number(port);
  const kube = kubeClient(argValue(argv, 'kubeconfig'), env);
  if (!kube) log('warn', 'no Kubernetes API access (no in-cluster service account, no --kubeconfig): the summary ConfigMap is not written');

  const agent = new NodeAgent({ node, config, host: createLocalHostAccess(), kube, log });
  const server = await startAgentServer({ agent, node, host: config.listen.host, port: config.listen.port, tokenFile: config.tokenFile, log, version: VERSION });
  log('info', 'listening', { node, address: `${config.listen.host}:${server.port}`, devices: config.devices, deviceFilter: config.deviceFilter, wipe: config.wipe.enabled });
  // Tests and wrappers read the port from this line when port 0 picked a free one.
  process.stdout.write(`${JSON.stringify({ listening: server.port })}\n`);

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    try {
      await agent.refreshSummary();
    } catch (e) {
      log('error', 'summary refresh failed', { error: (e as Error).message });
    }
    if (!stopping) timer = setTimeout(refresh, config.summaryIntervalSeconds * 1000);
  };
  void refresh();

  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log('info', 'stopping', { signal: sig });
      stopping = true;
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  if (timer) clearTimeout(timer);
  await server.close();
  kube?.close();
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    log('error', 'agent failed', { error: (e as Error).stack ?? String(e) });
    process.exitCode = 1;
  },
);
