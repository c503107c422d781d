// The in-cluster configuration of a pod's service account, by the rules of client-node's
// KubeConfig.loadFromCluster(): KUBERNETES_SERVICE_HOST/PORT (http for ports 80, 8080 and 8001, IPv6 in
// brackets), the service account's ca.crt, its token file (re-read on every request, so rotated bound
// tokens are picked up) and its namespace. Written out rather than loaded from client-node because the
// node agent ships in a ConfigMap (1 MiB at most) and client-node's config module would add ~950 KB to it.
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import type { ResolvedKubeconfig } from './kubeconfig.js';

export const SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The service account's configuration, or undefined when this process does not run in a pod with one. */
export function inClusterKubeconfig(env: Record<string, string | undefined>, dir = SERVICEACCOUNT_DIR): ResolvedKubeconfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(`${dir}/token`)) return undefined;
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const serverHost = isIPv6(host) ? `[${host}]` : host;
  const namespace = existsSync(`${dir}/namespace`) ? readFileSync(`${dir}/namespace`, 'utf8').trim() : undefined;
  const cluster = { server: `${scheme}://${serverHost}:${port}`, certificateAuthority: `${dir}/ca.crt` };
  const user = { tokenFile: `${dir}/token` };
  const context = { cluster: 'inCluster', user: 'inClusterUser', ...(namespace ? { namespace } : {}) };
  return {
    contextName: 'inClusterContext',
    context,
    cluster,
    user,
    merged: {
      files: [],
      clusters: new Map([['inCluster', cluster]]),
      users: new Map([['inClusterUser', user]]),
      contexts: new Map([['inClusterContext', context]]),
      currentContext: 'inClusterContext',
    },
  };
}
