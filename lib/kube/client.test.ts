// The API access module against a real local HTTP server that misbehaves on purpose.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient } from './client.js';
import { RESOURCES } from './resources.js';
import { ApiError, ConnectionError } from './errors.js';
import type { Connection } from './connection.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

let server: http.Server;
let handler: Handler;
let calls: string[];
let sleeps: number[];
let client: KubeClient;

function connection(port: number): Connection {
  return {
    server: new URL(`http://127.0.0.1:${port}`),
    tls: { rejectUnauthorized: true },
    authHeaders: async () => ({ Authorization: 'Bearer t0k' }),
    contextName: 'test',
  };
}

const status = (code: number, reason: string, message: string, extra: object = {}) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...extra });

beforeEach(async () => {
  calls = [];
  sleeps = [];
  server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    handler(req, res, calls.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  client = new KubeClient(connection(port), {
    retry: { maxAttempts: 4, baseDelayMs: 100 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
});

afterEach(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('retries', () => {
  it('retries 429 honouring Retry-After, then succeeds', async () => {
    handler = (req, res, n) => {
      if (n < 3) {
        res.writeHead(429, { 'Retry-After': '2', 'Content-Type': 'application/json' });
        res.end(status(429, 'TooManyRequests', 'too many requests'));
        return;
      }
      expect(req.headers.authorization).toBe('Bearer t0k');
      res.end(JSON.stringify({ kind: 'Pod', metadata: { name: 'p' } }));
    };
    const pod = await client.get<{ metadata: { name: string } }>(RESOURCES.pods, 'p', 'ns');
    expect(pod.metadata.name).toBe('p');
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('backs off exponentially on 503 and gives up with a sentence after maxAttempts', async () => {
    handler = (_req, res) => {
      res.writeHead(503);
      res.end('upstream unavailable');
    };
    const err = await client.get<never>(RESOURCES.pods, 'p', 'ns').catch((e: ApiError) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/unavailable/);
    expect(calls).toHaveLength(4);
    // exp = 100, 200, 400 with jitter 0.5 → 75%
    expect(sleeps).toEqual([75, 150, 300]);
  });

  it('retries a connection reset', async () => {
    handler = (req, res, n) => {
      if (n === 1) {
        req.socket.destroy();
        return;
      }
      res.end(JSON.stringify({ metadata: { name: 'p' } }));
    };
    await expect(client.get(RESOURCES.pods, 'p', 'ns')).resolves.toMatchObject({ metadata: { name: 'p' } });
    expect(calls).toHaveLength(2);
  });

  it('does not retry 404/409/422 and keeps the server message', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(status(404, 'NotFound', 'deployments.apps "acme" not found', { details: { name: 'acme', group: 'apps', kind: 'deployments' } }));
    };
    const err = await client.get<never>(RESOURCES.deployments, 'acme', 'ns').catch((e: ApiError) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.kind).toBe('not-found');
    expect(err.message).toBe('deployments.apps "acme" not found');
    expect(calls).toHaveLength(1);
  });

  it('marks a 409 that follows a retried create, so callers can tell their own earlier attempt', async () => {
    handler = (_req, res, n) => {
      if (n === 1) {
        res.writeHead(500);
        res.end();
        return;
      }
      res.writeHead(409, { 'Content-Type': 'application/json' });
      res.end(status(409, 'AlreadyExists', 'persistentvolumeclaims "x" already exists'));
    };
    const err = await client.create<never>(RESOURCES.persistentvolumeclaims, { metadata: { name: 'x', namespace: 'ns' } }).catch((e: ApiError) => e);
    expect(err.status).toBe(409);
    expect(err.retried).toBe(true);
  });

  it('says plainly when nothing listens', async () => {
    const dead = new KubeClient(connection(1), { retry: { maxAttempts: 2 }, sleep: async () => {} });
    const err = await dead.get<never>(RESOURCES.pods, 'p', 'ns').catch((e: Error) => e);
    dead.close();
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/connection to the server 127.0.0.1:1 was refused \(after 2 attempts\)/);
  });
});

describe('paging', () => {
  it('follows continue tokens and adds kind/apiVersion to items', async () => {
    handler = (req, res) => {
      const u = new URL(req.url!, 'http://x');
      expect(u.searchParams.get('limit')).toBe('2');
      expect(u.searchParams.get('labelSelector')).toBe('app=odoo');
      const page = u.searchParams.get('continue');
      const body =
        page === null
          ? { metadata: { continue: 'p2', resourceVersion: '10' }, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] }
          : { metadata: { resourceVersion: '11' }, items: [{ metadata: { name: 'c' } }] };
      res.end(JSON.stringify(body));
    };
    const r = await client.list(RESOURCES.deployments, { namespace: 'saasodoo', labelSelector: 'app=odoo', pageSize: 2 });
    expect(r.items.map((i: any) => i.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(r.items[0]).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1' });
    expect(r.resourceVersion).toBe('11');
    expect(calls).toEqual([
      'GET /apis/apps/v1/namespaces/saasodoo/deployments?labelSelector=app%3Dodoo&limit=2',
      'GET /apis/apps/v1/namespaces/saasodoo/deployments?labelSelector=app%3Dodoo&limit=2&continue=p2',
    ]);
  });

  it('leaves out the items of a page whose text pageMayMatch rules out, and still follows its continue token', async () => {
    const pages: Record<string, object> = {
      first: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { continue: 'p2', resourceVersion: '10' }, items: [{ metadata: { name: 'a' } }] },
      p2: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { continue: 'p3', resourceVersion: '10' }, items: [{ metadata: { name: 'wanted' } }] },
      // Items first: the metadata cannot be read without parsing the page, so it is parsed.
      p3: { items: [{ metadata: { name: 'b' } }], metadata: { resourceVersion: '10' } },
    };
    handler = (req, res) => res.end(JSON.stringify(pages[new URL(req.url!, 'http://x').searchParams.get('continue') ?? 'first']));
    const seen: string[] = [];
    const r = await client.list(RESOURCES.deployments, { namespace: 'n', pageMayMatch: (text) => (seen.push(text), text.includes('wanted')) });
    expect(r.items.map((i: any) => i.metadata.name)).toEqual(['wanted', 'b']);
    expect(r.resourceVersion).toBe('10');
    expect(seen).toHaveLength(3);
  });

  it('restarts the list once when the continue token expired (410)', async () => {
    let served = 0;
    handler = (req, res) => {
      const u = new URL(req.url!, 'http://x');
      served++;
      if (u.searchParams.get('continue') && served === 2) {
        res.writeHead(410, { 'Content-Type': 'application/json' });
        res.end(status(410, 'Expired', 'The provided continue parameter is too old'));
        return;
      }
      if (!u.searchParams.get('continue')) {
        res.end(JSON.stringify({ metadata: { continue: 'c1', resourceVersion: '5' }, items: [{ metadata: { name: 'a' } }] }));
        return;
      }
      res.end(JSON.stringify({ metadata: { resourceVersion: '6' }, items: [{ metadata: { name: 'b' } }] }));
    };
    const r = await client.list(RESOURCES.pods, { namespace: 'n', pageSize: 1 });
    expect(r.items.map((i: any) => i.metadata.name)).toEqual(['a', 'b']);
    expect(calls).toHaveLength(4);
  });
});

describe('watch', () => {
  it('yields events split across chunks and ends quietly when the server closes', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}\n{"type":"MOD');
      setTimeout(() => {
        res.write('IFIED","object":{"metadata":{"name":"a","resourceVersion":"2"}}}\n');
        res.end('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}}\n');
      }, 10);
    };
    const seen: string[] = [];
    for await (const ev of client.watch<{ metadata: { resourceVersion: string } }>(RESOURCES.pods, { namespace: 'n', resourceVersion: '0' })) seen.push(`${ev.type}:${ev.object.metadata.resourceVersion}`);
    expect(seen).toEqual(['ADDED:1', 'MODIFIED:2', 'BOOKMARK:3']);
    expect(calls[0]).toContain('watch=1');
    expect(calls[0]).toContain('allowWatchBookmarks=true');
  });

  it('ends at once when aborted while the stream was still opening, though the server keeps it open', async () => {
    const controller = new AbortController();
    handler = (_req, res) => {
      // The answer comes after Ctrl-C, and the stream would stay open for the server's whole timeout.
      controller.abort();
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('');
      }, 20);
    };
    const seen: string[] = [];
    for await (const ev of client.watch(RESOURCES.pods, { namespace: 'n', resourceVersion: '1', signal: controller.signal })) seen.push(ev.type);
    expect(seen).toEqual([]);
  }, 5_000);

  it('turns an ERROR event with 410 into an ApiError the caller can relist on', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (50)' } }) + '\n');
    };
    const it = client.watch(RESOURCES.pods, { namespace: 'n', resourceVersion: '1' });
    const err = await it.next().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(410);
  });
});

describe('requests', () => {
  it('sends patches with the content type of their kind and dryRun=All', async () => {
    const seen: { ct?: string; url?: string; body?: string }[] = [];
    handler = (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ ct: req.headers['content-type'], url: req.url, body });
        res.end('{}');
      });
    };
    await client.patch(RESOURCES.deployments, 'd', { spec: { replicas: 0 } }, { namespace: 'n', patchType: 'strategic', dryRun: true });
    await client.patch(RESOURCES.deployments, 'd', [{ op: 'replace', path: '/spec/replicas', value: 1 }], { namespace: 'n', patchType: 'json' });
    expect(seen[0]).toEqual({ ct: 'application/strategic-merge-patch+json', url: '/apis/apps/v1/namespaces/n/deployments/d?dryRun=All', body: '{"spec":{"replicas":0}}' });
    expect(seen[1].ct).toBe('application/json-patch+json');
  });
});
