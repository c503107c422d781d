// The kubeconfig a test cluster hands to kubectl and client-node: one cluster, a token user and a
// client-certificate user, and a context for each (the token one is current).
import { writeFileSync } from 'node:fs';
import type { ClusterCerts } from './certs.js';

export function writeKubeconfig(path: string, opts: { url: string; token: string; certs: ClusterCerts; namespace?: string }): void {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const ns = opts.namespace ? `\n    namespace: ${opts.namespace}` : '';
  const text = `apiVersion: v1
kind: Config
clusters:
- name: test-cluster
  cluster:
    server: ${opts.url}
    certificate-authority-data: ${b64(opts.certs.caCert)}
users:
- name: test-admin
  user:
    token: ${opts.token}
- name: test-admin-cert
  user:
    client-certificate-data: ${b64(opts.certs.clientCert)}
    client-key-data: ${b64(opts.certs.clientKey)}
contexts:
- name: test-cluster
  context:
    cluster: test-cluster
    user: test-admin${ns}
- name: test-cluster-cert
  context:
    cluster: test-cluster
    user: test-admin-cert${ns}
current-context: test-cluster
preferences: {}
`;
  writeFileSync(path, text, { mode: 0o600 });
}
