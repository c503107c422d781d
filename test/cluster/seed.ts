// seedInstances(): N Odoo instances written straight into the store, shaped as the SaaSOdoo
// instance-service creates them (seeds 000/002/004): PVC `odoo-instance-<id>` (rook-cephfs, RWO,
// plan size) bound to its PV, Deployment `odoo-<database>-<id8>` (Recreate, probes on
// /web/health:8069, ODOO_DATABASE_* env, the PVC at /bitnami/odoo), its ReplicaSet and pod, and the
// ClusterIP Service on 8069. Objects are complete and consistent, so the controllers find nothing
// to do for a running instance.
import { createHash, randomUUID } from 'node:crypto';
import { prepareCreate } from './validation.js';
import { resourceDef } from './resources.js';
import { mkdirSync } from 'node:fs';
import type { Store } from './store.js';
import { rfc3339 } from './store.js';
import { templateHash } from './controllers/workloads.js';
import { pvDataDir } from './volumes.js';
import { SIMULATE_ANNOTATION } from './controllers/pods.js';

export type SeedState = 'running' | 'stopped' | 'starting' | 'crashing' | 'pvcPending';

export interface SeedOptions {
  namespace?: string;
  /** Fractions of instances in each state; the rest are running. E.g. { stopped: 0.1, crashing: 0.01 }. */
  states?: Partial<Record<Exclude<SeedState, 'running'>, number>>;
  /** Plan sizes to cycle through (default 10Gi, 20Gi, 50Gi). */
  sizes?: string[];
  /** Number of distinct customers (default n / 3). */
  customers?: number;
  /** Changes the generated ids; the same seed gives the same instances. */
  seed?: number;
  image?: string;
  /** Create the PV backing directories under dataDir (default false: 10,000 directories are slow). */
  volumeDirs?: boolean;
}

export interface SeededInstance {
  id: string;
  database: string;
  customerId: string;
  name: string;
  state: SeedState;
  deployment: string;
  pvc: string;
  size: string;
}

interface ClusterLike {
  store: Store;
  nodes: string[];
  dataDir: string;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
function suffixFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  let s = '';
  for (let i = 0; i < 5; i++) s += SAFE[h[i] % SAFE.length];
  return s;
}

const WORDS = ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'hooli', 'vandelay', 'wonka', 'tyrell', 'cyberdyne', 'soylent'];

export function seedInstances(cluster: ClusterLike, n: number, opts: SeedOptions = {}): SeededInstance[] {
  const { store } = cluster;
  const ns = opts.namespace ?? 'saasodoo';
  const sizes = opts.sizes ?? ['10Gi', '20Gi', '50Gi'];
  const customers = Math.max(1, opts.customers ?? Math.ceil(n / 3));
  const image = opts.image ?? 'bitnamilegacy/odoo:17';
  const seed = opts.seed ?? 0;
  if (!store.peek('namespaces', undefined, ns)) store.create('namespaces', { metadata: { name: ns } });
  if (!store.peek('secrets', ns, 'odoo-db-credentials'))
    store.create('secrets', { metadata: { name: 'odoo-db-credentials', namespace: ns, labels: { 'managed-by': 'saasodoo' } }, stringData: { password: 'odoo-db-password' } });
  const stateOrder: SeedState[] = ['stopped', 'starting', 'crashing', 'pvcPending'];
  const counts = stateOrder.map((s) => Math.round(n * ((opts.states as any)?.[s] ?? 0)));
  const ts = rfc3339(new Date());
  const out: SeededInstance[] = [];
  let cursor = 0;
  for (let i = 0; i < n; i++) {
    let state: SeedState = 'running';
    let acc = 0;
    for (let s = 0; s < stateOrder.length; s++) {
      acc += counts[s];
      if (i < acc) {
        state = stateOrder[s];
        break;
      }
    }
    const id = uuidFrom(`instance-${seed}-${i}`);
    const customerId = uuidFrom(`customer-${seed}-${i % customers}`);
    const database = `${WORDS[i % WORDS.length]}${i}`;
    const name = `${WORDS[i % WORDS.length]} ${i}`;
    const size = sizes[i % sizes.length];
    const deployment = `odoo-${database}-${id.slice(0, 8)}`;
    const pvcName = `odoo-instance-${id}`;
    const node = cluster.nodes[cursor++ % cluster.nodes.length];
    const labels = {
      app: 'odoo',
      'managed-by': 'saasodoo',
      'instance-id': id,
      'saasodoo.io/instance-id': id,
      'saasodoo.io/customer-id': customerId,
      'saasodoo.io/instance-name': name.replace(/[^A-Za-z0-9._-]/g, '-'),
    };
    const selector = { app: 'odoo', 'saasodoo.io/instance-id': id };

    // Volume: the PVC and, unless it is meant to be pending, its bound PV.
    const pvc: any = {
      metadata: { name: pvcName, namespace: ns, uid: randomUUID(), labels: { ...labels } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: state === 'pvcPending' ? 'cephfs-quota' : 'rook-cephfs', resources: { requests: { storage: size } } },
    };
    if (state !== 'pvcPending') {
      const pvName = `pvc-${pvc.metadata.uid}`;
      const volId = uuidFrom(`vol-${seed}-${i}`);
      if (opts.volumeDirs) mkdirSync(pvDataDir(cluster.dataDir, pvName), { recursive: true });
      store.insert('persistentvolumes', {
        metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': 'rook-ceph.cephfs.csi.ceph.com' } },
        spec: {
          accessModes: ['ReadWriteOnce'],
          capacity: { storage: size },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: pvcName, namespace: ns, uid: pvc.metadata.uid },
          csi: {
            driver: 'rook-ceph.cephfs.csi.ceph.com',
            volumeHandle: `0001-0009-rook-ceph-0000000000000001-${volId}`,
            volumeAttributes: { clusterID: 'rook-ceph', fsName: 'myfs', pool: 'myfs-replicated', subvolumeName: `csi-vol-${volId}`, subvolumePath: `/volumes/csi/csi-vol-${volId}/${uuidFrom(`sub-${seed}-${i}`)}` },
            nodeStageSecretRef: { name: 'rook-csi-cephfs-node', namespace: 'rook-ceph' },
            controllerExpandSecretRef: { name: 'rook-csi-cephfs-provisioner', namespace: 'rook-ceph' },
          },
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: 'rook-cephfs',
          volumeMode: 'Filesystem',
        },
        status: { phase: 'Bound' },
      });
      pvc.spec.volumeName = pvName;
      pvc.metadata.annotations = {
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': 'rook-ceph.cephfs.csi.ceph.com',
        'volume.kubernetes.io/storage-provisioner': 'rook-ceph.cephfs.csi.ceph.com',
      };
      pvc.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } };
    }
    store.insert('persistentvolumeclaims', pvc);

    // Workload.
    const replicas = state === 'stopped' ? 0 : 1;
    const probe = (delay: number) => ({ httpGet: { path: '/web/health', port: 8069 }, initialDelaySeconds: delay, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    const template: any = {
      metadata: { labels: { ...labels }, ...(state === 'crashing' ? { annotations: { [SIMULATE_ANNOTATION]: 'CrashLoopBackOff' } } : {}) },
      spec: {
        containers: [
          {
            name: 'odoo',
            image,
            ports: [{ containerPort: 8069, name: 'http' }],
            env: [
              { name: 'ODOO_DATABASE_HOST', value: 'postgres.saasodoo.svc.cluster.local' },
              { name: 'ODOO_DATABASE_PORT_NUMBER', value: '5432' },
              { name: 'ODOO_DATABASE_NAME', value: database },
              { name: 'ODOO_DATABASE_USER', value: `odoo_${database}` },
              { name: 'ODOO_DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'odoo-db-credentials', key: 'password' } } },
            ],
            volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }],
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '2Gi' } },
            readinessProbe: probe(30),
            livenessProbe: probe(60),
          },
        ],
        volumes: [{ name: 'odoo-data', persistentVolumeClaim: { claimName: pvcName } }],
        restartPolicy: 'Always',
      },
    };
    const dep: any = {
      metadata: { name: deployment, namespace: ns, uid: randomUUID(), labels: { ...labels }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
      spec: { replicas, selector: { matchLabels: selector }, strategy: { type: 'Recreate' }, template },
    };
    prepareCreate(resourceDef('deployments'), dep, store);
    delete dep.status;
    const hash = templateHash(dep.spec.template);
    const rsName = `${deployment}-${hash}`;
    const rsLabels = { ...labels, 'pod-template-hash': hash };
    const rsTemplate = { ...dep.spec.template, metadata: { ...dep.spec.template.metadata, labels: rsLabels } };
    const rs: any = {
      metadata: {
        name: rsName,
        uid: randomUUID(),
        namespace: ns,
        labels: rsLabels,
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas), 'deployment.kubernetes.io/revision': '1' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas, minReadySeconds: 0, selector: { matchLabels: { ...selector, 'pod-template-hash': hash } }, template: rsTemplate },
    };
    const ready = state === 'running';
    if (replicas === 1 && state !== 'pvcPending') {
      const podName = `${rsName}-${suffixFrom(`pod-${seed}-${i}`)}`;
      const pod: any = {
        metadata: {
          uid: randomUUID(),
          name: podName,
          generateName: `${rsName}-`,
          namespace: ns,
          labels: rsLabels,
          ...(rsTemplate.metadata.annotations ? { annotations: rsTemplate.metadata.annotations } : {}),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { ...JSON.parse(JSON.stringify(rsTemplate.spec)), nodeName: node },
      };
      const ip = `10.244.${cluster.nodes.indexOf(node)}.${(i % 250) + 2}`;
      const hostIP = `127.0.0.${cluster.nodes.indexOf(node) + 2}`;
      const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: ts });
      const containerId = `containerd://${createHash('sha256').update(podName).digest('hex')}`;
      const cs: any = { name: 'odoo', image: `docker.io/${image}`, imageID: `docker.io/${image.split(':')[0]}@sha256:${'0'.repeat(64)}`, ready, started: state !== 'starting', restartCount: 0, state: {}, lastState: {}, volumeMounts: [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }] };
      if (state === 'running') Object.assign(cs, { containerID: containerId, state: { running: { startedAt: ts } } });
      if (state === 'starting') Object.assign(cs, { state: { waiting: { reason: 'ContainerCreating' } } });
      if (state === 'crashing')
        Object.assign(cs, {
          containerID: containerId,
          restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 2m40s restarting failed container=odoo pod=${podName}_${ns}(${pod.metadata.uid})` } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: ts, finishedAt: ts, containerID: containerId } },
        });
      pod.status = {
        phase: state === 'starting' ? 'Pending' : 'Running',
        conditions: [cond('PodReadyToStartContainers', state !== 'starting'), cond('Initialized', true), cond('Ready', ready), cond('ContainersReady', ready), cond('PodScheduled', true)],
        hostIP,
        hostIPs: [{ ip: hostIP }],
        ...(state !== 'starting' ? { podIP: ip, podIPs: [{ ip }] } : {}),
        startTime: ts,
        containerStatuses: [cs],
        qosClass: 'Burstable',
      };
      store.insert('pods', pod);
    }
    const readyCount = ready ? 1 : 0;
    rs.status = { replicas, ...(replicas ? { fullyLabeledReplicas: replicas } : {}), ...(readyCount ? { readyReplicas: 1, availableReplicas: 1 } : {}), observedGeneration: 1 };
    if (state === 'pvcPending' || state === 'starting') rs.status = { replicas: 0 };
    store.insert('replicasets', rs);
    if (state === 'running' || state === 'stopped') {
      const c = (type: string, reason: string, message: string) => ({ type, status: 'True', lastUpdateTime: ts, lastTransitionTime: ts, reason, message });
      dep.status = {
        observedGeneration: 1,
        ...(replicas ? { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 } : {}),
        conditions: [c('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'), c('Progressing', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)],
      };
    }
    store.insert('deployments', dep);
    store.insert('services', {
      metadata: { name: deployment, namespace: ns, labels: { app: 'odoo', 'managed-by': 'saasodoo', 'instance-id': id, 'saasodoo.io/instance-id': id } },
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 8069, targetPort: 8069, protocol: 'TCP' }] },
    });
    out.push({ id, database, customerId, name, state, deployment, pvc: pvcName, size });
  }
  return out;
}
