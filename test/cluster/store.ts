// The cluster's object store: what etcd plus the generic registry do in a real API server.
// One global, monotonic resourceVersion; uid, generation, creationTimestamp; optimistic concurrency
// (409 on a stale resourceVersion); deletionTimestamp with finalizers and propagation policies; a
// bounded history of changes for watches from a resourceVersion (410 Gone once it is compacted away).
// Controllers and the kubelet use it in-process; the HTTPS server is a thin layer on top.
import { randomUUID } from 'node:crypto';
import { StatusError, alreadyExists, conflict, notFound, STALE_OBJECT, forbidden, badRequest, tooOldResourceVersion, expiredContinue } from './errors.js';
import { resourceDef, apiVersionOf, type ResourceDef } from './resources.js';
import { parseLabelSelector, matchesLabels, matchesFields, type LabelSelector, type FieldRequirement } from './selectors.js';
import { prepareCreate, validateCreate, prepareUpdate, validateUpdate, tracksGeneration } from './validation.js';
import { planPodDeletion } from './podDeletion.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent {
  type: EventType;
  object: any;
}

/** One version of one object; never mutated once stored, so its JSON is cached. */
export class Snapshot {
  private parsed?: any;
  constructor(
    obj: any,
    private cached?: string,
  ) {
    this.parsed = obj;
  }
  /** The object (callers must not change it); a retired version parses its JSON again each time. */
  get obj(): any {
    return this.parsed ?? JSON.parse(this.json);
  }
  get json(): string {
    return (this.cached ??= JSON.stringify(this.parsed));
  }
  /**
   * Replaced by a newer version: only its JSON is kept (for watches from an older resourceVersion), so
   * a long history holds strings rather than many small objects that every garbage collection walks.
   */
  retire(): void {
    void this.json;
    this.parsed = undefined;
  }
  /** A private copy a caller may change. */
  copy(): any {
    return JSON.parse(this.json);
  }
}

/** Stands for the resourceVersion while an update is serialised (no object holds this string). */
const RV_PLACEHOLDER = '\u0000resourceVersion\u0000';
const RV_PLACEHOLDER_JSON = JSON.stringify(RV_PLACEHOLDER);

interface Entry {
  ns: string;
  name: string;
  snap: Snapshot;
}

/** A change as kept in the history and handed to watchers; prev is the version before a MODIFIED. */
export interface Change {
  rv: number;
  plural: string;
  type: EventType;
  snap: Snapshot;
  prev?: Snapshot;
}

class Table {
  readonly byNs = new Map<string, Map<string, Entry>>();
  private sortedAll?: Entry[];
  private sortedNs = new Map<string, Entry[]>();
  count = 0;

  get(ns: string, name: string): Entry | undefined {
    return this.byNs.get(ns)?.get(name);
  }
  add(e: Entry): void {
    let m = this.byNs.get(e.ns);
    if (!m) this.byNs.set(e.ns, (m = new Map()));
    m.set(e.name, e);
    this.count++;
    this.invalidate(e.ns);
  }
  remove(e: Entry): void {
    const m = this.byNs.get(e.ns);
    if (m?.delete(e.name)) {
      this.count--;
      if (m.size === 0) this.byNs.delete(e.ns);
      this.invalidate(e.ns);
    }
  }
  private invalidate(ns: string): void {
    this.sortedAll = undefined;
    this.sortedNs.delete(ns);
  }
  /** Entries in key order (namespace, then name), as etcd returns them. */
  sorted(ns?: string): Entry[] {
    if (ns !== undefined) {
      let s = this.sortedNs.get(ns);
      if (!s) {
        s = [...(this.byNs.get(ns)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        this.sortedNs.set(ns, s);
      }
      return s;
    }
    if (!this.sortedAll) {
      const nss = [...this.byNs.keys()].sort();
      this.sortedAll = nss.flatMap((n) => this.sorted(n));
    }
    return this.sortedAll;
  }
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Which part of the object an update may change: everything (in-process default), the main resource
   * (PUT on the object: status is kept), or the status subresource (only status changes). */
  subresource?: 'all' | 'main' | 'status';
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string | LabelSelector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continue?: string;
}

export interface ListPage {
  snaps: Snapshot[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface StoreOptions {
  /** How many changes are kept for watches from an older resourceVersion. */
  historySize?: number;
  now?: () => Date;
}

const DELETE_POLICY_DEFAULT_ORPHAN = new Set(['jobs']);

export class Store {
  private rv = 1;
  private readonly tables = new Map<string, Table>();
  private readonly byUid = new Map<string, { plural: string; ns: string; name: string }>();
  /** owner uid → dependents' keys, for garbage collection. */
  private readonly dependents = new Map<string, Set<string>>();
  private history: Change[] = [];
  private historyStart = 0;
  private readonly historySize: number;
  /** Changes at or below this resourceVersion are no longer in the history. */
  private compactedRv = 0;
  private readonly listeners = new Map<string, Set<(c: Change) => void>>();
  private readonly anyListeners = new Set<(c: Change) => void>();
  readonly now: () => Date;

  constructor(opts: StoreOptions = {}) {
    this.historySize = opts.historySize ?? 20_000;
    this.now = opts.now ?? (() => new Date());
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  private table(plural: string): Table {
    let t = this.tables.get(plural);
    if (!t) {
      resourceDef(plural);
      this.tables.set(plural, (t = new Table()));
    }
    return t;
  }

  private nsKey(def: ResourceDef, namespace: string | undefined): string {
    return def.namespaced ? (namespace ?? '') : '';
  }

  // ---- reads ----

  /** A copy of the object, or undefined. */
  get(plural: string, namespace: string | undefined, name: string): any | undefined {
    const def = resourceDef(plural);
    return this.table(plural).get(this.nsKey(def, namespace), name)?.snap.copy();
  }

  /** The stored version without copying; callers must not change it. */
  peek(plural: string, namespace: string | undefined, name: string): any | undefined {
    const def = resourceDef(plural);
    return this.table(plural).get(this.nsKey(def, namespace), name)?.snap.obj;
  }

  snapshot(plural: string, namespace: string | undefined, name: string): Snapshot | undefined {
    const def = resourceDef(plural);
    return this.table(plural).get(this.nsKey(def, namespace), name)?.snap;
  }

  /** Copies of the objects in key order. */
  list(plural: string, namespace?: string, labelSelector?: string | LabelSelector): any[] {
    return this.scan(plural, namespace, labelSelector).map((o) => JSON.parse(JSON.stringify(o)));
  }

  /** The stored objects in key order without copying; callers must not change them. */
  scan(plural: string, namespace?: string, labelSelector?: string | LabelSelector): any[] {
    const sel = typeof labelSelector === 'string' || labelSelector === undefined ? parseLabelSelector(labelSelector) : labelSelector;
    const out: any[] = [];
    for (const e of this.table(plural).sorted(namespace)) if (sel.length === 0 || matchesLabels(sel, e.snap.obj.metadata.labels)) out.push(e.snap.obj);
    return out;
  }

  count(plural: string): number {
    return this.table(plural).count;
  }

  /** Namespaces that hold objects of this resource. */
  namespacesOf(plural: string): string[] {
    return [...this.table(plural).byNs.keys()];
  }

  byUidLookup(uid: string): { plural: string; namespace: string; name: string } | undefined {
    const k = this.byUid.get(uid);
    return k && { plural: k.plural, namespace: k.ns, name: k.name };
  }

  /** Objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): { plural: string; namespace: string; name: string }[] {
    return [...(this.dependents.get(uid) ?? [])].map((k) => {
      const [plural, namespace, name] = k.split('\0');
      return { plural, namespace, name };
    });
  }

  /** One page of a list request, with limit/continue as the API server pages etcd. */
  listPage(plural: string, q: ListQuery): ListPage {
    const def = resourceDef(plural);
    const sel = typeof q.labelSelector === 'string' || q.labelSelector === undefined ? parseLabelSelector(q.labelSelector) : q.labelSelector;
    const fields = q.fieldSelector ?? [];
    const entries = this.table(plural).sorted(def.namespaced ? q.namespace : undefined);
    let start = 0;
    let listRv = this.rv;
    if (q.continue) {
      const tok = decodeContinue(q.continue);
      if (tok.rv < this.compactedRv) throw expiredContinue();
      listRv = tok.rv;
      start = lowerBound(entries, tok.ns, tok.name);
    }
    const snaps: Snapshot[] = [];
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    let i = start;
    for (; i < entries.length && snaps.length < limit; i++) {
      const o = entries[i].snap.obj;
      if (sel.length && !matchesLabels(sel, o.metadata.labels)) continue;
      if (fields.length && !matchesFields(fields, o)) continue;
      snaps.push(entries[i].snap);
    }
    const page: ListPage = { snaps, resourceVersion: String(listRv) };
    if (i < entries.length && snaps.length >= limit) {
      const last = entries[i - 1];
      page.continue = encodeContinue({ rv: listRv, ns: last.ns, name: last.name + '\0' });
      if (!sel.length && !fields.length) page.remainingItemCount = entries.length - i;
    }
    return page;
  }

  // ---- writes ----

  create(plural: string, input: any, opts: WriteOptions = {}): any {
    const def = resourceDef(plural);
    const obj = JSON.parse(JSON.stringify(input ?? {}));
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    obj.metadata ??= {};
    const md = obj.metadata;
    if (def.namespaced) {
      if (!md.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      const ns = this.peek('namespaces', undefined, md.namespace);
      if (!ns) throw notFound(resourceDef('namespaces'), md.namespace);
      if (ns.metadata.deletionTimestamp)
        throw forbidden(def, md.name ?? md.generateName ?? '', `unable to create new content in namespace ${md.namespace} because it is being terminated`);
    } else delete md.namespace;
    if (!md.name && md.generateName) md.name = md.generateName + randomSuffix();
    delete md.deletionTimestamp;
    delete md.deletionGracePeriodSeconds;
    delete md.resourceVersion;
    md.uid = randomUUID();
    md.creationTimestamp = rfc3339(this.now());
    if (tracksGeneration(def)) md.generation = 1;
    else delete md.generation;
    prepareCreate(def, obj, this);
    validateCreate(def, obj, this);
    const table = this.table(plural);
    const ns = this.nsKey(def, md.namespace);
    if (table.get(ns, md.name)) throw alreadyExists(def, md.name);
    if (opts.dryRun) return obj;
    md.resourceVersion = String(++this.rv);
    const e: Entry = { ns, name: md.name, snap: new Snapshot(obj) };
    table.add(e);
    this.byUid.set(md.uid, { plural, ns, name: md.name });
    this.indexOwners(plural, ns, md.name, undefined, obj);
    this.emit({ rv: this.rv, plural, type: 'ADDED', snap: e.snap });
    return e.snap.copy();
  }

  /**
   * Bulk loading (seeding): stores the object as given, taking ownership of it, with defaults but
   * without validation or copies. Keeps a given uid and creationTimestamp. Returns the stored object.
   */
  insert(plural: string, obj: any): any {
    const def = resourceDef(plural);
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    const md = obj.metadata;
    md.uid ??= randomUUID();
    md.creationTimestamp ??= rfc3339(this.now());
    if (tracksGeneration(def)) md.generation ??= 1;
    const status = obj.status;
    prepareCreate(def, obj, this);
    if (status !== undefined) obj.status = status;
    const table = this.table(plural);
    const ns = this.nsKey(def, md.namespace);
    if (table.get(ns, md.name)) throw alreadyExists(def, md.name);
    md.resourceVersion = String(++this.rv);
    const e: Entry = { ns, name: md.name, snap: new Snapshot(obj) };
    table.add(e);
    this.byUid.set(md.uid, { plural, ns, name: md.name });
    this.indexOwners(plural, ns, md.name, undefined, obj);
    this.emit({ rv: this.rv, plural, type: 'ADDED', snap: e.snap });
    return obj;
  }

  update(plural: string, input: any, opts: WriteOptions = {}): any {
    const def = resourceDef(plural);
    const md = input?.metadata ?? {};
    const table = this.table(plural);
    const ns = this.nsKey(def, md.namespace);
    const e = table.get(ns, md.name);
    if (!e) throw notFound(def, md.name);
    const old = e.snap.obj;
    if (md.resourceVersion && md.resourceVersion !== old.metadata.resourceVersion) throw conflict(def, md.name, STALE_OBJECT);
    if (md.uid && md.uid !== old.metadata.uid)
      throw conflict(def, md.name, `Precondition failed: UID in precondition: ${md.uid}, UID in object meta: ${old.metadata.uid}`);
    const mode = opts.subresource ?? 'all';
    let obj: any;
    if (mode === 'status') {
      // Only the status comes from the input: the rest is copied from the stored version.
      obj = JSON.parse(e.snap.json);
      if (input.status === undefined) delete obj.status;
      else obj.status = JSON.parse(JSON.stringify(input.status));
    } else {
      obj = JSON.parse(JSON.stringify(input));
      if (mode === 'main' && hasStatusSubresource(def)) {
        if (old.status === undefined) delete obj.status;
        else obj.status = JSON.parse(JSON.stringify(old.status));
      }
    }
    obj.apiVersion = old.apiVersion;
    obj.kind = old.kind;
    obj.metadata ??= {};
    for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (old.metadata[k] === undefined) delete obj.metadata[k];
      else obj.metadata[k] = old.metadata[k];
    }
    if (!def.namespaced) delete obj.metadata.namespace;
    prepareUpdate(def, obj, old, this);
    if (tracksGeneration(def) && JSON.stringify(obj.spec) !== JSON.stringify(old.spec)) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
    validateUpdate(def, obj, old, this);
    // Serialised once, with a placeholder for the resourceVersion: the same text tells a no-op update
    // (which does not bump the resourceVersion, as on a real server) and becomes the new version's JSON.
    obj.metadata.resourceVersion = RV_PLACEHOLDER;
    const json = JSON.stringify(obj);
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (json.replace(RV_PLACEHOLDER_JSON, JSON.stringify(old.metadata.resourceVersion)) === e.snap.json) return opts.dryRun ? obj : e.snap.copy();
    if (opts.dryRun) {
      obj.metadata.resourceVersion = String(this.rv + 1);
      return obj;
    }
    obj.metadata.resourceVersion = String(++this.rv);
    const prev = e.snap;
    e.snap = new Snapshot(obj, json.replace(RV_PLACEHOLDER_JSON, JSON.stringify(obj.metadata.resourceVersion)));
    this.indexOwners(plural, ns, md.name, prev.obj, obj);
    // The last finalizer removed from an object being deleted: it goes away now, unless a grace period
    // still runs (a pod whose containers the kubelet is stopping), as ShouldDeleteDuringUpdate decides.
    if (obj.metadata.deletionTimestamp && old.metadata.deletionGracePeriodSeconds === 0 && !(obj.metadata.finalizers?.length) && !(plural === 'namespaces' && obj.spec?.finalizers?.length)) {
      this.emit({ rv: this.rv, plural, type: 'MODIFIED', snap: e.snap, prev });
      this.removeEntry(plural, table, e);
      return e.snap.copy();
    }
    this.emit({ rv: this.rv, plural, type: 'MODIFIED', snap: e.snap, prev });
    prev.retire();
    return e.snap.copy();
  }

  /**
   * Deletes as the API server does: at once when nothing holds the object, otherwise it gets a
   * deletionTimestamp and stays until its finalizers are gone. Returns the object if it is still
   * there (pending deletion) or a Success Status.
   */
  delete(plural: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): any {
    const def = resourceDef(plural);
    const table = this.table(plural);
    const e = table.get(this.nsKey(def, namespace), name);
    if (!e) throw notFound(def, name);
    const old = e.snap.obj;
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata.uid)
      throw conflict(def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw conflict(def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    const policy = opts.propagationPolicy ?? (DELETE_POLICY_DEFAULT_ORPHAN.has(plural) ? 'Orphan' : 'Background');
    const obj = e.snap.copy();
    const finalizers: string[] = obj.metadata.finalizers ?? [];
    const add = (f: string) => {
      if (!finalizers.includes(f)) finalizers.push(f);
    };
    if (policy === 'Foreground') add('foregroundDeletion');
    if (policy === 'Orphan' && (old.metadata.deletionTimestamp === undefined || finalizers.includes('orphan'))) add('orphan');
    // Pods are deleted gracefully: they stay (Terminating) until the kubelet confirms with grace 0.
    const podPlan = plural === 'pods' ? planPodDeletion(old, opts.gracePeriodSeconds, this.now()) : undefined;
    if (podPlan?.kind === 'pending') return opts.dryRun ? obj : e.snap.copy();
    const graceful = podPlan !== undefined && podPlan.deletionGracePeriodSeconds > 0;
    const pending = plural === 'namespaces' || finalizers.length > 0 || graceful;
    if (podPlan) {
      obj.metadata.deletionTimestamp = rfc3339(podPlan.deletionTimestamp);
      obj.metadata.deletionGracePeriodSeconds = podPlan.deletionGracePeriodSeconds;
    }
    if (!pending) {
      if (opts.dryRun) return successStatus(def, old);
      this.rv++;
      // The removed object carries the deletion fields it was removed with (the kubelet reads the grace).
      const gone = new Snapshot({ ...old, metadata: { ...old.metadata, ...(podPlan ? { deletionTimestamp: obj.metadata.deletionTimestamp, deletionGracePeriodSeconds: 0 } : {}), resourceVersion: String(this.rv) } });
      e.snap = gone;
      this.removeEntry(plural, table, e, true);
      return successStatus(def, old);
    }
    if (finalizers.length) obj.metadata.finalizers = finalizers;
    if (!obj.metadata.deletionTimestamp) {
      obj.metadata.deletionTimestamp = rfc3339(this.now());
      obj.metadata.deletionGracePeriodSeconds = 0;
    }
    if (plural === 'namespaces') obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
    if (opts.dryRun) return obj;
    if (JSON.stringify(obj) === e.snap.json) return e.snap.copy();
    obj.metadata.resourceVersion = String(++this.rv);
    const prev = e.snap;
    e.snap = new Snapshot(obj);
    this.indexOwners(plural, e.ns, name, prev.obj, obj);
    this.emit({ rv: this.rv, plural, type: 'MODIFIED', snap: e.snap, prev });
    prev.retire();
    return e.snap.copy();
  }

  /** Removes an object at once, whatever holds it (a kubelet confirming a pod is gone, a controller). */
  forceRemove(plural: string, namespace: string | undefined, name: string): boolean {
    const def = resourceDef(plural);
    const table = this.table(plural);
    const e = table.get(this.nsKey(def, namespace), name);
    if (!e) return false;
    this.rv++;
    const old = e.snap.obj;
    e.snap = new Snapshot({ ...old, metadata: { ...old.metadata, resourceVersion: String(this.rv) } });
    this.removeEntry(plural, table, e, true);
    return true;
  }

  private removeEntry(plural: string, table: Table, e: Entry, bumped = false): void {
    if (!bumped) {
      this.rv++;
      const o = e.snap.obj;
      e.snap = new Snapshot({ ...o, metadata: { ...o.metadata, resourceVersion: String(this.rv) } });
    }
    table.remove(e);
    const obj = e.snap.obj;
    this.byUid.delete(obj.metadata.uid);
    this.indexOwners(plural, e.ns, e.name, obj, undefined);
    this.emit({ rv: this.rv, plural, type: 'DELETED', snap: e.snap });
  }

  private indexOwners(plural: string, ns: string, name: string, before: any, after: any): void {
    const key = `${plural}\0${ns}\0${name}`;
    const b = (before?.metadata?.ownerReferences ?? []).map((r: any) => r.uid);
    const a = (after?.metadata?.ownerReferences ?? []).map((r: any) => r.uid);
    for (const uid of b) if (!a.includes(uid)) this.dependents.get(uid)?.delete(key);
    for (const uid of a) {
      let s = this.dependents.get(uid);
      if (!s) this.dependents.set(uid, (s = new Set()));
      s.add(key);
    }
  }

  // ---- watch ----

  private emit(c: Change): void {
    if (this.history.length - this.historyStart >= this.historySize) {
      this.compactedRv = this.history[this.historyStart].rv;
      this.historyStart++;
      if (this.historyStart > 4096) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
    this.history.push(c);
    for (const fn of this.listeners.get(c.plural) ?? []) safely(() => fn(c));
    for (const fn of this.anyListeners) safely(() => fn(c));
  }

  /** Drops the whole history, as an etcd compaction does: watches from older versions get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
    this.historyStart = 0;
  }

  /** Changes to one resource after a resourceVersion; throws 410 Gone if the history no longer has them. */
  changesSince(plural: string, rv: number): Change[] {
    if (rv < this.compactedRv) throw tooOldResourceVersion(String(rv), this.rv);
    const out: Change[] = [];
    // Binary search for the first change after rv.
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) if (this.history[i].plural === plural) out.push(this.history[i]);
    return out;
  }

  /** Low-level change feed (the HTTP watch uses it); returns an unsubscribe function. */
  onChange(plural: string | undefined, fn: (c: Change) => void): () => void {
    if (plural === undefined) {
      this.anyListeners.add(fn);
      return () => this.anyListeners.delete(fn);
    }
    let s = this.listeners.get(plural);
    if (!s) this.listeners.set(plural, (s = new Set()));
    s.add(fn);
    return () => s!.delete(fn);
  }

  /** Calls fn with each change to this resource (a private copy of the object); returns an unsubscribe function. */
  subscribe(plural: string, fn: (ev: StoreEvent) => void): () => void {
    resourceDef(plural);
    return this.onChange(plural, (c) => fn({ type: c.type, object: c.snap.copy() }));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    console.error('test cluster: a store listener failed:', e);
  }
}

export function hasStatusSubresource(def: ResourceDef): boolean {
  return def.subresources?.includes('status') ?? false;
}

function successStatus(def: ResourceDef, obj: any) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: obj.metadata.uid },
  };
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SUFFIX_CHARS[Math.floor(Math.random() * SUFFIX_CHARS.length)];
  return s;
}

function encodeContinue(t: { rv: number; ns: string; name: string }): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: `${t.ns}/${t.name}` })).toString('base64url');
}

function decodeContinue(tok: string): { rv: number; ns: string; name: string } {
  try {
    const t = JSON.parse(Buffer.from(tok, 'base64url').toString('utf8'));
    const slash = t.start.indexOf('/');
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || slash < 0) throw new Error('bad');
    return { rv: t.rv, ns: t.start.slice(0, slash), name: t.start.slice(slash + 1) };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function lowerBound(entries: Entry[], ns: string, name: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const e = entries[mid];
    if (e.ns < ns || (e.ns === ns && e.name < name)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export { StatusError };
