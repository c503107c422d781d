// Image pulls as containerd answers them. The cluster treats PRIVATE_REGISTRY as a registry that needs
// credentials: a pod pulls from it only with an imagePullSecrets entry naming a kubernetes.io/
// dockerconfigjson (or dockercfg) Secret of its namespace that has auths for that registry; otherwise
// the pull is refused with the registry's 401, and the pod goes ErrImagePull, then ImagePullBackOff.
import type { Store } from './store.js';

export const PRIVATE_REGISTRY = 'registry.saasodoo.test';

/** docker.io/library/odoo:17 style: registry, repository and tag (or digest) of an image name. */
export function parseImage(image: string): { ref: string; registry: string; repository: string; tag: string } {
  const [first, ...rest] = image.split('/');
  const hasRegistry = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let path = hasRegistry ? rest.join('/') : image;
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  const at = path.indexOf('@');
  const colon = path.lastIndexOf(':');
  const [repository, tag] = at >= 0 ? [path.slice(0, at), path.slice(at + 1)] : colon > path.lastIndexOf('/') ? [path.slice(0, colon), path.slice(colon + 1)] : [path, 'latest'];
  const ref = `${registry}/${repository}${at >= 0 ? '@' : ':'}${tag}`;
  return { ref, registry, repository, tag };
}

function secretHasAuthFor(secret: any, registry: string): boolean {
  const b64 = secret.data?.['.dockerconfigjson'] ?? secret.data?.['.dockercfg'];
  if (!b64) return false;
  try {
    const conf = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
    const auths = secret.type === 'kubernetes.io/dockercfg' ? conf : conf.auths;
    return Object.keys(auths ?? {}).some((k) => k.replace(/^https?:\/\//, '').replace(/\/.*$/, '') === registry);
  } catch {
    return false;
  }
}

/** The containerd error for a pull the registry refuses, or undefined when the pull is allowed. */
export function pullRefusal(store: Store, pod: any, image: string): string | undefined {
  const img = parseImage(image);
  if (img.registry !== PRIVATE_REGISTRY) return undefined;
  const secrets = (pod.spec?.imagePullSecrets ?? []).map((r: any) => store.peek('secrets', pod.metadata.namespace, r.name)).filter(Boolean);
  if (secrets.some((s: any) => secretHasAuthFor(s, img.registry))) return undefined;
  return `failed to pull and unpack image "${img.ref}": failed to resolve reference "${img.ref}": unexpected status from HEAD request to https://${img.registry}/v2/${img.repository}/manifests/${img.tag}: 401 Unauthorized`;
}
