// Bounded concurrency for the node checks: the agent probing devices, the plugin asking agents.

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Nodes checked at once when the user did not say: the whole fleet, up to a bound, so 50 nodes take
 * about as long as one. Each check holds one port-forward stream, a long-running request that the API
 * server does not count against --max-requests-inflight while it lasts; the bound keeps a large fleet
 * from opening hundreds of streams (and SSH sessions) at the same moment.
 */
export const MAX_FLEET_CONCURRENCY = 64;

export function fleetConcurrency(nodes: number, requested?: number): number {
  return requested ?? Math.max(1, Math.min(nodes, MAX_FLEET_CONCURRENCY));
}
