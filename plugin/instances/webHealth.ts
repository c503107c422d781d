// GET /web/health of an instance's running pod, through the API server's port-forward (the only way
// in that needs no Ingress), and the wait until it answers 200.
import { request } from 'node:http';
import { CancelledError, TimeoutError } from '../../lib/errors.js';
import type { BackupDeps } from '../backups/deps.js';
import { HEALTH_PATH } from './manifests.js';
import { resolveInstance } from './resolve.js';
import { runningInstancePod } from '../storage/volumePod.js';

/** The HTTP status /web/health answers on the pod's port 8069. */
async function webHealth(deps: Pick<BackupDeps, 'kube'>, namespace: string, pod: string): Promise<number> {
  const { connectPodPort } = await import('../../lib/kube/portForward.js');
  const stream = await connectPodPort(deps.kube, { namespace, pod, port: 8069 });
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = request({ createConnection: () => stream as any, path: HEALTH_PATH, method: 'GET', headers: { Host: 'localhost', Connection: 'close' }, timeout: 15_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 15s')));
      req.on('error', reject);
      req.end();
    });
  } finally {
    stream.destroy();
  }
}

/**
 * Waits until the instance's running pod answers 200 on /web/health, within deps.instanceTimeoutMs.
 * `after` ends the messages of an interruption or a timeout: what had been done before the wait.
 */
export async function waitForWebHealth(deps: BackupDeps, inst: { namespace: string; name: string }, after: { interrupted: string; timedOut: string }): Promise<void> {
  const deadline = deps.clock.now().getTime() + deps.instanceTimeoutMs;
  let last = '';
  let said = '';
  for (;;) {
    const pod = runningInstancePod(await resolveInstance(deps.kube, inst.namespace, inst.name));
    try {
      if (pod) {
        const status = await webHealth(deps, inst.namespace, pod.pod);
        if (status === 200) return;
        last = `${HEALTH_PATH} answered ${status}`;
      } else last = 'no running pod';
    } catch (e) {
      last = (e as Error).message;
    }
    if (last !== said) deps.progress(`  waiting for ${HEALTH_PATH}: ${(said = last)}`);
    if (deps.signal?.aborted) throw new CancelledError(`interrupted while waiting for ${HEALTH_PATH} of ${inst.name}; ${after.interrupted}`);
    if (deps.clock.now().getTime() > deadline) throw new TimeoutError(`${after.timedOut}, but ${HEALTH_PATH} did not answer 200 (${last})`);
    await deps.clock.sleep(1000, deps.signal);
  }
}
