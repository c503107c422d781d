// `kubectl odoo ...` started in the background against a backup world, optionally with the scripts'
// pause hook (KUBECTL_ODOO_PAUSE=<point>:<file>): its output as it comes, and its exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import { KUBECTL, pluginEnv } from '../harness/plugin.js';
import { NS, type BackupWorld } from './clusterFixture.js';

export interface BackgroundRun {
  child: ChildProcess;
  /** stdout and stderr as they came. */
  out(): string;
  stdout(): string;
  exited: Promise<number>;
}

export function startOdooInBackground(w: BackupWorld, args: string[], pause?: { point: string; file: string }): BackgroundRun {
  const env = pluginEnv({ KUBECONFIG: w.cluster.kubeconfigPath, ...(pause ? { KUBECTL_ODOO_PAUSE: `${pause.point}:${pause.file}` } : {}) });
  const child = spawn(KUBECTL, ['odoo', '-n', NS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let stdout = '';
  child.stdout!.on('data', (d) => {
    text += d;
    stdout += d;
  });
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig === 'SIGKILL' ? 137 : 128))));
  return { child, out: () => text, stdout: () => stdout, exited };
}
