// Scheduling in the test cluster, through the real kubectl and through client-node: taints against
// tolerations (NoSchedule keeps pods off, NoExecute evicts them), nodeSelector and required node
// affinity, cordoned nodes, the scheduler's FailedScheduling message, and pulls from the registry the
// cluster treats as private (ErrImagePull then ImagePullBackOff without an imagePullSecrets entry).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from './index.js';
import { PRIVATE_REGISTRY } from './registry.js';
import { kubectl as runKubectl } from '../harness/plugin.js';
import { eventually } from './testing.js';

let cluster: TestCluster;
const NS = 'sched';
const k = (args: string[], stdin?: string) => runKubectl(args, { kubeconfig: cluster.kubeconfigPath, stdin });

const deployment = (name: string, podSpec: object) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'odoo', image: 'odoo:17' }], ...podSpec } } },
  });

const podsOf = (app: string) => cluster.store.list('pods', NS, `app=${app}`).filter((p: any) => !p.metadata.deletionTimestamp);
const eventsFor = async (name: string, reason: string) => {
  const r = await k(['-n', NS, 'get', 'events', '--field-selector', `reason=${reason}`, '-o', 'json']);
  return JSON.parse(r.stdout).items.filter((e: any) => e.involvedObject.name.startsWith(name)).map((e: any) => e.message as string);
};

beforeAll(async () => {
  cluster = await startTestCluster({ kubelet: false });
  expect((await k(['create', 'namespace', NS])).code).toBe(0);
});
afterAll(async () => cluster?.stop());

describe('scheduling through the real kubectl', () => {
  it('NoSchedule taints and a cordoned node keep a pod Pending with the scheduler\'s message; a toleration lets it in', async () => {
    expect((await k(['taint', 'nodes', 'node-2', 'node-3', 'dedicated=infra:NoSchedule'])).code).toBe(0);
    expect((await k(['cordon', 'node-1'])).code).toBe(0);
    expect((await k(['apply', '-f', '-'], deployment('plain', {}))).code).toBe(0);
    const msgs = await eventually(async () => (await eventsFor('plain-', 'FailedScheduling'))[0], 'FailedScheduling');
    expect(msgs).toBe('0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: infra}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    const pending = await k(['-n', NS, 'get', 'pods', '-l', 'app=plain', '-o', 'jsonpath={.items[0].status.phase} {.items[0].status.conditions[0].reason}']);
    expect(pending.stdout).toBe('Pending Unschedulable');
    expect((await k(['apply', '-f', '-'], deployment('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] }))).code).toBe(0);
    const pod = await eventually(() => podsOf('tolerant').find((p: any) => p.spec.nodeName), 'the tolerant pod scheduled');
    expect(['node-2', 'node-3']).toContain(pod.spec.nodeName);
    expect((await k(['uncordon', 'node-1'])).code).toBe(0);
    expect((await k(['taint', 'nodes', 'node-2', 'node-3', 'dedicated-'])).code).toBe(0);
    await eventually(() => podsOf('plain').find((p: any) => p.spec.nodeName), 'the plain pod scheduled once the nodes are free');
  });

  it('nodeSelector and required node affinity pick the node; no match is the affinity/selector reason', async () => {
    const affinity = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-3'] }] }] } } } };
    expect((await k(['apply', '-f', '-'], deployment('pinned', affinity))).code).toBe(0);
    expect((await eventually(() => podsOf('pinned').find((p: any) => p.spec.nodeName), 'the pinned pod')).spec.nodeName).toBe('node-3');
    expect((await k(['apply', '-f', '-'], deployment('nowhere', { nodeSelector: { disktype: 'ssd' } }))).code).toBe(0);
    expect(await eventually(async () => (await eventsFor('nowhere-', 'FailedScheduling'))[0], 'FailedScheduling')).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    expect((await k(['label', 'node', 'node-1', 'disktype=ssd'])).code).toBe(0);
    expect((await eventually(() => podsOf('nowhere').find((p: any) => p.spec.nodeName), 'the ssd pod')).spec.nodeName).toBe('node-1');
  });

  it('a NoExecute taint evicts the pods that do not tolerate it', async () => {
    const victim = podsOf('pinned')[0];
    expect((await k(['taint', 'nodes', 'node-3', 'maintenance=now:NoExecute'])).code).toBe(0);
    await eventually(() => !cluster.store.get('pods', NS, victim.metadata.name) || cluster.store.get('pods', NS, victim.metadata.name).metadata.deletionTimestamp, 'the eviction');
    expect(await eventsFor(victim.metadata.name, 'TaintManagerEviction')).toEqual([`Marking for deletion Pod ${NS}/${victim.metadata.name}`]);
    const replacement = await eventually(async () => (await eventsFor('pinned-', 'FailedScheduling')).find((m: string) => m.includes('maintenance')), 'the replacement unschedulable');
    expect(replacement).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {maintenance: now}, 2 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    expect((await k(['taint', 'nodes', 'node-3', 'maintenance-'])).code).toBe(0);
  });

  it('an image of the private registry needs imagePullSecrets: ErrImagePull then ImagePullBackOff without, Running with', async () => {
    const image = `${PRIVATE_REGISTRY}/saasodoo/odoo:17`;
    const spec = JSON.parse(deployment('private', {}));
    spec.spec.template.spec.containers[0].image = image;
    expect((await k(['apply', '-f', '-'], JSON.stringify(spec))).code).toBe(0);
    const reasons = new Set<string>();
    await eventually(() => {
      const r = podsOf('private')[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) reasons.add(r);
      return reasons.has('ImagePullBackOff');
    }, 'ImagePullBackOff');
    expect(reasons.has('ErrImagePull')).toBe(true);
    const failed = await eventsFor('private-', 'Failed');
    expect(failed).toContain(
      `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": unexpected status from HEAD request to https://${PRIVATE_REGISTRY}/v2/saasodoo/odoo/manifests/17: 401 Unauthorized`,
    );
    expect(failed).toContain('Error: ImagePullBackOff');
    expect((await k(['-n', NS, 'create', 'secret', 'docker-registry', 'regcred', `--docker-server=${PRIVATE_REGISTRY}`, '--docker-username=ci', '--docker-password=pw'])).code).toBe(0);
    spec.spec.template.spec.imagePullSecrets = [{ name: 'regcred' }];
    expect((await k(['apply', '-f', '-'], JSON.stringify(spec))).code).toBe(0);
    await eventually(() => podsOf('private').some((p: any) => p.spec.imagePullSecrets && p.status?.phase === 'Running'), 'the pod with the pull secret running');
  });
});

describe('scheduling through client-node', () => {
  it('an unschedulable pod has PodScheduled=False with the message, and its FailedScheduling event', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.patchNode({ name: 'node-1', body: [{ op: 'add', path: '/spec/taints', value: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }] });
    await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name: 'cp-only', ownerReferences: [] }, spec: { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' }, containers: [{ name: 'c', image: 'busybox' }] } },
    });
    const pod = await eventually(async () => {
      const p = await core.readNamespacedPod({ name: 'cp-only', namespace: NS });
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
    }, 'PodScheduled=False');
    const message = '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    expect(pod!.status!.conditions!.find((c) => c.type === 'PodScheduled')).toMatchObject({ reason: 'Unschedulable', message });
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=cp-only,reason=FailedScheduling' });
    expect(events.items.map((e) => [e.type, e.message, e.source?.component])).toEqual([['Warning', message, 'default-scheduler']]);
  });
});

describe('npm run cluster', () => {
  it('taints its control-plane node as kubeadm does', async () => {
    const { startPlayground } = await import('./playground.js');
    const playground = await startPlayground();
    try {
      const r = await runKubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.taints}{"\\n"}{end}'], { kubeconfig: playground.cluster.kubeconfigPath });
      expect(r.stdout).toBe('node-1=[{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane"}]\nnode-2=\nnode-3=\n');
    } finally {
      await playground.stop();
    }
  });
});
