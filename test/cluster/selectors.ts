// Label and field selectors as the API server parses and applies them
// (k8s.io/apimachinery/pkg/labels and pkg/fields).
import { badRequest } from './errors.js';

export type LabelRequirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type LabelSelector = LabelRequirement[];

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function checkKey(key: string, selector: string): string {
  if (!KEY_RE.test(key) || key.length > 316) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  return key;
}
function checkValue(v: string): string {
  if (!VALUE_RE.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: values[0]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return v;
}

export function parseLabelSelector(selector: string | undefined | null): LabelSelector {
  if (!selector || !selector.trim()) return [];
  const reqs: LabelSelector = [];
  for (const raw of splitTop(selector)) {
    const part = raw.trim();
    if (!part) throw badRequest(`found '', expected: !, identifier, or 'end of string'`);
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3].split(',').map((v) => checkValue(v.trim()));
      reqs.push({ key: checkKey(m[1], selector), op: m[2] as 'in' | 'notin', values });
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: checkKey(m[1], selector), op: '!' });
    } else if ((m = part.match(/^([^=!<>\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ key: checkKey(m[1], selector), op: m[2] === '!=' ? '!=' : '=', value: checkValue(m[3]) });
    } else if ((m = part.match(/^([^=!<>\s]+)\s*([<>])\s*(-?\d+)$/))) {
      reqs.push({ key: checkKey(m[1], selector), op: m[2] === '>' ? 'gt' : 'lt', value: Number(m[3]) });
    } else if ((m = part.match(/^([^=!<>\s(),]+)$/))) {
      reqs.push({ key: checkKey(m[1], selector), op: 'exists' });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return reqs;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of sel) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? labels![r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
        if (v !== r.value) return false;
        break;
      case '!=':
        if (v === r.value) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'gt':
      case 'lt': {
        const n = Number(v);
        if (!has || !Number.isInteger(n)) return false;
        if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
        break;
      }
    }
  }
  return true;
}

/** A metav1.LabelSelector (matchLabels + matchExpressions), as Deployments and ReplicaSets hold it. */
export function labelSelectorFromSpec(spec: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): LabelSelector {
  const reqs: LabelSelector = [];
  for (const [key, value] of Object.entries(spec?.matchLabels ?? {})) reqs.push({ key, op: '=', value });
  for (const e of spec?.matchExpressions ?? []) {
    if (e.operator === 'In') reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
    else if (e.operator === 'NotIn') reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
    else if (e.operator === 'Exists') reqs.push({ key: e.key, op: 'exists' });
    else if (e.operator === 'DoesNotExist') reqs.push({ key: e.key, op: '!' });
  }
  return reqs;
}

// ---- field selectors ----

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** The field labels each resource supports (pkg/registry/.../strategy.go ToSelectableFields). */
const FIELDS: Record<string, string[]> = {
  pods: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  secrets: ['type'],
  namespaces: ['status.phase'],
  nodes: ['spec.unschedulable'],
  replicasets: ['status.replicas'],
  jobs: ['status.successful'],
  persistentvolumeclaims: [],
};

export function parseFieldSelector(selector: string | undefined | null, plural: string): FieldRequirement[] {
  if (!selector || !selector.trim()) return [];
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(FIELDS[plural] ?? [])]);
  const reqs: FieldRequirement[] = [];
  for (const raw of selector.split(',')) {
    const part = raw.trim();
    const m = part.match(/^([^=!]+)(==|=|!=)(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    reqs.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return reqs;
}

function fieldValue(obj: any, field: string): string {
  if (field === 'source') return obj.source?.component ?? '';
  let cur: any = obj;
  for (const p of field.split('.')) cur = cur?.[p];
  if (cur === undefined || cur === null) return field === 'spec.unschedulable' || field === 'spec.hostNetwork' ? 'false' : '';
  return String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: any): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** The value a single-name field selector pins down (kubectl get NAME -w watches with metadata.name=NAME). */
export function nameFromFieldSelector(reqs: FieldRequirement[]): string | undefined {
  return reqs.find((r) => r.field === 'metadata.name' && r.op === '=')?.value;
}
