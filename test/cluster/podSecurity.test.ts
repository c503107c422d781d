// Pod Security Admission in the test cluster, through the real kubectl and through client-node: the
// enforce label refuses pods with the admission plugin's message, warn (and a stricter enforce) adds
// `would violate PodSecurity` warnings to pods and workloads, a Job's refused pods are FailedCreate
// events, and a namespace without labels is privileged.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from './index.js';
import { kubectl as runKubectl } from '../harness/plugin.js';
import { eventually } from './testing.js';

let cluster: TestCluster;
const k = (args: string[], stdin?: string) => runKubectl(args, { kubeconfig: cluster.kubeconfigPath, stdin });

const RESTRICTED_PLAIN = (c: string) =>
  `allowPrivilegeEscalation != false (container "${c}" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "${c}" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "${c}" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "${c}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;

const hostPathPod = (ns: string) => `apiVersion: v1
kind: Pod
metadata: {name: mounter, namespace: ${ns}}
spec:
  hostNetwork: true
  containers:
  - name: c
    image: busybox
    securityContext: {privileged: true}
    volumeMounts: [{name: host, mountPath: /host}]
  volumes:
  - name: host
    hostPath: {path: /}
`;

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false });
  for (const [ns, labels] of [
    ['open', []],
    ['base', ['pod-security.kubernetes.io/enforce=baseline']],
    ['strict', ['pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=v1.32']],
    ['warned', ['pod-security.kubernetes.io/enforce=baseline', 'pod-security.kubernetes.io/warn=restricted']],
  ] as const) {
    expect((await k(['create', 'namespace', ns])).code).toBe(0);
    if (labels.length) expect((await k(['label', 'namespace', ns, ...labels])).code).toBe(0);
  }
});
afterAll(async () => cluster?.stop());

describe('Pod Security Admission through the real kubectl', () => {
  it('baseline refuses a privileged pod with the admission plugin\'s message; no label is privileged', async () => {
    const r = await k(['-n', 'base', 'run', 'priv', '--image', 'busybox', '--privileged']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (Forbidden): pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)\n');
    expect(cluster.store.get('pods', 'base', 'priv')).toBeUndefined();
    expect((await k(['-n', 'open', 'run', 'priv', '--image', 'busybox', '--privileged'])).code).toBe(0);
  });

  it('names every violated check in the plugin\'s order: host namespaces, hostPath volumes, privileged', async () => {
    const r = await k(['apply', '-f', '-'], hostPathPod('base'));
    expect(r.stderr).toBe(
      'Error from server (Forbidden): error when creating "STDIN": pods "mounter" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPath volumes (volume "host"), privileged (container "c" must not set securityContext.privileged=true)\n',
    );
  });

  it('restricted refuses a plain pod, with the version of its label', async () => {
    const r = await k(['-n', 'strict', 'run', 'plain', '--image', 'busybox']);
    expect(r.stderr).toBe(`Error from server (Forbidden): pods "plain" is forbidden: violates PodSecurity "restricted:v1.32": ${RESTRICTED_PLAIN('plain')}\n`);
    const ok = `apiVersion: v1
kind: Pod
metadata: {name: hardened, namespace: strict}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: busybox
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`;
    const created = await k(['apply', '-f', '-'], ok);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('pod/hardened created\n');
  });

  it('warn adds a Warning to an admitted pod; workloads are only warned, their refused pods are FailedCreate events', async () => {
    const pod = await k(['-n', 'warned', 'run', 'web', '--image', 'nginx']);
    expect(pod.code).toBe(0);
    expect(pod.stderr).toBe(`Warning: would violate PodSecurity "restricted:latest": ${RESTRICTED_PLAIN('web')}\n`);
    const job = await k(['-n', 'base', 'create', 'job', 'jobby', '--image', 'busybox', '--dry-run=client', '-o', 'json']);
    const spec = JSON.parse(job.stdout);
    spec.spec.template.spec.containers[0].securityContext = { privileged: true };
    // Without a warn label, warn follows the enforce level.
    const created = await k(['create', '-f', '-'], JSON.stringify(spec));
    expect(created.code).toBe(0);
    expect(created.stderr).toBe('Warning: would violate PodSecurity "baseline:latest": privileged (container "jobby" must not set securityContext.privileged=true)\n');
  });
});

describe('Pod Security Admission through client-node', () => {
  it('a refused pod is a 403 Status with reason Forbidden, a Deployment\'s refused pods are FailedCreate events', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const e: any = await core.createNamespacedPod({ namespace: 'base', body: { metadata: { name: 'netns' }, spec: { hostPID: true, hostIPC: true, containers: [{ name: 'c', image: 'busybox' }] } } }).then(
      () => undefined,
      (err) => err,
    );
    expect(e.code).toBe(403);
    expect(JSON.parse(e.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "netns" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostIPC=true, hostPID=true)',
      reason: 'Forbidden',
      details: { name: 'netns', kind: 'pods' },
      code: 403,
    });
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'base',
      body: {
        metadata: { name: 'agentish' },
        spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'busybox', securityContext: { capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN'] } } }] } } },
      },
    });
    const events = await eventually(async () => {
      const list = await core.listNamespacedEvent({ namespace: 'base' });
      const failed = list.items.filter((ev) => ev.reason === 'FailedCreate' && ev.involvedObject.kind === 'ReplicaSet');
      return failed.length ? failed : undefined;
    }, 'the ReplicaSet\'s FailedCreate event');
    expect(events![0].message).toMatch(/^Error creating: pods "agentish-[a-z0-9]+-[a-z0-9]{5}" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities \(container "a" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add\)$/);
    expect(cluster.store.list('pods', 'base').filter((p: any) => p.metadata.name.startsWith('agentish'))).toEqual([]);
  });
});
