// `kubectl odoo report`: the support bundle of one or more instances, one file to attach to a ticket.
// Per instance: its objects as YAML (Secrets redacted), its events, the status and storage screens, its
// container logs (with --logs), odoo.conf with secrets redacted, its backups and the node agent's last
// summary of its node. What cannot be collected (a 403, a pod with no log) is written down in the
// bundle and the rest is still collected. The screens come from the commands' own code (passed in).
import type { CoreV1Event, Read, Stored, V1ConfigMap, V1Pod, V1ReplicaSet, V1Secret } from '../../lib/kube/models.js';

type Event = Read<CoreV1Event>;
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { Clock } from '../cli/context.js';
import type { KubeClient } from '../../lib/kube/client.js';
import { RESOURCES } from '../../lib/kube/resources.js';
import { streamPodLogs } from '../../lib/kube/logs.js';
import { dumpYaml } from '../../lib/yaml.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { summaryConfigMapName, parseSummaryConfigMap } from '../../lib/nodes/summary.js';
import { parseOdooConf } from '../odooconf/parse.js';
import { maskedLines } from '../odooconf/secrets.js';
import { renderTable } from '../core/output/table.js';
import type { BundleEntry } from './bundleArchive.js';
import { redactObject, redactSecret, referencedSecrets } from './redact.js';
import { maintenanceRecordOf } from '../instances/status.js';

/** A screen as its command prints it, and the data behind it (what -o json prints). */
export interface Screen {
  text: string;
  data: unknown;
}

export interface ReportDeps {
  kube: KubeClient;
  clock: Clock;
  signal?: AbortSignal;
  progress: (m: string) => void;
  status(inst: InstanceObjects): Promise<Screen>;
  storage(inst: InstanceObjects): Promise<Screen>;
  backups(inst: InstanceObjects): Promise<Screen>;
  /** odoo.conf as it is on the instance's volume. */
  odooConf(inst: InstanceObjects): Promise<{ path: string; text: string }>;
  agentNamespace: string;
}

export interface ReportOptions {
  logs: boolean;
  /** With logs: only the last N lines of each. */
  tail?: number;
  includeSecrets: boolean;
}

export interface InstanceBundle {
  instance: string;
  files: BundleEntry[];
  /** "what: why" for each part that could not be collected. */
  errors: string[];
}

const list = (items: unknown[]) => dumpYaml({ apiVersion: 'v1', kind: 'List', items });

const message = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

function eventRows(events: Event[]): string {
  const ts = (e: Event) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
  const rows = [...events].sort((a, b) => String(ts(a)).localeCompare(String(ts(b))));
  if (!rows.length) return 'No events.\n';
  return renderTable(
    rows,
    [
      { header: 'LAST SEEN', value: (e: Event) => String(ts(e)) },
      { header: 'TYPE', value: (e: Event) => String(e.type ?? '') },
      { header: 'REASON', value: (e: Event) => String(e.reason ?? '') },
      { header: 'OBJECT', value: (e: Event) => `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}` },
      { header: 'COUNT', value: (e: Event) => String(e.count ?? e.series?.count ?? 1) },
      { header: 'MESSAGE', value: (e: Event) => String(e.message ?? '').trim().replace(/\s*\n\s*/g, ' ') },
    ],
    { aligned: true },
  );
}

async function readLog(kube: KubeClient, opts: { namespace: string; pod: string; container: string; previous: boolean; tail?: number; signal?: AbortSignal }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
  await streamPodLogs(kube, { namespace: opts.namespace, pod: opts.pod, container: opts.container, previous: opts.previous, tailLines: opts.tail, timestamps: true, signal: opts.signal }, sink);
  return Buffer.concat(chunks);
}

/** Everything the bundle holds of one instance, under `dir/`. */
export async function collectInstanceBundle(deps: ReportDeps, inst: InstanceObjects, opts: ReportOptions, dir: string): Promise<InstanceBundle> {
  const files: BundleEntry[] = [];
  const errors: string[] = [];
  const put = (path: string, content: string | Buffer): void => void files.push({ path: `${dir}/${path}`, content });
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      errors.push(`${what}: ${message(e)}`);
    }
  };
  const ns = inst.namespace;
  const kube = deps.kube;
  deps.progress(`collecting ${inst.name}`);

  // Objects.
  put('objects/deployment.yaml', dumpYaml(redactObject(inst.deployment)));
  let replicaSets: Stored<V1ReplicaSet>[] = [];
  await attempt('replicasets', async () => {
    const uid = inst.deployment.metadata?.uid;
    replicaSets = (await kube.list<Stored<V1ReplicaSet>>(RESOURCES.replicasets, { namespace: ns })).items.filter((r) => (r.metadata?.ownerReferences ?? []).some((o) => o.uid === uid));
    put('objects/replicasets.yaml', list(replicaSets.map((r) => redactObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', ...r }))));
  });
  // In maintenance, its maintenance pod is where the work happens.
  const pods = [...inst.pods];
  const maintenance = maintenanceRecordOf(inst.deployment);
  if (maintenance?.pod) {
    await attempt(`maintenance pod ${maintenance.pod}`, async () => {
      const p = await kube.getOptional<Stored<V1Pod>>(RESOURCES.pods, maintenance.pod!, ns);
      if (!p) throw new Error('not found (recreated by "kubectl odoo maintenance on")');
      pods.push({ apiVersion: 'v1', kind: 'Pod', ...p });
    });
  }
  put('objects/pods.yaml', list(pods.map(redactObject)));
  if (inst.service) put('objects/service.yaml', dumpYaml(redactObject(inst.service)));
  if (inst.ingress) put('objects/ingress.yaml', dumpYaml(redactObject(inst.ingress)));
  if (inst.ingressRoute) put('objects/ingressroute.yaml', dumpYaml(redactObject(inst.ingressRoute)));
  if (inst.pvc) {
    put('objects/pvc.yaml', dumpYaml(redactObject(inst.pvc)));
    const pvName = inst.pvc.spec?.volumeName;
    if (pvName) await attempt(`persistentvolume ${pvName}`, async () => put('objects/pv.yaml', dumpYaml(redactObject({ apiVersion: 'v1', kind: 'PersistentVolume', ...(await kube.get(RESOURCES.persistentvolumes, pvName)) }))));
    const scName = inst.pvc.spec?.storageClassName;
    if (scName) await attempt(`storageclass ${scName}`, async () => put('objects/storageclass.yaml', dumpYaml(redactObject({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', ...(await kube.get(RESOURCES.storageclasses, scName)) }))));
  } else if (inst.pvcName) {
    errors.push(`persistentvolumeclaim ${inst.pvcName}: not found`);
  }
  const secrets: Read<V1Secret>[] = [];
  for (const name of referencedSecrets(inst.deployment)) {
    await attempt(`secret ${name}`, async () => {
      secrets.push(redactSecret({ apiVersion: 'v1', kind: 'Secret', ...(await kube.get<Read<V1Secret>>(RESOURCES.secrets, name, ns)) }, opts.includeSecrets));
    });
  }
  if (secrets.length) put('objects/secrets.yaml', list(secrets));

  // Events of the Deployment, its ReplicaSets, pods, PVC and Service.
  await attempt('events', async () => {
    const names = [inst.name, ...replicaSets.map((r) => r.metadata.name), ...pods.map((p) => p.metadata.name), ...(inst.pvc ? [inst.pvc.metadata.name] : [])];
    const seen = new Set<string | undefined>();
    const events: Event[] = [];
    for (const n of [...new Set(names)]) {
      for (const e of (await kube.list<Event>(RESOURCES.events, { namespace: ns, fieldSelector: `involvedObject.name=${n}` })).items) {
        if (seen.has(e.metadata?.uid)) continue;
        seen.add(e.metadata?.uid);
        events.push(e);
      }
    }
    put('events.txt', eventRows(events));
    put('events.yaml', list(events.map(redactObject)));
  });

  // The screens.
  await attempt('status', async () => {
    const s = await deps.status(inst);
    put('status.txt', s.text);
    put('status.json', JSON.stringify(s.data, null, 2) + '\n');
  });
  await attempt('storage', async () => {
    const s = await deps.storage(inst);
    put('storage.txt', s.text);
    put('storage.json', JSON.stringify(s.data, null, 2) + '\n');
  });

  // Logs: every container of every pod, and the previous container's when it restarted.
  if (opts.logs) {
    for (const pod of pods) {
      const statuses = pod.status?.containerStatuses ?? [];
      for (const { name: container } of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
        if (!container) continue;
        const st = statuses.find((s) => s.name === container) ?? (pod.status?.initContainerStatuses ?? []).find((s) => s.name === container);
        const base = `logs/${pod.metadata.name}/${container}`;
        await attempt(`log of ${pod.metadata.name}/${container}`, async () => put(`${base}.log`, await readLog(kube, { namespace: ns, pod: pod.metadata.name, container, previous: false, tail: opts.tail, signal: deps.signal })));
        if ((st?.restartCount ?? 0) > 0) {
          await attempt(`previous log of ${pod.metadata.name}/${container}`, async () => put(`${base}.previous.log`, await readLog(kube, { namespace: ns, pod: pod.metadata.name, container, previous: true, tail: opts.tail, signal: deps.signal })));
        }
      }
    }
  }

  await attempt('odoo.conf', async () => {
    const { path, text } = await deps.odooConf(inst);
    const conf = parseOdooConf(text);
    const lines = opts.includeSecrets ? conf.lines : maskedLines(conf);
    put('odoo.conf', `# ${path} of ${inst.name}${opts.includeSecrets ? '' : ' (secret values redacted)'}\n${lines.join('\n')}${text.endsWith('\n') ? '\n' : ''}`);
  });
  await attempt('backups', async () => {
    const s = await deps.backups(inst);
    put('backups.txt', s.text);
    put('backups.json', JSON.stringify(s.data, null, 2) + '\n');
  });

  // The node agent's last summary of the node the instance runs on.
  const node = (pods.find((p) => p.status?.phase === 'Running' && p.spec?.nodeName) ?? pods.find((p) => p.spec?.nodeName))?.spec?.nodeName;
  if (!node) {
    errors.push('node summary: the instance has no pod on a node');
  } else {
    await attempt(`node summary of ${node}`, async () => {
      const cm = await kube.getOptional<Read<V1ConfigMap>>(RESOURCES.configmaps, summaryConfigMapName(node), deps.agentNamespace);
      if (!cm) throw new Error(`no summary ConfigMap ${summaryConfigMapName(node)} in namespace ${deps.agentNamespace} (is the node agent installed?)`);
      const parsed = parseSummaryConfigMap(cm);
      if (parsed.error) throw new Error(parsed.error);
      put('node-summary.json', JSON.stringify({ node, configMap: cm.metadata?.name, report: parsed.report }, null, 2) + '\n');
    });
  }
  if (errors.length) put('errors.txt', errors.map((e) => `${e}\n`).join(''));
  return { instance: inst.name, files, errors };
}

export interface ReadmeFacts {
  createdAt: Date;
  by: string;
  toolVersion: string;
  context: string;
  namespace: string;
  command: string;
  opts: ReportOptions;
  bundles: InstanceBundle[];
}

/** README.txt: what was collected, when and by whom, and what could not be. */
export function renderReadme(f: ReadmeFacts): string {
  const lines = [
    'kubectl-odoo support bundle',
    '',
    `Created:   ${f.createdAt.toISOString()}`,
    `By:        ${f.by} with kubectl-odoo ${f.toolVersion}`,
    `Command:   ${f.command}`,
    `Context:   ${f.context}`,
    `Namespace: ${f.namespace}`,
    `Instances: ${f.bundles.map((b) => b.instance).join(', ') || '(none)'}`,
    '',
    'Per instance, in its folder:',
    '  objects/     Deployment, ReplicaSets, Pods, Service, Ingress or IngressRoute, PVC, PV, StorageClass and the',
    '               Secrets the Deployment reads, as YAML',
    '  events.txt   its events (events.yaml: the same as objects)',
    '  status.txt   the "kubectl odoo status" screen (status.json: the same as -o json)',
    '  storage.txt  the "kubectl odoo storage" screen (storage.json)',
    `  logs/        ${f.opts.logs ? `the container logs${f.opts.tail !== undefined ? ` (last ${f.opts.tail} lines each)` : ''}, and the previous container's (*.previous.log) when it restarted` : 'not collected (run with --logs)'}`,
    '  odoo.conf    from the instance volume',
    '  backups.txt  its backup sets, as "kubectl odoo backups" lists them (backups.json)',
    "  node-summary.json  the node agent's last summary of the node the instance runs on",
    '  errors.txt   what could not be collected, and why',
    '',
    f.opts.includeSecrets
      ? 'SECRETS ARE INCLUDED IN CLEAR (--include-secrets): share this bundle only with people who may see them.'
      : 'Secrets are redacted: a Secret value shows as "<redacted, N bytes>", secret-looking env values and odoo.conf options (passwords, secrets, tokens, keys) too.',
    '',
  ];
  const failed = f.bundles.filter((b) => b.errors.length);
  if (!failed.length) lines.push('Everything was collected.');
  else {
    lines.push('Not collected:');
    for (const b of failed) for (const e of b.errors) lines.push(`  ${b.instance}: ${e}`);
  }
  return lines.join('\n') + '\n';
}

/** The two file operations of writeFileAtomic that can fail half-way (a full disk, a rename refused). */
export interface AtomicWriteFs {
  writeSync(fd: number, data: Buffer, offset: number): number;
  renameSync(from: string, to: string): void;
}

/**
 * Writes the file whole or not at all: a temporary file beside it, flushed, then renamed over. On a
 * failure the temporary file is removed and `file` is as it was.
 */
export function writeFileAtomic(file: string, data: Buffer, fs: AtomicWriteFs = { writeSync, renameSync }): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      // A write may take fewer bytes than given.
      for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
