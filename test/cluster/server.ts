// The HTTPS front of the test cluster: authentication (bearer token or client certificate),
// discovery, the REST verbs on every resource and subresource, watch streams, server-side Table
// printing for kubectl, and fault injection. Objects live in the Store.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { load as loadYaml } from 'js-yaml';
import { Store, Snapshot, hasStatusSubresource, type Change, type DeleteOptions } from './store.js';
import type { ServiceAccountTokens } from './serviceAccounts.js';
import { StatusError, badRequest, notFound, notFoundPath, methodNotAllowed, unauthorized, tooManyRequests, internalError, serviceUnavailable, conflict, STALE_OBJECT } from './errors.js';
import { RESOURCE_DEFS, apiVersionOf, resourceDef, type ResourceDef } from './resources.js';
import { SERVER_VERSION, apiVersions, apiGroupList, apiGroupDoc, apiResourceList, openApiV3Root, openApiV3Doc } from './discovery.js';
import { parseLabelSelector, parseFieldSelector, matchesLabels, matchesFields, type LabelSelector, type FieldRequirement } from './selectors.js';
import { applyPatch, PATCH_FORMATS } from './patch.js';
import { toTable, type IncludeObject } from './tables.js';
import { decodeKubernetesProtobuf } from './protobuf.js';
import { parseJsonNodes, nodeOf, decodeBody, fieldValidationOf, warningHeader, decodePatched, patchStrictErrors } from './decode.js';
import type { Faults, FaultRule } from './faults.js';
import { podSecurityWarnings } from './podSecurity.js';
import { confirmNoEscalation } from './escalation.js';
import { authorize, forbiddenMessage, requestAttributes, rulesFor, type RequestAttributes, type UserInfo } from './rbac.js';

/** What the kubelet half of the cluster serves for pods and nodes. */
export interface KubeletHandlers {
  handleExec(req: IncomingMessage, socket: Socket, head: Buffer, pod: any, query: URLSearchParams): void;
  handlePortForward(req: IncomingMessage, socket: Socket, head: Buffer, pod: any, query: URLSearchParams): void;
  handleLog(req: IncomingMessage, res: ServerResponse, pod: any, query: URLSearchParams): void;
  statsSummary(nodeName: string): unknown;
}

export interface ApiServerOptions {
  store: Store;
  faults: Faults;
  /** Bearer tokens and the users they authenticate (client certificates: CN is the user, O the groups). */
  tokens: Record<string, UserInfo>;
  /** Tokens of service accounts, minted for pods' projected volumes. */
  serviceAccounts?: ServiceAccountTokens;
  tls: { key: string; cert: string; ca: string };
  kubelet?: KubeletHandlers;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK. */
  bookmarkIntervalMs?: number;
}

interface Route {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  sub?: string;
  subPath: string[];
}

const BY_GVR = new Map(RESOURCE_DEFS.map((d) => [`${apiVersionOf(d)}/${d.plural}`, d]));

export class ApiServer {
  readonly server: https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly watchClosers = new Set<() => void>();
  private readonly opts: ApiServerOptions;
  private readonly store: Store;
  url = '';

  constructor(opts: ApiServerOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.server = https.createServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      this.handle(req, res).catch((e) => this.fail(res, e));
    });
    // Watches and log streams stay open as long as the client wants.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('secureConnection', (s: TLSSocket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address() as { port: number };
    this.url = `https://127.0.0.1:${addr.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const c of [...this.watchClosers]) c();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- plumbing ----

  private authenticate(req: IncomingMessage): UserInfo | undefined {
    const auth = req.headers.authorization;
    const withAuthenticated = (u: UserInfo): UserInfo => ({ name: u.name, groups: [...u.groups, 'system:authenticated'] });
    if (auth?.startsWith('Bearer ')) {
      const token = auth.slice(7);
      const u = Object.hasOwn(this.opts.tokens, token) ? this.opts.tokens[token] : this.opts.serviceAccounts?.authenticate(token);
      return u && withAuthenticated(u);
    }
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      const subject = sock.getPeerCertificate()?.subject;
      const cn = subject?.CN;
      const o = subject?.O;
      return withAuthenticated({ name: typeof cn === 'string' ? cn : 'client-cert', groups: o === undefined ? [] : Array.isArray(o) ? o : [o] });
    }
    return undefined;
  }

  /** The RBAC authorizer's decision; a refusal is the 403 the API server's authorization filter writes. */
  private authorizeRequest(user: UserInfo, attrs: RequestAttributes): void {
    const d = authorize(this.store, user, attrs);
    if (d.allowed) return;
    throw forbidden(user, attrs, d.reason);
  }

  private send(res: ServerResponse, code: number, body: string | object, contentType = 'application/json'): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
  }

  private fail(res: ServerResponse, e: unknown): void {
    if (e instanceof StatusError) {
      const headers: Record<string, string> = {};
      const ra = e.status.details?.retryAfterSeconds;
      if (ra !== undefined) headers['Retry-After'] = String(ra);
      if (!res.headersSent) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      this.send(res, e.code, e.status);
      return;
    }
    console.error('test cluster: internal error:', e);
    this.send(res, 500, internalError(`Internal error occurred: ${(e as Error)?.message ?? e}`).status);
  }

  private async readRaw(req: IncomingMessage): Promise<{ buf: Buffer; ct: string }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return { buf: Buffer.concat(chunks), ct: (req.headers['content-type'] ?? '').split(';')[0].trim() };
  }

  private async readBody(req: IncomingMessage): Promise<any> {
    const { buf, ct } = await this.readRaw(req);
    if (ct === 'application/vnd.kubernetes.protobuf' && buf.length) return decodeKubernetesProtobuf(buf);
    const text = buf.toString('utf8');
    if (!text.trim()) return undefined;
    try {
      if (ct.includes('yaml')) return loadYaml(text);
      return JSON.parse(text);
    } catch (e) {
      throw badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message}`);
    }
  }

  /**
   * A create or update body, decoded as the server's serializer does: decoding errors are 400s,
   * unknown and duplicate fields follow fieldValidation (Strict: 400, Warn: Warning headers).
   */
  private async readObject(req: IncomingMessage, res: ServerResponse, def: ResourceDef, q: URLSearchParams, verb: 'create' | 'update'): Promise<any> {
    const directive = fieldValidationOf(q, verb);
    const { buf, ct } = await this.readRaw(req);
    const text = buf.toString('utf8');
    let node;
    if (ct === 'application/vnd.kubernetes.protobuf' && buf.length) node = nodeOf(decodeKubernetesProtobuf(buf));
    else if (!text.trim()) node = nodeOf({});
    else
      try {
        node = ct.includes('yaml') ? nodeOf(loadYaml(text)) : parseJsonNodes(text);
      } catch (e) {
        const summary = text.length > 30 ? text.slice(0, 30) + ' ...' : text;
        throw badRequest(`the object provided is unrecognized (must be of type ${def.kind}): couldn't get version/kind; json parse error: ${(e as Error).message} (${summary})`);
      }
    const { obj, warnings } = decodeBody(def, node, directive);
    addWarnings(res, warnings);
    return obj;
  }

  // ---- faults ----

  /** Applies latency, error and reset faults; true when the request was answered by a fault. */
  private async applyFaults(rules: FaultRule[], req: IncomingMessage, res: ServerResponse, entry: { status?: number }): Promise<boolean> {
    for (const r of rules) if (r.latencyMs) await new Promise((ok) => setTimeout(ok, r.latencyMs));
    for (const r of rules) {
      if (r.reset) {
        entry.status = 0;
        req.socket.destroy();
        return true;
      }
      if (r.status) {
        if (r.status === 429) {
          const ra = r.retryAfterSeconds ?? 1;
          this.fail(res, tooManyRequests(ra));
        } else if (r.status === 503) {
          if (r.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(r.retryAfterSeconds));
          this.fail(res, serviceUnavailable());
        } else if (r.status === 500) this.fail(res, internalError());
        else this.fail(res, new StatusError({ message: `injected fault: ${r.status}`, reason: 'InternalError', code: r.status }));
        return true;
      }
    }
    return false;
  }

  // ---- routing ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1' || url.pathname.includes('/watch/');
    const user = this.authenticate(req);
    const entry = { method, path: url.pathname, query: url.search, watch: isWatch, user: user?.name, at: Date.now(), status: undefined as number | undefined };
    this.opts.faults.requestLog.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => (entry.status ??= res.writableFinished ? res.statusCode : 0));
    const rules = this.opts.faults.take(method, url.pathname, isWatch);
    if (rules.length && (await this.applyFaults(rules, req, res, entry))) return;
    if (!user) throw unauthorized();
    const attrs = requestAttributes(method, url.pathname, q);
    this.authorizeRequest(user, attrs);
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET') {
      if (p === '/version') return this.send(res, 200, SERVER_VERSION);
      if (p === '/healthz' || p === '/readyz' || p === '/livez') return this.send(res, 200, 'ok', 'text/plain');
      if (p === '/api') return this.send(res, 200, apiVersions(this.url.replace('https://', '')));
      if (p === '/apis') return this.send(res, 200, apiGroupList());
      if (p === '/api/v1') return this.send(res, 200, apiResourceList('v1')!);
      if (p === '/openapi/v3') return this.send(res, 200, openApiV3Root());
      if (p.startsWith('/openapi/v3/')) {
        const doc = openApiV3Doc(p.slice('/openapi/v3/'.length));
        return doc ? this.send(res, 200, doc) : this.fail(res, notFoundPath());
      }
      if (segs[0] === 'apis' && segs.length === 2) {
        const g = apiGroupDoc(segs[1]);
        return g ? this.send(res, 200, g) : this.fail(res, notFoundPath());
      }
      if (segs[0] === 'apis' && segs.length === 3) {
        const l = apiResourceList(`${segs[1]}/${segs[2]}`);
        return l ? this.send(res, 200, l) : this.fail(res, notFoundPath());
      }
    }
    let route = this.route(segs);
    if (!route) throw notFoundPath();
    if (isWatch && route.name && url.pathname.includes('/watch/')) route = { ...route, name: undefined };
    if (route.def.group === 'authorization.k8s.io') return this.review(req, res, route, user);
    return this.serveResource(req, res, route, q, isWatch, entry, rules, user);
  }

  /** The namespace's Pod Security warn level, as Warning headers on a pod or workload write. */
  private podSecurityWarn(res: ServerResponse, def: ResourceDef, obj: any): void {
    if (!def.namespaced) return;
    const warnings = podSecurityWarnings(def.plural, this.store.peek('namespaces', undefined, obj.metadata?.namespace)?.metadata?.labels, obj);
    if (!warnings.length) return;
    const prev = res.getHeader('Warning');
    res.setHeader('Warning', [...(Array.isArray(prev) ? prev : prev ? [String(prev)] : []), ...warnings.map(warningHeader)]);
  }

  /** SelfSubjectAccessReview and SelfSubjectRulesReview: what the requesting user may do. */
  private async review(req: IncomingMessage, res: ServerResponse, route: Route, user: UserInfo): Promise<void> {
    if ((req.method ?? 'GET') !== 'POST' || route.name !== undefined) throw methodNotAllowed();
    const body = (await this.readBody(req)) ?? {};
    const spec = body.spec ?? {};
    const head = { kind: route.def.kind, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null } };
    if (route.def.plural === 'selfsubjectrulesreviews') {
      const namespace = spec.namespace ?? '';
      if (!namespace) throw badRequest('no namespace on request');
      const { rules, errors } = rulesFor(this.store, user, namespace);
      const status: any = {
        resourceRules: rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) })),
        nonResourceRules: rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
        incomplete: errors.length > 0,
      };
      if (errors.length) status.evaluationError = errors.map((e) => e.message).join(', ');
      return this.send(res, 201, { ...head, spec: {}, status });
    }
    const ra = spec.resourceAttributes;
    const nra = spec.nonResourceAttributes;
    // ValidateSelfSubjectAccessReviewSpec (before 1.33's declarative union check).
    if (!ra && !nra) throw invalidReview(route.def.kind, 'spec.resourceAttributes', 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
    if (ra && nra) throw invalidReview(route.def.kind, 'spec.nonResourceAttributes', `Invalid value: ${JSON.stringify(nra)}: cannot be specified in combination with resourceAttributes`);
    const attrs: RequestAttributes = ra
      ? { verb: ra.verb ?? '', resourceRequest: true, apiGroup: ra.group ?? '', apiVersion: ra.version, resource: ra.resource ?? '', subresource: ra.subresource ?? '', name: ra.name ?? '', namespace: ra.namespace ?? '' }
      : { verb: nra.verb ?? '', resourceRequest: false, path: nra.path ?? '' };
    const d = authorize(this.store, user, attrs);
    return this.send(res, 201, { ...head, spec, status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) } });
  }

  private route(segs: string[]): Route | undefined {
    let gv: string;
    let rest: string[];
    if (segs[0] === 'api' && segs[1] === 'v1') {
      gv = 'v1';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      gv = `${segs[1]}/${segs[2]}`;
      rest = segs.slice(3);
    } else return undefined;
    if (rest[0] === 'watch') rest = rest.slice(1);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const def = BY_GVR.get(`${gv}/${rest[0]}`);
    if (!def) return undefined;
    if (namespace !== undefined && !def.namespaced) return undefined;
    return { def, namespace, name: rest[1], sub: rest[2], subPath: rest.slice(3) };
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams, isWatch: boolean, entry: { status?: number }, faultRules: FaultRule[], user: UserInfo): Promise<void> {
    const method = req.method ?? 'GET';
    const { def, namespace, name, sub } = route;
    if (def.namespaced && name !== undefined && namespace === undefined) throw notFoundPath();
    const dryRun = q.getAll('dryRun').includes('All');
    if (name === undefined) {
      switch (method) {
        case 'GET':
          return isWatch ? this.watch(req, res, def, namespace, q, entry, faultRules) : this.list(req, res, def, namespace, q);
        case 'POST': {
          const body = await this.readObject(req, res, def, q, 'create');
          const obj = this.checkBody(def, body, namespace, undefined);
          confirmNoEscalation(this.store, user, def, obj);
          const created = this.store.create(def.plural, obj, { dryRun });
          this.podSecurityWarn(res, def, created);
          return this.send(res, 201, created);
        }
        case 'DELETE':
          return this.deleteCollection(req, res, def, namespace, q, dryRun);
        default:
          throw methodNotAllowed();
      }
    }
    if (sub !== undefined && !(def.subresources ?? []).includes(sub)) throw notFoundPath();
    if (sub === 'scale') return this.scale(req, res, route, dryRun);
    if (sub === 'log' || sub === 'proxy' || sub === 'exec' || sub === 'attach' || sub === 'portforward') return this.kubeletRequest(req, res, route, q);
    if (sub === 'finalize') {
      if (method !== 'PUT') throw methodNotAllowed();
      const body = await this.readBody(req);
      const cur = this.store.get('namespaces', undefined, name);
      if (!cur) throw notFound(def, name);
      cur.spec = { ...(cur.spec ?? {}), finalizers: body?.spec?.finalizers ?? [] };
      if (body?.metadata?.resourceVersion) cur.metadata.resourceVersion = body.metadata.resourceVersion;
      return this.send(res, 200, this.store.update('namespaces', cur, { dryRun }));
    }
    if (sub !== undefined && sub !== 'status') throw methodNotAllowed();
    const mode = sub === 'status' ? 'status' : 'main';
    switch (method) {
      case 'GET': {
        const snap = this.store.snapshot(def.plural, namespace, name);
        if (!snap) throw notFound(def, name);
        if (wantsTable(req)) return this.send(res, 200, toTable(def, [snap.obj], { includeObject: includeObject(q), resourceVersion: snap.obj.metadata.resourceVersion }));
        return this.send(res, 200, snap.json);
      }
      case 'PUT': {
        const body = await this.readObject(req, res, def, q, 'update');
        const obj = this.checkBody(def, body, namespace, name);
        confirmNoEscalation(this.store, user, def, obj);
        const updated = this.store.update(def.plural, obj, { dryRun, subresource: mode });
        if (mode === 'main') this.podSecurityWarn(res, def, updated);
        return this.send(res, 200, updated);
      }
      case 'PATCH': {
        const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
        const format = PATCH_FORMATS[ct];
        const isCustom = def.group.endsWith('traefik.io') || def.group === 'ceph.rook.io';
        if (!format || (format === 'strategic' && isCustom))
          throw new StatusError({
            message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${isCustom ? '' : ', application/strategic-merge-patch+json'}`,
            reason: 'UnsupportedMediaType',
            code: 415,
          });
        const directive = fieldValidationOf(q, 'patch');
        const text = (await this.readRaw(req)).buf.toString('utf8');
        let patch: any;
        let patchStrict: string[] = [];
        try {
          if (format === 'apply') patch = text.trim() ? loadYaml(text) : undefined;
          else ({ patch, strict: patchStrict } = patchStrictErrors(format, parseJsonNodes(text)));
        } catch (e) {
          throw badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message}`);
        }
        const cur = this.store.get(def.plural, namespace, name);
        if (!cur) {
          if (format === 'apply') {
            const obj = this.checkBody(def, patch ?? {}, namespace, name);
            confirmNoEscalation(this.store, user, def, obj);
            authorizeCreateOnApply(this.store, user, { verb: 'create', resourceRequest: true, apiGroup: def.group, apiVersion: def.version, resource: def.plural, subresource: sub, namespace, name });
            return this.send(res, 201, this.store.create(def.plural, obj, { dryRun }));
          }
          throw notFound(def, name);
        }
        let patched = applyPatch(format, cur, patch);
        if (format !== 'apply') {
          const decoded = decodePatched(def, format, patched, patch, patchStrict, directive);
          patched = decoded.obj;
          addWarnings(res, decoded.warnings);
        }
        if (patched?.metadata?.name !== undefined && patched.metadata.name !== name) throw badRequest(`the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`);
        patched.metadata ??= {};
        patched.metadata.name = name;
        if (def.namespaced) patched.metadata.namespace = namespace;
        // A patch without a resourceVersion applies to the latest version; one with it is a precondition.
        if (patch?.metadata?.resourceVersion === undefined || format === 'json') {
          if (format !== 'json' || patched.metadata.resourceVersion === cur.metadata.resourceVersion) patched.metadata.resourceVersion = cur.metadata.resourceVersion;
        }
        confirmNoEscalation(this.store, user, def, patched);
        const result = this.store.update(def.plural, patched, { dryRun, subresource: mode });
        if (mode === 'main') this.podSecurityWarn(res, def, result);
        return this.send(res, 200, result);
      }
      case 'DELETE': {
        if (sub) throw methodNotAllowed();
        const body = (await this.readBody(req)) ?? {};
        const opts = deleteOptions(body, q);
        return this.send(res, 200, this.store.delete(def.plural, namespace, name, opts));
      }
      default:
        throw methodNotAllowed();
    }
  }

  /** The object in a create/update body must agree with the URL. */
  private checkBody(def: ResourceDef, body: any, namespace: string | undefined, name: string | undefined): any {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the object provided is unrecognized');
    body.metadata ??= {};
    if (body.kind && body.kind !== def.kind && body.kind !== 'Scale') throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(def)})`);
    if (def.namespaced) {
      if (body.metadata.namespace && namespace && body.metadata.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      if (!body.metadata.namespace) body.metadata.namespace = namespace;
    }
    if (name !== undefined) {
      if (body.metadata.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
      body.metadata.name = name;
    }
    return body;
  }

  private list(req: IncomingMessage, res: ServerResponse, def: ResourceDef, namespace: string | undefined, q: URLSearchParams): void {
    const labelSelector = parseLabelSelector(q.get('labelSelector'));
    const fieldSelector = parseFieldSelector(q.get('fieldSelector'), def.plural);
    const page = this.store.listPage(def.plural, {
      namespace,
      labelSelector,
      fieldSelector,
      limit: q.get('limit') ? Number(q.get('limit')) : undefined,
      continue: q.get('continue') ?? undefined,
    });
    if (wantsTable(req)) {
      return this.send(
        res,
        200,
        toTable(
          def,
          page.snaps.map((s) => s.obj),
          { includeObject: includeObject(q), resourceVersion: page.resourceVersion, continue: page.continue, remainingItemCount: page.remainingItemCount },
        ),
      );
    }
    const meta: any = { resourceVersion: page.resourceVersion };
    if (page.continue) meta.continue = page.continue;
    if (page.remainingItemCount !== undefined) meta.remainingItemCount = page.remainingItemCount;
    // Items are stored as JSON already: the list is assembled without re-serialising them.
    const head = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def)}","metadata":${JSON.stringify(meta)},"items":[`;
    const parts: string[] = [head];
    for (let i = 0; i < page.snaps.length; i++) parts.push(i ? ',' + page.snaps[i].json : page.snaps[i].json);
    parts.push(']}');
    this.send(res, 200, parts.join(''));
  }

  private deleteCollection(req: IncomingMessage, res: ServerResponse, def: ResourceDef, namespace: string | undefined, q: URLSearchParams, dryRun: boolean): Promise<void> {
    return this.readBody(req).then((body) => {
      if (def.plural === 'namespaces') throw methodNotAllowed();
      const labelSelector = parseLabelSelector(q.get('labelSelector'));
      const fieldSelector = parseFieldSelector(q.get('fieldSelector'), def.plural);
      const opts = deleteOptions(body ?? {}, q);
      opts.dryRun ||= dryRun;
      const page = this.store.listPage(def.plural, { namespace, labelSelector, fieldSelector });
      const items: any[] = [];
      for (const s of page.snaps) {
        try {
          const r = this.store.delete(def.plural, s.obj.metadata.namespace, s.obj.metadata.name, opts);
          items.push(r.kind === 'Status' ? s.obj : r);
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 404)) throw e;
        }
      }
      this.send(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: this.store.resourceVersion }, items });
    });
  }

  // ---- scale subresource ----

  private async scale(req: IncomingMessage, res: ServerResponse, route: Route, dryRun: boolean): Promise<void> {
    const { def, namespace, name } = route;
    const cur = this.store.get(def.plural, namespace, name!);
    if (!cur) throw notFound(def, name!);
    const method = req.method ?? 'GET';
    if (method === 'GET') return this.send(res, 200, scaleOf(cur));
    let desired: any;
    if (method === 'PUT') desired = (await this.readBody(req)) ?? {};
    else if (method === 'PATCH') {
      const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const format = PATCH_FORMATS[ct];
      if (!format) throw new StatusError({ message: 'the body of the request was in an unknown format', reason: 'UnsupportedMediaType', code: 415 });
      desired = applyPatch(format, scaleOf(cur), await this.readBody(req));
    } else throw methodNotAllowed();
    const rv = desired?.metadata?.resourceVersion;
    if (rv && rv !== cur.metadata.resourceVersion) throw conflict(def, name!, STALE_OBJECT);
    const replicas = desired?.spec?.replicas;
    if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas))
      throw new StatusError({
        message: `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`,
        reason: 'Invalid',
        details: { name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${replicas}: must be greater than or equal to 0`, field: 'spec.replicas' }] },
        code: 422,
      });
    cur.spec.replicas = replicas;
    const updated = this.store.update(def.plural, cur, { dryRun, subresource: 'main' });
    this.send(res, 200, scaleOf(updated));
  }

  // ---- kubelet-served subresources ----

  private kubeletRequest(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): void {
    const { def, namespace, name, sub } = route;
    const obj = this.store.get(def.plural, namespace, name!);
    if (!obj) throw notFound(def, name!);
    const kubelet = this.opts.kubelet;
    if (def.plural === 'nodes' && sub === 'proxy') {
      const path = route.subPath.join('/');
      if (path !== 'stats/summary') throw notFoundPath();
      if (!kubelet) throw serviceUnavailable('the node agent of this test cluster is not running');
      // The kubelet computes the summary asynchronously (it walks the volume directories).
      void Promise.resolve(kubelet.statsSummary(name!)).then(
        (summary) => this.send(res, 200, summary as object),
        () => res.destroy(),
      );
      return;
    }
    if (def.plural === 'pods' && sub === 'log' && (req.method ?? 'GET') === 'GET') {
      if (!kubelet) throw serviceUnavailable('the kubelet of this test cluster is not running');
      return kubelet.handleLog(req, res, obj, q);
    }
    if (def.plural === 'pods' && (sub === 'exec' || sub === 'attach' || sub === 'portforward'))
      throw badRequest('Upgrade request required');
    throw notFoundPath();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const reject = (e: StatusError) => {
      const body = JSON.stringify(e.status);
      socket.end(`HTTP/1.1 ${e.code} ${e.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const user = this.authenticate(req);
      const entry = { method: req.method ?? 'GET', path: url.pathname, query: url.search, watch: false, user: user?.name, at: Date.now(), status: 101 as number | undefined };
      this.opts.faults.requestLog.push(entry);
      // Error and reset faults answer an upgrade request too (exec, attach, port-forward).
      for (const r of this.opts.faults.take(entry.method, url.pathname, false)) {
        if (r.reset) {
          entry.status = 0;
          return void socket.destroy();
        }
        if (r.status) {
          entry.status = r.status;
          return reject(r.status === 429 ? tooManyRequests(r.retryAfterSeconds ?? 1) : r.status === 503 ? serviceUnavailable() : r.status === 500 ? internalError() : new StatusError({ message: `injected fault: ${r.status}`, reason: 'InternalError', code: r.status }));
        }
      }
      if (!user) return reject(unauthorized());
      this.authorizeRequest(user, requestAttributes(req.method ?? 'GET', url.pathname, url.searchParams));
      const route = this.route(url.pathname.split('/').filter(Boolean).map(decodeURIComponent));
      if (!route || route.def.plural !== 'pods' || !route.name || !['exec', 'attach', 'portforward'].includes(route.sub ?? '')) return reject(notFoundPath());
      const pod = this.store.get('pods', route.namespace, route.name);
      if (!pod) return reject(notFound(route.def, route.name));
      const kubelet = this.opts.kubelet;
      if (!kubelet) return reject(serviceUnavailable('the kubelet of this test cluster is not running'));
      if (route.sub === 'portforward') kubelet.handlePortForward(req, socket, head, pod, url.searchParams);
      else kubelet.handleExec(req, socket, head, pod, url.searchParams);
    } catch (e) {
      reject(e instanceof StatusError ? e : internalError(String(e)));
    }
  }

  // ---- watch ----

  private watch(req: IncomingMessage, res: ServerResponse, def: ResourceDef, namespace: string | undefined, q: URLSearchParams, entry: { status?: number }, faultRules: FaultRule[]): void {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'), def.plural);
    const rvParam = q.get('resourceVersion');
    const table = wantsTable(req);
    const include = includeObject(q);
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const timeoutSeconds = q.get('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : 1800 + Math.floor(Math.random() * 1800);
    const dropRules = faultRules.filter((r) => r.dropWatchAfterEvents !== undefined || r.dropWatchAfterMs !== undefined);
    const matches = (obj: any) =>
      (namespace === undefined || obj.metadata.namespace === namespace) &&
      (labels.length === 0 || matchesLabels(labels, obj.metadata.labels)) &&
      (fields.length === 0 || matchesFields(fields, obj));

    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    let sent = 0;
    let closed = false;
    let firstTable = true;
    const lastRv = { value: this.store.resourceVersion };
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(bookmarkTimer);
      clearTimeout(timeoutTimer);
      clearTimeout(dropTimer);
      this.watchClosers.delete(close);
      flush();
      res.end();
    };
    const write = (type: string, obj: any, json?: string) => {
      if (closed) return;
      let objJson: string;
      if (table && type !== 'ERROR' && type !== 'BOOKMARK') {
        objJson = JSON.stringify(toTable(def, [obj], { includeObject: include, resourceVersion: obj.metadata.resourceVersion, withColumns: firstTable }));
        firstTable = false;
      } else objJson = json ?? JSON.stringify(obj);
      const line = watchEventLine(type, objJson);
      if (type !== 'BOOKMARK' && type !== 'ERROR' && dropAfterEvents !== undefined && ++sent >= dropAfterEvents) {
        // Dropped watch: the connection goes away once this event has reached the client.
        closed = true;
        flush();
        res.write(line, () => {
          req.socket.destroy();
          closed = false;
          close();
        });
        return;
      }
      queued.push(line);
      if (queued.length === 1) setImmediate(flush);
    };
    // Lines written in one turn of the event loop go out in one write (in order): a burst of changes
    // costs one socket write, not one per event.
    const queued: Buffer[] = [];
    const flush = () => {
      if (!queued.length || res.writableEnded) return;
      res.write(queued.length === 1 ? queued[0] : Buffer.concat(queued));
      queued.length = 0;
    };
    const sendChange = (c: Change) => {
      const now = c.type === 'DELETED' ? false : matches(c.snap.obj);
      const before = c.prev ? matches(c.prev.obj) : c.type === 'DELETED' ? matches(c.snap.obj) : false;
      lastRv.value = String(c.rv);
      if (c.type === 'ADDED' && now) write('ADDED', c.snap.obj, c.snap.json);
      else if (c.type === 'DELETED' && before) write('DELETED', c.snap.obj, c.snap.json);
      else if (c.type === 'MODIFIED') {
        if (now && before) write('MODIFIED', c.snap.obj, c.snap.json);
        else if (now) write('ADDED', c.snap.obj, c.snap.json);
        else if (before) write('DELETED', c.snap.obj, c.snap.json);
      }
    };
    // Events that happen while the backlog is being sent are queued so none is lost or reordered.
    let backlogDone = false;
    const pending: Change[] = [];
    const unsubscribe = this.store.onChange(def.plural, (c) => (backlogDone ? sendChange(c) : pending.push(c)));
    this.watchClosers.add(close);
    req.on('close', close);
    res.on('error', close);
    let dropAfterEvents: number | undefined;
    let dropTimer: NodeJS.Timeout | undefined;
    for (const r of dropRules) {
      if (r.dropWatchAfterEvents !== undefined) dropAfterEvents = Math.min(dropAfterEvents ?? Infinity, r.dropWatchAfterEvents);
      if (r.dropWatchAfterMs !== undefined)
        dropTimer = setTimeout(() => {
          req.socket.destroy();
          close();
        }, r.dropWatchAfterMs);
    }
    const timeoutTimer = setTimeout(close, timeoutSeconds * 1000);
    const bookmarkTimer = setInterval(() => {
      if (bookmarks && backlogDone) write('BOOKMARK', { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: this.store.resourceVersion } });
    }, this.opts.bookmarkIntervalMs ?? 1000);
    try {
      if (!rvParam || rvParam === '0') {
        // No resourceVersion: the current state as ADDED events, then changes.
        for (const s of this.store.listPage(def.plural, { namespace, labelSelector: labels, fieldSelector: fields }).snaps) write('ADDED', s.obj, s.json);
      } else {
        const rv = Number(rvParam);
        if (!Number.isFinite(rv)) throw badRequest(`invalid resource version: ${rvParam}`);
        for (const c of this.store.changesSince(def.plural, rv)) sendChange(c);
      }
    } catch (e) {
      // A too-old resourceVersion is reported in the stream, as the watch cache does.
      const st = e instanceof StatusError ? e.status : internalError(String(e)).status;
      write('ERROR', st);
      entry.status = 200;
      close();
      return;
    }
    const startRv = Number(this.store.resourceVersion);
    for (const c of pending) if (c.rv > startRv || rvParam) sendChange(c);
    backlogDone = true;
  }

}

// One change goes to every watch that selects it: its event line is encoded once per turn of the
// event loop, whichever watch writes it first.
const eventLines = new Map<string, Map<string, Buffer>>();
function watchEventLine(type: string, objJson: string): Buffer {
  if (eventLines.size === 0) setImmediate(() => eventLines.clear());
  let byJson = eventLines.get(type);
  if (!byJson) eventLines.set(type, (byJson = new Map()));
  let line = byJson.get(objJson);
  if (!line) byJson.set(objJson, (line = Buffer.from(`{"type":"${type}","object":${objJson}}\n`)));
  return line;
}

/** responsewriters.Forbidden: NewForbidden(group/resource, name, "<forbiddenMessage>[: <reason>]"). */
function forbidden(user: UserInfo, a: RequestAttributes, reason: string): StatusError {
  const msg = forbiddenMessage(user, a) + (reason ? `: ${reason}` : '');
  if (!a.resourceRequest) return new StatusError({ message: `forbidden: ${msg}`, reason: 'Forbidden', details: {}, code: 403 });
  const gr = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource!;
  const details = { ...(a.name ? { name: a.name } : {}), ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource };
  return new StatusError({ message: a.name ? `${gr} ${JSON.stringify(a.name)} is forbidden: ${msg}` : `${gr} is forbidden: ${msg}`, reason: 'Forbidden', details, code: 403 });
}

/**
 * patch.go: an apply that creates the object also needs "create" on it (createAuthorizerAttributes,
 * checked by withAuthorization once the RBAC storage has confirmed no escalation). Its refusal is
 * NewForbidden(group/resource, name, <the authorizer's reason>), which RBAC leaves empty when no role
 * reference failed to resolve.
 */
function authorizeCreateOnApply(store: Store, user: UserInfo, a: RequestAttributes): void {
  const d = authorize(store, user, a);
  if (d.allowed) return;
  const gr = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource!;
  const details = { name: a.name, ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource };
  throw new StatusError({ message: `${gr} ${JSON.stringify(a.name)} is forbidden: ${d.reason}`, reason: 'Forbidden', details, code: 403 });
}

function invalidReview(kind: string, field: string, detail: string): StatusError {
  return new StatusError({
    message: `${kind}.authorization.k8s.io "" is invalid: ${field}: ${detail}`,
    reason: 'Invalid',
    details: { group: 'authorization.k8s.io', kind, causes: [{ reason: 'FieldValueInvalid', message: detail, field }] },
    code: 422,
  });
}

function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length) res.setHeader('Warning', warnings.map(warningHeader));
}

function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function deleteOptions(body: any, q: URLSearchParams): DeleteOptions {
  const opts: DeleteOptions = {};
  const policy = body?.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  if (policy) {
    if (!['Foreground', 'Background', 'Orphan'].includes(policy)) throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    opts.propagationPolicy = policy;
  } else if (body?.orphanDependents !== undefined || q.get('orphanDependents')) {
    opts.propagationPolicy = (body?.orphanDependents ?? q.get('orphanDependents') === 'true') ? 'Orphan' : 'Background';
  }
  const grace = body?.gracePeriodSeconds ?? (q.get('gracePeriodSeconds') !== null ? Number(q.get('gracePeriodSeconds')) : undefined);
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  if (body?.preconditions) opts.preconditions = body.preconditions;
  opts.dryRun = (Array.isArray(body?.dryRun) && body.dryRun.includes('All')) || q.getAll('dryRun').includes('All');
  return opts;
}

export function scaleOf(obj: any): any {
  const sel = obj.spec?.selector?.matchLabels ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') },
  };
}

export { hasStatusSubresource, Snapshot, resourceDef };
export type { LabelSelector, FieldRequirement };
