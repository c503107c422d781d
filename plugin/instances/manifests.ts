// The objects of a plugin-created instance, shaped as the platform's instance-service shapes them so
// each side manages the other's instances: PVC `odoo-instance-<id>`, Deployment (1 replica, Recreate,
// probes on /web/health:8069, requests = limits, data volume at the image's data path, database
// credentials from a Secret), ClusterIP Service on 8069, and a Traefik IngressRoute or an Ingress.
// Naming: the instance NAME is the Deployment, Service and ingress name and also its instance id, so
// its PVC is `odoo-instance-<NAME>` and every name is known before anything exists (a re-run resumes).
import type { IngressRoute, V1Deployment, V1EnvVar, V1Ingress, V1PersistentVolumeClaim, V1Service } from '../../lib/kube/models.js';
import { dataMountPathForImage } from './facts.js';
import { instanceLabels, instancePodLabels, instanceSelectorLabels, type InstanceIdentity } from './labels.js';

export type IngressKind = 'ingressroute' | 'ingress' | 'none';
export const INGRESS_KINDS: readonly IngressKind[] = ['ingressroute', 'ingress', 'none'];

export interface InstanceSpec extends InstanceIdentity {
  namespace: string;
  image: string;
  /** Canonical quantity, e.g. 10Gi. */
  storage: string;
  storageClass: string;
  cpu: string;
  memory: string;
  ingress: IngressKind;
  /** Host name for the ingress (`<subdomain>.<base domain>` or --domain). */
  host?: string;
  /** Secret holding `username` and `password` for the database. */
  dbSecret: string;
  dbHost: string;
  dbPort: string;
  env: [string, string][];
  /** Replicas to create with (default 1); 0 creates it stopped (a copy is filled before it starts). */
  replicas?: number;
  /** More labels on every object and on the pods (a restore drill's throwaway instance is found by one). */
  labels?: Record<string, string>;
}

/** The objects of a new instance, typed as built (so every field they set is there). */
export type InstanceManifests = ReturnType<typeof buildInstanceManifests>;

export const ODOO_PORT = 8069;
export const HEALTH_PATH = '/web/health';
export const DATA_VOLUME = 'odoo-data';

export function pvcNameFor(instanceId: string): string {
  return `odoo-instance-${instanceId}`;
}

/** Image for `--odoo-version`: `<repository>:<version>` (bitnami's repository by default, as the platform). */
export function imageFor(repository: string, version: string): string {
  return `${repository}:${version}`;
}

/** Database env for the image: bitnami reads ODOO_DATABASE_*, the official image HOST/PORT/USER/PASSWORD. */
function databaseEnv(spec: InstanceSpec): V1EnvVar[] {
  const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: spec.dbSecret, key } } });
  if (/bitnami/.test(spec.image)) {
    return [
      { name: 'ODOO_DATABASE_HOST', value: spec.dbHost },
      { name: 'ODOO_DATABASE_PORT_NUMBER', value: spec.dbPort },
      { name: 'ODOO_DATABASE_NAME', value: spec.database },
      fromSecret('ODOO_DATABASE_USER', 'username'),
      fromSecret('ODOO_DATABASE_PASSWORD', 'password'),
    ];
  }
  return [
    { name: 'HOST', value: spec.dbHost },
    { name: 'PORT', value: spec.dbPort },
    { name: 'ODOO_DATABASE_NAME', value: spec.database },
    fromSecret('USER', 'username'),
    fromSecret('PASSWORD', 'password'),
  ];
}

export function buildInstanceManifests(spec: InstanceSpec) {
  const labels = { ...instanceLabels(spec), ...spec.labels };
  const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace: spec.namespace, labels: { ...labels, ...extra } });
  const pvcName = pvcNameFor(spec.instanceId);
  const selector = instanceSelectorLabels(spec);

  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(pvcName, { 'app.kubernetes.io/component': 'data' }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: spec.storageClass,
      resources: { requests: { storage: spec.storage } },
    },
  } satisfies V1PersistentVolumeClaim;

  const resources = { cpu: spec.cpu, memory: spec.memory };
  const probe = (initialDelaySeconds: number, periodSeconds: number) => ({
    httpGet: { path: HEALTH_PATH, port: ODOO_PORT },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 3,
  });
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(spec.name),
    spec: {
      replicas: spec.replicas ?? 1,
      // Odoo keeps state on its volume: never two pods at once.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...instancePodLabels(spec), ...spec.labels } },
        spec: {
          containers: [
            {
              name: 'odoo',
              image: spec.image,
              ports: [{ name: 'http', containerPort: ODOO_PORT }],
              env: [...databaseEnv(spec), ...spec.env.map(([name, value]) => ({ name, value }))],
              resources: { requests: resources, limits: resources },
              volumeMounts: [{ name: DATA_VOLUME, mountPath: dataMountPathForImage(spec.image) }],
              readinessProbe: probe(30, 10),
              livenessProbe: probe(120, 30),
            },
          ],
          volumes: [{ name: DATA_VOLUME, persistentVolumeClaim: { claimName: pvcName } }],
        },
      },
    },
  } satisfies V1Deployment;

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(spec.name),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: ODOO_PORT, targetPort: ODOO_PORT, protocol: 'TCP' }],
    },
  } satisfies V1Service;

  return { pvc, service, ingress: ingressFor(spec, meta(spec.name)), deployment };
}

/** The IngressRoute or Ingress of a new instance with a host (none without). */
function ingressFor(spec: InstanceSpec, metadata: { name: string; namespace: string; labels: Record<string, string> }) {
  if (spec.ingress === 'ingressroute' && spec.host) {
    return {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute' as const,
      metadata,
      spec: {
        entryPoints: ['web', 'websecure'],
        routes: [{ match: `Host(\`${spec.host}\`)`, kind: 'Rule', services: [{ name: spec.name, port: ODOO_PORT }] }],
      },
    } satisfies IngressRoute;
  }
  if (spec.ingress === 'ingress' && spec.host) {
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress' as const,
      metadata: { ...metadata, annotations: { 'traefik.ingress.kubernetes.io/router.entrypoints': 'web' } },
      spec: {
        rules: [
          {
            host: spec.host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: spec.name, port: { number: ODOO_PORT } } } }] },
          },
        ],
      },
    } satisfies V1Ingress;
  }
  return undefined;
}
