import type { Read, V1Deployment } from '../../lib/kube/models.js';
// Every label key an Odoo instance may carry. The platform's instance-service has used two schemes
// (the refactoring guide's `app/instance-id/managed-by` and the implementation guide's `saasodoo.io/*`);
// the plugin writes both plus its own, so either side recognises an instance made by the other.

/** `app=odoo` on Deployments, pods, Services and Ingresses of both schemes. */
export const LABEL_APP = 'app';
export const APP_ODOO = 'odoo';
/** The migration plan labels instance PVCs `app=odoo-instance` (and nothing instance-specific). */
export const APP_ODOO_PVC = 'odoo-instance';

/** `managed-by=saasodoo`: the platform lists its instances with `managed-by=saasodoo,app=odoo`. */
export const LABEL_MANAGED_BY = 'managed-by';
export const MANAGED_BY_SAASODOO = 'saasodoo';

/** Scheme 1 (refactoring guide): instance id on Deployment, pod template and Service selector. */
export const LABEL_INSTANCE_ID = 'instance-id';
export const LABEL_DATABASE = 'database';

/** Scheme 2 (implementation guide). */
export const LABEL_SAAS_INSTANCE_ID = 'saasodoo.io/instance-id';
export const LABEL_SAAS_CUSTOMER_ID = 'saasodoo.io/customer-id';
export const LABEL_SAAS_INSTANCE_NAME = 'saasodoo.io/instance-name';
export const LABEL_SAAS_MANAGED = 'saasodoo.io/managed';

/** The plugin's own: which tool created the object, and the instance it belongs to. */
export const LABEL_K8S_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_PLUGIN = 'kubectl-odoo';
export const LABEL_K8S_NAME = 'app.kubernetes.io/name';
export const LABEL_K8S_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_K8S_COMPONENT = 'app.kubernetes.io/component';

/** Pod template annotation `restart` sets, the same one `kubectl rollout restart` uses. */
export const ANNOTATION_RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/**
 * Set on a PVC when `delete` keeps it (value: when). `create` reuses such a volume only with
 * --reuse-volume and only for the same customer; a volume without it is from a create that did not finish.
 */
export const ANNOTATION_KEPT_AFTER_DELETE = 'kubectl-odoo.io/kept-after-delete';
/** On the Deployment while the instance is in maintenance (kubectl odoo maintenance on): a JSON record. */
export const ANNOTATION_MAINTENANCE = 'kubectl-odoo.io/maintenance';
/** The newest complete backup a followed backup recorded on the Deployment (JSON: path, takenAt, bytes). */
export const ANNOTATION_LAST_BACKUP = 'kubectl-odoo.io/last-backup';
/** The last restore drill's verdict, recorded on the Deployment (JSON: backup, at, ok, failed). */
export const ANNOTATION_LAST_DRILL = 'kubectl-odoo.io/last-drill';
/** On every object of a restore drill's throwaway instance: the instance whose backup it drills. */
export const LABEL_DRILL_OF = 'kubectl-odoo.io/drill-of';

/** A restore drill's throwaway instance: fleet runs and schedules leave it alone. */
export function isDrillInstance(deployment: Read<V1Deployment> | undefined): boolean {
  return !!deployment?.metadata?.labels?.[LABEL_DRILL_OF];
}

/** Server-side selector that finds instance Deployments, pods, Services and Ingresses of either scheme. */
export const INSTANCE_SELECTOR = `${LABEL_APP}=${APP_ODOO}`;
/** Server-side selector for instance PVCs of every scheme (`app=odoo` and the migration plan's `app=odoo-instance`). */
export const INSTANCE_PVC_SELECTOR = `${LABEL_APP} in (${APP_ODOO},${APP_ODOO_PVC})`;

export type Labels = Record<string, string | undefined> | undefined;

/** The instance id an object carries under either scheme (saasodoo.io/* first: it is the later scheme). */
export function instanceIdOf(labels: Labels): string | undefined {
  return labels?.[LABEL_SAAS_INSTANCE_ID] || labels?.[LABEL_INSTANCE_ID] || undefined;
}

export function customerIdOf(labels: Labels): string | undefined {
  return labels?.[LABEL_SAAS_CUSTOMER_ID] || undefined;
}

export function instanceNameOf(labels: Labels): string | undefined {
  return labels?.[LABEL_SAAS_INSTANCE_NAME] || labels?.[LABEL_K8S_INSTANCE] || undefined;
}

/**
 * Whether a Deployment's labels mark it as an Odoo instance: `app=odoo` plus something only instances
 * carry (an instance id under either scheme, or `managed-by=saasodoo`, or the plugin's own label).
 */
export function isInstanceWorkload(labels: Labels): boolean {
  if (labels?.[LABEL_APP] !== APP_ODOO) return false;
  return !!(
    instanceIdOf(labels) ||
    labels?.[LABEL_MANAGED_BY] === MANAGED_BY_SAASODOO ||
    labels?.[LABEL_SAAS_MANAGED] === 'true' ||
    labels?.[LABEL_K8S_MANAGED_BY] === MANAGED_BY_PLUGIN
  );
}

export function isPluginManaged(labels: Labels): boolean {
  return labels?.[LABEL_K8S_MANAGED_BY] === MANAGED_BY_PLUGIN;
}

export interface InstanceIdentity {
  /** The instance name (Deployment, Service and ingress name). */
  name: string;
  instanceId: string;
  customerId: string;
  database: string;
}

/** Labels for every object of a plugin-created instance: both platform schemes plus the plugin's own. */
export function instanceLabels(id: InstanceIdentity): Record<string, string> {
  return {
    [LABEL_APP]: APP_ODOO,
    [LABEL_MANAGED_BY]: MANAGED_BY_SAASODOO,
    [LABEL_INSTANCE_ID]: id.instanceId,
    [LABEL_SAAS_INSTANCE_ID]: id.instanceId,
    [LABEL_SAAS_CUSTOMER_ID]: id.customerId,
    [LABEL_SAAS_INSTANCE_NAME]: id.name,
    [LABEL_SAAS_MANAGED]: 'true',
    [LABEL_K8S_MANAGED_BY]: MANAGED_BY_PLUGIN,
    [LABEL_K8S_NAME]: APP_ODOO,
    [LABEL_K8S_INSTANCE]: id.name,
  };
}

/** Pod template labels: the instance labels plus the database, as the refactoring guide's pods carry. */
export function instancePodLabels(id: InstanceIdentity): Record<string, string> {
  return { ...instanceLabels(id), [LABEL_DATABASE]: id.database };
}

/** The Deployment selector / Service selector: both platforms select on `app` plus an instance id. */
export function instanceSelectorLabels(id: Pick<InstanceIdentity, 'instanceId'>): Record<string, string> {
  return { [LABEL_APP]: APP_ODOO, [LABEL_SAAS_INSTANCE_ID]: id.instanceId };
}

/** `a=b,c=d` for a matchLabels map. */
export function selectorString(matchLabels: Record<string, string>): string {
  return Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
