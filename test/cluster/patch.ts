// The three patch formats of the API: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch (lists merged by their patchMergeKey, for the fields our tools use).
import { StatusError, badRequest } from './errors.js';

export type PatchFormat = 'merge' | 'strategic' | 'json' | 'apply';

export const PATCH_FORMATS: Record<string, PatchFormat> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: any, patch: any): any {
  if (!isObj(patch)) return patch;
  const out: Record<string, any> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---- strategic merge patch ----

/** patchMergeKey of the list fields we merge (k8s.io/api types' struct tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
};
/** Lists of scalars merged as sets. */
const MERGE_SCALARS = new Set(['finalizers']);

function mergeKeyFor(field: string, items: any[]): string | undefined {
  if (field === 'ports') return items.some((i) => isObj(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

export function strategicMergePatch(target: any, patch: any): any {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, any> = isObj(target) ? { ...target } : {};
  const retain: string[] | undefined = patch.$retainKeys;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field])) out[field] = out[field].filter((x: unknown) => !(v as unknown[]).includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v);
      continue;
    }
    const merged = strategicMergePatch(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k) && !(k in patch)) delete out[k];
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith('$setElementOrder/')) continue;
    const field = k.slice('$setElementOrder/'.length);
    out[field] = reorder(field, out[field], order as any[]);
  }
  return out;
}

function mergeList(field: string, current: unknown, patch: any[]): any[] {
  if (MERGE_SCALARS.has(field)) {
    const cur = Array.isArray(current) ? current : [];
    return [...cur, ...patch.filter((x) => !cur.includes(x))];
  }
  const key = mergeKeyFor(field, patch);
  if (!key || !Array.isArray(current)) return patch.filter((i) => !(isObj(i) && i.$patch === 'delete')).map(stripDirectives);
  const out = [...current];
  for (const item of patch) {
    if (!isObj(item)) continue;
    const idx = out.findIndex((c) => isObj(c) && c[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item);
    else out.push(stripDirectives(item));
  }
  return out;
}

function reorder(field: string, list: unknown, order: any[]): unknown {
  if (!Array.isArray(list)) return list;
  if (MERGE_SCALARS.has(field)) return list;
  const key = mergeKeyFor(field, order);
  if (!key) return list;
  const rank = new Map(order.map((o, i) => [o[key], i]));
  return [...list].sort((a, b) => (rank.get(a?.[key]) ?? Infinity) - (rank.get(b?.[key]) ?? Infinity));
}

function stripDirectives(v: any): any {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Record<string, any> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

// ---- JSON patch ----

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: any, parts: string[], op: string, path: string): { parent: any; key: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : cur?.[p];
    if (cur === undefined || cur === null) throw jsonPatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, key: parts[parts.length - 1] };
}

function jsonPatchError(msg: string): StatusError {
  return new StatusError({ message: msg, reason: 'Invalid', code: 422 });
}

function getAt(doc: any, path: string): any {
  let cur = doc;
  for (const p of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : cur?.[p];
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function jsonPatch(target: any, ops: any[]): any {
  if (!Array.isArray(ops)) throw badRequest('the server rejected our request due to an error in our request');
  let doc = JSON.parse(JSON.stringify(target));
  for (const op of ops) {
    const path: string = op.path;
    const parts = pointer(path);
    switch (op.op) {
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) throw jsonPatchError(`testing value ${path} failed: test failed`);
        break;
      case 'remove':
      case 'replace':
      case 'add': {
        if (parts.length === 0) {
          if (op.op === 'remove') throw jsonPatchError('remove operation does not apply: doc is missing path: ""');
          doc = op.value;
          break;
        }
        const { parent, key } = parentOf(doc, parts, op.op, path);
        if (Array.isArray(parent)) {
          const i = key === '-' ? parent.length : Number(key);
          if (op.op === 'add') {
            if (!(i >= 0 && i <= parent.length)) throw jsonPatchError(`add operation does not apply: doc is missing path: "${path}": missing value`);
            parent.splice(i, 0, op.value);
          } else {
            if (!(i >= 0 && i < parent.length)) throw jsonPatchError(`${op.op} operation does not apply: doc is missing path: "${path}": missing value`);
            if (op.op === 'remove') parent.splice(i, 1);
            else parent[i] = op.value;
          }
        } else {
          if (op.op !== 'add' && !(key in parent)) throw jsonPatchError(`${op.op} operation does not apply: doc is missing key: ${path}: missing value`);
          if (op.op === 'remove') delete parent[key];
          else parent[key] = op.value;
        }
        break;
      }
      case 'move':
      case 'copy': {
        const value = getAt(doc, op.from);
        if (value === undefined) throw jsonPatchError(`${op.op} operation does not apply: doc is missing from path: ${op.from}: missing value`);
        if (op.op === 'move') doc = jsonPatch(doc, [{ op: 'remove', path: op.from }]);
        doc = jsonPatch(doc, [{ op: 'add', path, value: JSON.parse(JSON.stringify(value)) }]);
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

export function applyPatch(format: PatchFormat, target: any, patch: any): any {
  switch (format) {
    case 'merge':
    case 'apply':
      return mergePatch(target, patch);
    case 'strategic':
      return strategicMergePatch(target, patch);
    case 'json':
      return jsonPatch(target, patch);
  }
}
