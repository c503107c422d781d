// Large libraries that only some commands need. The bundle keeps this chunk compressed and evaluates it
// on first use, so `kubectl odoo --help` does not pay for compiling the Kubernetes client.
import { KubeConfig } from '@kubernetes/client-node';
import type { ResolvedKubeconfig } from '../../../lib/kube/kubeconfig.js';

export { KubeConfig };
/** SSH client for `nodes check --ssh`. */
export { Client as SshClient, utils as sshUtils } from 'ssh2';

/** Auth headers from an exec plugin or auth provider, through client-node's authenticators. */
export function clientNodeAuth(resolved: ResolvedKubeconfig): () => Promise<Record<string, string>> {
  const kc = new KubeConfig();
  const m = resolved.merged;
  kc.loadFromOptions({
    clusters: [...m.clusters].map(([name, c]) => ({ name, server: c.server, skipTLSVerify: !!c.insecureSkipTlsVerify })),
    users: [...m.users].map(([name, u]) => ({
      name,
      token: u.token,
      exec: u.exec,
      authProvider: u.authProvider,
    })),
    contexts: [...m.contexts].map(([name, c]) => ({ name, cluster: c.cluster, user: c.user, namespace: c.namespace })),
    currentContext: resolved.contextName,
  });
  return async (): Promise<Record<string, string>> => {
    const opts: { headers?: Record<string, string> } = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    const auth = opts.headers?.Authorization ?? opts.headers?.authorization;
    return auth ? { Authorization: auth } : {};
  };
}
