// The agent's WebSocket endpoint. JSON messages {id, method, params} get {id, progress} while work runs
// and then one {id, result} or {id, error}. Connections must present the token from the mounted Secret
// (Authorization: Bearer ...); anything else is refused and logged, and the agent keeps running. The
// token is checked again on every request and periodically, so rotating the Secret ends old connections.
import { CEPH_RELEASES, UUID_RE, type CephRelease } from '../lib/nodes/cephRelease.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { RequestError, type Log, type NodeAgent } from './agent.js';

export const AGENT_PROTOCOL_VERSION = 1;
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Open connections at once; more are refused with 503 (the plugin opens one per node check). */
export const MAX_CONNECTIONS = 32;
/** How often idle connections are re-checked against the token file, so a rotated token ends them. */
const TOKEN_RECHECK_MS = 10_000;
/** Close code for a connection whose token is no longer the Secret's (4000-4999: application codes). */
export const CLOSE_TOKEN_ROTATED = 4401;

export interface AgentServer {
  port: number;
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Compares the presented token with the Secret's current content (re-read, so rotation applies). */
export function tokenMatches(presented: string | undefined, tokenFile: string): boolean {
  let expected: string;
  try {
    expected = readFileSync(tokenFile, 'utf8').trim();
  } catch {
    return false;
  }
  if (!expected || !presented) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearerToken(auth: string | undefined): string | undefined {
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
}

export function startAgentServer(opts: {
  agent: NodeAgent;
  node: string;
  host: string;
  port: number;
  tokenFile: string;
  log: Log;
  version: string;
  /** The node's clock (ms since the epoch), sent when an inspect request arrives so clients can measure its skew. */
  now?: () => number;
}): Promise<AgentServer> {
  const { agent, log } = opts;
  const wss = new WebSocketServer({
    host: opts.host,
    port: opts.port,
    maxPayload: MAX_MESSAGE_BYTES,
    verifyClient: (info, done) => {
      const token = bearerToken(info.req.headers.authorization);
      if (!tokenMatches(token, opts.tokenFile)) {
        log('warn', 'refused connection without a valid token', { remote: info.req.socket.remoteAddress, hasToken: !!token });
        return done(false, 401, 'Unauthorized');
      }
      if (wss.clients.size >= MAX_CONNECTIONS) {
        log('warn', 'refused connection: too many open connections', { open: wss.clients.size, max: MAX_CONNECTIONS });
        return done(false, 503, `Too many connections (at most ${MAX_CONNECTIONS})`);
      }
      done(true);
    },
  });

  // The token each connection opened with: checked again on every request and every TOKEN_RECHECK_MS,
  // so once the Secret is rotated (its mounted file changes) old connections stop working.
  const tokens = new WeakMap<WebSocket, string>();
  const stillValid = (ws: WebSocket): boolean => {
    if (tokenMatches(tokens.get(ws), opts.tokenFile)) return true;
    log('warn', 'closing connection: its token is no longer valid (rotated)');
    ws.close(CLOSE_TOKEN_ROTATED, 'token no longer valid');
    return false;
  };
  const recheck = setInterval(() => {
    for (const ws of wss.clients) stillValid(ws);
  }, TOKEN_RECHECK_MS);
  recheck.unref();

  wss.on('connection', (ws: WebSocket, req) => {
    tokens.set(ws, bearerToken(req.headers.authorization) ?? '');
    // Simultaneous handshakes can pass verifyClient together; the limit holds for open connections.
    if (wss.clients.size > MAX_CONNECTIONS) {
      ws.close(1013, `too many connections (at most ${MAX_CONNECTIONS})`);
      return;
    }
    ws.on('message', (data, isBinary) => {
      if (!stillValid(ws)) return;
      void handleMessage(ws, isBinary ? undefined : data.toString());
    });
    ws.on('error', (e) => log('warn', 'connection error', { error: e.message }));
  });

  const send = (ws: WebSocket, msg: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  async function handleMessage(ws: WebSocket, text: string | undefined) {
    let msg: unknown;
    try {
      msg = text === undefined ? undefined : JSON.parse(text);
    } catch {
      msg = undefined;
    }
    const fields: { id?: unknown; method?: unknown; params?: unknown } = typeof msg === 'object' && msg !== null ? msg : {};
    const id = msg && (typeof fields.id === 'string' || typeof fields.id === 'number') ? fields.id : null;
    const method = fields.method;
    if (!msg || typeof msg !== 'object' || id === null || typeof method !== 'string') {
      log('warn', 'refused malformed message', { sample: (text ?? '<binary>').slice(0, 80) });
      return send(ws, { id, error: { code: 'bad-request', message: 'expected a JSON object {id, method, params}' } });
    }
    const progress = (p: object) => send(ws, { id, progress: p });
    try {
      // The params as the client sent them (JSON): each method checks the fields it takes.
      const result = await dispatch(method, (fields.params ?? {}) as RequestParams, progress);
      send(ws, { id, result });
    } catch (e) {
      const code = e instanceof RequestError ? e.code : 'failed';
      if (!(e instanceof RequestError)) log('error', 'request failed', { method, error: (e as Error).stack ?? String(e) });
      else log('warn', 'request refused', { method, code, error: e.message });
      send(ws, { id, error: { code, message: (e as Error).message } });
    }
  }

  async function dispatch(method: string, params: RequestParams, progress: (p: object) => void): Promise<unknown> {
    switch (method) {
      case 'ping':
        return { node: opts.node, version: opts.version, protocol: AGENT_PROTOCOL_VERSION };
      case 'inspect':
        if (params.devices !== undefined && !Array.isArray(params.devices)) throw new RequestError('bad-request', 'params.devices must be a list of device paths');
        {
          const judge = inspectJudgeParams(params);
          // The node's clock, sent the moment the request arrives: the client measures the skew from it.
          progress({ step: 'received', time: (opts.now ?? Date.now)() });
          // The agent checks each device path it is given.
          return agent.inspect(params.devices as string[] | undefined, progress, judge);
        }
      case 'usage':
        return agent.usage();
      case 'refresh':
        return agent.refreshSummary(progress);
      case 'wipe':
        return agent.wipe(params, progress);
      default:
        throw new RequestError('bad-request', `unknown method ${JSON.stringify(method)} (ping, inspect, usage, refresh, wipe)`);
    }
  }

  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => {
      wss.off('error', reject);
      wss.on('error', (e) => log('error', 'server error', { error: e.message }));
      resolve({
        port: (wss.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            clearInterval(recheck);
            for (const c of wss.clients) c.terminate();
            wss.close(() => r());
          }),
      });
    });
  });
}

/** The params of a request, as far as a method reads them; unchecked until the method checks them. */
interface RequestParams {
  devices?: unknown;
  release?: unknown;
  cephFsid?: unknown;
  device?: unknown;
  confirm?: unknown;
}

/** The Ceph release and cluster fsid a client asks the judge to speak for (nodes check --ceph-release/--ceph-fsid). */
function inspectJudgeParams(params: RequestParams): { release?: CephRelease; cephFsid?: string } {
  const out: { release?: CephRelease; cephFsid?: string } = {};
  if (params.release !== undefined) {
    if (typeof params.release !== 'number' || !(params.release in CEPH_RELEASES)) {
      throw new RequestError('bad-request', `params.release must be one of ${Object.keys(CEPH_RELEASES).join(', ')}`);
    }
    out.release = params.release as CephRelease;
  }
  if (params.cephFsid !== undefined) {
    if (typeof params.cephFsid !== 'string' || !UUID_RE.test(params.cephFsid)) throw new RequestError('bad-request', 'params.cephFsid must be a UUID');
    out.cephFsid = params.cephFsid;
  }
  return out;
}
