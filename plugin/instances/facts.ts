// What an instance's objects say about it, whichever scheme created them: ids, image, data volume and
// mount path, database settings, URL. Pure functions over API objects.
import {
  APP_ODOO,
  LABEL_APP,
  LABEL_DATABASE,
  customerIdOf,
  instanceIdOf,
  instanceNameOf,
  isPluginManaged,
  LABEL_SAAS_INSTANCE_ID,
  LABEL_INSTANCE_ID,
} from './labels.js';
import type { IngressRoute, Read, V1Container, V1Deployment, V1EnvVar, V1Ingress, V1Pod } from '../../lib/kube/models.js';

/** Where an env var's value comes from: a literal (never shown for passwords) or a Secret key. */
export interface EnvSource {
  value?: string;
  secret?: { name: string; key: string };
  configMap?: { name: string; key: string };
}

export interface DbSettings {
  host?: EnvSource;
  port?: EnvSource;
  name?: EnvSource;
  user?: EnvSource;
  password?: EnvSource;
}

export type LabelScheme = 'kubectl-odoo' | 'saasodoo.io' | 'instance-id' | 'app-only';

export interface InstanceFacts {
  /** The name commands print and accept: the Deployment's name. */
  name: string;
  namespace: string;
  instanceId?: string;
  customerId?: string;
  /** The platform's display name (saasodoo.io/instance-name), if any. */
  instanceName?: string;
  database?: string;
  image?: string;
  /** The Odoo container (named `odoo`, else the first). */
  container?: string;
  /** Where the data volume is mounted: /var/lib/odoo (official image) or /bitnami/odoo (bitnami). */
  dataMountPath: string;
  /** The PVC behind the data mount (from the Deployment), else `odoo-instance-<id>`. */
  pvcName?: string;
  /** The data volume is a hostPath (a legacy instance on the shared CephFS directory). */
  hostPath?: string;
  db: DbSettings;
  /** Secrets the database settings come from. */
  dbSecrets: string[];
  scheme: LabelScheme;
  pluginManaged: boolean;
  /** The Deployment's matchLabels: selects the instance's pods. */
  podSelector: Record<string, string>;
  cpu?: string;
  memory?: string;
}

export const OFFICIAL_DATA_PATH = '/var/lib/odoo';
export const BITNAMI_DATA_PATH = '/bitnami/odoo';

/** The data mount path an image uses: bitnami images keep data in /bitnami/odoo, the official one in /var/lib/odoo. */
export function dataMountPathForImage(image: string | undefined): string {
  return image && /bitnami/.test(image) ? BITNAMI_DATA_PATH : OFFICIAL_DATA_PATH;
}

export function odooContainer(deployment: Read<V1Deployment> | undefined): Read<V1Container> | undefined {
  const containers = deployment?.spec?.template?.spec?.containers ?? [];
  return containers.find((c) => c.name === 'odoo') ?? containers.find((c) => /odoo/.test(c.image ?? '')) ?? containers[0];
}

function envSource(env: Read<V1EnvVar>[] | undefined, ...names: string[]): EnvSource | undefined {
  for (const n of names) {
    const e = env?.find((x) => x.name === n);
    if (!e) continue;
    if (e.valueFrom?.secretKeyRef) return { secret: { name: e.valueFrom.secretKeyRef.name ?? '', key: e.valueFrom.secretKeyRef.key ?? '' } };
    if (e.valueFrom?.configMapKeyRef) return { configMap: { name: e.valueFrom.configMapKeyRef.name ?? '', key: e.valueFrom.configMapKeyRef.key ?? '' } };
    return { value: e.value ?? '' };
  }
  return undefined;
}

export function deriveInstanceFacts(deployment: Read<V1Deployment> | undefined): InstanceFacts {
  const meta = deployment?.metadata ?? {};
  const labels = meta.labels ?? {};
  const tmplLabels = deployment?.spec?.template?.metadata?.labels ?? {};
  const container = odooContainer(deployment);
  const env = container?.env ?? [];
  const volumes = deployment?.spec?.template?.spec?.volumes ?? [];
  const mounts = container?.volumeMounts ?? [];
  const image: string | undefined = container?.image;
  const expectedMount = dataMountPathForImage(image);
  // The data mount: the one at the image's data path, else one named odoo-data, else the first PVC mount.
  const mountAt = (pred: (m: (typeof mounts)[number]) => boolean) => mounts.find(pred);
  const mount =
    mountAt((m) => m.mountPath === expectedMount) ??
    mountAt((m) => m.mountPath === OFFICIAL_DATA_PATH || m.mountPath === BITNAMI_DATA_PATH) ??
    mountAt((m) => m.name === 'odoo-data') ??
    mountAt((m) => volumes.some((v) => v.name === m.name && v.persistentVolumeClaim));
  const volume = mount ? volumes.find((v) => v.name === mount.name) : undefined;
  const instanceId = instanceIdOf(labels) ?? instanceIdOf(tmplLabels);
  const db: DbSettings = {
    host: envSource(env, 'ODOO_DATABASE_HOST', 'HOST'),
    port: envSource(env, 'ODOO_DATABASE_PORT_NUMBER', 'ODOO_DATABASE_PORT', 'PORT'),
    name: envSource(env, 'ODOO_DATABASE_NAME'),
    user: envSource(env, 'ODOO_DATABASE_USER', 'USER'),
    password: envSource(env, 'ODOO_DATABASE_PASSWORD', 'PASSWORD'),
  };
  const dbSecrets = [...new Set(Object.values(db).flatMap((s) => (s?.secret ? [s.secret.name] : [])))];
  let scheme: LabelScheme = 'app-only';
  if (isPluginManaged(labels)) scheme = 'kubectl-odoo';
  else if (labels[LABEL_SAAS_INSTANCE_ID]) scheme = 'saasodoo.io';
  else if (labels[LABEL_INSTANCE_ID]) scheme = 'instance-id';
  const resources = container?.resources ?? {};
  return {
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
    instanceId,
    customerId: customerIdOf(labels) ?? customerIdOf(tmplLabels),
    instanceName: instanceNameOf(labels) ?? instanceNameOf(tmplLabels),
    database: db.name?.value || tmplLabels[LABEL_DATABASE] || labels[LABEL_DATABASE] || undefined,
    image,
    container: container?.name,
    dataMountPath: mount?.mountPath ?? expectedMount,
    pvcName: volume?.persistentVolumeClaim?.claimName ?? (volume?.hostPath ? undefined : instanceId ? `odoo-instance-${instanceId}` : undefined),
    // On the shared tree one hostPath (/mnt/cephfs) serves every instance: its directory is the subPath.
    hostPath: volume?.hostPath?.path ? [volume.hostPath.path.replace(/\/+$/, ''), mount?.subPath ?? mount?.subPathExpr].filter(Boolean).join('/') : undefined,
    db,
    dbSecrets,
    scheme,
    pluginManaged: isPluginManaged(labels),
    podSelector: deployment?.spec?.selector?.matchLabels ?? (instanceId ? { [LABEL_APP]: APP_ODOO, [LABEL_SAAS_INSTANCE_ID]: instanceId } : {}),
    cpu: resources.limits?.cpu ?? resources.requests?.cpu,
    memory: resources.limits?.memory ?? resources.requests?.memory,
  };
}

/** Whether `labels` satisfy a matchLabels map. */
export function matchesLabels(labels: Record<string, string> | undefined, match: Record<string, string>): boolean {
  const keys = Object.keys(match);
  if (keys.length === 0) return false;
  return keys.every((k) => labels?.[k] === match[k]);
}

/** An Ingress that routes to `serviceName` (any rule or the default backend). */
export function ingressRoutesTo(ingress: Read<V1Ingress> | undefined, serviceName: string): boolean {
  if (ingress?.spec?.defaultBackend?.service?.name === serviceName) return true;
  return (ingress?.spec?.rules ?? []).some((r) => (r.http?.paths ?? []).some((p) => p.backend?.service?.name === serviceName));
}

/** A Traefik IngressRoute that sends traffic to `serviceName`. */
export function ingressRouteRoutesTo(route: IngressRoute | undefined, serviceName: string): boolean {
  return (route?.spec?.routes ?? []).some((r) => (r.services ?? []).some((s) => s.name === serviceName));
}

/** The URL people open: from the Ingress host, or the Host(`...`) rule of an IngressRoute. */
export function instanceUrl(ingress: Read<V1Ingress> | undefined, ingressRoute: IngressRoute | undefined): string | undefined {
  if (ingress) {
    const host = (ingress.spec?.rules ?? []).map((r) => r.host).find(Boolean);
    if (host) {
      const tls = (ingress.spec?.tls ?? []).some((t) => (t.hosts ?? []).includes(host));
      return `${tls ? 'https' : 'http'}://${host}`;
    }
  }
  if (ingressRoute) {
    for (const r of ingressRoute.spec?.routes ?? []) {
      const m = /Host\(`([^`]+)`\)/.exec(r.match ?? '');
      if (m) return `${ingressRoute.spec?.tls ? 'https' : 'http'}://${m[1]}`;
    }
  }
  return undefined;
}

/** The Deployment a pod belongs to, from its ReplicaSet owner (`<deployment>-<pod-template-hash>`). */
export function deploymentNameOfPod(pod: Read<V1Pod> | undefined): string | undefined {
  const owner = (pod?.metadata?.ownerReferences ?? []).find((o) => o.kind === 'ReplicaSet');
  if (!owner?.name) return undefined;
  const hash = pod?.metadata?.labels?.['pod-template-hash'];
  if (hash && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -(hash.length + 1));
  const i = owner.name.lastIndexOf('-');
  return i > 0 ? owner.name.slice(0, i) : undefined;
}

/** In-cluster DNS name of the instance's Service. */
export function serviceDns(serviceName: string, namespace: string): string {
  return `${serviceName}.${namespace}.svc.cluster.local`;
}
