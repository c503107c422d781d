// Helpers for the kubelet's scenario tests: a cluster, a KubeClient for it, statically provisioned
// (pre-bound) volumes, and waiting for what the cluster holds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { KUBECTL, pluginEnv } from '../../harness/plugin.js';
import { KubeClient } from '../../../lib/kube/client.js';
import { buildConnection } from '../../../lib/kube/connection.js';
import { loadKubeconfig } from '../../../lib/kube/kubeconfig.js';
import { pvDataDir } from '../volumes.js';
import type { TestCluster } from '../index.js';
import { waitFor } from '../../harness/waitFor.js';

export function kubeClientFor(cluster: TestCluster): KubeClient {
  const resolved = loadKubeconfig({ kubeconfig: cluster.kubeconfigPath, env: {} });
  return new KubeClient(buildConnection(resolved), { retry: { maxAttempts: 1 } });
}

export { waitFor } from '../../harness/waitFor.js';

/** Starts the real `kubectl port-forward` (killed by the caller, through `proc`) and resolves with the local port it printed. */
export async function kubectlPortForward(
  cluster: TestCluster,
  namespace: string,
  target: string,
  remote: number,
  env: Record<string, string> = {},
): Promise<{ port: number; proc: ChildProcess; stderr: () => string }> {
  const proc = spawn(KUBECTL, ['port-forward', '-v=6', '-n', namespace, target, `:${remote}`], { env: pluginEnv({ KUBECONFIG: cluster.kubeconfigPath, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  try {
    const port = await waitFor('kubectl port-forward to listen', () => {
      if (proc.exitCode !== null) throw new Error(`kubectl port-forward exited: ${err}`);
      const m = out.match(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/);
      return m ? Number(m[1]) : undefined;
    });
    return { port, proc, stderr: () => err };
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
}

export function createNamespace(cluster: TestCluster, name: string): void {
  cluster.store.create('namespaces', { metadata: { name } });
}

/**
 * A PVC bound to a statically provisioned CephFS PV, with its directory: what the provisioner leaves
 * behind once a claim is bound. Returns the host directory backing it.
 */
export function boundClaim(cluster: TestCluster, namespace: string, name: string, size = '1Gi'): string {
  const pvName = `pv-${namespace}-${name}`;
  const dir = pvDataDir(cluster.dataDir, pvName);
  mkdirSync(dir, { recursive: true });
  cluster.store.create('persistentvolumes', {
    metadata: { name: pvName },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'rook-cephfs',
      claimRef: { namespace, name },
      csi: { driver: 'rook-ceph.cephfs.csi.ceph.com', volumeHandle: pvName, volumeAttributes: { subvolumePath: `/volumes/csi/${pvName}/${pvName}` } },
    },
  });
  cluster.store.create('persistentvolumeclaims', {
    metadata: { name, namespace },
    spec: { accessModes: ['ReadWriteMany'], storageClassName: 'rook-cephfs', volumeName: pvName, resources: { requests: { storage: size } } },
  });
  const pvc = cluster.store.get('persistentvolumeclaims', namespace, name);
  cluster.store.update('persistentvolumeclaims', { ...pvc, status: { phase: 'Bound', accessModes: ['ReadWriteMany'], capacity: { storage: size } } });
  const pv = cluster.store.get('persistentvolumes', undefined, pvName);
  cluster.store.update('persistentvolumes', { ...pv, status: { phase: 'Bound' } });
  return dir;
}

/** A bare pod on node-1 running argv. */
export function barePod(namespace: string, name: string, argv: string[], extra: { volumes?: any[]; volumeMounts?: any[]; env?: any[]; restartPolicy?: string; annotations?: Record<string, string>; grace?: number } = {}): any {
  return {
    metadata: { name, namespace, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      nodeName: 'node-1',
      restartPolicy: extra.restartPolicy ?? 'Never',
      ...(extra.grace !== undefined ? { terminationGracePeriodSeconds: extra.grace } : {}),
      containers: [{ name: 'main', image: 'debian:bookworm-slim', command: argv, env: extra.env, volumeMounts: extra.volumeMounts }],
      volumes: extra.volumes,
    },
  };
}

export async function podPhase(cluster: TestCluster, namespace: string, name: string, phases: string[]): Promise<any> {
  return waitFor(`pod ${name} to reach ${phases.join('/')}`, () => {
    const p = cluster.store.get('pods', namespace, name);
    return p && phases.includes(p.status?.phase) ? p : undefined;
  });
}

/** Is the process alive? A zombie waiting to be reaped by init counts as dead. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The host PID of the container process whose command line contains `token`. Containers have their
 * own PID namespace, so `$$` inside one is 1, not something the host can look at.
 */
export function hostPidOf(token: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    // unshare's own command line holds the container's argv too.
    if (argv[0].endsWith('unshare') || !argv.some((a) => a.includes(token))) continue;
    if (alive(Number(entry))) return Number(entry);
  }
  return undefined;
}
