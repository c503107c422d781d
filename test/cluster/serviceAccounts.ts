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

  /** Tokens of service-account token Secrets (controllers/tokens.ts), valid while their Secret holds them. */
  private readonly secretTokens = new Map<string, { namespace: string; name: string; secret: string }>();

  newLegacyToken(): string {
    return randomBytes(32).toString('base64url');
  }

  registerSecret(namespace: string, secret: string, serviceAccount: string, token: string): void {
    this.revokeSecret(namespace, secret);
    this.secretTokens.set(token, { namespace, name: serviceAccount, secret });
  }

  revokeSecret(namespace: string, secret: string): void {
    for (const [token, t] of this.secretTokens) if (t.namespace === namespace && t.secret === secret) this.secretTokens.delete(token);
  }

  /** The user a bearer token authenticates (with the service account groups), or undefined. */
  authenticate(token: string, now = Date.now()): UserInfo | undefined {
    const t = this.secretTokens.get(token) ?? this.tokens.get(token);
    if (!t || ('expiresAt' in t && t.expiresAt < now)) return undefined;
    return { name: `system:serviceaccount:${t.namespace}:${t.name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${t.namespace}`] };
  }
}
