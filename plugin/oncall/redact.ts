// What the support bundle does to objects before they are written (pure): a Secret's values become
// "<redacted, N bytes>", literal env values under secret-looking names too, the last-applied annotation
// (which repeats the object, values included) likewise; managedFields are dropped as noise.
import { isSecretKey } from '../odooconf/secrets.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function redacted(bytes: number): string {
  return `<redacted, ${bytes} bytes>`;
}

function clone<T>(o: T): T {
  return JSON.parse(JSON.stringify(o));
}

function cleanMetadata(obj: any): void {
  const m = obj?.metadata;
  if (!m) return;
  delete m.managedFields;
  const a = m.annotations?.[LAST_APPLIED];
  if (typeof a === 'string') m.annotations[LAST_APPLIED] = redacted(Buffer.byteLength(a));
}

/** A Secret as the bundle holds it: every value of data and stringData replaced, unless `include`. */
export function redactSecret(secret: any, include: boolean): any {
  const out = clone(secret);
  cleanMetadata(out);
  if (include) return out;
  for (const k of Object.keys(out.data ?? {})) out.data[k] = redacted(Buffer.from(String(out.data[k]), 'base64').length);
  for (const k of Object.keys(out.stringData ?? {})) out.stringData[k] = redacted(Buffer.byteLength(String(out.stringData[k])));
  return out;
}

function redactContainers(containers: any[] | undefined): void {
  for (const c of containers ?? []) {
    for (const e of c.env ?? []) {
      if (typeof e.value === 'string' && e.value !== '' && isSecretKey(e.name)) e.value = redacted(Buffer.byteLength(e.value));
    }
  }
}

function redactPodSpec(spec: any): void {
  if (!spec) return;
  redactContainers(spec.containers);
  redactContainers(spec.initContainers);
  redactContainers(spec.ephemeralContainers);
}

/** Any other object: literal secret-looking env values of its pod spec (Pod, or a workload's template). */
export function redactObject(obj: any): any {
  const out = clone(obj);
  cleanMetadata(out);
  if (out?.kind === 'Secret') return redactSecret(out, false);
  redactPodSpec(out?.kind === 'Pod' ? out.spec : out?.spec?.template?.spec);
  return out;
}

/** The Secrets a Deployment's pods read: env, envFrom, volumes (projected too) and image pull secrets. */
export function referencedSecrets(deployment: any): string[] {
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
