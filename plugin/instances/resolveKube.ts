// Small helpers for reading instance objects from the API, shared by the resolvers.
import { ApiError } from '../../lib/kube/errors.js';

/** Undefined when the API has no such resource (e.g. no Traefik CRDs installed). */
export async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** The object with its kind and apiVersion (list items carry neither). */
export function withKind<T extends { kind?: string }>(o: T, kind: string, apiVersion: string): T {
  return o && !o.kind ? { apiVersion, kind, ...o } : o;
}


/** `a=b,c=d` for a matchLabels map. */
export function selectorOf(match: Record<string, string>): string {
  return Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The native refactor (seed 003) names an instance's Service `<deployment>-service`. */
export function serviceNameAlternative(deploymentName: string): string {
  return `${deploymentName}-service`;
}
