// Backs every volume of a pod with a real directory on this machine, as the kubelet's volume manager
// does: a PVC is its bound PV's directory, hostPath is the host path (created or checked per `type`),
// emptyDir is a per-pod directory, configMap/secret/projected are materialised into files. Each
// container then gets bind mounts for its volumeMounts (subPath and readOnly honoured).
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { BindMount } from './sandbox.js';
import { pvDataDir } from '../volumes.js';

export interface VolumeLookup {
  pvc(namespace: string, name: string): Promise<any | undefined>;
  pv(name: string): Promise<any | undefined>;
  configMap(namespace: string, name: string): Promise<any | undefined>;
  secret(namespace: string, name: string): Promise<any | undefined>;
  /** A token for the service account (TokenRequest); undefined: none can be minted here. */
  serviceAccountToken?(namespace: string, name: string, expirationSeconds: number): Promise<string | undefined>;
}

export interface PreparedVolume {
  name: string;
  kind: 'persistentVolumeClaim' | 'hostPath' | 'emptyDir' | 'configMap' | 'secret' | 'projected' | 'downwardAPI';
  /** Host directory (or file) backing the volume. */
  path: string;
  /** configMap/secret/projected volumes are always mounted read-only, as the kubelet does. */
  alwaysReadOnly: boolean;
  claimName?: string;
}

/** A volume cannot be set up yet; the kubelet reports it as a FailedMount event and retries. */
export class VolumeSetupError extends Error {}

/** Where a pod's own volumes (emptyDir, configMap, ...) live, like /var/lib/kubelet/pods/<uid>. */
export function podDir(dataDir: string, podUid: string): string {
  return join(dataDir, 'kubelet', 'pods', podUid);
}

/** The kubelet's directory per volume plugin, for the volumes that live with the pod. */
export const POD_VOLUME_PLUGINS: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  projected: 'kubernetes.io~projected',
  downwardAPI: 'kubernetes.io~downward-api',
};

/** Where a pod-local volume (emptyDir, configMap, ...) lives. */
export function podVolumeDir(dataDir: string, podUid: string, kind: string, volume: string): string {
  return join(podDir(dataDir, podUid), 'volumes', POD_VOLUME_PLUGINS[kind], volume);
}

export async function prepareVolumes(pod: any, dataDir: string, lookup: VolumeLookup): Promise<Map<string, PreparedVolume>> {
  const out = new Map<string, PreparedVolume>();
  const ns = pod.metadata.namespace;
  for (const vol of pod.spec?.volumes ?? []) {
    const name: string = vol.name;
    const own = (kind: string) => podVolumeDir(dataDir, pod.metadata.uid, kind, name);
    if (vol.persistentVolumeClaim) {
      const claim = vol.persistentVolumeClaim.claimName;
      const pvc = await lookup.pvc(ns, claim);
      if (!pvc) throw new VolumeSetupError(`Unable to attach or mount volumes: unmounted volumes=[${name}]: error processing PVC ${ns}/${claim}: persistentvolumeclaim "${claim}" not found`);
      const pvName = pvc.spec?.volumeName;
      if (pvc.status?.phase !== 'Bound' || !pvName) {
        throw new VolumeSetupError(`Unable to attach or mount volumes: unmounted volumes=[${name}]: error processing PVC ${ns}/${claim}: PVC is not bound`);
      }
      const dir = pvDataDir(dataDir, pvName);
      // The provisioner created the subvolume; a missing one is recreated rather than failing the pod.
      mkdirSync(dir, { recursive: true });
      out.set(name, { name, kind: 'persistentVolumeClaim', path: dir, alwaysReadOnly: !!vol.persistentVolumeClaim.readOnly, claimName: claim });
    } else if (vol.hostPath) {
      out.set(name, { name, kind: 'hostPath', path: setUpHostPath(name, vol.hostPath.path, vol.hostPath.type ?? ''), alwaysReadOnly: false });
    } else if (vol.emptyDir) {
      const dir = own('emptyDir');
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      out.set(name, { name, kind: 'emptyDir', path: dir, alwaysReadOnly: false });
    } else if (vol.configMap || vol.secret) {
      const isSecret = !!vol.secret;
      const src = vol.configMap ?? vol.secret;
      const objName = isSecret ? src.secretName : src.name;
      const obj = isSecret ? await lookup.secret(ns, objName) : await lookup.configMap(ns, objName);
      if (!obj && !src.optional) {
        throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${name}" : ${isSecret ? 'secret' : 'configmap'} "${objName}" not found`);
      }
      const files = projectKeys(obj ? dataOf(obj, isSecret) : {}, src.items, src.defaultMode ?? 0o644, isSecret ? 'Secret' : 'ConfigMap', !!src.optional, name);
      const dir = own(isSecret ? 'secret' : 'configMap');
      writeFiles(dir, files);
      out.set(name, { name, kind: isSecret ? 'secret' : 'configMap', path: dir, alwaysReadOnly: true });
    } else if (vol.projected) {
      const files = await projectedFiles(pod, vol.projected, lookup, name);
      const dir = own('projected');
      writeFiles(dir, files);
      out.set(name, { name, kind: 'projected', path: dir, alwaysReadOnly: true });
    } else if (vol.downwardAPI) {
      const files = downwardFiles(pod, vol.downwardAPI.items ?? [], vol.downwardAPI.defaultMode ?? 0o644);
      const dir = own('downwardAPI');
      writeFiles(dir, files);
      out.set(name, { name, kind: 'downwardAPI', path: dir, alwaysReadOnly: true });
    } else {
      const kind = Object.keys(vol).find((k) => k !== 'name') ?? 'unknown';
      throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${name}" : volume type ${kind} is not supported by the test cluster`);
    }
  }
  return out;
}

/** hostPath type checks and creation, with the kubelet's messages. */
export function setUpHostPath(volume: string, path: string, type: string): string {
  const fail = (what: string) => new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume}" : hostPath type check failed: ${path} is not ${what}`);
  const st = statOrUndefined(path);
  switch (type) {
    case '':
    case 'DirectoryOrCreate':
      // An untyped missing path is created as a directory by the runtime (containerd does MkdirAll).
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (type === 'DirectoryOrCreate' && !st.isDirectory()) throw fail('a directory');
      return path;
    case 'Directory':
      if (!st?.isDirectory()) throw fail('a directory');
      return path;
    case 'FileOrCreate':
      if (!st) {
        if (!existsSync(dirname(path))) throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume}" : open ${path}: no such file or directory`);
        writeFileSync(path, '', { mode: 0o644 });
      } else if (!st.isFile()) throw fail('a file');
      return path;
    case 'File':
      if (!st?.isFile()) throw fail('a file');
      return path;
    case 'Socket':
      if (!st?.isSocket()) throw fail('a socket file');
      return path;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw fail('a character device');
      return path;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw fail('a block device');
      return path;
    default:
      throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume}" : invalid hostPath type ${type}`);
  }
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function dataOf(obj: any, isSecret: boolean): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(obj.data ?? {})) out[k] = isSecret ? Buffer.from(String(v), 'base64') : Buffer.from(String(v), 'utf8');
  for (const [k, v] of Object.entries(obj.binaryData ?? {})) out[k] = Buffer.from(String(v), 'base64');
  // A secret written with stringData and not yet normalised by the server still counts.
  if (isSecret) for (const [k, v] of Object.entries(obj.stringData ?? {})) out[k] = Buffer.from(String(v), 'utf8');
  return out;
}

interface ProjectedFile {
  path: string;
  content: Buffer;
  mode: number;
}

/** Keys (or the listed items) of a configMap/secret as files, as the atomic writer lays them out. */
export function projectKeys(
  data: Record<string, Buffer>,
  items: { key: string; path: string; mode?: number }[] | undefined,
  defaultMode: number,
  kind: 'ConfigMap' | 'Secret',
  optional: boolean,
  volume: string,
): ProjectedFile[] {
  if (!items || items.length === 0) return Object.entries(data).map(([k, v]) => ({ path: k, content: v, mode: defaultMode }));
  const out: ProjectedFile[] = [];
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume}" : ${kind.toLowerCase()} references non-existent config key: ${it.key}`);
    }
    out.push({ path: it.path, content: v, mode: it.mode ?? defaultMode });
  }
  return out;
}

async function projectedFiles(pod: any, projected: any, lookup: VolumeLookup, volume: string): Promise<ProjectedFile[]> {
  const ns = pod.metadata.namespace;
  const mode = projected.defaultMode ?? 0o644;
  const out: ProjectedFile[] = [];
  for (const src of projected.sources ?? []) {
    if (src.configMap || src.secret) {
      const isSecret = !!src.secret;
      const s = src.configMap ?? src.secret;
      const obj = isSecret ? await lookup.secret(ns, s.name) : await lookup.configMap(ns, s.name);
      if (!obj && !s.optional) throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume}" : ${isSecret ? 'secret' : 'configmap'} "${s.name}" not found`);
      out.push(...projectKeys(obj ? dataOf(obj, isSecret) : {}, s.items, mode, isSecret ? 'Secret' : 'ConfigMap', !!s.optional, volume));
    } else if (src.downwardAPI) {
      out.push(...downwardFiles(pod, src.downwardAPI.items ?? [], mode));
    } else if (src.serviceAccountToken) {
      // Minted for the pod's service account, as the kubelet asks TokenRequest; the API server accepts it.
      const sa = pod.spec?.serviceAccountName || 'default';
      const exp = src.serviceAccountToken.expirationSeconds ?? 3600;
      let token: string | undefined;
      if (lookup.serviceAccountToken) {
        token = await lookup.serviceAccountToken(ns, sa, exp);
        if (token === undefined) throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume}" : failed to fetch token: serviceaccounts "${sa}" not found`);
      }
      out.push({ path: src.serviceAccountToken.path, content: Buffer.from(token ?? 'test-cluster-service-account-token'), mode });
    }
  }
  return out;
}

function downwardFiles(pod: any, items: any[], mode: number): ProjectedFile[] {
  return items
    .filter((it) => it.fieldRef)
    .map((it) => ({ path: it.path, content: Buffer.from(podFieldValue(pod, it.fieldRef.fieldPath) ?? ''), mode: it.mode ?? mode }));
}

/** Value of a downward-API fieldPath (env fieldRef and downwardAPI volumes). */
export function podFieldValue(pod: any, fieldPath: string): string | undefined {
  const m = fieldPath.match(/^metadata\.(labels|annotations)\['(.+)'\]$/);
  if (m) return pod.metadata?.[m[1]]?.[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name;
    case 'metadata.namespace':
      return pod.metadata?.namespace;
    case 'metadata.uid':
      return pod.metadata?.uid;
    case 'metadata.labels':
      return Object.entries(pod.metadata?.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations':
      return Object.entries(pod.metadata?.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.podIPs':
      return (pod.status?.podIPs ?? []).map((p: any) => p.ip).join(',');
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.hostIPs':
      return (pod.status?.hostIPs ?? []).map((p: any) => p.ip).join(',');
    default:
      return undefined;
  }
}

/** Rewrites a materialised volume directory with exactly these files. */
function writeFiles(dir: string, files: ProjectedFile[]): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
  for (const f of files) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
    chmodSync(p, f.mode);
  }
}

/** A subPath must be relative and stay inside its volume, as the API server validates. */
export function checkSubPath(subPath: string): string | undefined {
  if (isAbsolute(subPath)) return `must be a relative path`;
  if (normalize(subPath).split('/').includes('..')) return `must not contain '..'`;
  return undefined;
}

/** Bind mounts for one container's volumeMounts. */
export function containerMounts(container: any, volumes: Map<string, PreparedVolume>): BindMount[] {
  const mounts: BindMount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) throw new VolumeSetupError(`Error: cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    let source = vol.path;
    if (vm.subPath) {
      const bad = checkSubPath(vm.subPath);
      if (bad) throw new VolumeSetupError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}": subPath ${bad}`);
      source = join(vol.path, vm.subPath);
      // The kubelet creates a missing subPath inside a writable directory volume.
      if (!existsSync(source)) {
        if (vol.alwaysReadOnly) throw new VolumeSetupError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}": ${source} does not exist`);
        mkdirSync(source, { recursive: true, mode: 0o755 });
      }
    }
    mounts.push({ source, target: vm.mountPath, readOnly: !!vm.readOnly || vol.alwaysReadOnly });
  }
  return mounts;
}
