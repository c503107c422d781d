// Disk usage on this node: the host's filesystems (from the host mount table) and the volumes of
// instances that kubelet mounted here, mapped back to their PVC and instance.
import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import type { KubeClient } from '../lib/kube/client.js';
import { RESOURCES } from '../lib/kube/resources.js';
import type { Read, Stored, V1PersistentVolumeClaim, V1Pod } from '../lib/kube/models.js';
import type { DiskUsage, FilesystemUsage, VolumeUsage } from '../lib/nodes/report.js';
import { parseMountinfo } from '../lib/nodes/parse.js';

export interface UsageOptions {
  node: string;
  procPath: string;
  kubeletPods: string;
  kube?: KubeClient;
}

async function statfsBytes(path: string): Promise<{ sizeBytes: number; usedBytes: number; availableBytes: number }> {
  const s = await fs.statfs(path);
  return { sizeBytes: s.blocks * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize, availableBytes: s.bavail * s.bsize };
}

export async function collectDiskUsage(opts: UsageOptions): Promise<DiskUsage> {
  const errors: string[] = [];
  const [filesystems, volumes] = await Promise.all([
    hostFilesystems(opts, errors).catch((e) => (errors.push(`host filesystems: ${(e as Error).message}`), [])),
    instanceVolumes(opts, errors).catch((e) => (errors.push(`instance volumes: ${(e as Error).message}`), [])),
  ]);
  return { filesystems, volumes, errors };
}

async function hostFilesystems(opts: UsageOptions, errors: string[]): Promise<FilesystemUsage[]> {
  const text = await fs.readFile(`${opts.procPath}/1/mountinfo`, 'utf8');
  // Block-device filesystems only, once per device (bind mounts repeat them), at their shortest path.
  const byDevice = new Map<string, ReturnType<typeof parseMountinfo>[number]>();
  for (const m of parseMountinfo(text)) {
    if (!m.source.startsWith('/dev/') || m.root !== '/') continue;
    const seen = byDevice.get(m.majorMinor);
    if (!seen || m.mountPoint.length < seen.mountPoint.length) byDevice.set(m.majorMinor, m);
  }
  const out: FilesystemUsage[] = [];
  for (const m of byDevice.values()) {
    // The host's mount points are reached through PID 1's root, so the container's own view does not matter.
    const viaHost = posix.join(opts.procPath, '1/root', m.mountPoint);
    // Without ptrace rights on PID 1 that fails; then the path as this process sees it is the next best
    // (the same mount namespace when the agent runs on the host itself).
    try {
      const bytes = await statfsBytes(viaHost).catch(() => statfsBytes(m.mountPoint));
      out.push({ mountPoint: m.mountPoint, source: m.source, fsType: m.fsType, ...bytes });
    } catch (e) {
      errors.push(`statfs ${m.mountPoint}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return out.sort((a, b) => a.mountPoint.localeCompare(b.mountPoint));
}

const INSTANCE_LABELS = ['saasodoo.io/instance-id', 'instance-id'];

function instanceOf(pvc: Read<V1PersistentVolumeClaim> | undefined): string | undefined {
  const labels = pvc?.metadata?.labels ?? {};
  for (const k of INSTANCE_LABELS) if (labels[k]) return labels[k];
  return /^odoo-instance-(.+)$/.exec(pvc?.metadata?.name ?? '')?.[1];
}

async function instanceVolumes(opts: UsageOptions, errors: string[]): Promise<VolumeUsage[]> {
  // kubelet keeps CSI volumes at <pods>/<pod uid>/volumes/kubernetes.io~csi/<pv name>/mount.
  let podDirs: string[];
  try {
    podDirs = await fs.readdir(opts.kubeletPods);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const mounts: { podUid: string; pv: string; path: string }[] = [];
  for (const uid of podDirs) {
    const csiDir = posix.join(opts.kubeletPods, uid, 'volumes', 'kubernetes.io~csi');
    const pvs = await fs.readdir(csiDir).catch(() => [] as string[]);
    for (const pv of pvs) mounts.push({ podUid: uid, pv, path: posix.join(csiDir, pv, 'mount') });
  }
  if (!mounts.length) return [];

  const podByUid = new Map<string, Stored<V1Pod>>();
  const pvcByPv = new Map<string, Stored<V1PersistentVolumeClaim>>();
  if (opts.kube) {
    try {
      const [pods, pvcs] = await Promise.all([
        opts.kube.list<Stored<V1Pod>>(RESOURCES.pods, { fieldSelector: `spec.nodeName=${opts.node}` }),
        opts.kube.list<Stored<V1PersistentVolumeClaim>>(RESOURCES.persistentvolumeclaims, {}),
      ]);
      // A pod without a uid has no directory under the kubelet's pods: nothing to map it to.
      for (const p of pods.items) if (p.metadata.uid) podByUid.set(p.metadata.uid, p);
      for (const c of pvcs.items) if (c.spec?.volumeName) pvcByPv.set(c.spec.volumeName, c);
    } catch (e) {
      errors.push(`mapping volumes to PVCs: ${(e as Error).message}`);
    }
  }
  const out: VolumeUsage[] = [];
  for (const m of mounts) {
    const pod = podByUid.get(m.podUid);
    const pvc = pvcByPv.get(m.pv);
    const v: VolumeUsage = {
      namespace: pvc?.metadata?.namespace ?? pod?.metadata?.namespace ?? '',
      pod: pod?.metadata?.name ?? m.podUid,
      pvc: pvc?.metadata?.name ?? '',
      pv: m.pv,
      instance: pvc ? instanceOf(pvc) : undefined,
      path: m.path,
    };
    try {
      Object.assign(v, await statfsBytes(m.path));
    } catch (e) {
      v.error = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
    out.push(v);
  }
  return out.sort((a, b) => `${a.namespace}/${a.pvc}`.localeCompare(`${b.namespace}/${b.pvc}`));
}
