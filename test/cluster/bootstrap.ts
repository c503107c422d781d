// What a fresh cluster holds before anyone uses it: the system namespaces, the nodes, the storage
// classes of a Rook-Ceph cluster and the CRDs of the custom resources it serves.
import type { Store } from './store.js';
import { customResourceDefinitions } from './resources.js';

export const CEPHFS_DRIVER = 'rook-ceph.cephfs.csi.ceph.com';
export const RBD_DRIVER = 'rook-ceph.rbd.csi.ceph.com';

export function nodeObject(name: string, index: number): any {
  const ip = `127.0.0.${index + 2}`;
  return {
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(index === 0 ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: `10.244.${index}.0/24`, podCIDRs: [`10.244.${index}.0/24`] },
    status: {
      capacity: { cpu: '4', 'ephemeral-storage': '102626232Ki', 'hugepages-2Mi': '0', memory: '16365592Ki', pods: '110' },
      allocatable: { cpu: '4', 'ephemeral-storage': '94580335255', 'hugepages-2Mi': '0', memory: '16263192Ki', pods: '110' },
      conditions: [
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
        ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
      ].map(([type, status, reason, message]) => ({ type, status, reason, message, lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z') })),
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
        containerRuntimeVersion: 'containerd://1.7.24',
        kernelVersion: '6.1.0-31-amd64',
        kubeProxyVersion: 'v1.32.4',
        kubeletVersion: 'v1.32.4',
        machineID: `${String(index).padStart(32, '0')}`,
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: `00000000-0000-4000-8000-${String(index + 100).padStart(12, '0')}`,
      },
    },
  };
}

export function bootstrapCluster(store: Store, opts: { nodes: string[]; storageClasses?: boolean }): void {
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) store.create('namespaces', { metadata: { name: ns } });
  opts.nodes.forEach((n, i) => {
    const node = store.create('nodes', nodeObject(n, i));
    // The kubelet's heartbeat: one Lease per node in kube-node-lease, owned by its Node.
    store.create('leases', {
      metadata: { name: n, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n, uid: node.metadata.uid }] },
      spec: { holderIdentity: n, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') },
    });
  });
  store.create('services', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
  });
  if (opts.storageClasses !== false) {
    store.create('storageclasses', {
      metadata: { name: 'rook-cephfs' },
      provisioner: CEPHFS_DRIVER,
      parameters: {
        clusterID: 'rook-ceph',
        fsName: 'myfs',
        pool: 'myfs-replicated',
        'csi.storage.k8s.io/provisioner-secret-name': 'rook-csi-cephfs-provisioner',
        'csi.storage.k8s.io/provisioner-secret-namespace': 'rook-ceph',
        'csi.storage.k8s.io/controller-expand-secret-name': 'rook-csi-cephfs-provisioner',
        'csi.storage.k8s.io/controller-expand-secret-namespace': 'rook-ceph',
        'csi.storage.k8s.io/node-stage-secret-name': 'rook-csi-cephfs-node',
        'csi.storage.k8s.io/node-stage-secret-namespace': 'rook-ceph',
      },
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
      volumeBindingMode: 'Immediate',
    });
    store.create('storageclasses', {
      metadata: { name: 'rook-ceph-block' },
      provisioner: RBD_DRIVER,
      parameters: { clusterID: 'rook-ceph', pool: 'replicapool', imageFormat: '2', imageFeatures: 'layering', 'csi.storage.k8s.io/fstype': 'ext4' },
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
      volumeBindingMode: 'Immediate',
    });
  }
  for (const crd of customResourceDefinitions()) store.create('customresourcedefinitions', crd);
}
