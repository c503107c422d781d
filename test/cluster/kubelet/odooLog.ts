// Plausible log lines for the simulated (ReplicaSet-owned) Odoo pods, which run no process: the
// startup block Odoo prints, then one request line per tick. Lines sit on a fixed time grid derived
// from the container's startedAt, so every read of the log (with or without follow) agrees.
import type { LogLine } from './containerLog.js';

// Odoo takes a moment to start; the startup block is spread over a third of a second.
const STARTUP_STEP_MS = 29;
/** At most this many periodic lines are kept in history, like a rotated container log. */
export const MAX_PERIODIC_LINES = 10_000;

function odooTime(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

/** One line in Odoo's log format: `%(asctime)s %(pid)s %(levelname)s %(dbname)s %(name)s: %(message)s`. */
export function odooLogLine(time: Date, level: 'INFO' | 'WARNING' | 'ERROR', db: string, logger: string, message: string): LogLine {
  return { time, stream: 'stderr', text: `${odooTime(time)} 1 ${level} ${db} ${logger}: ${message}\n` };
}

/** One line as bitnami's scripts log it (liblog.sh): `odoo HH:MM:SS.cc INFO  ==> message`. */
export function bitnamiLogLine(time: Date, level: 'INFO' | 'WARN' | 'ERROR', message: string): LogLine {
  const t = time.toISOString().slice(11, 22);
  return { time, stream: 'stderr', text: `odoo ${t} ${level.padEnd(5)} ==> ${message}\n` };
}

function envValue(container: any, ...names: string[]): string | undefined {
  for (const n of names) {
    const e = (container?.env ?? []).find((x: any) => x.name === n && typeof x.value === 'string');
    if (e) return e.value;
  }
  return undefined;
}

export function startupMessages(pod: any, container: any): string[] {
  const dbHost = envValue(container, 'ODOO_DATABASE_HOST', 'HOST', 'DB_HOST') ?? 'postgres';
  const dbPort = envValue(container, 'ODOO_DATABASE_PORT_NUMBER', 'PORT', 'DB_PORT') ?? '5432';
  const dbUser = envValue(container, 'ODOO_DATABASE_USER', 'USER', 'DB_USER') ?? 'odoo';
  const version = String(container?.image ?? '').match(/:(\d+\.\d+)/)?.[1] ?? '17.0';
  const db = dbName(pod, container);
  return [
    `INFO ? odoo: Odoo version ${version}-20240520`,
    'INFO ? odoo: Using configuration file at /opt/bitnami/odoo/conf/odoo.conf',
    `INFO ? odoo: addons paths: ['/opt/bitnami/odoo/lib/odoo-${version}.post20240520-py3.11.egg/odoo/addons', '/bitnami/odoo/data/addons/${version}', '/opt/bitnami/odoo/addons']`,
    `INFO ? odoo: database: ${dbUser}@${dbHost}:${dbPort}`,
    'INFO ? odoo.addons.base.models.ir_actions_report: Will use the Wkhtmltopdf binary at /usr/local/bin/wkhtmltopdf',
    `INFO ? odoo.service.server: HTTP service (werkzeug) running on ${pod.metadata?.name ?? 'odoo'}:8069`,
    `INFO ${db} odoo.modules.loading: loading 1 modules...`,
    `INFO ${db} odoo.modules.loading: 1 modules loaded in 0.01s, 0 queries (+0 extra)`,
    `INFO ${db} odoo.modules.loading: loading 48 modules...`,
    `INFO ${db} odoo.modules.loading: 48 modules loaded in 0.62s, 0 queries (+0 extra)`,
    `INFO ${db} odoo.modules.loading: Modules loaded.`,
    `INFO ${db} odoo.modules.registry: Registry loaded in 0.914s`,
  ];
}

function dbName(pod: any, container: any): string {
  return envValue(container, 'ODOO_DATABASE_NAME', 'DB_NAME') ?? pod.metadata?.labels?.['saasodoo.io/instance'] ?? 'odoo';
}

function requestMessage(pod: any, container: any, at: Date): string {
  const d = at.toUTCString().split(' '); // "Tue, 02 Jan 2024 03:04:05 GMT"
  const clf = `${d[1]}/${d[2]}/${d[3]} ${d[4]}`;
  return `INFO ${dbName(pod, container)} werkzeug: 127.0.0.1 - - [${clf}] "GET /web/health HTTP/1.1" 200 - 2 0.001 0.003`;
}

/** One instance of a simulated Odoo container, from its start until `until` (or its end). */
export function simulatedOdooLines(pod: any, container: any, startedAt: Date, until: Date, tickMs: number, finishedAt?: Date): LogLine[] {
  const pid = 1;
  const line = (t: Date, msg: string): LogLine => ({ time: t, stream: 'stderr', text: `${odooTime(t)} ${pid} ${msg}\n` });
  const end = finishedAt && finishedAt < until ? finishedAt : until;
  const out: LogLine[] = [];
  const messages = startupMessages(pod, container);
  messages.forEach((m, i) => {
    const t = new Date(startedAt.getTime() + i * STARTUP_STEP_MS);
    if (t <= end) out.push(line(t, m));
  });
  const first = startedAt.getTime() + messages.length * STARTUP_STEP_MS;
  const step = Math.max(1, tickMs);
  const total = Math.floor((end.getTime() - first) / step) + 1;
  const from = Math.max(0, total - MAX_PERIODIC_LINES);
  for (let k = from; k < total; k++) {
    const t = new Date(first + k * step);
    out.push(line(t, requestMessage(pod, container, t)));
  }
  if (finishedAt && finishedAt <= until) {
    out.push(line(finishedAt, 'INFO ? odoo.service.server: Initiating shutdown'));
    out.push(line(finishedAt, 'INFO ? odoo.service.server: Hit CTRL-C again or send a second signal to force the shutdown.'));
  }
  return out;
}
