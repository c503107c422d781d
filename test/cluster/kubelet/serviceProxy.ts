// The test cluster's kube-proxy. Every Service gets a loopback address of its own (in a /16 under
// 127.0.0.0/8 picked at random per cluster, so clusters running side by side do not collide) and a
// listener on each of its ports there; a connection is forwarded to one backend:
//   - the Service annotation `test.kubectl-odoo.io/backend-<port>: "127.0.0.1:<localPort>"` (a process
//     on this machine standing in for what the Service fronts, such as the playground's PostgreSQL);
//   - else a Ready pod its selector picks, through `endpointOf` (the Odoo stand-in's HTTP server, or
//     the pod annotation `test.kubectl-odoo.io/port-<port>`).
// With no backend the connection is closed at once. Only loopback backends are ever dialled.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { parseServiceName, type ServiceAddress } from './clusterDns.js';
import type { StoreEvent } from './store.js';

export const BACKEND_ANNOTATION_PREFIX = 'test.kubectl-odoo.io/backend-';

/** A port on this machine; `dial` when it is reached another way (inside a node's network, nodeNetwork.ts). */
export type Endpoint = { host: string; port: number; dial?: () => Duplex };

/** Connects to an endpoint: a socket that emits 'connect', or an 'error' with the errno code. */
export function connectEndpoint(ep: Endpoint): Duplex & { connecting?: boolean } {
  return ep.dial ? ep.dial() : connect(ep.port, ep.host);
}

export interface ServiceProxyDeps {
  /** Current pods of a namespace (synchronous: the in-process store). */
  podsIn(namespace: string): any[];
  /** Where a pod's port is served on this machine, if anywhere. */
  endpointOf(pod: any, port: number): Endpoint | undefined;
}

interface ServiceEntry {
  svc: any;
  address: string;
  servers: Server[];
}

export function parseLoopback(v: string | undefined): Endpoint | undefined {
  const m = String(v ?? '').match(/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):(\d{1,5})$/);
  return m ? { host: m[1] === 'localhost' ? '127.0.0.1' : m[1], port: Number(m[2]) } : undefined;
}

export class ServiceProxy {
  private readonly services = new Map<string, ServiceEntry>();
  private readonly block = [randomInt(100, 250), randomInt(0, 256)];
  private next = 2;
  private readonly sockets = new Set<Duplex>();
  private listeners: (() => void)[] = [];

  constructor(private readonly deps: ServiceProxyDeps) {}

  /** Subscribe to changes of the set of Services (the kubelet rewrites pods' hosts files). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  observe(ev: StoreEvent): void {
    const svc = ev.object;
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    const cur = this.services.get(key);
    if (ev.type === 'DELETED') {
      if (!cur) return;
      this.services.delete(key);
      for (const s of cur.servers) s.close();
      this.changed();
      return;
    }
    if (cur) {
      const samePorts = JSON.stringify(ports(cur.svc)) === JSON.stringify(ports(svc));
      cur.svc = svc;
      if (samePorts) return;
      for (const s of cur.servers) s.close();
      cur.servers = [];
      void this.listen(cur);
      return;
    }
    const entry: ServiceEntry = { svc, address: this.allocate(), servers: [] };
    this.services.set(key, entry);
    void this.listen(entry).then(() => this.changed());
  }

  /** Services with their loopback addresses, for hosts files. */
  addresses(): ServiceAddress[] {
    return [...this.services.values()].map((e) => ({ namespace: e.svc.metadata.namespace, name: e.svc.metadata.name, address: e.address }));
  }

  /**
   * Where a pod in `fromNamespace` reaches `host:port`: the service proxy's listener when `host` names
   * a Service, the address itself when it is loopback, otherwise nothing (it would not resolve).
   */
  resolve(host: string, port: number, fromNamespace: string): Endpoint | undefined {
    if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost') return { host: host === 'localhost' ? '127.0.0.1' : host, port };
    const ref = parseServiceName(host, fromNamespace);
    const e = ref && this.services.get(`${ref.namespace}/${ref.name}`);
    return e ? { host: e.address, port } : undefined;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.services.values()].flatMap((e) => e.servers.map((s) => new Promise((r) => s.close(r)))));
    this.services.clear();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  private allocate(): string {
    const n = this.next++;
    return `127.${this.block[0]}.${(this.block[1] + Math.floor(n / 254)) % 256}.${(n % 254) + 1}`;
  }

  private async listen(e: ServiceEntry): Promise<void> {
    for (const p of ports(e.svc)) {
      const server = createServer((sock) => this.forward(e, p, sock));
      server.on('error', () => server.close());
      await new Promise<void>((resolve) => {
        server.once('listening', resolve);
        server.once('error', () => resolve());
        server.listen(p.port, e.address);
      });
      e.servers.push(server);
    }
  }

  private backend(e: ServiceEntry, p: { port: number; targetPort: number | string }): Endpoint | undefined {
    const pinned = parseLoopback(e.svc.metadata?.annotations?.[`${BACKEND_ANNOTATION_PREFIX}${p.port}`]);
    if (pinned) return pinned;
    const selector = e.svc.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return undefined;
    for (const pod of this.deps.podsIn(e.svc.metadata.namespace)) {
      if (pod.metadata.deletionTimestamp || !Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v)) continue;
      if (!(pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')) continue;
      const target = typeof p.targetPort === 'number' ? p.targetPort : containerPortNamed(pod, p.targetPort);
      const ep = target !== undefined ? this.deps.endpointOf(pod, target) : undefined;
      if (ep) return ep;
    }
    return undefined;
  }

  private forward(e: ServiceEntry, p: { port: number; targetPort: number | string }, sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => {});
    const ep = this.backend(e, p);
    if (!ep) return void sock.destroy();
    const up = connectEndpoint(ep);
    this.sockets.add(up);
    up.on('close', () => this.sockets.delete(up));
    up.on('error', () => sock.destroy());
    sock.on('close', () => up.destroy());
    up.on('close', () => sock.destroy());
    sock.pipe(up);
    up.pipe(sock);
  }
}

function ports(svc: any): { port: number; targetPort: number | string }[] {
  return (svc.spec?.ports ?? []).filter((p: any) => (p.protocol ?? 'TCP') === 'TCP').map((p: any) => ({ port: p.port, targetPort: p.targetPort ?? p.port }));
}

function containerPortNamed(pod: any, name: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}
