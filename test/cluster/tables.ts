// Server-side printing (meta.k8s.io/v1 Table) for `kubectl get`, with the columns and cell formats of
// the real printers (pkg/printers/internalversion/printers.go).
import type { ResourceDef } from './resources.js';
import { apiVersionOf } from './resources.js';

interface Column {
  name: string;
  type?: 'string' | 'integer' | 'date';
  format?: string;
  priority?: number;
  description?: string;
}

type Cells = (obj: any, now: number) => unknown[];

/** duration.HumanDuration from k8s.io/apimachinery. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const since = (ts: string | undefined, now: number) => (ts ? humanDuration(now - Date.parse(ts)) : '<unknown>');
const age = (o: any, now: number) => since(o.metadata.creationTimestamp, now);
const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

function podStatus(pod: any): { reason: string; ready: string; restarts: string } {
  const st = pod.status ?? {};
  let reason: string = st.reason || st.phase || 'Pending';
  const statuses: any[] = st.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? 0;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let initializing = false;
  (st.initContainerStatuses ?? []).forEach((c: any, i: number) => {
    restarts += c.restartCount ?? 0;
    if (c.state?.terminated?.exitCode === 0) return;
    initializing = true;
    if (c.state?.terminated) reason = 'Init:' + (c.state.terminated.reason || `ExitCode:${c.state.terminated.exitCode}`);
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = 'Init:' + c.state.waiting.reason;
    else reason = `Init:${i}/${pod.spec?.initContainers?.length ?? 0}`;
  });
  if (!initializing) {
    let hasRunning = false;
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      const lt = c.lastState?.terminated?.finishedAt;
      if (lt) lastRestart = Math.max(lastRestart ?? 0, Date.parse(lt));
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  } else {
    for (const c of statuses) restarts += c.restartCount ?? 0;
  }
  if (pod.metadata.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  const restartText = lastRestart !== undefined && restarts > 0 ? `${restarts} (${humanDuration(Date.now() - lastRestart)} ago)` : String(restarts);
  return { reason, ready: `${ready}/${total}`, restarts: restartText };
}

function servicePorts(svc: any): string {
  const ports: any[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

const accessModes = (modes: string[] | undefined) =>
  (modes ?? []).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(',');

function selectorText(sel: any): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  return parts.join(',') || '<none>';
}

function nodeStatus(n: any): string {
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (n.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

function jobStatus(j: any): string {
  const conds: any[] = j.status?.conditions ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (j.metadata.deletionTimestamp) return 'Terminating';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (has('FailureTarget')) return 'FailureTarget';
  if (j.spec?.suspend) return 'Suspended';
  return 'Running';
}

const TABLES: Record<string, { columns: Column[]; cells: Cells }> = {
  pods: {
    columns: [NAME, { name: 'Ready' }, { name: 'Status' }, { name: 'Restarts', type: 'string' }, AGE, { name: 'IP', priority: 1 }, { name: 'Node', priority: 1 }, { name: 'Nominated Node', priority: 1 }, { name: 'Readiness Gates', priority: 1 }],
    cells: (o, now) => {
      const s = podStatus(o);
      return [o.metadata.name, s.ready, s.reason, s.restarts, age(o, now), o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>', o.status?.nominatedNodeName ?? '<none>', '<none>'];
    },
  },
  deployments: {
    columns: [NAME, { name: 'Ready' }, { name: 'Up-to-date', type: 'integer' }, { name: 'Available', type: 'integer' }, AGE, { name: 'Containers', priority: 1 }, { name: 'Images', priority: 1 }, { name: 'Selector', priority: 1 }],
    cells: (o, now) => {
      const cs = o.spec?.template?.spec?.containers ?? [];
      return [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, age(o, now), cs.map((c: any) => c.name).join(','), cs.map((c: any) => c.image).join(','), selectorText(o.spec?.selector)];
    },
  },
  replicasets: {
    columns: [NAME, { name: 'Desired', type: 'integer' }, { name: 'Current', type: 'integer' }, { name: 'Ready', type: 'integer' }, AGE, { name: 'Containers', priority: 1 }, { name: 'Images', priority: 1 }, { name: 'Selector', priority: 1 }],
    cells: (o, now) => {
      const cs = o.spec?.template?.spec?.containers ?? [];
      return [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, now), cs.map((c: any) => c.name).join(','), cs.map((c: any) => c.image).join(','), selectorText(o.spec?.selector)];
    },
  },
  daemonsets: {
    columns: [NAME, { name: 'Desired', type: 'integer' }, { name: 'Current', type: 'integer' }, { name: 'Ready', type: 'integer' }, { name: 'Up-to-date', type: 'integer' }, { name: 'Available', type: 'integer' }, { name: 'Node Selector' }, AGE],
    cells: (o, now) => {
      const s = o.status ?? {};
      const ns = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
      return [o.metadata.name, s.desiredNumberScheduled ?? 0, s.currentNumberScheduled ?? 0, s.numberReady ?? 0, s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0, ns, age(o, now)];
    },
  },
  cronjobs: {
    columns: [NAME, { name: 'Schedule' }, { name: 'Timezone' }, { name: 'Suspend' }, { name: 'Active' }, { name: 'Last Schedule' }, AGE],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.schedule ?? '',
      o.spec?.timeZone ?? '<none>',
      o.spec?.suspend ? 'True' : 'False',
      (o.status?.active ?? []).length,
      o.status?.lastScheduleTime ? humanDuration(now - Date.parse(o.status.lastScheduleTime)) : '<none>',
      age(o, now),
    ],
  },
  jobs: {
    columns: [NAME, { name: 'Status' }, { name: 'Completions' }, { name: 'Duration' }, AGE],
    cells: (o, now) => {
      const st = o.status ?? {};
      const dur = st.startTime ? humanDuration((st.completionTime ? Date.parse(st.completionTime) : now) - Date.parse(st.startTime)) : '';
      return [o.metadata.name, jobStatus(o), `${st.succeeded ?? 0}/${o.spec?.completions ?? 1}`, dur, age(o, now)];
    },
  },
  persistentvolumeclaims: {
    columns: [NAME, { name: 'Status' }, { name: 'Volume' }, { name: 'Capacity' }, { name: 'Access Modes' }, { name: 'StorageClass' }, { name: 'VolumeAttributesClass' }, AGE, { name: 'VolumeMode', priority: 1 }],
    cells: (o, now) => [
      o.metadata.name,
      o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? 'Pending'),
      o.spec?.volumeName ?? '',
      o.status?.capacity?.storage ?? '',
      accessModes(o.status?.accessModes),
      o.spec?.storageClassName ?? '<unset>',
      o.spec?.volumeAttributesClassName ?? '<unset>',
      age(o, now),
      o.spec?.volumeMode ?? 'Filesystem',
    ],
  },
  persistentvolumes: {
    columns: [NAME, { name: 'Capacity' }, { name: 'Access Modes' }, { name: 'Reclaim Policy' }, { name: 'Status' }, { name: 'Claim' }, { name: 'StorageClass' }, { name: 'VolumeAttributesClass' }, { name: 'Reason' }, AGE, { name: 'VolumeMode', priority: 1 }],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.capacity?.storage ?? '',
      accessModes(o.spec?.accessModes),
      o.spec?.persistentVolumeReclaimPolicy ?? '',
      o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? ''),
      o.spec?.claimRef ? `${o.spec.claimRef.namespace}/${o.spec.claimRef.name}` : '',
      o.spec?.storageClassName ?? '',
      o.spec?.volumeAttributesClassName ?? '<unset>',
      o.status?.reason ?? '',
      age(o, now),
      o.spec?.volumeMode ?? 'Filesystem',
    ],
  },
  services: {
    columns: [NAME, { name: 'Type' }, { name: 'Cluster-IP' }, { name: 'External-IP' }, { name: 'Port(s)' }, AGE, { name: 'Selector', priority: 1 }],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP ?? '<none>',
      (o.spec?.externalIPs ?? []).join(',') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
      servicePorts(o),
      age(o, now),
      Object.entries(o.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>',
    ],
  },
  namespaces: { columns: [NAME, { name: 'Status' }, AGE], cells: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)] },
  nodes: {
    columns: [NAME, { name: 'Status' }, { name: 'Roles' }, AGE, { name: 'Version' }, { name: 'Internal-IP', priority: 1 }, { name: 'External-IP', priority: 1 }, { name: 'OS-Image', priority: 1 }, { name: 'Kernel-Version', priority: 1 }, { name: 'Container-Runtime', priority: 1 }],
    cells: (o, now) => {
      const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice(24)).join(',') || '<none>';
      const addr = (t: string) => (o.status?.addresses ?? []).find((a: any) => a.type === t)?.address ?? '<none>';
      const ni = o.status?.nodeInfo ?? {};
      return [o.metadata.name, nodeStatus(o), roles, age(o, now), ni.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), ni.osImage ?? '', ni.kernelVersion ?? '', ni.containerRuntimeVersion ?? ''];
    },
  },
  events: {
    columns: [{ name: 'Last Seen' }, { name: 'Type' }, { name: 'Reason' }, { name: 'Object' }, { name: 'Message' }, { name: 'Subobject', priority: 1 }, { name: 'Source', priority: 1 }, { name: 'First Seen', priority: 1 }, { name: 'Count', priority: 1 }, { name: 'Name', priority: 1 }],
    cells: (o, now) => {
      const io = o.involvedObject ?? {};
      const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      const count = o.count ?? 1;
      const lastSeen = count > 1 ? `${since(last, now)} (x${count} over ${since(o.firstTimestamp ?? last, now)})` : since(last, now);
      return [lastSeen, o.type ?? '', o.reason ?? '', `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`, (o.message ?? '').trim(), io.fieldPath ?? '', o.source?.component ?? '', since(o.firstTimestamp ?? last, now), count, o.metadata.name];
    },
  },
  configmaps: { columns: [NAME, { name: 'Data', type: 'integer' }, AGE], cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)] },
  secrets: { columns: [NAME, { name: 'Type' }, { name: 'Data', type: 'integer' }, AGE], cells: (o, now) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o, now)] },
  leases: {
    columns: [NAME, { name: 'Holder', description: 'holderIdentity contains the identity of the holder of a current lease.' }, AGE],
    cells: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o, now)],
  },
  serviceaccounts: { columns: [NAME, { name: 'Secrets', type: 'integer' }, AGE], cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o, now)] },
  storageclasses: {
    columns: [NAME, { name: 'Provisioner' }, { name: 'ReclaimPolicy' }, { name: 'VolumeBindingMode' }, { name: 'AllowVolumeExpansion' }, AGE],
    cells: (o, now) => [
      o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? `${o.metadata.name} (default)` : o.metadata.name,
      o.provisioner,
      o.reclaimPolicy ?? 'Delete',
      o.volumeBindingMode ?? 'Immediate',
      String(o.allowVolumeExpansion ?? false),
      age(o, now),
    ],
  },
  ingresses: {
    columns: [NAME, { name: 'Class' }, { name: 'Hosts' }, { name: 'Address' }, { name: 'Ports' }, AGE],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.ingressClassName ?? '<none>',
      (o.spec?.rules ?? []).map((r: any) => r.host ?? '*').join(',') || '*',
      (o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).join(','),
      o.spec?.tls?.length ? '80, 443' : '80',
      age(o, now),
    ],
  },
  cephclusters: {
    columns: [NAME, { name: 'DataDirHostPath' }, { name: 'MonCount' }, AGE, { name: 'Phase' }, { name: 'Message' }, { name: 'Health' }, { name: 'External' }, { name: 'FSID' }],
    cells: (o, now) => [o.metadata.name, o.spec?.dataDirHostPath ?? '', o.spec?.mon?.count ?? '', age(o, now), o.status?.phase ?? '', o.status?.message ?? '', o.status?.ceph?.health ?? '', String(o.spec?.external?.enable ?? false), o.status?.ceph?.fsid ?? ''],
  },
};

const DEFAULT_TABLE = { columns: [NAME, AGE], cells: (o: any, now: number) => [o.metadata.name, age(o, now)] };

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A Table for these objects; `withColumns` false leaves out the column definitions (later watch events). */
export function toTable(def: ResourceDef, objs: any[], opts: { includeObject?: IncludeObject; resourceVersion?: string; continue?: string; remainingItemCount?: number; withColumns?: boolean }): any {
  const t = TABLES[def.plural] ?? DEFAULT_TABLE;
  const now = Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const columnDefinitions = t.columns.map((c) => ({ name: c.name, type: c.type ?? 'string', format: c.format ?? '', description: c.description ?? c.name, priority: c.priority ?? 0 }));
  const rows = objs.map((o) => ({
    cells: t.cells(o, now),
    object:
      include === 'None'
        ? undefined
        : include === 'Object'
          ? { apiVersion: apiVersionOf(def), kind: def.kind, ...o }
          : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
  }));
  const metadata: any = { resourceVersion: opts.resourceVersion ?? '' };
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, ...(opts.withColumns === false ? {} : { columnDefinitions }), rows };
}
