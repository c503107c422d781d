// Which pod and container `logs NAME` reads: the instance's newest pod (the running one when there is
// one), and its Odoo container.
import { NotFoundError } from '../../lib/errors.js';
import type { InstanceObjects } from './resolve.js';

export function pickLogPod(o: InstanceObjects): { pod: string; container?: string } {
  const live = o.pods.filter((p) => !p.metadata?.deletionTimestamp);
  const pool = live.length ? live : o.pods;
  const byNewest = [...pool].sort((a, b) => Date.parse(b.metadata?.creationTimestamp ?? '') - Date.parse(a.metadata?.creationTimestamp ?? ''));
  const pod = byNewest.find((p) => p.status?.phase === 'Running') ?? byNewest[0];
  if (!pod) {
    const stopped = (o.deployment.spec?.replicas ?? 1) === 0;
    throw new NotFoundError(`instance ${o.name} has no pod${stopped ? ': it is stopped' : ' yet'}`, {
      hint: stopped ? `start it with "kubectl odoo start ${o.name}"` : undefined,
    });
  }
  return { pod: pod.metadata.name, container: o.facts.container };
}
