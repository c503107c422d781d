// What the support bundle does to objects before they are written (pure): a Secret's values become
// "<redacted, N bytes>", literal env values under secret-looking names too, the last-applied annotation
// (which repeats the object, values included) likewise; managedFields are dropped as noise.
import type { KubeObject, Read, V1Container, V1Deployment, V1Pod, V1PodSpec, V1Secret } from '../../lib/kube/models.js';
import { isSecretKey } from '../odooconf/secrets.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function redacted(bytes: number): string {
  return `<redacted, ${bytes} bytes>`;
}

function clone<T>(o: T): T {
  return JSON.parse(JSON.stringify(o));
}

function cleanMetadata(obj: KubeObject | undefined): void {
  const m = obj?.metadata;
  if (!m) return;
  delete m.managedFields;
  const a = m.annotations?.[LAST_APPLIED];
  if (typeof a === 'string' && m.annotations) m.annotations[LAST_APPLIED] = redacted(Buffer.byteLength(a));
}

/** A Secret as the bundle holds it: every value of data and stringData replaced, unless `include`. */
export function redactSecret<T extends Read<V1Secret>>(secret: T, include: boolean): T {
  const out = clone(secret);
  cleanMetadata(out);
  if (include) return out;
  const { data, stringData } = out;
  for (const k of Object.keys(data ?? {})) data![k] = redacted(Buffer.from(String(data![k]), 'base64').length);
  for (const k of Object.keys(stringData ?? {})) stringData![k] = redacted(Buffer.byteLength(String(stringData![k])));
  return out;
}

function redactContainers(containers: Read<V1Container>[] | undefined): void {
  for (const c of containers ?? []) {
    for (const e of c.env ?? []) {
      if (typeof e.value === 'string' && e.value !== '' && isSecretKey(e.name ?? '')) e.value = redacted(Buffer.byteLength(e.value));
    }
  }
}

function redactPodSpec(spec: Read<V1PodSpec> | undefined): void {
  if (!spec) return;
  redactContainers(spec.containers);
  redactContainers(spec.initContainers);
  redactContainers(spec.ephemeralContainers);
}

/** Any other object: literal secret-looking env values of its pod spec (Pod, or a workload's template). */
export function redactObject<T extends KubeObject>(obj: T): T {
  const out = clone(obj);
  cleanMetadata(out);
  if (out?.kind === 'Secret') return redactSecret(out as Read<V1Secret>, false) as T;
  // A Pod's spec, or a workload's pod template.
  const o = out as Read<V1Pod> & Read<V1Deployment>;
  redactPodSpec(out?.kind === 'Pod' ? o.spec : o.spec?.template?.spec);
  return out;
}

/** The Secrets a Deployment's pods read: env, envFrom, volumes (projected too) and image pull secrets. */
export function referencedSecrets(deployment: Read<V1Deployment> | undefined): string[] {
  const spec = deployment?.spec?.template?.spec ?? {};
  const names = new Set<string>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
    for (const f of c.envFrom ?? []) if (f.secretRef?.name) names.add(f.secretRef.name);
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) names.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) if (s.secret?.name) names.add(s.secret.name);
  }
  for (const s of spec.imagePullSecrets ?? []) if (s.name) names.add(s.name);
  return [...names].sort();
}
