// The one module that talks to the Kubernetes API: retries with backoff (honouring Retry-After) on
// 429, 5xx and dropped connections, paging with limit/continue, watch streams, WebSocket upgrades for
// exec and port-forward, and API errors translated into sentences.
import https from 'node:https';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { ApiError, ConnectionError, apiErrorFromResponse, isGone } from './errors.js';
import { resourcePath, type ResourceType } from './resources.js';
import type { Connection } from './connection.js';
import type { Read, V1DeleteOptions, V1Status } from './models.js';
import { realClock } from '../io.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** Per-request timeout; default from the client options. */
  timeoutMs?: number;
}

export interface RetryPolicy {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound for a server's Retry-After. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };

export interface KubeClientOptions {
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Retry-After dates and request timings are read from it (default the real clock). */
  now?: () => number;
  /** -v level: 6 logs every request like kubectl does. */
  verbosity?: number;
  log?: (line: string) => void;
  userAgent?: string;
  random?: () => number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size for limit/continue; default 500 as kubectl. */
  pageSize?: number;
  /**
   * Reads a page's JSON text before it is parsed: a page it returns false for comes back without its
   * items (never parsed), for callers that know from the text alone that nothing in it concerns them.
   */
  pageMayMatch?: (text: string) => boolean;
}

/** Where an object we send is written: its name and namespace. */
interface Addressed {
  metadata?: { name?: string; namespace?: string };
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);

export class KubeClient {
  readonly conn: Connection;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly agent: https.Agent | http.Agent;
  private readonly verbosity: number;
  private readonly log: (line: string) => void;
  private readonly userAgent: string;
  private readonly random: () => number;

  constructor(conn: Connection, opts: KubeClientOptions = {}) {
    this.conn = conn;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? (() => realClock.now().getTime());
    this.verbosity = opts.verbosity ?? 0;
    this.log = opts.log ?? (() => {});
    this.userAgent = opts.userAgent ?? 'kubectl-odoo';
    this.random = opts.random ?? Math.random;
    const isHttps = conn.server.protocol === 'https:';
    this.agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: 16, ...conn.tls })
      : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  close(): void {
    this.agent.destroy();
  }

  url(path: string, query?: Query): URL {
    const base = this.conn.server.href.replace(/\/$/, '');
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    return u;
  }

  /** A request whose answer is JSON; retried on 429/5xx/dropped connections. */
  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const res = await this.send(req, false);
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  /** Opens a streaming response (logs, watch); only opening the stream is retried. */
  async openStream(req: KubeRequest): Promise<IncomingMessage> {
    const res = await this.send(req, true);
    return res.stream!;
  }

  private async send(req: KubeRequest, streaming: boolean): Promise<{ body?: string; stream?: IncomingMessage }> {
    let attempt = 0;
    for (;;) {
      attempt++;
      const started = this.now();
      let outcome: { status: number; headers: http.IncomingHttpHeaders; body?: string; stream?: IncomingMessage } | undefined;
      let netErr: (Error & { code?: string }) | undefined;
      try {
        outcome = await this.once(req, streaming);
      } catch (e) {
        netErr = e as Error & { code?: string };
      }
      if (this.verbosity >= 6) {
        const what = outcome ? `${outcome.status}` : `failed (${netErr?.code ?? netErr?.message})`;
        this.log(`${req.method} ${this.url(req.path, req.query).href} ${what} in ${this.now() - started} milliseconds`);
      }
      if (outcome && outcome.status < 400) return outcome;
      const retried = attempt > 1;
      const retryable = outcome ? RETRYABLE_STATUS.has(outcome.status) : isRetryableNetworkError(netErr);
      if (!retryable || attempt >= this.retry.maxAttempts) {
        if (outcome) {
          const body = outcome.body ?? (outcome.stream ? await readAll(outcome.stream) : '');
          throw apiErrorFromResponse(outcome.status, body, { method: req.method, path: req.path, contentType: req.contentType, retried });
        }
        throw new ConnectionError(describeNetworkError(this.conn.server, netErr!, attempt), netErr);
      }
      if (outcome?.stream) outcome.stream.resume();
      const delay = this.backoff(attempt, outcome?.headers['retry-after']);
      if (this.verbosity >= 4) this.log(`retrying ${req.method} ${req.path} in ${delay} ms (attempt ${attempt + 1}/${this.retry.maxAttempts})`);
      await this.sleep(delay);
    }
  }

  private backoff(attempt: number, retryAfter: string | string[] | undefined): number {
    const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    if (ra !== undefined) {
      const secs = Number(ra);
      if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, this.retry.maxRetryAfterMs);
      const date = Date.parse(ra);
      if (!Number.isNaN(date)) return Math.min(Math.max(0, date - this.now()), this.retry.maxRetryAfterMs);
    }
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter in [exp/2, exp] keeps many clients from retrying in lockstep.
    return Math.round(exp / 2 + (this.random() * exp) / 2);
  }

  private async once(req: KubeRequest, streaming: boolean) {
    const url = this.url(req.path, req.query);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
      ...(await this.conn.authHeaders()),
    };
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body?: string; stream?: IncomingMessage }>((resolve, reject) => {
      const r = mod.request(
        url,
        { method: req.method, headers, agent: this.agent, ...(url.protocol === 'https:' ? this.conn.tls : {}) },
        (res) => {
          const status = res.statusCode ?? 0;
          if (streaming && status < 400) {
            r.setTimeout(0);
            resolve({ status, headers: res.headers, stream: res });
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
          res.on('aborted', () => reject(Object.assign(new Error('connection dropped while reading the response'), { code: 'ECONNRESET' })));
        },
      );
      r.setTimeout(req.timeoutMs ?? this.timeoutMs, () => r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      r.on('error', reject);
      r.end(payload);
    });
  }

  // ---- typed helpers ----

  async get<T = unknown>(type: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.request<T>({ method: 'GET', path: resourcePath(type, { namespace, name }) });
  }

  /** Like get, but undefined when the object does not exist. */
  async getOptional<T = unknown>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(type, name, namespace);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Lists every page (limit/continue) into one result; restarts once if the continue token expires. */
  async list<T = unknown>(type: ResourceType, opts: ListOptions = {}): Promise<ListResult<T>> {
    for (let restart = 0; ; restart++) {
      try {
        const items: T[] = [];
        let rv = '';
        for await (const page of this.listPages<T>(type, opts)) {
          for (const it of page.items) items.push(it);
          rv = page.resourceVersion;
        }
        return { items, resourceVersion: rv };
      } catch (e) {
        if (isGone(e) && restart === 0) continue;
        throw e;
      }
    }
  }

  /**
   * The pages of a list (limit/continue). The next page is asked for as soon as a page arrives, before
   * the caller works on it, so the server prepares one page while the caller reads the other; it is
   * parsed only when the caller gets to it, so no more than one parsed page is held at a time.
   */
  async *listPages<T = unknown>(type: ResourceType, opts: ListOptions = {}): AsyncGenerator<ListResult<T>> {
    const fetchPage = (cont: string | undefined) => {
      const page = this.send(
        {
          method: 'GET',
          path: resourcePath(type, { namespace: opts.namespace }),
          query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.pageSize ?? 500, continue: cont },
        },
        false,
      );
      // A caller that stops early never awaits the page asked for ahead: its failure is nobody's.
      page.catch(() => {});
      return page;
    };
    let next: Promise<{ body?: string }> | undefined = fetchPage(undefined);
    while (next) {
      // Parsed apart from this frame, so the page's text is not held while the caller works on it.
      const page: ListResult<T> & { cont?: string } = parseListPage<T>((await next).body, type, opts.pageMayMatch);
      next = page.cont ? fetchPage(page.cont) : undefined;
      yield { items: page.items, resourceVersion: page.resourceVersion };
    }
  }

  async create<T = unknown>(type: ResourceType, obj: object, opts: { namespace?: string; dryRun?: boolean } = {}): Promise<T> {
    const namespace = opts.namespace ?? (obj as Addressed | undefined)?.metadata?.namespace;
    return this.request<T>({ method: 'POST', path: resourcePath(type, { namespace }), query: { dryRun: opts.dryRun ? 'All' : undefined }, body: obj });
  }

  async replace<T = unknown>(type: ResourceType, obj: object, opts: { namespace?: string; dryRun?: boolean; subresource?: string } = {}): Promise<T> {
    const meta = (obj as Addressed | undefined)?.metadata;
    const namespace = opts.namespace ?? meta?.namespace;
    return this.request<T>({
      method: 'PUT',
      path: resourcePath(type, { namespace, name: meta!.name, subresource: opts.subresource }),
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      body: obj,
    });
  }

  async patch<T = unknown>(
    type: ResourceType,
    name: string,
    patch: unknown,
    opts: { namespace?: string; patchType?: PatchType; dryRun?: boolean; subresource?: string } = {},
  ): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(type, { namespace: opts.namespace, name, subresource: opts.subresource }),
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      body: patch,
      contentType: PATCH_CONTENT_TYPES[opts.patchType ?? 'merge'],
    });
  }

  async delete<T = unknown>(
    type: ResourceType,
    name: string,
    opts: { namespace?: string; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; dryRun?: boolean; uid?: string } = {},
  ): Promise<T> {
    const body: V1DeleteOptions = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.dryRun) body.dryRun = ['All'];
    if (opts.uid) body.preconditions = { uid: opts.uid };
    return this.request<T>({ method: 'DELETE', path: resourcePath(type, { namespace: opts.namespace, name }), body });
  }

  /** Deletes; true if it existed. */
  async deleteIfExists(type: ResourceType, name: string, opts: Parameters<KubeClient['delete']>[2] = {}): Promise<boolean> {
    try {
      await this.delete(type, name, opts);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  }

  /**
   * One watch stream. Ends when the server closes it (timeout or dropped connection); throws an ApiError
   * with status 410 when the resourceVersion is too old, so callers relist.
   */
  async *watch<T = unknown>(type: ResourceType, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const stream = await this.openStream({
      method: 'GET',
      path: resourcePath(type, { namespace: opts.namespace }),
      query: {
        watch: 1,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks ?? true,
        timeoutSeconds: opts.timeoutSeconds,
      },
    });
    const onAbort = () => stream.destroy();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while the stream was being opened: the listener above will never fire, so stop now
    // instead of holding the watch (and the process) open until the server's timeout.
    if (opts.signal?.aborted) onAbort();
    try {
      let buf = '';
      try {
        for await (const chunk of stream) {
          buf += (chunk as Buffer).toString('utf8');
          // Lines are cut from the buffer by position and the rest kept once per chunk: a chunk holding
          // thousands of events is not copied once per event.
          let start = 0;
          let nl: number;
          while ((nl = buf.indexOf('\n', start)) >= 0) {
            const line = buf.slice(start, nl).trim();
            start = nl + 1;
            if (!line) continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type === 'ERROR') {
              const st = ev.object as Read<V1Status> | undefined;
              throw new ApiError(st?.code ?? 500, st?.message ?? 'watch error', { apiStatus: st });
            }
            yield ev;
          }
          buf = buf.slice(start);
        }
      } catch (e) {
        if (e instanceof ApiError) throw e;
        // A dropped watch connection simply ends the stream; the caller resumes from its last version.
        if (opts.signal?.aborted) return;
        const code = (e as { code?: string }).code;
        if (code && RETRYABLE_CODES.has(code)) return;
        if ((e as Error).message === 'aborted') return;
        throw e;
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async serverVersion(): Promise<{ major: string; minor: string; gitVersion: string; platform?: string }> {
    return this.request({ method: 'GET', path: '/version', timeoutMs: 10_000 });
  }

  /** Options for a WebSocket upgrade (exec, attach, port-forward) to the same server and credentials. */
  async websocketOptions(path: string, query: Query | [string, string][]): Promise<{ url: string; options: Record<string, unknown> }> {
    const u = this.url(path);
    const pairs = Array.isArray(query) ? query : Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)] as [string, string]);
    for (const [k, v] of pairs) u.searchParams.append(k, v);
    const wsUrl = u.href.replace(/^http/, 'ws');
    return { url: wsUrl, options: { headers: await this.conn.authHeaders(), ...this.conn.tls } };
  }
}

function parseListPage<T>(body: string | undefined, type: ResourceType, mayMatch?: (text: string) => boolean): ListResult<T> & { cont?: string } {
  const skipped = body && mayMatch && !mayMatch(body) ? listMetadataOnly(body) : undefined;
  const res: { items: T[] | null; metadata?: { resourceVersion?: string; continue?: string } } = skipped ?? (body ? JSON.parse(body) : { items: [] });
  const kind = type.kind;
  // List items carry no kind/apiVersion on the wire; add them so callers can treat objects uniformly.
  const items = (res.items ?? []).map((o) => ((o as { kind?: string }).kind ? o : { apiVersion: apiVersionFor(type), kind, ...o }));
  return { items, resourceVersion: res.metadata?.resourceVersion ?? '', cont: res.metadata?.continue || undefined };
}

/**
 * A list's metadata without its items, from the text before `"items"` (the API server writes kind,
 * apiVersion and metadata first); undefined when the text is not laid out so.
 */
function listMetadataOnly(body: string): { items: []; metadata: { resourceVersion?: string; continue?: string } } | undefined {
  const at = body.indexOf(',"items":');
  if (at < 0) return undefined;
  try {
    const head = JSON.parse(body.slice(0, at) + '}');
    return head?.metadata && typeof head.metadata === 'object' ? { items: [], metadata: head.metadata } : undefined;
  } catch {
    return undefined;
  }
}

function apiVersionFor(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function isRetryableNetworkError(e: (Error & { code?: string }) | undefined): boolean {
  if (!e) return false;
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  return /socket hang up|ECONNRESET|other side closed/i.test(e.message);
}

function describeNetworkError(server: URL, e: Error & { code?: string }, attempts: number): string {
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  switch (e.code) {
    case 'ECONNREFUSED':
      return `the connection to the server ${server.host} was refused${tries} - is the API server running and is the kubeconfig pointing at it?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the API server host ${server.hostname}${tries}`;
    case 'ETIMEDOUT':
      return `the API server ${server.host} did not answer in time${tries}`;
    case 'ECONNRESET':
      return `the connection to the API server ${server.host} was reset${tries}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      return `the API server's TLS certificate was rejected (${e.code}): check certificate-authority in the kubeconfig`;
    default:
      return `cannot reach the API server ${server.host}${tries}: ${e.message}`;
  }
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
