// Runs the plugin's app in this process, the way the GitHub CLI tests its commands: buffer streams, an
// empty stdin, an injected clock and environment. For flag and option checks that need no process.
import { PassThrough } from 'node:stream';
import { runApp, type AppDeps } from '../../plugin/cli/app.js';
import { realClock } from '../../lib/io.js';
import type { Clock } from '../../lib/io.js';

export interface InProcessRun {
  /** Resolves with the exit code once the command ends. */
  done: Promise<number>;
  stdout(): string;
  stderr(): string;
}

export function startInProcess(args: string[], opts: { env?: Record<string, string | undefined>; clock?: Clock; kubeFactory?: AppDeps['kubeFactory'] } = {}): InProcessRun {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const stdin = new PassThrough();
  stdin.end();
  const done = runApp(args, { io: { stdin, stdout, stderr }, env: opts.env ?? { NO_COLOR: '1' }, clock: opts.clock ?? realClock, kubeFactory: opts.kubeFactory });
  return { done, stdout: () => out, stderr: () => err };
}

export async function runInProcess(args: string[], opts: Parameters<typeof startInProcess>[1] = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = startInProcess(args, opts);
  const code = await r.done;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/**
 * Runs with a cluster that must not be reached: every refusal of bad input comes before the first API
 * call. `contacted` counts the attempts to reach it (each fails); `firstLine` is stderr's first line.
 */
export async function runWithoutCluster(
  args: string[],
  opts: Omit<Parameters<typeof startInProcess>[1], 'kubeFactory'> = {},
): Promise<{ code: number; stdout: string; stderr: string; firstLine: string; contacted: number }> {
  let contacted = 0;
  const r = await runInProcess(args, {
    ...opts,
    kubeFactory: async () => {
      contacted++;
      throw new Error('the cluster was contacted');
    },
  });
  return { ...r, firstLine: r.stderr.split('\n')[0], contacted };
}
