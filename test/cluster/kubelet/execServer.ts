// `pods/{name}/exec` and `attach` over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io). An exec'd
// command runs like a container process: in its own mount namespace with that pod's volumes at their
// mountPaths and the container's environment and workingDir — for every pod, including the simulated
// ReplicaSet pods, so `exec` into an Odoo pod reaches the files in its PVC directory.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { buildContainerEnv, ContainerConfigError } from './containerEnv.js';
import { containerMounts, prepareVolumes, VolumeSetupError } from './podVolumes.js';
import type { PodRuntime } from './podRuntime.js';
import { resolveExecutable, signalNumber, spawnInSandbox, type SandboxProcess } from './sandbox.js';
import { onTerminal } from './terminal.js';
import {
  acceptWebSocket,
  badRequest,
  CLOSE,
  EXEC_PROTOCOLS,
  failureStatus,
  frame,
  internalError,
  queryAll,
  queryBool,
  queryOf,
  queryOne,
  rejectUpgrade,
  RESIZE,
  STATUS,
  STDERR,
  STDIN,
  STDOUT,
  type Query,
  type StatusBody,
} from './streamProtocol.js';
import { objectLookup, type KubeletStore } from './store.js';
import { formatLine } from './containerLog.js';

export interface ExecDeps {
  store: KubeletStore;
  dataDir: string;
  runtime: PodRuntime;
  /** Exec processes by pod uid, so deleting a pod or stopping the kubelet kills them. */
  processes: Map<string, Set<SandboxProcess>>;
  /** Writes the pod's /etc/hosts (the cluster's Service names) and returns its path. */
  etcHosts(pod: any): string;
  /** First on the PATH of Odoo containers (see buildContainerEnv). */
  odooPath?: string;
  /** The network namespace a host-network pod's processes join: its node's. */
  hostNetworkOf?(pod: any): Promise<string | undefined>;
}

/** Which container a request means, with the API server's validation messages. */
export function pickContainer(pod: any, requested: string | undefined): { name: string; spec: any } | StatusBody {
  const containers: any[] = pod.spec?.containers ?? [];
  const all = [...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  if (!requested) {
    if (containers.length === 1) return { name: containers[0].name, spec: containers[0] };
    return badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
  }
  const spec = all.find((c) => c.name === requested);
  if (!spec) return badRequest(`container ${requested} is not valid for pod ${pod.metadata.name}`);
  return { name: requested, spec };
}

function isRunning(deps: ExecDeps, pod: any, container: string): boolean {
  const own = deps.runtime.container(pod.metadata.uid, container);
  if (own) return own.running;
  // A simulated ReplicaSet pod: its status says whether the container runs.
  const st = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s: any) => s.name === container);
  return !!st?.state?.running;
}

export async function handleExec(deps: ExecDeps, req: IncomingMessage, socket: Duplex, head: Buffer, pod: any, query?: Query): Promise<void> {
  const q = queryOf(req, query);
  const attach = /\/attach(\?|$)/.test(req.url ?? '');
  const picked = pickContainer(pod, queryOne(q, 'container'));
  if ('kind' in picked) return rejectUpgrade(socket, picked);
  const command = queryAll(q, 'command');
  const wantStdin = queryBool(q, 'stdin');
  const wantStdout = queryBool(q, 'stdout');
  const wantStderr = queryBool(q, 'stderr');
  const tty = queryBool(q, 'tty');
  if (!wantStdin && !wantStdout && !wantStderr) return rejectUpgrade(socket, badRequest('you must specify at least 1 of stdin, stdout, stderr'));
  if (!attach && command.length === 0) return rejectUpgrade(socket, badRequest('you must specify at least one command for the container'));
  if (!isRunning(deps, pod, picked.name)) return rejectUpgrade(socket, internalError(`unable to upgrade connection: container not found ("${picked.name}")`));

  if (attach) return attachContainer(deps, req, socket, head, pod, picked.name, { wantStdout, wantStderr });

  const lookup = objectLookup(deps.store);
  let env: Record<string, string>;
  let mounts;
  try {
    env = await buildContainerEnv(pod, picked.spec, lookup, deps.odooPath);
    mounts = [...containerMounts(picked.spec, await prepareVolumes(pod, deps.dataDir, lookup)), { source: deps.etcHosts(pod), target: '/etc/hosts', readOnly: false }];
  } catch (e) {
    if (e instanceof ContainerConfigError || e instanceof VolumeSetupError) return rejectUpgrade(socket, internalError(`unable to upgrade connection: ${e.message}`));
    throw e;
  }

  const ws = await acceptWebSocket(req, socket, head, EXEC_PROTOCOLS);
  if (!ws) return;
  const v5 = ws.protocol === 'v5.channel.k8s.io';
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, data));
  };
  const finish = (status: StatusBody | { status: 'Success'; metadata: Record<string, never> }) => {
    send(STATUS, JSON.stringify(status));
    // A socket paused for stdin backpressure could not read the client's close frame.
    ws.resume();
    ws.close(1000);
  };

  if (!resolveExecutable(command[0], env.PATH, picked.spec.workingDir ?? '/')) {
    const cause = `error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown`;
    return finish(internalError(cause));
  }

  const netns = deps.runtime.has(pod.metadata?.uid) ? await deps.hostNetworkOf?.(pod) : undefined;
  const proc = spawnInSandbox({
    netns,
    argv: tty ? onTerminal(command) : command,
    env,
    workingDir: picked.spec.workingDir,
    mounts,
    // With a terminal, fd 3 takes the window sizes the client sends on channel 4.
    stdio: [wantStdin ? 'pipe' : 'ignore', wantStdout || tty ? 'pipe' : 'ignore', wantStderr && !tty ? 'pipe' : tty ? 'pipe' : 'ignore', ...(tty ? (['pipe'] as const) : [])],
  });
  const resize = tty ? (proc.child.stdio[3] as NodeJS.WritableStream | null) : null;
  resize?.on('error', () => {});
  const uid = pod.metadata.uid;
  let set = deps.processes.get(uid);
  if (!set) deps.processes.set(uid, (set = new Set()));
  set.add(proc);

  // With a TTY there is no separate stderr stream: everything goes to stdout, as a terminal would show it.
  const outChannel = STDOUT;
  const errChannel = tty ? STDOUT : STDERR;
  pipeToChannel(ws, proc.child.stdout, outChannel);
  pipeToChannel(ws, proc.child.stderr, errChannel);

  const stdin = proc.child.stdin;
  stdin?.on('error', () => {}); // the command may exit without reading its input
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0];
    if (ch === STDIN && stdin && !stdin.writableEnded) {
      if (!stdin.write(data.subarray(1))) {
        ws.pause();
        stdin.once('drain', () => ws.resume());
      }
    } else if (v5 && ch === CLOSE && data[1] === STDIN) {
      stdin?.end();
      ws.resume();
    } else if (ch === RESIZE && resize) {
      // {"Width":80,"Height":24}, one message per change; without a terminal there is nothing to resize.
      resize.write(`${data.subarray(1).toString().trim()}\n`);
    }
  });
  ws.on('close', () => {
    // The client went away: the command does not outlive its session here.
    proc.signal('SIGKILL');
  });
  ws.on('error', () => proc.signal('SIGKILL'));

  const streamsClosed = Promise.all(
    [proc.child.stdout, proc.child.stderr].map((s) => (s ? new Promise((r) => s.once('close', r)) : Promise.resolve())),
  );
  const { code, signal } = await proc.exited;
  await streamsClosed;
  set.delete(proc);
  const exitCode = signal ? 128 + signalNumber(signal) : code;
  if (exitCode === 0) return finish({ metadata: {}, status: 'Success' });
  finish(
    failureStatus(500, 'NonZeroExitCode', `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`, [
      { reason: 'ExitCode', message: String(exitCode) },
    ]),
  );
}

/** Forwards a readable to a channel, pausing it while the WebSocket's send buffer is full. */
function pipeToChannel(ws: WebSocket, stream: NodeJS.ReadableStream | null | undefined, channel: number): void {
  if (!stream) return;
  stream.on('data', (d: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame(channel, d), () => {
      if (stream.isPaused() && ws.bufferedAmount < 1 << 20) stream.resume();
    });
    if (ws.bufferedAmount >= 1 << 20) stream.pause();
  });
}

/** attach: the container's output from now on, until it exits (no stdin: containers here have none). */
async function attachContainer(
  deps: ExecDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  pod: any,
  container: string,
  opts: { wantStdout: boolean; wantStderr: boolean },
): Promise<void> {
  const own = deps.runtime.container(pod.metadata.uid, container);
  if (!own?.log) return rejectUpgrade(socket, internalError(`unable to upgrade connection: attach is only available for pods whose containers really run in the test cluster`));
  const ws = await acceptWebSocket(req, socket, head, EXEC_PROTOCOLS);
  if (!ws) return;
  const log = own.log;
  const onLine = (l: { stream: 'stdout' | 'stderr'; text: string; time: Date }) => {
    if (ws.readyState !== ws.OPEN) return;
    if (l.stream === 'stdout' && opts.wantStdout) ws.send(frame(STDOUT, formatLine(l, false)));
    if (l.stream === 'stderr' && opts.wantStderr) ws.send(frame(STDERR, formatLine(l, false)));
  };
  const onClose = () => {
    if (ws.readyState === ws.OPEN) ws.send(frame(STATUS, JSON.stringify({ metadata: {}, status: 'Success' })));
    ws.close(1000);
  };
  log.on('line', onLine);
  if (log.closed) onClose();
  else log.once('close', onClose);
  ws.on('close', () => {
    log.off('line', onLine);
    log.off('close', onClose);
  });
}
