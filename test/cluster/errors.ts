// metav1.Status errors with the reasons, codes and message texts the real API server uses
// (k8s.io/apimachinery/pkg/api/errors).
import type { ResourceDef } from './resources.js';

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class StatusError extends Error {
  readonly status: Status;
  constructor(status: Omit<Status, 'kind' | 'apiVersion' | 'metadata' | 'status'>) {
    super(status.message);
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status };
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

/** "deployments.apps" — the group-qualified resource the server names in messages. */
export function qualified(def: Pick<ResourceDef, 'plural' | 'group'>): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

function details(def: ResourceDef, name: string) {
  return { name, ...(def.group ? { group: def.group } : {}), kind: def.plural };
}

export function notFound(def: ResourceDef, name: string): StatusError {
  return new StatusError({ message: `${qualified(def)} "${name}" not found`, reason: 'NotFound', details: details(def, name), code: 404 });
}

export function alreadyExists(def: ResourceDef, name: string): StatusError {
  return new StatusError({ message: `${qualified(def)} "${name}" already exists`, reason: 'AlreadyExists', details: details(def, name), code: 409 });
}

export function conflict(def: ResourceDef, name: string, why: string): StatusError {
  return new StatusError({
    message: `Operation cannot be fulfilled on ${qualified(def)} "${name}": ${why}`,
    reason: 'Conflict',
    details: details(def, name),
    code: 409,
  });
}

export const STALE_OBJECT = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid: `Deployment.apps "Bad_Name" is invalid: metadata.name: Invalid value: ...`. */
export function invalid(def: ResourceDef, name: string, causes: StatusCause[]): StatusError {
  const kind = def.group ? `${def.kind}.${def.group}` : def.kind;
  const parts = causes.map(causeText);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new StatusError({
    message: `${kind} "${name}" is invalid: ${list}`,
    reason: 'Invalid',
    details: { name, ...(def.group ? { group: def.group } : {}), kind: def.kind, causes },
    code: 422,
  });
}

function causeText(c: StatusCause): string {
  return c.field ? `${c.field}: ${c.message}` : c.message;
}

export function forbidden(def: ResourceDef, name: string, why: string): StatusError {
  return new StatusError({ message: `${qualified(def)} "${name}" is forbidden: ${why}`, reason: 'Forbidden', details: details(def, name), code: 403 });
}

export function badRequest(message: string): StatusError {
  return new StatusError({ message, reason: 'BadRequest', code: 400 });
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): StatusError {
  return new StatusError({ message, reason: 'MethodNotAllowed', code: 405 });
}

export function notFoundPath(): StatusError {
  return new StatusError({ message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}

/** 410 for a watch or list from a resourceVersion older than the retained history. */
export function tooOldResourceVersion(requested: string, current: number): StatusError {
  return new StatusError({ message: `too old resource version: ${requested} (${current})`, reason: 'Expired', code: 410 });
}

export function expiredContinue(): StatusError {
  return new StatusError({
    message:
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    reason: 'Expired',
    code: 410,
  });
}

export function unauthorized(): StatusError {
  return new StatusError({ message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/** Injected fault responses. */
export function tooManyRequests(retryAfterSeconds: number): StatusError {
  return new StatusError({
    message: 'Too many requests, please try again later.',
    reason: 'TooManyRequests',
    details: { retryAfterSeconds },
    code: 429,
  });
}

export function internalError(message = 'Internal error occurred: injected fault'): StatusError {
  return new StatusError({ message, reason: 'InternalError', details: { causes: [{ reason: '', message, field: '' }] }, code: 500 });
}

export function serviceUnavailable(message = 'the server is currently unable to handle the request'): StatusError {
  return new StatusError({ message, reason: 'ServiceUnavailable', code: 503 });
}
