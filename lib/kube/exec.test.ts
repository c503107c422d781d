// The exec client's framing, fed through a fake WebSocket: what it sends and how it reads what the
// server answers.
import { describe, expect, it } from 'vitest';
import { PassThrough, Readable, Writable } from 'node:stream';
import { execInPod, execQuery, exitCodeFromStatus, type WebSocketLike } from './exec.js';
import { ApiError } from './errors.js';
import { FakeSocket, fakeKube } from './testing/fakeWebSocket.js';
import { CancelledError, FailureError } from '../errors.js';

/** Runs execInPod against a fake socket; `serve` plays the server once the socket exists. */
function run(protocol: string, opts: Partial<Parameters<typeof execInPod>[1]>, serve: (ws: FakeSocket) => void) {
  const { kube, urls } = fakeKube();
  let socket: FakeSocket | undefined;
  const result = execInPod(
    kube,
    { namespace: 'acme', pod: 'odoo-1', command: ['sh', '-c', 'echo hi'], ...opts },
    {
      createWebSocket: (url, protocols) => {
        expect(protocols).toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
        socket = new FakeSocket(url, protocol);
        queueMicrotask(() => serve(socket!));
        return socket as unknown as WebSocketLike;
      },
    },
  );
  return { result, urls, socket: () => socket! };
}

const success = JSON.stringify({ metadata: {}, status: 'Success' });
const exitStatus = (n: number) =>
  JSON.stringify({ metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [x], exit code ${n}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(n) }] } });

describe('execQuery', () => {
  it.each([
    [{ command: ['ls', '-l', 'a b'] }, [['command', 'ls'], ['command', '-l'], ['command', 'a b'], ['stdout', 'true'], ['stderr', 'true']]],
    [{ command: ['cat'], container: 'odoo', stdin: 'x' }, [['command', 'cat'], ['container', 'odoo'], ['stdin', 'true'], ['stdout', 'true'], ['stderr', 'true']]],
    // A terminal has no separate stderr, as kubectl exec -t asks for it.
    [{ command: ['sh'], stdin: 'x', tty: { size: () => undefined, onResize: () => () => {} } }, [['command', 'sh'], ['stdin', 'true'], ['stdout', 'true'], ['stderr', 'false'], ['tty', 'true']]],
  ])('%j', (opts, want) => {
    expect(execQuery(opts)).toEqual(want);
  });
});

describe('exitCodeFromStatus', () => {
  it.each([
    [{ status: 'Success' }, 0],
    [JSON.parse(exitStatus(137)), 137],
    [{ status: 'Failure', reason: 'InternalError', message: 'boom' }, undefined],
    [{ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [] } }, undefined],
  ])('%j → %s', (status, code) => {
    expect(exitCodeFromStatus(status)).toBe(code);
  });
});

describe('execInPod', () => {
  it('sends argv as repeated command args, stdin then the v5 close signal, and collects the output', async () => {
    const { result, urls, socket } = run('v5.channel.k8s.io', { stdin: 'input', container: 'odoo' }, (ws) => {
      ws.open();
      ws.receive(1, 'out');
      ws.receive(2, 'err');
      ws.receive(1, 'put');
      ws.receive(3, success);
      ws.close();
    });
    expect(await result).toEqual({ exitCode: 0, stdout: 'output', stderr: 'err' });
    expect(urls[0]).toBe('wss://cluster.test/api/v1/namespaces/acme/pods/odoo-1/exec?command=sh&command=-c&command=echo+hi&container=odoo&stdin=true&stdout=true&stderr=true');
    expect(socket().sent).toEqual([Buffer.from('\x00input', 'latin1'), Buffer.from([255, 0])]);
  });

  it('speaks v4 when the server chooses it: no close signal exists there', async () => {
    const { result, socket } = run('v4.channel.k8s.io', { stdin: 'abc' }, (ws) => {
      ws.open();
      ws.receive(3, exitStatus(42));
      ws.close();
    });
    expect(await result).toEqual({ exitCode: 42, stdout: '', stderr: '' });
    expect(socket().sent).toEqual([Buffer.from('\x00abc', 'latin1')]);
  });

  it('splits a large stdin into bounded frames and streams a Readable', async () => {
    const big = Buffer.alloc(600 * 1024, 1);
    const { result, socket } = run('v5.channel.k8s.io', { stdin: Readable.from([big]) }, (ws) => {
      ws.open();
      setTimeout(() => {
        ws.receive(3, success);
        ws.close();
      }, 20);
    });
    await result;
    const frames = socket().sent;
    expect(frames.map((f) => f.length)).toEqual([256 * 1024 + 1, 256 * 1024 + 1, 88 * 1024 + 1, 2]);
    expect(Buffer.concat(frames.slice(0, 3).map((f) => f.subarray(1))).equals(big)).toBe(true);
    expect(frames[3]).toEqual(Buffer.from([255, 0]));
  });

  it('writes to the caller’s streams instead of collecting when they are given', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const { result } = run('v5.channel.k8s.io', { stdout: out }, (ws) => {
      ws.open();
      ws.receive(1, 'streamed');
      ws.receive(3, success);
      ws.close();
    });
    expect(await result).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(text).toBe('streamed');
  });

  it('turns a failure status that is not an exit code into an ApiError', async () => {
    const { result } = run('v5.channel.k8s.io', {}, (ws) => {
      ws.open();
      ws.receive(3, JSON.stringify({ status: 'Failure', reason: 'InternalError', code: 500, message: 'Internal error occurred: error executing command in container: exec: "x": executable file not found in $PATH' }));
      ws.close();
    });
    const err = await result.catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('Internal error occurred: error executing command in container: exec: "x": executable file not found in $PATH');
  });

  it('fails when the session closes before the status arrives', async () => {
    const { result } = run('v5.channel.k8s.io', {}, (ws) => {
      ws.open();
      ws.receive(1, 'partial');
      ws.close();
    });
    const err = await result.catch((e) => e);
    expect(err).toBeInstanceOf(FailureError);
    expect(err.message).toBe('the exec session in pod odoo-1 closed before the command finished');
  });

  it('reports a refused upgrade with the server’s Status message', async () => {
    const { result } = run('', {}, (ws) => {
      const res = new PassThrough() as PassThrough & { statusCode: number };
      res.statusCode = 500;
      ws.emit('unexpected-response', {}, res);
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', code: 500, reason: 'InternalError', message: 'Internal error occurred: unable to upgrade connection: container not found ("odoo")' }));
    });
    const err = await result.catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(500);
    expect(err.message).toBe('Internal error occurred: unable to upgrade connection: container not found ("odoo")');
  });

  it('is cancelled by the signal', async () => {
    const abort = new AbortController();
    const { result, socket } = run('v5.channel.k8s.io', { signal: abort.signal }, (ws) => {
      ws.open();
      abort.abort();
    });
    expect(await result.catch((e) => e)).toBeInstanceOf(CancelledError);
    expect(socket().closed).toBe(true);
  });

  it('pauses the socket while the caller’s stdout is full', async () => {
    let release: () => void = () => {};
    const slow = new Writable({
      highWaterMark: 1,
      write(_c, _e, cb) {
        release = cb;
      },
    });
    const paused: string[] = [];
    const { result } = run('v5.channel.k8s.io', { stdout: slow }, (ws) => {
      Object.assign(ws, { pause: () => paused.push('pause'), resume: () => paused.push('resume') });
      ws.open();
      ws.receive(1, 'aaaa');
      expect(paused).toEqual(['pause']);
      release();
      ws.receive(3, success);
      ws.close();
    });
    await result;
    expect(paused).toEqual(['pause', 'resume']);
  });
});
