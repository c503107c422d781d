// Stands in for the Odoo process of the simulated (ReplicaSet) Odoo pods, which run no container: each
// time such a container starts (a new containerID), it does on the pod's real volume and database what
// the bitnami and official images do at start (see odooImage.ts):
//   - first start: writes <data mount>/conf/odoo.conf from the container's environment; later starts
//     read the database settings back from it, so `config set` + restart takes effect;
//   - reaches the database through the cluster's Service names (serviceProxy.ts), waiting while it is
//     unreachable; creates the database when it is missing and Odoo's base tables when it has none
//     ("init db"); keeps the filestore folder data_dir/filestore/<db>;
//   - then serves HTTP on a loopback port (what port-forward and the Service reach for port 8069):
//     /web/health answers 200 {"status": "pass"} while the database is reachable, else 500.
// What it logs joins the container's log in Odoo's and bitnami's formats.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { buildContainerEnv, ContainerConfigError } from './containerEnv.js';
import type { LogLine } from './containerLog.js';
import { baseSchemaSql, dataMountPath, isOdooImage, odooFlavour, odooSettings, renderOdooConf, type OdooSettings } from './odooImage.js';
import { bitnamiLogLine, odooLogLine } from './odooLog.js';
import { prepareVolumes, VolumeSetupError, type VolumeLookup } from './podVolumes.js';
import type { Endpoint, ServiceProxy } from './serviceProxy.js';

export const ODOO_HTTP_PORT = 8069;

export interface StandInDeps {
  dataDir: string;
  lookup: VolumeLookup;
  proxy: ServiceProxy;
  /** Path of psql (Debian's client). */
  psql: string;
  tickMs: number;
}

interface Run {
  podUid: string;
  containerID: string;
  lines: LogLine[];
  stopped: boolean;
  server?: Server;
  endpoint?: Endpoint;
  reachable: boolean;
  checkedAt: number;
  /** When Odoo's HTTP service started (its start-up lines and request lines follow from then). */
  servingSince?: Date;
}

export class OdooStandIn {
  private readonly runs = new Map<string, Run>();

  constructor(private readonly deps: StandInDeps) {}

  /** Every event of a simulated pod: a running Odoo container with a new containerID starts a run. */
  observe(pod: any, deleted: boolean): void {
    const uid = pod.metadata?.uid;
    const current = this.runs.get(uid);
    const container = (pod.spec?.containers ?? []).find((c: any) => isOdooImage(c.image));
    const st = container && (pod.status?.containerStatuses ?? []).find((s: any) => s.name === container.name);
    const running = !deleted && !pod.metadata.deletionTimestamp && st?.state?.running && st.containerID;
    if (current && (!running || current.containerID !== st.containerID)) this.end(current);
    if (!running || this.runs.get(uid)) return;
    const run: Run = { podUid: uid, containerID: st.containerID, lines: [], stopped: false, reachable: false, checkedAt: 0 };
    this.runs.set(uid, run);
    void this.boot(run, pod, container).catch((e) => this.append(run, odooLogLine(new Date(), 'ERROR', '?', 'odoo', `stand-in failed: ${(e as Error).message}`)));
  }

  /** Where the pod's Odoo answers on this machine (port 8069 only). */
  endpoint(podUid: string, port: number): Endpoint | undefined {
    return port === ODOO_HTTP_PORT ? this.runs.get(podUid)?.endpoint : undefined;
  }

  /** What the current run of the pod's container logged, and since when Odoo serves; undefined if none runs. */
  log(podUid: string, containerID: string | undefined): { lines: LogLine[]; servingSince?: Date } | undefined {
    const run = this.runs.get(podUid);
    return run && run.containerID === containerID ? { lines: run.lines, servingSince: run.servingSince } : undefined;
  }

  async stop(): Promise<void> {
    for (const run of [...this.runs.values()]) this.end(run);
  }

  private end(run: Run): void {
    run.stopped = true;
    run.server?.close();
    run.server?.closeAllConnections();
    if (this.runs.get(run.podUid) === run) this.runs.delete(run.podUid);
  }

  private append(run: Run, line: LogLine): void {
    run.lines.push(line);
  }

  private async boot(run: Run, pod: any, container: any): Promise<void> {
    const flavour = odooFlavour(container.image);
    const bitnami = (level: 'INFO' | 'WARN' | 'ERROR', msg: string) => flavour === 'bitnami' && this.append(run, bitnamiLogLine(new Date(), level, msg));
    let env: Record<string, string>;
    let volumeDir: string | undefined;
    for (;;) {
      if (run.stopped) return;
      try {
        env = await buildContainerEnv(pod, container, this.deps.lookup);
        const vm = (container.volumeMounts ?? []).find((m: any) => m.mountPath === dataMountPath(flavour));
        const volumes = await prepareVolumes(pod, this.deps.dataDir, this.deps.lookup);
        const vol = vm && volumes.get(vm.name);
        volumeDir = vol ? join(vol.path, vm.subPath ?? '') : undefined;
        break;
      } catch (e) {
        if (!(e instanceof ContainerConfigError || e instanceof VolumeSetupError)) throw e;
        await sleep(this.deps.tickMs * 10);
      }
    }

    bitnami('INFO', '** Starting Odoo setup **');
    let conf: string;
    const confFile = volumeDir && join(volumeDir, 'conf', 'odoo.conf');
    if (confFile && existsSync(confFile)) {
      bitnami('INFO', 'Restoring persisted Odoo installation');
      conf = readFileSync(confFile, 'utf8');
    } else {
      bitnami('INFO', 'Ensuring Odoo directories exist');
      conf = renderOdooConf(flavour, env, container.image);
      if (volumeDir && confFile) {
        for (const d of ['conf', 'addons', flavour === 'bitnami' ? 'data' : '']) mkdirSync(join(volumeDir, d), { recursive: true });
        bitnami('INFO', 'Generating configuration file');
        writeFileSync(confFile, conf, { mode: 0o644 });
      }
    }
    const settings = odooSettings(flavour, conf);
    bitnami('INFO', 'Trying to connect to the database server');

    // Wait for the database, as both images' entrypoints do before starting Odoo.
    let complained = '';
    let attempts = 0;
    for (;;) {
      if (run.stopped) return;
      const problem = await this.problem(pod, settings, 'postgres');
      if (!problem) break;
      if (problem !== complained) {
        complained = problem;
        if (flavour === 'bitnami') bitnami('ERROR', `Could not connect to the database: ${problem}`);
        else this.append(run, { time: new Date(), stream: 'stderr', text: `Database connection failure: ${problem}\n` });
      }
      // As the entrypoints retry; backing off keeps many waiting pods (a seeded playground) cheap.
      await sleep(Math.min(10_000, Math.max(200, this.deps.tickMs * 10) * 2 ** Math.min(6, attempts++)));
    }
    bitnami('INFO', '** Odoo setup finished! **');
    bitnami('INFO', '** Starting Odoo **');

    const db = settings.database;
    if (db) await this.initDatabase(run, pod, settings, db);
    if (volumeDir && db) mkdirSync(join(volumeDir, settings.dataDirInVolume, 'filestore', db), { recursive: true });
    if (run.stopped) return;
    await this.serve(run, pod, settings);
  }

  /** Odoo's start with db_name set: the database is created when missing, its base tables when it has none. */
  private async initDatabase(run: Run, pod: any, settings: OdooSettings, db: string): Promise<void> {
    const exists = await this.sql(pod, settings, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${db.replace(/'/g, "''")}'`);
    if (exists.trim() !== '1') {
      const collate = settings.template === 'template0' ? " LC_COLLATE 'C'" : '';
      await this.sql(pod, settings, 'postgres', `CREATE DATABASE "${db.replace(/"/g, '""')}" ENCODING 'unicode'${collate} TEMPLATE "${settings.template.replace(/"/g, '""')}"`);
    }
    const initialised = await this.sql(pod, settings, db, "SELECT 1 FROM information_schema.tables WHERE table_name = 'ir_module_module'");
    if (initialised.trim() !== '1') {
      this.append(run, odooLogLine(new Date(), 'INFO', db, 'odoo.modules.loading', 'init db'));
      await this.sql(pod, settings, db, baseSchemaSql(randomUUID()));
    }
  }

  /** Odoo's HTTP service on a loopback port, where port-forward and the Service reach port 8069. */
  private async serve(run: Run, pod: any, settings: OdooSettings): Promise<void> {
    run.reachable = true;
    run.checkedAt = Date.now();
    const server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/web/health') {
        void this.reachable(run, pod, settings).then((ok) => {
          res.writeHead(ok ? 200 : 500, { 'Content-Type': 'application/json; charset=utf-8' });
          // Python's json.dumps, as Odoo's controller answers.
          res.end(ok ? '{"status": "pass"}' : '{"status": "fail", "db_server_status": false}');
        });
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>404: Not Found</title><h1>Not Found</h1>\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    if (run.stopped) return void server.close();
    run.server = server;
    run.endpoint = { host: '127.0.0.1', port: (server.address() as { port: number }).port };
    run.servingSince = new Date();
  }

  /** Whether the database answers, checked at most every half second. */
  private async reachable(run: Run, pod: any, settings: OdooSettings): Promise<boolean> {
    if (Date.now() - run.checkedAt > 500) {
      run.checkedAt = Date.now();
      run.reachable = !(await this.problem(pod, settings, 'postgres'));
    }
    return run.reachable;
  }

  /** Why the database cannot be reached ('' when it can). */
  private async problem(pod: any, s: OdooSettings, database: string): Promise<string> {
    try {
      await this.sql(pod, s, database, 'SELECT 1');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  }

  private sql(pod: any, s: OdooSettings, database: string, sql: string): Promise<string> {
    const ep = this.deps.proxy.resolve(s.host, s.port, pod.metadata.namespace);
    if (!ep) return Promise.reject(new Error(`could not translate host name "${s.host}" to address: Name or service not known`));
    return new Promise((resolve, reject) => {
      execFile(
        this.deps.psql,
        ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', ep.host, '-p', String(ep.port), '-U', s.user, '-d', database, '-c', sql],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSWORD: s.password, PGCONNECT_TIMEOUT: '5' }, timeout: 30_000 },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          // psql names the address it dialled; say the host Odoo was given instead.
          const msg = String(stderr || err.message).trim().split('\n')[0].replace(/^psql: (error: )?/, '').replace(/connection to server at "[^"]*" \([^)]*\), port \d+ failed: /, `connection to server at "${s.host}", port ${s.port} failed: `);
          reject(new Error(msg));
        },
      );
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
