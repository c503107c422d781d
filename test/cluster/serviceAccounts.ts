// Service account tokens: what the kubelet's projected serviceAccountToken volumes hold and the API server
// accepts as system:serviceaccount:<namespace>:<name>, the way TokenRequest and the token authenticator
// of a real cluster work together (opaque random tokens here, not signed JWTs), and where pods find the
// API server (KUBERNETES_SERVICE_HOST/PORT: this machine's loopback, the test cluster's own port).
import { randomBytes } from 'node:crypto';
import type { UserInfo } from './rbac.js';

export class ServiceAccountTokens {
  private readonly tokens = new Map<string, { namespace: string; name: string; expiresAt: number }>();
  /** Filled once the API server listens. */
  apiHost = '127.0.0.1';
  apiPort = '';

  mint(namespace: string, name: string, expirationSeconds: number, now = Date.now()): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { namespace, name, expiresAt: now + expirationSeconds * 1000 });
    return token;
  }

  /** The user a bearer token authenticates (with the service account groups), or undefined. */
  authenticate(token: string, now = Date.now()): UserInfo | undefined {
    const t = this.tokens.get(token);
    if (!t || t.expiresAt < now) return undefined;
    return { name: `system:serviceaccount:${t.namespace}:${t.name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${t.namespace}`] };
  }
}
