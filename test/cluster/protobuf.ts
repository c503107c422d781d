// Decoding of Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf). kubectl's
// typed clients (`kubectl create namespace|configmap|secret|deployment|service|job|role...`) send
// protobuf; the server answers in JSON, which kubectl accepts. Only the types and fields those
// generators fill in are described; unknown fields are skipped.
import { badRequest } from './errors.js';

type FieldKind =
  | 'string'
  | 'int'
  | 'bool'
  | 'bytes'
  | 'time'
  | 'quantity'
  | 'intOrString'
  | { msg: string }
  | { map: 'string' | 'bytes' | 'quantity' };

interface Field {
  name: string;
  kind: FieldKind;
  repeated?: boolean;
}

const f = (name: string, kind: FieldKind, repeated = false): Field => ({ name, kind, repeated });

const SCHEMAS: Record<string, Record<number, Field>> = {
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int'),
    11: f('labels', { map: 'string' }),
    12: f('annotations', { map: 'string' }),
    13: f('ownerReferences', { msg: 'OwnerReference' }, true),
    14: f('finalizers', 'string', true),
  },
  OwnerReference: { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('controller', 'bool'), 7: f('blockOwnerDeletion', 'bool') },
  Namespace: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'NamespaceSpec' }) },
  // kubectl auth can-i (k8s.io/api/authorization/v1/generated.proto).
  SelfSubjectAccessReview: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'SelfSubjectAccessReviewSpec' }) },
  SelfSubjectAccessReviewSpec: { 1: f('resourceAttributes', { msg: 'ResourceAttributes' }), 2: f('nonResourceAttributes', { msg: 'NonResourceAttributes' }) },
  ResourceAttributes: { 1: f('namespace', 'string'), 2: f('verb', 'string'), 3: f('group', 'string'), 4: f('version', 'string'), 5: f('resource', 'string'), 6: f('subresource', 'string'), 7: f('name', 'string') },
  NonResourceAttributes: { 1: f('path', 'string'), 2: f('verb', 'string') },
  SelfSubjectRulesReview: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'SelfSubjectRulesReviewSpec' }) },
  SelfSubjectRulesReviewSpec: { 1: f('namespace', 'string') },
  NamespaceSpec: { 1: f('finalizers', 'string', true) },
  ConfigMap: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('data', { map: 'string' }), 3: f('binaryData', { map: 'bytes' }), 4: f('immutable', 'bool') },
  Secret: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('data', { map: 'bytes' }), 3: f('type', 'string'), 4: f('stringData', { map: 'string' }), 5: f('immutable', 'bool') },
  ServiceAccount: { 1: f('metadata', { msg: 'ObjectMeta' }), 4: f('automountServiceAccountToken', 'bool') },
  Deployment: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'DeploymentSpec' }) },
  DeploymentSpec: {
    1: f('replicas', 'int'),
    2: f('selector', { msg: 'LabelSelector' }),
    3: f('template', { msg: 'PodTemplateSpec' }),
    4: f('strategy', { msg: 'DeploymentStrategy' }),
    5: f('minReadySeconds', 'int'),
    6: f('revisionHistoryLimit', 'int'),
    7: f('paused', 'bool'),
    9: f('progressDeadlineSeconds', 'int'),
  },
  DeploymentStrategy: { 1: f('type', 'string') },
  LabelSelector: { 1: f('matchLabels', { map: 'string' }), 2: f('matchExpressions', { msg: 'LabelSelectorRequirement' }, true) },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('values', 'string', true) },
  PodTemplateSpec: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'PodSpec' }) },
  Pod: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'PodSpec' }) },
  PodSpec: {
    1: f('volumes', { msg: 'Volume' }, true),
    2: f('containers', { msg: 'Container' }, true),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int'),
    6: f('dnsPolicy', 'string'),
    7: f('nodeSelector', { map: 'string' }),
    8: f('serviceAccountName', 'string'),
    9: f('serviceAccount', 'string'),
    10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'),
    20: f('initContainers', { msg: 'Container' }, true),
    21: f('automountServiceAccountToken', 'bool'),
  },
  // A Volume's source is an embedded message whose fields JSON puts on the Volume itself (inline: name '').
  Volume: { 1: f('name', 'string'), 2: f('', { msg: 'VolumeSource' }) },
  VolumeSource: {
    1: f('hostPath', { msg: 'HostPathVolumeSource' }),
    2: f('emptyDir', { msg: 'EmptyDirVolumeSource' }),
    6: f('secret', { msg: 'SecretVolumeSource' }),
    10: f('persistentVolumeClaim', { msg: 'PersistentVolumeClaimVolumeSource' }),
    16: f('downwardAPI', { msg: 'DownwardAPIVolumeSource' }),
    19: f('configMap', { msg: 'ConfigMapVolumeSource' }),
    26: f('projected', { msg: 'ProjectedVolumeSource' }),
  },
  HostPathVolumeSource: { 1: f('path', 'string'), 2: f('type', 'string') },
  EmptyDirVolumeSource: { 1: f('medium', 'string'), 2: f('sizeLimit', 'quantity') },
  SecretVolumeSource: { 1: f('secretName', 'string'), 2: f('items', { msg: 'KeyToPath' }, true), 3: f('defaultMode', 'int'), 4: f('optional', 'bool') },
  PersistentVolumeClaimVolumeSource: { 1: f('claimName', 'string'), 2: f('readOnly', 'bool') },
  DownwardAPIVolumeSource: { 1: f('items', { msg: 'DownwardAPIVolumeFile' }, true), 2: f('defaultMode', 'int') },
  ConfigMapVolumeSource: { 1: f('', { msg: 'LocalObjectReference' }), 2: f('items', { msg: 'KeyToPath' }, true), 3: f('defaultMode', 'int'), 4: f('optional', 'bool') },
  ProjectedVolumeSource: { 1: f('sources', { msg: 'VolumeProjection' }, true), 2: f('defaultMode', 'int') },
  VolumeProjection: {
    1: f('secret', { msg: 'SecretProjection' }),
    2: f('downwardAPI', { msg: 'DownwardAPIProjection' }),
    3: f('configMap', { msg: 'ConfigMapProjection' }),
    4: f('serviceAccountToken', { msg: 'ServiceAccountTokenProjection' }),
  },
  SecretProjection: { 1: f('', { msg: 'LocalObjectReference' }), 2: f('items', { msg: 'KeyToPath' }, true), 4: f('optional', 'bool') },
  ConfigMapProjection: { 1: f('', { msg: 'LocalObjectReference' }), 2: f('items', { msg: 'KeyToPath' }, true), 4: f('optional', 'bool') },
  DownwardAPIProjection: { 1: f('items', { msg: 'DownwardAPIVolumeFile' }, true) },
  ServiceAccountTokenProjection: { 1: f('audience', 'string'), 2: f('expirationSeconds', 'int'), 3: f('path', 'string') },
  LocalObjectReference: { 1: f('name', 'string') },
  KeyToPath: { 1: f('key', 'string'), 2: f('path', 'string'), 3: f('mode', 'int') },
  DownwardAPIVolumeFile: { 1: f('path', 'string'), 2: f('fieldRef', { msg: 'ObjectFieldSelector' }), 4: f('mode', 'int') },
  ObjectFieldSelector: { 1: f('apiVersion', 'string'), 2: f('fieldPath', 'string') },
  VolumeMount: { 1: f('name', 'string'), 2: f('readOnly', 'bool'), 3: f('mountPath', 'string'), 4: f('subPath', 'string'), 5: f('mountPropagation', 'string'), 6: f('subPathExpr', 'string') },
  Container: {
    1: f('name', 'string'),
    2: f('image', 'string'),
    3: f('command', 'string', true),
    4: f('args', 'string', true),
    5: f('workingDir', 'string'),
    6: f('ports', { msg: 'ContainerPort' }, true),
    7: f('env', { msg: 'EnvVar' }, true),
    8: f('resources', { msg: 'ResourceRequirements' }),
    9: f('volumeMounts', { msg: 'VolumeMount' }, true),
    14: f('imagePullPolicy', 'string'),
    16: f('stdin', 'bool'),
    17: f('stdinOnce', 'bool'),
    18: f('tty', 'bool'),
  },
  ContainerPort: { 1: f('name', 'string'), 2: f('hostPort', 'int'), 3: f('containerPort', 'int'), 4: f('protocol', 'string') },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string'), 3: f('valueFrom', { msg: 'EnvVarSource' }) },
  EnvVarSource: { 1: f('fieldRef', { msg: 'ObjectFieldSelector' }), 3: f('configMapKeyRef', { msg: 'KeySelector' }), 4: f('secretKeyRef', { msg: 'KeySelector' }) },
  // ConfigMapKeySelector and SecretKeySelector share their layout.
  KeySelector: { 1: f('', { msg: 'LocalObjectReference' }), 2: f('key', 'string'), 3: f('optional', 'bool') },
  ResourceRequirements: { 1: f('limits', { map: 'quantity' }), 2: f('requests', { map: 'quantity' }) },
  Service: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'ServiceSpec' }) },
  ServiceSpec: {
    1: f('ports', { msg: 'ServicePort' }, true),
    2: f('selector', { map: 'string' }),
    3: f('clusterIP', 'string'),
    4: f('type', 'string'),
    5: f('externalIPs', 'string', true),
    7: f('sessionAffinity', 'string'),
    10: f('externalName', 'string'),
  },
  ServicePort: { 1: f('name', 'string'), 2: f('protocol', 'string'), 3: f('port', 'int'), 4: f('targetPort', 'intOrString'), 5: f('nodePort', 'int') },
  Job: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('spec', { msg: 'JobSpec' }) },
  JobSpec: {
    1: f('parallelism', 'int'),
    2: f('completions', 'int'),
    3: f('activeDeadlineSeconds', 'int'),
    4: f('selector', { msg: 'LabelSelector' }),
    5: f('manualSelector', 'bool'),
    6: f('template', { msg: 'PodTemplateSpec' }),
    7: f('backoffLimit', 'int'),
    8: f('ttlSecondsAfterFinished', 'int'),
    10: f('suspend', 'bool'),
  },
  Role: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('rules', { msg: 'PolicyRule' }, true) },
  ClusterRole: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('rules', { msg: 'PolicyRule' }, true) },
  PolicyRule: { 1: f('verbs', 'string', true), 2: f('apiGroups', 'string', true), 3: f('resources', 'string', true), 4: f('resourceNames', 'string', true), 5: f('nonResourceURLs', 'string', true) },
  RoleBinding: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('subjects', { msg: 'Subject' }, true), 3: f('roleRef', { msg: 'RoleRef' }) },
  ClusterRoleBinding: { 1: f('metadata', { msg: 'ObjectMeta' }), 2: f('subjects', { msg: 'Subject' }, true), 3: f('roleRef', { msg: 'RoleRef' }) },
  Subject: { 1: f('kind', 'string'), 2: f('apiGroup', 'string'), 3: f('name', 'string'), 4: f('namespace', 'string') },
  RoleRef: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') },
  PersistentVolumeClaim: { 1: f('metadata', { msg: 'ObjectMeta' }) },
  Ingress: { 1: f('metadata', { msg: 'ObjectMeta' }) },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function decodeMessage(buf: Buffer, type: string): any {
  const schema = SCHEMAS[type];
  const out: any = {};
  const r = new Reader(buf);
  while (!r.done) {
    const key = Number(r.varint());
    const no = key >> 3;
    const wire = key & 7;
    const field = schema?.[no];
    if (!field) {
      r.skip(wire);
      continue;
    }
    const kind = field.kind;
    let value: any;
    if (typeof kind === 'object' && 'map' in kind) {
      const entry = new Reader(r.bytes());
      let k = '';
      let v: any = kind.map === 'bytes' ? '' : '';
      while (!entry.done) {
        const ek = Number(entry.varint());
        if (ek >> 3 === 1) k = entry.bytes().toString('utf8');
        else if (ek >> 3 === 2) {
          const raw = entry.bytes();
          v = kind.map === 'bytes' ? raw.toString('base64') : kind.map === 'quantity' ? decodeQuantity(raw) : raw.toString('utf8');
        } else entry.skip(ek & 7);
      }
      out[field.name] ??= {};
      out[field.name][k] = v;
      continue;
    }
    if (typeof kind === 'object' && field.name === '') {
      // An embedded message JSON inlines (a Volume's source, a LocalObjectReference).
      Object.assign(out, decodeMessage(r.bytes(), kind.msg));
      continue;
    }
    if (typeof kind === 'object') value = decodeMessage(r.bytes(), kind.msg);
    else if (kind === 'string') value = r.bytes().toString('utf8');
    else if (kind === 'bytes') value = r.bytes().toString('base64');
    else if (kind === 'int') value = signed(r.varint());
    else if (kind === 'bool') value = r.varint() !== 0n;
    else if (kind === 'quantity') value = decodeQuantity(r.bytes());
    else if (kind === 'intOrString') value = decodeIntOrString(r.bytes());
    else {
      r.skip(wire);
      continue;
    }
    if (field.repeated) (out[field.name] ??= []).push(value);
    else if (!isZero(field, value)) out[field.name] = value;
  }
  return out;
}

// Go's protobuf encoding writes non-pointer fields even when empty; JSON leaves them out (omitempty).
const KEEP_ZERO = new Set(['replicas', 'parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'terminationGracePeriodSeconds', 'automountServiceAccountToken', 'immutable']);
function isZero(field: Field, value: unknown): boolean {
  if (KEEP_ZERO.has(field.name)) return false;
  return value === '' || value === 0 || value === false;
}

function decodeQuantity(buf: Buffer): string {
  const r = new Reader(buf);
  let s = '';
  while (!r.done) {
    const k = Number(r.varint());
    if (k >> 3 === 1) s = r.bytes().toString('utf8');
    else r.skip(k & 7);
  }
  return s;
}

function decodeIntOrString(buf: Buffer): number | string {
  const r = new Reader(buf);
  let type = 0;
  let i = 0;
  let s = '';
  while (!r.done) {
    const k = Number(r.varint());
    const no = k >> 3;
    if (no === 1) type = Number(r.varint());
    else if (no === 2) i = signed(r.varint());
    else if (no === 3) s = r.bytes().toString('utf8');
    else r.skip(k & 7);
  }
  return type === 1 ? s : i;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The JSON form of a protobuf-encoded object (the runtime.Unknown envelope with its magic prefix). */
export function decodeKubernetesProtobuf(body: Buffer): any {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('the body of the request is not a Kubernetes protobuf message');
  try {
    const r = new Reader(body.subarray(4));
    let apiVersion = '';
    let kind = '';
    let raw = Buffer.alloc(0);
    while (!r.done) {
      const k = Number(r.varint());
      const no = k >> 3;
      if (no === 1) {
        const tm = new Reader(r.bytes());
        while (!tm.done) {
          const tk = Number(tm.varint());
          if (tk >> 3 === 1) apiVersion = tm.bytes().toString('utf8');
          else if (tk >> 3 === 2) kind = tm.bytes().toString('utf8');
          else tm.skip(tk & 7);
        }
      } else if (no === 2) raw = Buffer.from(r.bytes());
      else r.skip(k & 7);
    }
    if (!SCHEMAS[kind]) throw badRequest(`the test cluster cannot decode protobuf for kind ${kind}; send JSON`);
    return { apiVersion, kind, ...decodeMessage(raw, kind) };
  } catch (e) {
    if ((e as { status?: unknown }).status) throw e;
    throw badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message}`);
  }
}
