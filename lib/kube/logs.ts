// Streams a pod container's log (GET pods/{name}/log) into a Writable.
//
//   await streamPodLogs(kube, { namespace, pod, container: 'odoo', follow: true, tailLines: 100,
//                               sinceSeconds, previous, timestamps, limitBytes, signal }, process.stdout);
//
// Resolves when the server ends the stream (the container stopped, or follow was off) or when the
// signal aborts (Ctrl-C while following is a normal way to stop, not an error). `out` is not ended, so
// it can be process.stdout. Errors such as "container ... is waiting to start: ContainerCreating" or
// "previous terminated container ... not found" come back as the API server words them (ApiError).
import type { KubeClient, Query } from './client.js';

export interface PodLogOptions {
  namespace: string;
  pod: string;
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
  timestamps?: boolean;
  limitBytes?: number;
  signal?: AbortSignal;
}

export function podLogPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
}

/** The query kubectl logs sends: only the options that are set. */
export function podLogQuery(opts: PodLogOptions): Query {
  const q: Query = {};
  if (opts.container) q.container = opts.container;
  if (opts.follow) q.follow = 'true';
  if (opts.previous) q.previous = 'true';
  if (opts.timestamps) q.timestamps = 'true';
  if (opts.tailLines !== undefined) q.tailLines = opts.tailLines;
  if (opts.sinceSeconds !== undefined) q.sinceSeconds = opts.sinceSeconds;
  if (opts.limitBytes !== undefined) q.limitBytes = opts.limitBytes;
  return q;
}

export async function streamPodLogs(kube: Pick<KubeClient, 'openStream'>, opts: PodLogOptions, out: NodeJS.WritableStream): Promise<void> {
  if (opts.signal?.aborted) return;
  const stream = await kube.openStream({
    method: 'GET',
    path: podLogPath(opts.namespace, opts.pod),
    query: podLogQuery(opts),
    // Following has no end in sight; the request timeout only guards opening the stream.
    timeoutMs: 60_000,
  });
  const onAbort = () => stream.destroy();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the stream was being opened: the listener would never fire.
  if (opts.signal?.aborted) onAbort();
  try {
    for await (const chunk of stream) {
      if (!out.write(chunk as Buffer)) await new Promise<void>((resolve) => out.once('drain', resolve));
    }
  } catch (e) {
    if (opts.signal?.aborted) return;
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}
