// The kubeconfigs a test cluster hands to kubectl and client-node. The main one has the admin over a
// token (current context) and over a client certificate, and the operator bound by
// manifests/operator-rbac.yaml; the agent's holds only the node agent's service account.
import { writeFileSync } from 'node:fs';
import type { ClusterCerts } from './certs.js';

export function writeKubeconfig(path: string, opts: { url: string; token?: string; operatorToken?: string; agentToken?: string; certs: ClusterCerts; namespace?: string }): void {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const ns = opts.namespace ? `\n    namespace: ${opts.namespace}` : '';
  const users: string[] = [];
  const contexts: string[] = [];
  const names: string[] = [];
  const add = (context: string, user: string, credentials: string) => {
    names.push(context);
    users.push(`- name: ${user}\n  user:\n${credentials}`);
    contexts.push(`- name: ${context}\n  context:\n    cluster: test-cluster\n    user: ${user}${ns}`);
  };
  if (opts.token) {
    add('test-cluster', 'test-admin', `    token: ${opts.token}`);
    add('test-cluster-cert', 'test-admin-cert', `    client-certificate-data: ${b64(opts.certs.clientCert)}\n    client-key-data: ${b64(opts.certs.clientKey)}`);
  }
  if (opts.operatorToken) add('operator', 'operator', `    token: ${opts.operatorToken}`);
  if (opts.agentToken) add('odoo-node-agent', 'odoo-node-agent', `    token: ${opts.agentToken}`);
  const text = `apiVersion: v1
kind: Config
clusters:
- name: test-cluster
  cluster:
    server: ${opts.url}
    certificate-authority-data: ${b64(opts.certs.caCert)}
users:
${users.join('\n')}
contexts:
${contexts.join('\n')}
current-context: ${names[0]}
preferences: {}
`;
  writeFileSync(path, text, { mode: 0o600 });
}
