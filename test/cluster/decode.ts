// Decoding a request body the way the API server's JSON serializer does (sigs.k8s.io/json into the
// versioned Go types), before any defaulting or validation:
//   - a value of the wrong JSON type, a malformed quantity or timestamp is a decoding error
//     (400 "<Kind> in version "v1" cannot be handled as a <Kind>: ..." for a create or update);
//   - unknown and duplicate fields are strict-decoding errors, which fieldValidation turns into a
//     400 (Strict), Warning headers (Warn, the default) or nothing (Ignore).
// The field sets come from @kubernetes/client-node's generated models, which mirror the OpenAPI
// schema of the built-in types; custom resources (x-kubernetes-preserve-unknown-fields) only get
// the duplicate-field check.
import * as k8s from '@kubernetes/client-node';
import { badRequest, StatusError } from './errors.js';
import type { ResourceDef } from './resources.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** A JSON value as parsed, with every key occurrence of every object kept in document order. */
type Node = { t: 'obj'; entries: [string, Node][] } | { t: 'arr'; items: Node[] } | { t: 'val'; v: string | number | boolean | null };

/** A decoding failure that is not about unknown or duplicate fields. */
export class DecodeFailure extends Error {}

// ---- a JSON parser that keeps duplicate keys ----

export function parseJsonNodes(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (): never => {
    // Go's json syntax error, as the serializer reports it.
    throw new DecodeFailure(i >= text.length ? 'unexpected end of JSON input' : `invalid character '${text[i]}' looking for beginning of value`);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (): Node => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, Node][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'obj', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        entries.push([k, value()]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'obj', entries };
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      const items: Node[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'arr', items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'arr', items };
        }
        fail();
      }
    }
    if (c === '"') return { t: 'val', v: str() };
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
    const lit = m![0];
    return { t: 'val', v: lit === 'true' ? true : lit === 'false' ? false : lit === 'null' ? null : Number(lit) };
  };
  const root = value();
  ws();
  if (i < text.length) throw new DecodeFailure(`invalid character '${text[i]}' after top-level value`);
  return root;
}

/** Turns a plain JS value into a Node (bodies that were not JSON text: YAML, protobuf). */
export function nodeOf(v: unknown): Node {
  if (Array.isArray(v)) return { t: 'arr', items: v.map(nodeOf) };
  if (v !== null && typeof v === 'object') return { t: 'obj', entries: Object.entries(v).map(([k, x]) => [k, nodeOf(x)]) };
  if (v instanceof Date) return { t: 'val', v: v.toISOString() };
  return { t: 'val', v: (v ?? null) as string | number | boolean | null };
}

// ---- Go's time.Parse for RFC3339 and RFC3339Micro ----

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

/** Parses as Go's time.Parse(layout) does; returns epoch ms and microseconds, or throws Go's error text. */
export function parseGoTime(value: string, micro: boolean): { ms: number; micros: number } {
  const layout = micro ? RFC3339_MICRO : RFC3339;
  const quote = (s: string) => JSON.stringify(s);
  const cannot = (elem: string, rest: string) => new DecodeFailure(`parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(elem)}`);
  const range = (what: string) => new DecodeFailure(`parsing time ${quote(value)}: ${what} out of range`);
  const digit = (s: string, k: number) => k < s.length && s[k] >= '0' && s[k] <= '9';
  let v = value;
  const num = (elem: string, fixed: boolean): number => {
    if (!digit(v, 0)) throw cannot(elem, v);
    if (!digit(v, 1)) {
      if (fixed) throw cannot(elem, v);
      const n = Number(v[0]);
      v = v.slice(1);
      return n;
    }
    const n = Number(v.slice(0, 2));
    v = v.slice(2);
    return n;
  };
  const lit = (s: string) => {
    if (!v.startsWith(s)) throw cannot(s, v);
    v = v.slice(s.length);
  };
  if (v.length < 4 || ![0, 1, 2, 3].every((k) => digit(v, k))) throw cannot('2006', v);
  const year = Number(v.slice(0, 4));
  v = v.slice(4);
  lit('-');
  const month = num('01', true);
  if (month < 1 || month > 12) throw range('month');
  lit('-');
  const day = num('02', true);
  lit('T');
  const hour = num('15', false);
  if (hour > 23) throw range('hour');
  lit(':');
  const minute = num('04', true);
  if (minute > 59) throw range('minute');
  lit(':');
  const second = num('05', true);
  if (second > 59) throw range('second');
  let nanos = 0;
  if (micro) {
    const hold = v;
    if (v.length < 7 || (v[0] !== '.' && v[0] !== ',') || ![1, 2, 3, 4, 5, 6].every((k) => digit(v, k))) throw cannot('.000000', hold);
    nanos = Number(v.slice(1, 7)) * 1000;
    v = v.slice(7);
  } else if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && digit(v, 1)) {
    // A fractional second the layout does not name is accepted when parsing.
    let n = 2;
    while (digit(v, n)) n++;
    nanos = Math.round(Number('0.' + v.slice(1, n)) * 1e9);
    v = v.slice(n);
  }
  let offsetMin = 0;
  const hold = v;
  if (v[0] === 'Z') v = v.slice(1);
  else {
    if (v.length < 6 || v[3] !== ':' || (v[0] !== '+' && v[0] !== '-') || !digit(v, 1) || !digit(v, 2) || !digit(v, 4) || !digit(v, 5)) throw cannot('Z07:00', hold);
    offsetMin = (v[0] === '-' ? -1 : 1) * (Number(v.slice(1, 3)) * 60 + Number(v.slice(4, 6)));
    v = v.slice(6);
  }
  if (v.length) throw new DecodeFailure(`parsing time ${quote(value)}: extra text: ${quote(v)}`);
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysIn) throw range('day');
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
  return { ms: ms + Math.floor(nanos / 1e6), micros: Math.floor(nanos / 1000) };
}

function formatTime(ms: number, micros?: number): string {
  const base = new Date(ms).toISOString().slice(0, 19);
  return micros === undefined ? `${base}Z` : `${base}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
}

// ---- quantities (k8s.io/apimachinery/pkg/api/resource) ----

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIXES = new Set(['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);

/** Throws ParseQuantity's error for a string that is not a quantity. */
export function checkQuantity(raw: string | number): void {
  const s = String(raw).trim();
  const m = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.exec(s);
  if (!s || !m) throw new DecodeFailure(QUANTITY_FORMAT);
  if ((m[1].match(/\./g) ?? []).length > 1) throw new DecodeFailure('unable to parse numeric part of quantity');
  const suffix = m[2];
  if (!SUFFIXES.has(suffix) && !/^[eE][-+]?[0-9]+$/.test(suffix)) throw new DecodeFailure("unable to parse quantity's suffix");
}

/** Map-valued fields whose values are resource.Quantity. */
const QUANTITY_MAPS = new Set([
  'V1ResourceRequirements.limits',
  'V1ResourceRequirements.requests',
  'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests',
  'V1PersistentVolumeSpec.capacity',
  'V1PersistentVolumeClaimStatus.capacity',
  'V1PersistentVolumeClaimStatus.allocatedResources',
  'V1NodeStatus.capacity',
  'V1NodeStatus.allocatable',
  'V1ContainerStatus.allocatedResources',
  'V1ResourceQuotaSpec.hard',
  'V1ResourceQuotaStatus.hard',
  'V1ResourceQuotaStatus.used',
]);
const QUANTITY_FIELDS = new Set(['V1EmptyDirVolumeSource.sizeLimit']);

// ---- the typed walk ----

interface Walk {
  strict: string[];
  typeError?: string;
}

const models = k8s as unknown as Record<string, { getAttributeTypeMap?: () => { baseName: string; type: string; format: string }[] } | undefined>;

function attributes(model: string): Map<string, { type: string; format: string; model: string }> | undefined {
  const m = models[model];
  if (!m?.getAttributeTypeMap) return undefined;
  return new Map(m.getAttributeTypeMap().map((a) => [a.baseName, { type: a.type, format: a.format, model }]));
}
const ATTRS = new Map<string, ReturnType<typeof attributes>>();
function attrsOf(model: string) {
  if (!ATTRS.has(model)) ATTRS.set(model, attributes(model));
  return ATTRS.get(model);
}

const goStruct = (model: string) => model.replace(/^([A-Z][a-z]+)?V\d+((alpha|beta)\d+)?/, '');
function goType(type: string, format: string): string {
  if (type === 'string') return 'string';
  if (type === 'boolean') return 'bool';
  if (type === 'number') return format === 'int32' ? 'int32' : format === 'int64' ? 'int64' : 'float64';
  if (type.startsWith('Array<')) return `[]${goType(type.slice(6, -1), '')}`;
  if (type.startsWith('{ [key: string]: ')) return `map[string]${goType(type.slice(17, -3), '')}`;
  if (type === 'any') return 'interface {}';
  return `v1.${goStruct(type)}`;
}
function jsonKind(n: Node): string {
  if (n.t === 'obj') return 'object';
  if (n.t === 'arr') return 'array';
  if (typeof n.v === 'string') return 'string';
  if (typeof n.v === 'boolean') return 'bool';
  return 'number';
}

/**
 * Decodes a node as `type`, collecting strict errors and the first type error, and returns the
 * plain value (last occurrence of a duplicate key wins, timestamps normalised to UTC as the
 * server stores them). Errors that abort decoding (quantities, times) are thrown.
 */
function decodeAs(n: Node, type: string, format: string, path: string, stack: string[], struct: string, w: Walk, quantity = false): unknown {
  if (n.t === 'val' && n.v === null) return null;
  const mismatch = () => {
    w.typeError ??= `json: cannot unmarshal ${jsonKind(n) === 'number' && n.t === 'val' && !Number.isInteger(n.v) && format.startsWith('int') ? `number ${n.v}` : jsonKind(n)} into Go struct field ${struct}.${stack.join('.')} of type ${goType(type, format)}`;
    return undefined;
  };
  if (quantity) {
    if (n.t !== 'val' || typeof n.v === 'boolean') throw new DecodeFailure(QUANTITY_FORMAT);
    checkQuantity(n.v as string | number);
    return n.v;
  }
  switch (type) {
    case 'any':
    case 'object':
      return plain(n, path, w);
    case 'IntOrString':
      if (n.t !== 'val' || typeof n.v === 'boolean') throw new DecodeFailure(`json: cannot unmarshal ${jsonKind(n)} into Go value of type int32`);
      return n.v;
    case 'string':
      return n.t === 'val' && typeof n.v === 'string' ? n.v : mismatch();
    case 'boolean':
      return n.t === 'val' && typeof n.v === 'boolean' ? n.v : mismatch();
    case 'number':
      if (n.t !== 'val' || typeof n.v !== 'number') return mismatch();
      if (format.startsWith('int') && !Number.isInteger(n.v)) return mismatch();
      return n.v;
    case 'Date':
    case 'V1MicroTime': {
      if (n.t !== 'val' || typeof n.v !== 'string') throw new DecodeFailure(`json: cannot unmarshal ${jsonKind(n)} into Go value of type string`);
      const micro = type === 'V1MicroTime';
      const t = parseGoTime(n.v, micro);
      return formatTime(t.ms, micro ? t.micros : undefined);
    }
  }
  if (type.startsWith('Array<')) {
    if (n.t !== 'arr') return mismatch();
    const item = type.slice(6, -1);
    return n.items.map((x, i) => decodeAs(x, item, '', `${path}[${i}]`, stack, struct, w));
  }
  if (type.startsWith('{ [key: string]: ')) {
    if (n.t !== 'obj') return mismatch();
    const item = type.slice(17, -3);
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const [k, x] of n.entries) {
      const p = path ? `${path}.${k}` : k;
      if (seen.has(k)) w.strict.push(`duplicate field ${JSON.stringify(p)}`);
      seen.add(k);
      out[k] = decodeAs(x, item, '', p, [...stack, k], struct, w, quantity);
    }
    return out;
  }
  const attrs = attrsOf(type);
  if (!attrs) return plain(n, path, w);
  if (n.t !== 'obj') return mismatch();
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [k, x] of n.entries) {
    const p = path ? `${path}.${k}` : k;
    const a = attrs.get(k);
    if (!a) {
      if (!seen.has(k)) w.strict.push(`unknown field ${JSON.stringify(p)}`);
      seen.add(k);
      continue;
    }
    if (seen.has(k)) w.strict.push(`duplicate field ${JSON.stringify(p)}`);
    seen.add(k);
    const key = `${type}.${k}`;
    if (QUANTITY_MAPS.has(key)) {
      if (x.t !== 'obj') {
        mismatch();
        continue;
      }
      const q: Record<string, unknown> = {};
      for (const [qk, qv] of x.entries) q[qk] = decodeAs(qv, 'string', '', `${p}.${qk}`, [...stack, k], goStruct(type), w, true);
      out[k] = q;
    } else out[k] = decodeAs(x, a.type, a.format, p, [...stack, k], goStruct(type), w, QUANTITY_FIELDS.has(key));
  }
  return out;
}

/** An untyped value: only duplicate keys are reported. */
function plain(n: Node, path: string, w: Walk): unknown {
  if (n.t === 'val') return n.v;
  if (n.t === 'arr') return n.items.map((x, i) => plain(x, `${path}[${i}]`, w));
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [k, x] of n.entries) {
    const p = path ? `${path}.${k}` : k;
    if (seen.has(k)) w.strict.push(`duplicate field ${JSON.stringify(p)}`);
    seen.add(k);
    out[k] = plain(x, p, w);
  }
  return out;
}

/** The client-node model of a served resource; undefined for custom resources (schemaless). */
export function modelOf(def: ResourceDef): string | undefined {
  if (def.group.endsWith('traefik.io') || def.group === 'ceph.rook.io') return undefined;
  for (const name of [`V1${def.kind}`, `CoreV1${def.kind}`]) if (attrsOf(name)) return name;
  return undefined;
}

export interface Decoded {
  obj: any;
  /** Unknown and duplicate fields, as the server words them. */
  strict: string[];
}

/** Decodes a node into the resource's type; throws DecodeFailure for a non-strict error. */
export function decodeNode(def: ResourceDef, node: Node): Decoded {
  const w: Walk = { strict: [] };
  const model = modelOf(def);
  const obj = model ? decodeAs(node, model, '', '', [], goStruct(model), w) : plain(node, '', w);
  if (w.typeError) throw new DecodeFailure(w.typeError);
  return { obj, strict: w.strict };
}

/** The fieldValidation query parameter; an unsupported value is the 422 of ValidateCreateOptions. */
export function fieldValidationOf(q: URLSearchParams, verb: 'create' | 'update' | 'patch'): FieldValidation {
  const v = q.get('fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  const kind = verb === 'create' ? 'CreateOptions' : verb === 'update' ? 'UpdateOptions' : 'PatchOptions';
  const message = `Unsupported value: ${JSON.stringify(v)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw new StatusError({
    message: `${kind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`,
    reason: 'Invalid',
    details: { group: 'meta.k8s.io', kind, causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }] },
    code: 422,
  });
}

/**
 * A create or update body: decoding errors are 400 "<Kind> in version ... cannot be handled as a
 * <Kind>: ...", strict errors too under Strict; returns the object and the warnings to send.
 */
export function decodeBody(def: ResourceDef, node: Node, directive: FieldValidation): { obj: any; warnings: string[] } {
  const head = node.t === 'obj' ? node.entries : [];
  const bodyKind = head.filter(([k]) => k === 'kind').at(-1)?.[1];
  const bodyApiVersion = head.filter(([k]) => k === 'apiVersion').at(-1)?.[1];
  const kind = bodyKind?.t === 'val' && typeof bodyKind.v === 'string' && bodyKind.v ? bodyKind.v : def.kind;
  const av = bodyApiVersion?.t === 'val' && typeof bodyApiVersion.v === 'string' && bodyApiVersion.v ? bodyApiVersion.v : def.version;
  const version = av.includes('/') ? av.slice(av.indexOf('/') + 1) : av;
  const wrap = (msg: string) => badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${def.kind}: ${msg}`);
  let d: Decoded;
  try {
    d = decodeNode(def, node);
  } catch (e) {
    if (e instanceof DecodeFailure) throw wrap(e.message);
    throw e;
  }
  return { obj: d.obj, warnings: strictOutcome(d.strict, directive, (msg) => wrap(msg)) };
}

/** Strict errors under a directive: thrown (Strict), returned as warnings (Warn) or dropped (Ignore). */
export function strictOutcome(strict: string[], directive: FieldValidation, error: (message: string) => StatusError): string[] {
  if (!strict.length || directive === 'Ignore') return [];
  if (directive === 'Strict') throw error(`strict decoding error: ${strict.join(', ')}`);
  return strict;
}

/** The Warning header value of one warning (k8s.io/apiserver/pkg/warning). */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/** A JSON text with object keys sorted, as Go marshals a map[string]interface{}. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** fmt.Sprintf("%+v", map[string]interface{}) of a patch, as the strategic-merge errors quote it. */
export function goMapString(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goMapString).join(' ')}]`;
  if (v !== null && typeof v === 'object') return `map[${Object.keys(v as object).sort().map((k) => `${k}:${goMapString((v as any)[k])}`).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

// ---- patches (k8s.io/apiserver/pkg/endpoints/handlers/patch.go) ----

const JSON_PATCH_OP_FIELDS = new Set(['op', 'path', 'from', 'value']);

/** The patch as a value, and the strict errors found in the patch document itself. */
export function patchStrictErrors(format: 'merge' | 'strategic' | 'json', node: Node): { patch: unknown; strict: string[] } {
  const w: Walk = { strict: [] };
  const patch = plain(node, '', w);
  if (format !== 'json') return { patch, strict: w.strict };
  const strict: string[] = [];
  if (node.t === 'arr')
    node.items.forEach((op, i) => {
      if (op.t !== 'obj') return;
      const seen = new Set<string>();
      for (const [k] of op.entries) {
        if (!JSON_PATCH_OP_FIELDS.has(k)) {
          if (!seen.has(k)) strict.push(`json patch unknown field ${JSON.stringify(`[${i}].${k}`)}`);
        } else if (seen.has(k)) strict.push(`json patch duplicate field ${JSON.stringify(`[${i}].${k}`)}`);
        seen.add(k);
      }
    });
  return { patch, strict };
}

function sortedNode(v: unknown): Node {
  if (Array.isArray(v)) return { t: 'arr', items: v.map(sortedNode) };
  if (v !== null && typeof v === 'object')
    return { t: 'obj', entries: Object.keys(v as object).sort().map((k) => [k, sortedNode((v as any)[k])] as [string, Node]) };
  return { t: 'val', v: (v ?? null) as string | number | boolean | null };
}

/**
 * Decodes the result of a merge, JSON or strategic merge patch. A decoding error, and strict
 * errors under Strict, are the 422 `"" is invalid: patch: Invalid value: ...` of patch.go, which
 * quotes the patched JSON (merge, JSON patch) or the patch map (strategic).
 */
export function decodePatched(def: ResourceDef, format: 'merge' | 'strategic' | 'json', patched: unknown, patch: unknown, patchStrict: string[], directive: FieldValidation): { obj: any; warnings: string[] } {
  const value = format === 'strategic' ? goMapString(patch) : sortedJson(patched);
  const invalidPatch = (msg: string) => {
    const message = `Invalid value: ${JSON.stringify(value)}: ${msg}`;
    return new StatusError({ message: ` "" is invalid: patch: ${message}`, reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] }, code: 422 });
  };
  let d: Decoded;
  try {
    // Errors in the order of Go's marshalled map (sorted keys); the object keeps its own key order
    // so that an unchanged object stays byte-identical.
    d = decodeNode(def, sortedNode(patched));
    d.obj = decodeNode(def, nodeOf(patched)).obj;
  } catch (e) {
    if (e instanceof DecodeFailure) throw invalidPatch(e.message);
    throw e;
  }
  const strict = directive === 'Ignore' ? [] : [...patchStrict, ...d.strict];
  return { obj: d.obj, warnings: strictOutcome(strict, directive, invalidPatch) };
}
