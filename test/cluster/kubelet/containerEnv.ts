// A container's environment as the kubelet builds it: envFrom first, then env (later wins), values
// from Secrets, ConfigMaps and the downward API, and $(VAR) references expanded (also in command/args).
import { podFieldValue } from './podVolumes.js';
import { isOdooImage } from './odooImage.js';

export interface EnvLookup {
  configMap(namespace: string, name: string): Promise<any | undefined>;
  secret(namespace: string, name: string): Promise<any | undefined>;
  /** Where pods reach the API server: the kubelet's KUBERNETES_SERVICE_HOST/PORT for every container. */
  apiServer?: { host: string; port: string };
}

/** The container cannot be configured yet: status waiting/CreateContainerConfigError, retried. */
export class ContainerConfigError extends Error {}

/** What an image's config would normally provide; the test cluster runs host tools instead of images. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * `odooPath`: a folder put first on the PATH of containers of an Odoo image, as the image has its `odoo`
 * executable there (the playground's Odoo stand-in, test/cluster/standins/odoo).
 */
export async function buildContainerEnv(pod: any, container: any, lookup: EnvLookup, odooPath?: string): Promise<Record<string, string>> {
  const ns = pod.metadata.namespace;
  const path = odooPath && isOdooImage(container.image) ? `${odooPath}:${DEFAULT_PATH}` : DEFAULT_PATH;
  const env: Record<string, string> = { PATH: path, HOSTNAME: pod.spec?.hostname ?? pod.metadata.name, HOME: '/root' };
  // The kubelet gives every container the kubernetes Service's address (env below may override it).
  if (lookup.apiServer?.port) {
    const { host, port } = lookup.apiServer;
    Object.assign(env, { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port, KUBERNETES_SERVICE_PORT_HTTPS: port, KUBERNETES_PORT: `tcp://${host}:${port}` });
  }
  const cache = new Map<string, any>();
  const fetch = async (kind: 'Secret' | 'ConfigMap', name: string) => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) cache.set(key, kind === 'Secret' ? await lookup.secret(ns, name) : await lookup.configMap(ns, name));
    return cache.get(key);
  };

  for (const from of container.envFrom ?? []) {
    const kind = from.secretRef ? 'Secret' : 'ConfigMap';
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const obj = await fetch(kind, ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind === 'Secret' ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(valuesOf(obj, kind))) env[(from.prefix ?? '') + k] = v;
  }

  for (const e of container.env ?? []) {
    if (e.valueFrom) {
      const v = await valueFrom(pod, container, e.valueFrom, fetch, ns);
      if (v !== undefined) env[e.name] = v;
    } else {
      env[e.name] = expandVars(e.value ?? '', env);
    }
  }
  return env;
}

async function valueFrom(
  pod: any,
  container: any,
  src: any,
  fetch: (kind: 'Secret' | 'ConfigMap', name: string) => Promise<any>,
  ns: string,
): Promise<string | undefined> {
  if (src.secretKeyRef || src.configMapKeyRef) {
    const kind = src.secretKeyRef ? 'Secret' : 'ConfigMap';
    const ref = src.secretKeyRef ?? src.configMapKeyRef;
    const obj = await fetch(kind, ref.name);
    if (!obj) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`${kind === 'Secret' ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    const values = valuesOf(obj, kind);
    if (!(ref.key in values)) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`);
    }
    return values[ref.key];
  }
  if (src.fieldRef) {
    const v = podFieldValue(pod, src.fieldRef.fieldPath);
    if (v === undefined) throw new ContainerConfigError(`unsupported fieldPath: ${src.fieldRef.fieldPath}`);
    return v;
  }
  if (src.resourceFieldRef) return resourceFieldValue(container, src.resourceFieldRef);
  return undefined;
}

function valuesOf(obj: any, kind: 'Secret' | 'ConfigMap'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj.data ?? {})) out[k] = kind === 'Secret' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
  if (kind === 'Secret') for (const [k, v] of Object.entries(obj.stringData ?? {})) out[k] = String(v);
  return out;
}

function resourceFieldValue(container: any, ref: any): string {
  const [section, res] = String(ref.resource).split('.');
  const raw = container.resources?.[section]?.[res];
  if (raw === undefined) return '0';
  return String(raw);
}

/**
 * Expands $(VAR) from the variables defined so far; $$(VAR) is an escaped literal and unknown
 * references stay as they are (k8s.io/kubernetes/third_party/forked/golang/expansion).
 */
export function expandVars(input: string, env: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += Object.prototype.hasOwnProperty.call(env, name) ? env[name] : `$(${name})`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

/** The argv a container runs: command (or the image's entrypoint, which we lack) + args, expanded. */
export function containerArgv(container: any, env: Record<string, string>): string[] {
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a: string) => expandVars(String(a), env));
  return argv;
}
