// API errors (metav1.Status) translated into sentences a person can act on.
import { CliError, type ErrorKind } from '../errors.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

export class ApiError extends CliError {
  readonly status: number;
  readonly reason: string;
  readonly apiStatus?: ApiStatus;
  /** The request was sent more than once (after a fault); a 409 may then be our own earlier attempt. */
  readonly retried: boolean;
  constructor(status: number, message: string, opts: { reason?: string; apiStatus?: ApiStatus; retried?: boolean; cause?: unknown } = {}) {
    super(kindForStatus(status), message, { cause: opts.cause });
    this.status = status;
    this.reason = opts.reason ?? opts.apiStatus?.reason ?? '';
    this.apiStatus = opts.apiStatus;
    this.retried = opts.retried ?? false;
  }
  get causes(): StatusCause[] {
    return this.apiStatus?.details?.causes ?? [];
  }
}

export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 403:
    case 401:
      return 'forbidden';
    case 422:
    case 400:
      return 'invalid';
    case 504:
      return 'timeout';
    default:
      return 'api';
  }
}

export function isNotFound(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 404;
}
export function isAlreadyExists(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 409 && e.reason === 'AlreadyExists';
}
export function isConflict(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 409 && e.reason !== 'AlreadyExists';
}
export function isGone(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 410;
}

/** Builds the sentence for a failed request from the server's Status, as kubectl prints it. */
export function apiErrorFromResponse(
  status: number,
  body: string,
  ctx: { method: string; path: string; contentType?: string; retried?: boolean },
): ApiError {
  let apiStatus: ApiStatus | undefined;
  try {
    const parsed = JSON.parse(body);
    if (parsed && parsed.kind === 'Status') apiStatus = parsed;
  } catch {
    /* not JSON: proxies and load balancers answer with HTML or text */
  }
  const message = sentenceFor(status, apiStatus, body, ctx);
  return new ApiError(status, message, { apiStatus, retried: ctx.retried });
}

function sentenceFor(status: number, s: ApiStatus | undefined, body: string, ctx: { method: string; path: string; contentType?: string }): string {
  if (s?.message) {
    if (status === 401) return `the server rejected our credentials (Unauthorized): check the kubeconfig user`;
    if (status === 403) return `forbidden: ${createOnApplyRefusal(s, ctx) ?? stripPrefix(s.message)}`;
    return s.message;
  }
  const text = body.trim().split('\n')[0]?.slice(0, 200);
  switch (status) {
    case 401:
      return 'the server rejected our credentials (Unauthorized): check the kubeconfig user';
    case 403:
      return `forbidden: ${ctx.method} ${ctx.path}`;
    case 404:
      return `the server could not find the requested resource (${ctx.method} ${ctx.path})`;
    case 429:
      return 'the API server is throttling requests (429 Too Many Requests) and did not recover after retries';
    case 503:
      return 'the API server is unavailable (503 Service Unavailable) and did not recover after retries';
    default:
      return `the API server answered ${status} to ${ctx.method} ${ctx.path}${text ? `: ${text}` : ''}`;
  }
}

/**
 * A server-side apply that would create its object is also authorized for "create" (the API server's
 * patch handler), and that refusal carries no RBAC sentence: `configmaps "x" is forbidden: `. Say what
 * it needs, in the words of an RBAC refusal, so the person (and the hint) can tell which verb is missing.
 */
function createOnApplyRefusal(s: ApiStatus, ctx: { method: string; path: string; contentType?: string }): string | undefined {
  if (ctx.method !== 'PATCH' || ctx.contentType !== 'application/apply-patch+yaml') return undefined;
  const m = /^(\S+) "([^"]+)" is forbidden:\s*$/.exec(s.message ?? '');
  const resource = s.details?.kind;
  if (!m || !resource) return undefined;
  const namespace = resource === 'namespaces' ? m[2] : /\/namespaces\/([^/]+)\//.exec(ctx.path)?.[1];
  const scope = namespace ? `in the namespace ${JSON.stringify(namespace)}` : 'at the cluster scope';
  return `${m[1]} ${JSON.stringify(m[2])} is forbidden: server-side apply creates it, which needs "create" on resource ${JSON.stringify(resource)} in API group ${JSON.stringify(s.details?.group ?? '')} ${scope}`;
}

function stripPrefix(m: string): string {
  return m.replace(/^forbidden:\s*/i, '');
}

export class ConnectionError extends CliError {
  constructor(message: string, cause?: unknown) {
    super('api', message, { cause });
  }
}
