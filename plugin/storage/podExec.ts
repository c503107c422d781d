// How the plugin runs a command in a pod: a function passed in (the real one goes through the API
// server's exec WebSocket; tests may run the command locally).
import type { KubeClient } from '../../lib/kube/client.js';

export interface ExecRequest {
  namespace: string;
  pod: string;
  container?: string;
  /** argv, never a shell string built from user input. */
  command: string[];
  stdin?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type PodExec = (req: ExecRequest) => Promise<ExecResult>;

export function kubeExec(kube: KubeClient): PodExec {
  return async (req) => {
    const { execInPod } = await import('../../lib/kube/exec.js');
    const r = await execInPod(kube, req);
    return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  };
}
