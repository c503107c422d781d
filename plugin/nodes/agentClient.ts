// The plugin's side of the agent protocol: one request over a WebSocket, progress messages passed on,
// the result or the agent's error returned.
import type WebSocketType from 'ws';

export class AgentError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** A progress message of the agent: the step it is at and the device it concerns, or (first) its clock. */
export interface AgentProgress {
  step?: string;
  device?: string;
  /** The agent's clock (ms) when the request arrived. */
  time?: number;
}

/** A message of the agent protocol as it arrives (JSON): an answer to request `id`. */
interface AgentMessage {
  id?: unknown;
  progress?: AgentProgress;
  error?: { code?: string; message?: string };
  result?: unknown;
}

export interface AgentCallOptions {
  url: string;
  token: string;
  method: string;
  params?: unknown;
  onProgress?: (p: AgentProgress) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Filled with when the request went out (by `now`), to measure the agent's clock against its first answer. */
  timing?: { sentAtMs?: number };
  now?: () => number;
}

// Loaded on first use (so commands that never reach an agent do not pay for it), then reused per node.
let wsModule: Promise<unknown> | undefined;

export async function callAgent<T = unknown>(opts: AgentCallOptions): Promise<T> {
  const { default: WebSocket } = (await (wsModule ??= import('ws'))) as unknown as { default: typeof WebSocketType };
  return new Promise<T>((resolve, reject) => {
    // No per-message compression: answers are small, and a deflate context per node costs CPU across a fleet.
    const ws = new WebSocket(opts.url, { headers: { Authorization: `Bearer ${opts.token}` }, handshakeTimeout: 15_000, perMessageDeflate: false });
    const id = 1;
    let settled = false;
    const finish = (err: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      ws.terminate();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(new AgentError('timeout', `the agent did not answer within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s`)), opts.timeoutMs ?? 120_000);
    const onAbort = () => finish(new AgentError('cancelled', 'cancelled'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    ws.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) return finish(new AgentError('unauthorized', 'the agent refused the token (401): is the odoo-node-agent-token Secret the one the agent mounts?'));
      if (res.statusCode === 503) return finish(new AgentError('busy', 'the agent has too many open connections (503): try again shortly'));
      finish(new AgentError('http', `the agent answered HTTP ${res.statusCode}`));
    });
    const now = opts.now ?? Date.now;
    ws.on('open', () => {
      if (opts.timing) opts.timing.sentAtMs = now();
      ws.send(JSON.stringify({ id, method: opts.method, params: opts.params ?? {} }));
    });
    ws.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        return finish(new AgentError('protocol', 'the agent sent something that is not JSON'));
      }
      // JSON that is not an object answers no request.
      if (typeof parsed !== 'object' || parsed === null) return;
      const msg = parsed as AgentMessage;
      if (msg.id !== id) return;
      if (msg.progress) opts.onProgress?.(msg.progress);
      else if (msg.error) finish(new AgentError(msg.error.code ?? 'failed', msg.error.message ?? 'agent error'));
      else if ('result' in msg) finish(undefined, msg.result as T);
    });
    ws.on('error', (e) => finish(new AgentError('connection', `cannot talk to the agent: ${e.message}`)));
    ws.on('close', (code) => {
      // Our own terminate() after the answer closes it too: no error to build then (a stack costs CPU per node).
      if (settled) return;
      finish(
        code === 4401
          ? new AgentError('unauthorized', 'the agent closed the connection: the token changed (the Secret was rotated); run the command again')
          : new AgentError('connection', 'the agent closed the connection before answering'),
      );
    });
  });
}
