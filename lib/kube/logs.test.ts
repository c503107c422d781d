// The log client: the query it sends and how it copies the stream.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { podLogQuery, streamPodLogs } from './logs.js';

describe('podLogQuery', () => {
  it.each([
    [{}, {}],
    [{ follow: false, previous: false, timestamps: false }, {}],
    [{ container: 'odoo', follow: true, tailLines: 0, sinceSeconds: 60 }, { container: 'odoo', follow: 'true', tailLines: 0, sinceSeconds: 60 }],
    [{ previous: true, timestamps: true, limitBytes: 10 }, { previous: 'true', timestamps: 'true', limitBytes: 10 }],
  ])('%j → %j', (opts, want) => {
    expect(podLogQuery({ namespace: 'n', pod: 'p', ...opts })).toEqual(want);
  });
});

describe('streamPodLogs', () => {
  function fakeKube(body: PassThrough) {
    const requests: any[] = [];
    return {
      requests,
      kube: {
        async openStream(req: any) {
          requests.push(req);
          return body as any;
        },
      },
    };
  }

  it('copies the stream into the writable without ending it', async () => {
    const body = new PassThrough();
    const { kube, requests } = fakeKube(body);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const done = streamPodLogs(kube, { namespace: 'acme', pod: 'odoo-1', tailLines: 5 }, out);
    body.write('line 1\n');
    body.end('line 2\n');
    await done;
    expect(text).toBe('line 1\nline 2\n');
    expect(out.writableEnded).toBe(false);
    expect(requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/acme/pods/odoo-1/log', query: { tailLines: 5 } });
  });

  it('stops quietly when the signal aborts a follow', async () => {
    const body = new PassThrough();
    const { kube } = fakeKube(body);
    const abort = new AbortController();
    const out = new PassThrough();
    const done = streamPodLogs(kube, { namespace: 'acme', pod: 'odoo-1', follow: true, signal: abort.signal }, out);
    body.write('first\n');
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    await expect(done).resolves.toBeUndefined();
    expect(body.destroyed).toBe(true);
  });
});
