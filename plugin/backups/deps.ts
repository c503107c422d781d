// What the backup operations need from the outside world, passed in (tests give a real test cluster).
import { scaleAndWait as followScale, type FollowedInstance } from '../instances/lifecycle.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import type { Clock } from '../cli/context.js';
import type { JobSettings } from './jobSpecs.js';

export interface BackupDeps {
  kube: KubeClient;
  clock: Clock;
  signal?: AbortSignal;
  /** One line on stderr. */
  progress: (line: string) => void;
  settings: JobSettings & {
    /** Image for Jobs that concern no particular instance (list, prune, pin). */
    defaultImage: string;
  };
  toolVersion: string;
  /** Who holds locks: user@host. */
  holder: string;
  /** How long to wait for an instance to stop or become ready. */
  instanceTimeoutMs: number;
}

/** Scales the instance's Deployment and waits until it is stopped (0) or ready (> 0), within the backup's timeout. */
export function scaleAndWait(deps: BackupDeps, inst: FollowedInstance, replicas: number): Promise<void> {
  return followScale({ ...deps, timeoutMs: deps.instanceTimeoutMs }, inst, replicas);
}
