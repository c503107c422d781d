// kubectl-odoo entry point: wires the real process streams and clock into the app.
// `--help` and `version --client` answer from a fast path that compiles neither the app (yargs and the
// commands) nor the Kubernetes client, so they start about as fast as Node itself.
import { fastPath } from './cli/fastPath.js';
import { realClock } from './cli/context.js';
import { loadApp } from './cli/loadApp.js';

export async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fast = fastPath(args, process.env);
  if (fast !== undefined) {
    process.stdout.write(fast);
    return;
  }
  const controller = new AbortController();
  let interrupts = 0;
  // First Ctrl-C (or SIGTERM) stops the command cleanly (watches end, waits give up, a restore says
  // where it left the instance); a second one exits at once.
  const interrupt = () => {
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // `kubectl odoo list | head` closes the pipe early: that is not an error.
    if (e.code === 'EPIPE') process.exit(0);
  });
  const { runApp } = await loadApp();
  process.exitCode = await runApp(args, {
    io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
    env: process.env,
    clock: realClock,
    signal: controller.signal,
  });
}
