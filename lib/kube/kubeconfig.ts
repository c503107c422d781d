// Loads and merges kubeconfig files exactly as kubectl does:
// --kubeconfig names one file (must exist); otherwise KUBECONFIG lists files (missing ones are skipped),
// otherwise ~/.kube/config. For clusters, users and contexts the first file to define a name wins;
// current-context comes from the first file that sets it. Relative paths resolve against their own file.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve, delimiter } from 'node:path';
import { homedir } from 'node:os';
import { FailureError, UsageError } from '../errors.js';
import { parseYaml } from '../yaml.js';

export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
}

export interface KubeUser {
  token?: string;
  tokenFile?: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  authProvider?: unknown;
}

export interface KubeCluster {
  server: string;
  certificateAuthority?: string;
  certificateAuthorityData?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

export interface KubeContext {
  cluster: string;
  user: string;
  namespace?: string;
}

export interface MergedKubeconfig {
  files: string[];
  clusters: Map<string, KubeCluster>;
  users: Map<string, KubeUser>;
  contexts: Map<string, KubeContext>;
  currentContext?: string;
}

export interface ResolvedKubeconfig {
  contextName: string;
  context: KubeContext;
  cluster: KubeCluster;
  user: KubeUser;
  /** The raw merged config, for tools that need it (e.g. client-node's auth providers). */
  merged: MergedKubeconfig;
}

export function kubeconfigPaths(flag: string | undefined, env: Record<string, string | undefined>, home = homedir()): { paths: string[]; explicit: boolean } {
  if (flag) return { paths: [resolve(flag)], explicit: true };
  const list = env.KUBECONFIG;
  if (list) {
    const paths = list.split(delimiter).filter((p) => p.length > 0).map((p) => resolve(p));
    // kubectl de-duplicates the list, keeping the first occurrence.
    return { paths: [...new Set(paths)], explicit: false };
  }
  return { paths: [resolve(home, '.kube', 'config')], explicit: false };
}

// A kubeconfig document as parsed from its YAML: untyped input, read field by field below.
type Raw = Record<string, any>;

function abs(base: string, p: string | undefined): string | undefined {
  if (!p) return p;
  return isAbsolute(p) ? p : resolve(base, p);
}

export function mergeKubeconfigs(docs: { path: string; doc: Raw }[]): MergedKubeconfig {
  const merged: MergedKubeconfig = { files: [], clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const { path, doc } of docs) {
    merged.files.push(path);
    if (!doc || typeof doc !== 'object') continue;
    const base = dirname(path);
    for (const c of asArray(doc.clusters)) {
      if (!c?.name || merged.clusters.has(c.name)) continue;
      const k = c.cluster ?? {};
      merged.clusters.set(c.name, {
        server: k.server ?? '',
        certificateAuthority: abs(base, k['certificate-authority']),
        certificateAuthorityData: k['certificate-authority-data'],
        insecureSkipTlsVerify: k['insecure-skip-tls-verify'] === true,
        tlsServerName: k['tls-server-name'],
      });
    }
    for (const u of asArray(doc.users)) {
      if (!u?.name || merged.users.has(u.name)) continue;
      const k = u.user ?? {};
      const exec = k.exec
        ? {
            ...k.exec,
            // kubectl resolves a relative exec command that contains a path separator against the file.
            command: k.exec.command && k.exec.command.includes('/') ? abs(base, k.exec.command) : k.exec.command,
          }
        : undefined;
      merged.users.set(u.name, {
        token: k.token,
        tokenFile: abs(base, k.tokenFile),
        clientCertificate: abs(base, k['client-certificate']),
        clientCertificateData: k['client-certificate-data'],
        clientKey: abs(base, k['client-key']),
        clientKeyData: k['client-key-data'],
        username: k.username,
        password: k.password,
        exec,
        authProvider: k['auth-provider'],
      });
    }
    for (const c of asArray(doc.contexts)) {
      if (!c?.name || merged.contexts.has(c.name)) continue;
      const k = c.context ?? {};
      merged.contexts.set(c.name, { cluster: k.cluster ?? '', user: k.user ?? '', namespace: k.namespace || undefined });
    }
    if (!merged.currentContext && doc['current-context']) merged.currentContext = doc['current-context'];
  }
  return merged;
}

function asArray(v: unknown): Raw[] {
  return Array.isArray(v) ? (v as Raw[]) : [];
}

export function loadKubeconfig(opts: { kubeconfig?: string; context?: string; env: Record<string, string | undefined>; home?: string }): ResolvedKubeconfig {
  const { paths, explicit } = kubeconfigPaths(opts.kubeconfig, opts.env, opts.home);
  const docs: { path: string; doc: Raw }[] = [];
  for (const p of paths) {
    if (!existsSync(p)) {
      if (explicit) throw new UsageError(`kubeconfig file ${p} does not exist`);
      continue;
    }
    let doc: Raw;
    try {
      doc = (parseYaml(readFileSync(p, 'utf8')) as Raw) ?? {};
    } catch (e) {
      throw new FailureError(`cannot read kubeconfig ${p}: ${(e as Error).message.split('\n')[0]}`);
    }
    docs.push({ path: p, doc });
  }
  const merged = mergeKubeconfigs(docs);
  return resolveContext(merged, opts.context);
}

export function resolveContext(merged: MergedKubeconfig, contextOverride?: string): ResolvedKubeconfig {
  const contextName = contextOverride || merged.currentContext;
  if (!contextName) {
    const where = merged.files.length ? merged.files.join(', ') : 'no kubeconfig file found';
    throw new FailureError('no Kubernetes context: current-context is not set', {
      hint: `kubeconfig: ${where}; use --kubeconfig, --context or KUBECONFIG`,
    });
  }
  const context = merged.contexts.get(contextName);
  if (!context) {
    if (contextOverride) throw new UsageError(`context "${contextName}" does not exist in the kubeconfig`);
    throw new FailureError(`current-context "${contextName}" does not exist in the kubeconfig`);
  }
  const cluster = merged.clusters.get(context.cluster);
  if (!cluster || !cluster.server) {
    throw new FailureError(`context "${contextName}" refers to cluster "${context.cluster}", which has no server in the kubeconfig`);
  }
  const user = merged.users.get(context.user) ?? {};
  return { contextName, context, cluster, user, merged };
}
