// The kubelet's /stats/summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1 Summary) for one node,
// computed from the real directories backing the volumes of the pods scheduled there. A PVC volume's
// usedBytes is the apparent size of its files (what CephFS reports as rbytes, and `du -sb` prints),
// capacityBytes the PVC's status.capacity; emptyDir/configMap/secret volumes report their usage without
// a capacity of their own, and hostPath volumes are not reported, as the kubelet does.
import { lstatSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { POD_VOLUME_PLUGINS, podVolumeDir } from './podVolumes.js';
import { pvDataDir } from '../volumes.js';

export interface DirUsage {
  bytes: number;
  inodes: number;
}

/** Apparent size of every file below dir (directories count as inodes, not bytes), like `du -sb --apparent-size`. */
export function dirUsage(dir: string): DirUsage {
  let bytes = 0;
  let inodes = 0;
  const seen = new Set<string>();
  const walk = (p: string) => {
    let st;
    try {
      st = lstatSync(p, { bigint: false });
    } catch {
      return;
    }
    // Hard links are counted once, as du does.
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    inodes++;
    if (st.isDirectory()) {
      bytes += st.size;
      let entries: string[] = [];
      try {
        entries = readdirSync(p);
      } catch {
        return;
      }
      for (const e of entries) walk(join(p, e));
    } else {
      bytes += st.size;
    }
  };
  walk(dir);
  return { bytes, inodes };
}

/** "10Gi", "500M", "1.5Ti" → bytes. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q === 'number') return q;
  const m = String(q).trim().match(/^([0-9.]+)([KMGTPE]i?|k|m)?$/);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  const bin: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const dec: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };
  return Math.round(n * (bin[unit] ?? dec[unit] ?? 1));
}

export interface StatsInputs {
  nodeName: string;
  dataDir: string;
  pods: any[];
  pvcs: Map<string, any>;
  now?: Date;
  nodeStartTime?: string;
}


export function buildStatsSummary(input: StatsInputs): any {
  const time = (input.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  const fs = statfsSync(input.dataDir);
  const capacity = fs.blocks * fs.bsize;
  const available = fs.bavail * fs.bsize;
  const nodeFs = {
    time,
    availableBytes: available,
    capacityBytes: capacity,
    usedBytes: capacity - fs.bfree * fs.bsize,
    inodesFree: fs.ffree,
    inodes: fs.files,
    inodesUsed: fs.files - fs.ffree,
  };
  const pods = input.pods
    .filter((p) => p.spec?.nodeName === input.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .map((p) => {
      const volume: any[] = [];
      for (const v of p.spec?.volumes ?? []) {
        let path: string | undefined;
        let capacityBytes: number | undefined;
        let pvcRef: { name: string; namespace: string } | undefined;
        if (v.persistentVolumeClaim) {
          const pvc = input.pvcs.get(`${p.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
          const pv = pvc?.spec?.volumeName;
          if (!pv || pvc.status?.phase !== 'Bound') continue;
          path = pvDataDir(input.dataDir, pv);
          capacityBytes = parseQuantity(pvc.status?.capacity?.storage);
          pvcRef = { name: v.persistentVolumeClaim.claimName, namespace: p.metadata.namespace };
        } else {
          const kind = Object.keys(POD_VOLUME_PLUGINS).find((k) => v[k]);
          if (!kind) continue; // hostPath and others report no metrics
          path = podVolumeDir(input.dataDir, p.metadata.uid, kind, v.name);
        }
        const used = dirUsage(path);
        // Volumes without a quota of their own share the node filesystem's capacity.
        const cap = capacityBytes ?? capacity;
        volume.push({
          time,
          availableBytes: capacityBytes !== undefined ? Math.max(0, capacityBytes - used.bytes) : available,
          capacityBytes: cap,
          usedBytes: used.bytes,
          inodesFree: fs.ffree,
          inodes: used.inodes + fs.ffree,
          inodesUsed: used.inodes,
          name: v.name,
          ...(pvcRef ? { pvcRef } : {}),
        });
      }
      const ephemeralUsed = volume.filter((v) => !v.pvcRef).reduce((s, v) => s + v.usedBytes, 0);
      return {
        podRef: { name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid },
        startTime: p.status?.startTime ?? p.metadata.creationTimestamp,
        containers: (p.spec?.containers ?? []).map((c: any) => ({
          name: c.name,
          startTime: p.status?.startTime ?? p.metadata.creationTimestamp,
          cpu: { time, usageNanoCores: 0, usageCoreNanoSeconds: 0 },
          memory: { time, workingSetBytes: 0, usageBytes: 0, rssBytes: 0 },
          rootfs: { time, availableBytes: available, capacityBytes: capacity, usedBytes: 0, inodesFree: fs.ffree, inodes: fs.files, inodesUsed: 0 },
          logs: { time, availableBytes: available, capacityBytes: capacity, usedBytes: 0, inodesFree: fs.ffree, inodes: fs.files, inodesUsed: 0 },
        })),
        cpu: { time, usageNanoCores: 0, usageCoreNanoSeconds: 0 },
        memory: { time, workingSetBytes: 0, usageBytes: 0, rssBytes: 0 },
        volume,
        'ephemeral-storage': { time, availableBytes: available, capacityBytes: capacity, usedBytes: ephemeralUsed, inodesFree: fs.ffree, inodes: fs.files, inodesUsed: 0 },
        process_stats: { process_count: 0 },
      };
    });
  return {
    node: {
      nodeName: input.nodeName,
      systemContainers: [],
      startTime: input.nodeStartTime ?? time,
      cpu: { time, usageNanoCores: 0, usageCoreNanoSeconds: 0 },
      memory: { time, availableBytes: 0, usageBytes: 0, workingSetBytes: 0, rssBytes: 0 },
      fs: nodeFs,
      runtime: { imageFs: nodeFs, containerFs: nodeFs },
      rlimit: { time, maxpid: 4194304, curproc: 0 },
    },
    pods,
  };
}
