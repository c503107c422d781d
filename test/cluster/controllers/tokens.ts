// kube-controller-manager's service-account tokens controller (pkg/controller/serviceaccount/
// tokens_controller.go), for Secrets of type kubernetes.io/service-account-token:
//   - the service account the annotation kubernetes.io/service-account.name names exists (and has the
//     uid of kubernetes.io/service-account.uid when that is set): ca.crt, namespace and token are filled
//     where missing, and the name and uid annotations set;
//   - it does not exist, or has another uid: the Secret is deleted;
//   - a deleted service account takes its token Secrets with it.
// The token is opaque here (a real one is a JWT signed by the service-account key), and the API server
// authenticates it as the service account for as long as the Secret holds it, as the legacy token
// authenticator does.
import type { Controller, ControllerContext } from './index.js';
import type { Change } from '../store.js';
import type { ServiceAccountTokens } from '../serviceAccounts.js';
import { ignoreGone } from './garbageCollector.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const NAME_KEY = 'kubernetes.io/service-account.name';
const UID_KEY = 'kubernetes.io/service-account.uid';

export class TokensController implements Controller {
  private readonly queue = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly tokens: ServiceAccountTokens,
  ) {
    const { store } = ctx;
    this.unsubscribe.push(store.onChange('secrets', (c: Change) => this.observeSecret(c)));
    this.unsubscribe.push(store.onChange('serviceaccounts', (c: Change) => this.observeServiceAccount(c)));
    for (const s of store.list('secrets')) if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE) this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private observeSecret(c: Change): void {
    const s = c.snap.obj;
    if (s.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return;
    if (c.type === 'DELETED') this.tokens.revokeSecret(s.metadata.namespace, s.metadata.name);
    else this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
  }

  private observeServiceAccount(c: Change): void {
    const sa = c.snap.obj;
    for (const s of this.ctx.store.list('secrets', sa.metadata.namespace))
      if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && s.metadata.annotations?.[NAME_KEY] === sa.metadata.name) this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
  }

  tick(): void {
    const { store } = this.ctx;
    for (const key of [...this.queue]) {
      this.queue.delete(key);
      const [namespace, name] = key.split('/');
      const secret = store.peek('secrets', namespace, name);
      if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata.deletionTimestamp) continue;
      const annotations = secret.metadata.annotations ?? {};
      const sa = store.peek('serviceaccounts', namespace, annotations[NAME_KEY] ?? '');
      if (!sa || (annotations[UID_KEY] && annotations[UID_KEY] !== sa.metadata.uid)) {
        ignoreGone(() => store.delete('secrets', namespace, name));
        continue;
      }
      const data = { ...(secret.data ?? {}) };
      const ca = this.ctx.caCert ? Buffer.from(this.ctx.caCert).toString('base64') : undefined;
      const needsCa = ca !== undefined && data['ca.crt'] !== ca;
      const needsNamespace = !data.namespace;
      const needsToken = !data.token;
      if (!needsCa && !needsNamespace && !needsToken) {
        // A Secret kept from before (or written by someone) still authenticates as its service account.
        this.tokens.registerSecret(namespace, name, sa.metadata.name, Buffer.from(data.token, 'base64').toString());
        continue;
      }
      if (needsCa) data['ca.crt'] = ca;
      if (needsNamespace) data.namespace = Buffer.from(namespace).toString('base64');
      const token = needsToken ? this.tokens.newLegacyToken() : Buffer.from(data.token, 'base64').toString();
      if (needsToken) data.token = Buffer.from(token).toString('base64');
      const copy = store.get('secrets', namespace, name);
      copy.data = data;
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [NAME_KEY]: sa.metadata.name, [UID_KEY]: sa.metadata.uid };
      ignoreGone(() => store.update('secrets', copy));
      this.tokens.registerSecret(namespace, name, sa.metadata.name, token);
    }
  }
}
