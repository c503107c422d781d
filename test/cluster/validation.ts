// Defaults, validation and admission for the resources the cluster serves: enough of the real
// strategies (pkg/registry/*/strategy.go, pkg/apis/*/validation) and admission plugins to give the
// same 422s and 403s a real API server gives for the mistakes our tools can make.
import { parseCron } from '../../lib/cron.js';
import { invalid, forbidden, type StatusCause } from './errors.js';
import { resourceDef, type ResourceDef } from './resources.js';
import type { Store } from './store.js';
import { parseQuantity } from './quantity.js';
import { admitPod } from './podSecurity.js';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
const DNS1035_LABEL_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const GENERATION_TRACKED = new Set(['deployments', 'replicasets', 'daemonsets', 'jobs', 'ingresses', 'ingressroutes', 'cephclusters', 'customresourcedefinitions']);

export function tracksGeneration(def: ResourceDef): boolean {
  return GENERATION_TRACKED.has(def.plural);
}

const q = (v: unknown) => JSON.stringify(v);
const invalidValue = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${typeof value === 'string' ? q(value) : typeof value === 'object' ? q(value) : String(value)}: ${detail}`,
  field,
});
const required = (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', message: `Required value${detail ? `: ${detail}` : ''}`, field });
const forbiddenField = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field });
const unsupported = (field: string, value: string, allowed: string[]): StatusCause => ({
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${q(value)}: supported values: ${allowed.map((a) => q(a)).join(', ')}`,
  field,
});

export function nameCauses(def: ResourceDef, name: string | undefined, field = 'metadata.name'): StatusCause[] {
  if (!name) return [required(field, 'name or generateName is required')];
  switch (def.nameRule) {
    case 'label':
      if (name.length > 63) return [invalidValue(field, name, 'must be no more than 63 characters')];
      return DNS1123_LABEL_RE.test(name) ? [] : [invalidValue(field, name, LABEL_MSG)];
    case 'dns1035':
      if (name.length > 63) return [invalidValue(field, name, 'must be no more than 63 characters')];
      return DNS1035_LABEL_RE.test(name) ? [] : [invalidValue(field, name, DNS1035_MSG)];
    case 'path':
      if (name === '.' || name === '..') return [invalidValue(field, name, `may not be '${name}'`)];
      if (/[/%]/.test(name)) return [invalidValue(field, name, `may not contain '${name.includes('/') ? '/' : '%'}'`)];
      return [];
    default:
      if (name.length > 253) return [invalidValue(field, name, 'must be no more than 253 characters')];
      return DNS1123_SUBDOMAIN_RE.test(name) ? [] : [invalidValue(field, name, SUBDOMAIN_MSG)];
  }
}

function labelCauses(labels: Record<string, unknown> | undefined, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (typeof v !== 'string' || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) || v.length > 63)
      out.push(
        invalidValue(`${field}`, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
      );
    void k;
  }
  return out;
}

// ---- defaults ----

function defaultPodSpec(spec: any): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= typeof c.image === 'string' && (c.image.endsWith(':latest') || !/:[^/]+$/.test(c.image)) ? 'Always' : 'IfNotPresent';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      if (!probe) continue;
      probe.timeoutSeconds ??= 1;
      probe.periodSeconds ??= 10;
      probe.successThreshold ??= 1;
      probe.failureThreshold ??= 3;
      if (probe.httpGet) probe.httpGet.scheme ??= 'HTTP';
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 420;
    if (v.secret) v.secret.defaultMode ??= 420;
  }
}

let nextClusterIp = 10;

export function prepareCreate(def: ResourceDef, obj: any, store: Store): void {
  const md = obj.metadata;
  switch (def.plural) {
    case 'namespaces':
      md.labels = { ...(md.labels ?? {}), 'kubernetes.io/metadata.name': md.name };
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      break;
    case 'pods':
      obj.spec ??= {};
      defaultPodSpec(obj.spec);
      obj.spec.serviceAccountName ??= 'default';
      obj.spec.serviceAccount ??= obj.spec.serviceAccountName;
      mountServiceAccountToken(obj, store);
      obj.spec.enableServiceLinks ??= true;
      obj.spec.preemptionPolicy ??= 'PreemptLowerPriority';
      obj.spec.priority ??= 0;
      obj.spec.tolerations ??= [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ];
      obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
      break;
    case 'deployments':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.progressDeadlineSeconds ??= 600;
      obj.spec.strategy ??= { type: 'RollingUpdate' };
      if ((obj.spec.strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
        obj.spec.strategy.type = 'RollingUpdate';
        obj.spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...(obj.spec.strategy.rollingUpdate ?? {}) };
      }
      defaultPodSpec(obj.spec.template?.spec);
      obj.status ??= {};
      break;
    case 'replicasets':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      defaultPodSpec(obj.spec.template?.spec);
      obj.status ??= { replicas: 0 };
      break;
    case 'daemonsets':
      obj.spec ??= {};
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      defaultPodSpec(obj.spec.template?.spec);
      obj.status ??= { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
      break;
    case 'jobs': {
      obj.spec ??= {};
      obj.spec.parallelism ??= 1;
      obj.spec.completions ??= 1;
      obj.spec.backoffLimit ??= 6;
      obj.spec.completionMode ??= 'NonIndexed';
      obj.spec.suspend ??= false;
      obj.spec.podReplacementPolicy ??= 'TerminatingOrFailed';
      const tpl = obj.spec.template ?? {};
      if (!obj.spec.selector && !obj.spec.manualSelector) {
        // The Job controller's generated selector: controller-uid labels on the template.
        const uid = md.uid;
        obj.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
        tpl.metadata ??= {};
        tpl.metadata.labels = { ...(tpl.metadata.labels ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': md.name, 'controller-uid': uid, 'job-name': md.name };
      }
      defaultPodSpec(tpl.spec);
      obj.status ??= {};
      break;
    }
    case 'cronjobs': {
      // pkg/apis/batch/v1/defaults.go
      obj.spec ??= {};
      obj.spec.concurrencyPolicy ??= 'Allow';
      obj.spec.suspend ??= false;
      obj.spec.successfulJobsHistoryLimit ??= 3;
      obj.spec.failedJobsHistoryLimit ??= 1;
      defaultPodSpec(obj.spec.jobTemplate?.spec?.template?.spec);
      obj.status ??= {};
      break;
    }
    case 'services': {
      obj.spec ??= {};
      obj.spec.type ??= 'ClusterIP';
      obj.spec.sessionAffinity ??= 'None';
      if (obj.spec.clusterIP !== 'None') {
        obj.spec.clusterIP ??= `10.96.${(nextClusterIp >> 8) & 255}.${nextClusterIp++ & 255 || 1}`;
      }
      obj.spec.clusterIPs ??= [obj.spec.clusterIP];
      obj.spec.ipFamilies ??= ['IPv4'];
      obj.spec.ipFamilyPolicy ??= 'SingleStack';
      obj.spec.internalTrafficPolicy ??= 'Cluster';
      for (const p of obj.spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      obj.status ??= { loadBalancer: {} };
      break;
    }
    case 'persistentvolumeclaims':
      // The StorageObjectInUseProtection admission plugin.
      if (!md.finalizers?.includes('kubernetes.io/pvc-protection')) md.finalizers = [...(md.finalizers ?? []), 'kubernetes.io/pvc-protection'];
      obj.spec ??= {};
      obj.spec.volumeMode ??= 'Filesystem';
      if (obj.spec.storageClassName === undefined) {
        const dflt = store.scan('storageclasses').find((sc) => sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
        if (dflt) obj.spec.storageClassName = dflt.metadata.name;
      }
      obj.status = { phase: 'Pending' };
      break;
    case 'persistentvolumes':
      if (!md.finalizers?.includes('kubernetes.io/pv-protection')) md.finalizers = [...(md.finalizers ?? []), 'kubernetes.io/pv-protection'];
      obj.spec ??= {};
      obj.spec.persistentVolumeReclaimPolicy ??= 'Retain';
      obj.spec.volumeMode ??= 'Filesystem';
      obj.status ??= { phase: 'Pending' };
      break;
    case 'secrets':
      obj.type ??= 'Opaque';
      if (obj.stringData) {
        obj.data ??= {};
        for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
      break;
    case 'storageclasses':
      obj.reclaimPolicy ??= 'Delete';
      obj.volumeBindingMode ??= 'Immediate';
      break;
    case 'events':
      obj.count ??= 1;
      break;
    case 'leases':
      dropLeaseElectionFields(obj);
      break;
    case 'ingressroutes':
    case 'cephclusters':
      break;
  }
}

const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): unless the pod or its
 * service account sets automountServiceAccountToken: false, a projected volume kube-api-access-<5>
 * (a bound token, the cluster CA, the namespace) is mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in every container that has nothing mounted there.
 * (A missing service account is not refused here, as the real plugin would.)
 */
function mountServiceAccountToken(pod: any, store: Store): void {
  const sa = store.peek('serviceaccounts', pod.metadata.namespace, pod.spec.serviceAccountName);
  if (!sa || (pod.spec.automountServiceAccountToken ?? sa.automountServiceAccountToken) === false) return;
  const name = `kube-api-access-${Array.from({ length: 5 }, () => 'bcdfghjklmnpqrstvwxz2456789'[Math.floor(Math.random() * 27)]).join('')}`;
  pod.spec.volumes = [
    ...(pod.spec.volumes ?? []),
    {
      name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ];
  for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
    if ((c.volumeMounts ?? []).some((m: any) => m.mountPath === SERVICE_ACCOUNT_MOUNT)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT }];
  }
}

/** strategy and preferredHolder belong to the CoordinatedLeaderElection feature, off in 1.32: dropped. */
function dropLeaseElectionFields(obj: any): void {
  if (!obj.spec) return;
  delete obj.spec.strategy;
  delete obj.spec.preferredHolder;
}

export function prepareUpdate(def: ResourceDef, obj: any, old: any, store: Store): void {
  switch (def.plural) {
    case 'namespaces':
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
      // spec.finalizers change only through the finalize subresource; status.phase is the server's.
      if (obj.spec?.finalizers === undefined || old.metadata.deletionTimestamp === undefined) obj.spec = old.spec;
      obj.status = old.status;
      break;
    case 'secrets':
      if (obj.stringData) {
        obj.data ??= {};
        for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
      break;
    case 'leases':
      dropLeaseElectionFields(obj);
      break;
    case 'pods':
    case 'deployments':
    case 'replicasets':
    case 'daemonsets':
      defaultPodSpec(def.plural === 'pods' ? obj.spec : obj.spec?.template?.spec);
      break;
    case 'services':
      if (obj.spec) {
        obj.spec.clusterIP ??= old.spec?.clusterIP;
        obj.spec.clusterIPs ??= old.spec?.clusterIPs;
        obj.spec.type ??= 'ClusterIP';
        obj.spec.sessionAffinity ??= 'None';
        for (const p of obj.spec.ports ?? []) {
          p.protocol ??= 'TCP';
          p.targetPort ??= p.port;
        }
      }
      break;
  }
  void store;
}

// ---- validation ----

function objectCauses(def: ResourceDef, obj: any): StatusCause[] {
  const causes = nameCauses(def, obj.metadata.name);
  causes.push(...labelCauses(obj.metadata.labels, 'metadata.labels'));
  for (const f of obj.metadata.finalizers ?? []) {
    if (typeof f !== 'string' || (!f.includes('/') && !['orphan', 'foregroundDeletion', 'kubernetes'].includes(f) && !f.startsWith('kubernetes.io/')))
      causes.push(invalidValue('metadata.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return causes;
}

function podSpecCauses(spec: any, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!spec) return [required(path)];
  const containers = spec.containers ?? [];
  if (!Array.isArray(containers) || containers.length === 0) causes.push(required(`${path}.containers`));
  const seen = new Set<string>();
  containers.forEach((c: any, i: number) => {
    const p = `${path}.containers[${i}]`;
    if (!c?.name) causes.push(required(`${p}.name`));
    else {
      if (!DNS1123_LABEL_RE.test(c.name)) causes.push(invalidValue(`${p}.name`, c.name, LABEL_MSG));
      if (seen.has(c.name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${q(c.name)}`, field: `${p}.name` });
      seen.add(c.name);
    }
    if (!c?.image) causes.push(required(`${p}.image`));
  });
  const vols = new Set<string>((spec.volumes ?? []).map((v: any) => v.name));
  containers.forEach((c: any, i: number) =>
    (c?.volumeMounts ?? []).forEach((m: any, j: number) => {
      if (!vols.has(m.name)) causes.push({ reason: 'FieldValueNotFound', message: `Not found: ${q(m.name)}`, field: `${path}.containers[${i}].volumeMounts[${j}].name` });
    }),
  );
  const rp = spec.restartPolicy;
  if (rp && !['Always', 'OnFailure', 'Never'].includes(rp)) causes.push(unsupported(`${path}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']));
  return causes;
}

function selectorCauses(obj: any, kind: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const sel = obj.spec?.selector;
  if (!sel) return [required('spec.selector')];
  const labels = obj.spec?.template?.metadata?.labels ?? {};
  const ml = sel.matchLabels ?? {};
  if (Object.keys(ml).length === 0 && !(sel.matchExpressions?.length)) causes.push(invalidValue('spec.selector', sel, 'empty selector is invalid for deployment'));
  for (const [k, v] of Object.entries(ml)) {
    if (labels[k] !== v) {
      causes.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
      break;
    }
  }
  void kind;
  return causes;
}

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

function pvcCauses(obj: any): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj.spec ?? {};
  if (!spec.accessModes?.length) causes.push(required('spec.accessModes'));
  for (const m of spec.accessModes ?? []) if (!ACCESS_MODES.includes(m)) causes.push(unsupported('spec.accessModes', m, ACCESS_MODES));
  const storage = spec.resources?.requests?.storage;
  // A malformed quantity never gets here: it is a decoding error (decode.ts).
  if (storage === undefined) causes.push(required('spec.resources[storage]'));
  else if ((parseQuantity(storage) ?? 0) <= 0) causes.push(invalidValue('spec.resources.requests[storage]', storage, 'must be greater than zero'));
  return causes;
}

function specificCauses(def: ResourceDef, obj: any): StatusCause[] {
  switch (def.plural) {
    case 'pods':
      return podSpecCauses(obj.spec, 'spec');
    case 'deployments':
    case 'replicasets':
    case 'daemonsets': {
      const causes = selectorCauses(obj, def.kind);
      causes.push(...podSpecCauses(obj.spec?.template?.spec, 'spec.template.spec'));
      if (def.plural !== 'daemonsets' && (obj.spec?.replicas ?? 0) < 0) causes.push(invalidValue('spec.replicas', obj.spec.replicas, 'must be greater than or equal to 0'));
      if (def.plural === 'deployments') {
        const t = obj.spec?.strategy?.type;
        if (t && !['Recreate', 'RollingUpdate'].includes(t)) causes.push(unsupported('spec.strategy.type', t, ['Recreate', 'RollingUpdate']));
        if (t === 'Recreate' && obj.spec.strategy.rollingUpdate) causes.push(forbiddenField('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
      }
      return causes;
    }
    case 'jobs': {
      const causes = podSpecCauses(obj.spec?.template?.spec, 'spec.template.spec');
      const rp = obj.spec?.template?.spec?.restartPolicy;
      if (rp && rp !== 'OnFailure' && rp !== 'Never') causes.push(unsupported('spec.template.spec.restartPolicy', rp, ['OnFailure', 'Never']));
      return causes;
    }
    case 'cronjobs': {
      // pkg/apis/batch/validation: the schedule parses (robfig/cron ParseStandard), the policy is known,
      // the name leaves room for the Jobs' suffix, the Job template's restartPolicy is OnFailure or Never.
      const causes = podSpecCauses(obj.spec?.jobTemplate?.spec?.template?.spec, 'spec.jobTemplate.spec.template.spec');
      const schedule = obj.spec?.schedule;
      if (!schedule) causes.push(required('spec.schedule'));
      else {
        try {
          parseCron(schedule);
        } catch (e) {
          causes.push(invalidValue('spec.schedule', schedule, (e as Error).message));
        }
      }
      const cp = obj.spec?.concurrencyPolicy;
      if (cp && !['Allow', 'Forbid', 'Replace'].includes(cp)) causes.push(unsupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
      const tz = obj.spec?.timeZone;
      if (tz !== undefined && !['UTC', 'Etc/UTC'].includes(tz)) causes.push(invalidValue('spec.timeZone', tz, 'unknown time zone (the test cluster knows UTC and Etc/UTC)'));
      if ((obj.metadata?.name ?? '').length > 52) causes.push(invalidValue('metadata.name', obj.metadata.name, 'must be no more than 52 characters'));
      const rp = obj.spec?.jobTemplate?.spec?.template?.spec?.restartPolicy;
      if (rp && rp !== 'OnFailure' && rp !== 'Never') causes.push(unsupported('spec.jobTemplate.spec.template.spec.restartPolicy', rp, ['OnFailure', 'Never']));
      return causes;
    }
    case 'persistentvolumeclaims':
      return pvcCauses(obj);
    case 'services': {
      const causes: StatusCause[] = [];
      const ports = obj.spec?.ports ?? [];
      if (obj.spec?.type !== 'ExternalName' && ports.length === 0) causes.push(required('spec.ports'));
      ports.forEach((p: any, i: number) => {
        if (!(p.port >= 1 && p.port <= 65535)) causes.push(invalidValue(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
      });
      return causes;
    }
    case 'configmaps':
    case 'secrets': {
      const causes: StatusCause[] = [];
      for (const k of [...Object.keys(obj.data ?? {}), ...Object.keys(obj.binaryData ?? {})])
        if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253)
          causes.push(invalidValue(`data[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      return causes;
    }
    case 'storageclasses':
      return obj.provisioner ? [] : [required('provisioner')];
    case 'events':
      return obj.involvedObject ? [] : [required('involvedObject')];
    case 'leases': {
      // pkg/apis/coordination/validation: ValidateLeaseSpec.
      const causes: StatusCause[] = [];
      const spec = obj.spec ?? {};
      if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) causes.push(invalidValue('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
      if (spec.leaseTransitions != null && spec.leaseTransitions < 0) causes.push(invalidValue('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
      return causes;
    }
    default:
      return [];
  }
}

export function validateCreate(def: ResourceDef, obj: any, store: Store): void {
  const causes = [...objectCauses(def, obj), ...specificCauses(def, obj)];
  if (causes.length) throw invalid(def, obj.metadata.name ?? '', causes);
  // Validating admission: Pod Security, for every creator (kubectl, the Job and ReplicaSet controllers).
  if (def.plural === 'pods') admitPod(store.peek('namespaces', undefined, obj.metadata.namespace)?.metadata?.labels, obj);
}

export function validateUpdate(def: ResourceDef, obj: any, old: any, store: Store): void {
  const causes = [...objectCauses(def, obj), ...specificCauses(def, obj)];
  if ((def.plural === 'deployments' || def.plural === 'replicasets' || def.plural === 'daemonsets') && JSON.stringify(obj.spec?.selector) !== JSON.stringify(old.spec?.selector))
    causes.push(invalidValue('spec.selector', obj.spec?.selector, 'field is immutable'));
  if (def.plural === 'persistentvolumeclaims') causes.push(...pvcUpdateCauses(obj, old));
  if (def.plural === 'storageclasses') {
    for (const f of ['parameters', 'provisioner', 'reclaimPolicy', 'volumeBindingMode'])
      if (JSON.stringify(obj[f]) !== JSON.stringify(old[f])) causes.push(forbiddenField(f, 'updates to ' + f + ' are forbidden.'));
  }
  if (causes.length) throw invalid(def, obj.metadata.name, causes);
  if (def.plural === 'persistentvolumeclaims') admitPvcResize(def, obj, old, store);
}

function pvcUpdateCauses(obj: any, old: any): StatusCause[] {
  const causes: StatusCause[] = [];
  const newSize = parseQuantity(obj.spec?.resources?.requests?.storage);
  const oldSize = parseQuantity(old.spec?.resources?.requests?.storage);
  const rest = (s: any) => JSON.stringify({ ...s, resources: undefined, volumeName: undefined, volumeAttributesClassName: undefined });
  if (old.status?.phase === 'Bound' || old.spec?.volumeName) {
    if (rest(obj.spec) !== rest(old.spec) || (old.spec?.volumeName && obj.spec?.volumeName !== old.spec.volumeName))
      causes.push(forbiddenField('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  } else if (rest(obj.spec) !== rest(old.spec) || newSize !== oldSize) {
    causes.push(forbiddenField('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  if (newSize !== undefined && oldSize !== undefined && newSize < oldSize)
    causes.push(forbiddenField('spec.resources.requests.storage', 'field can not be less than previous value'));
  return causes;
}

/** GetPersistentVolumeClaimClass / GetPersistentVolumeClass: the beta annotation wins over the field. */
export function claimClass(obj: any): string {
  return obj.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? obj.spec?.storageClassName ?? '';
}

/** The PersistentVolumeClaimResize admission plugin (plugin/pkg/admission/storage/persistentvolume/resize). */
function admitPvcResize(def: ResourceDef, obj: any, old: any, store: Store): void {
  const newSize = parseQuantity(obj.spec?.resources?.requests?.storage);
  const oldSize = parseQuantity(old.spec?.resources?.requests?.storage);
  if (newSize === undefined || oldSize === undefined || newSize <= oldSize) return;
  if (old.status?.phase !== 'Bound') throw forbidden(def, obj.metadata.name, 'Only bound persistent volume claims can be expanded');
  // allowResize: the same, non-empty class before and after, whose StorageClass allows expansion.
  const className = claimClass(obj);
  const sc = className && className === claimClass(old) ? store.peek('storageclasses', undefined, className) : undefined;
  if (sc?.allowVolumeExpansion !== true)
    throw forbidden(def, obj.metadata.name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
}

function qosClass(spec: any): string {
  const cs = spec?.containers ?? [];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const rq = req[r] ?? l;
      if (l === undefined || String(rq) !== String(l)) guaranteed = false;
    }
  }
  return guaranteed ? 'Guaranteed' : any ? 'Burstable' : 'BestEffort';
}

export { resourceDef };
