// Turns a resolved kubeconfig into what an HTTPS request needs: server URL, TLS material, auth headers.
// Certificates, tokens, token files and basic auth are handled here; exec plugins and auth providers
// are delegated to @kubernetes/client-node, loaded only when a kubeconfig needs them.
import { readFileSync } from 'node:fs';
import { FailureError } from '../errors.js';
import type { ResolvedKubeconfig } from './kubeconfig.js';

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

export interface Connection {
  server: URL;
  tls: TlsOptions;
  /** Authorization headers; may run an exec plugin or refresh a token. */
  authHeaders(): Promise<Record<string, string>>;
  contextName: string;
  /** Namespace set in the kubeconfig context, if any. */
  contextNamespace?: string;
}

export type HeavyAuthLoader = (resolved: ResolvedKubeconfig) => Promise<() => Promise<Record<string, string>>>;

function readMaybe(path: string | undefined, what: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FailureError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);

export function buildConnection(resolved: ResolvedKubeconfig, heavyAuth?: HeavyAuthLoader): Connection {
  const { cluster, user } = resolved;
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    throw new FailureError(`the kubeconfig cluster server "${cluster.server}" is not a valid URL`);
  }
  const tls: TlsOptions = {
    ca: b64(cluster.certificateAuthorityData) ?? readMaybe(cluster.certificateAuthority, 'certificate authority'),
    cert: b64(user.clientCertificateData) ?? readMaybe(user.clientCertificate, 'client certificate'),
    key: b64(user.clientKeyData) ?? readMaybe(user.clientKey, 'client key'),
    rejectUnauthorized: !cluster.insecureSkipTlsVerify,
    servername: cluster.tlsServerName,
  };
  let authHeaders: () => Promise<Record<string, string>>;
  if (user.exec || user.authProvider) {
    let delegate: Promise<() => Promise<Record<string, string>>> | undefined;
    authHeaders = async () => {
      if (!heavyAuth) throw new FailureError('this kubeconfig user needs an exec plugin or auth provider, which is not available here');
      delegate ??= heavyAuth(resolved);
      return (await delegate)();
    };
  } else if (user.token || user.tokenFile) {
    authHeaders = async () => {
      // A token file is re-read on every request, as kubectl does, so rotated tokens are picked up.
      const token = user.token ?? readMaybe(user.tokenFile, 'token file')!.toString('utf8').trim();
      return { Authorization: `Bearer ${token}` };
    };
  } else if (user.username && user.password) {
    const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    authHeaders = async () => ({ Authorization: `Basic ${basic}` });
  } else {
    authHeaders = async () => ({});
  }
  return { server, tls, authHeaders, contextName: resolved.contextName, contextNamespace: resolved.context.namespace };
}
