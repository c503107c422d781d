// Runs a Job script on this machine the way the Job's container would: `sh -c SCRIPT` with only the
// environment the Job spec gives it.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export function startScript(script: string, env: Record<string, string>, onLine?: (line: string) => void): { child: ChildProcess; done: Promise<ScriptRun> } {
  const child = spawn('sh', ['-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let partial = '';
  const onData = (d: Buffer) => {
    output += d;
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      onLine?.(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = new Promise<ScriptRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  return { child, done };
}

export function runScript(script: string, env: Record<string, string>): Promise<ScriptRun> {
  return startScript(script, env).done;
}
