// The objects `kubectl odoo agent install` applies, built from the manifests in manifests/: the agent's
// namespace, service accounts, RBAC, config Secret, token Secret and DaemonSet, moved to the agent
// namespace, labelled as made by the install, and either on an image built from agent/Dockerfile or, with
// --no-build, on a stock Node.js image running the bundled agent from a ConfigMap after a tools check.
import type { KubeObject, Read, V1DaemonSet, V1ObjectMeta, V1PodSpec, V1PodTemplateSpec, V1RoleBinding, V1Secret } from '../../../lib/kube/models.js';
import { createHash } from 'node:crypto';
import { dumpYaml, parseYaml, parseYamlAll } from '../../../lib/yaml.js';
import { apiVersionOf, RESOURCES, type ResourceType } from '../../../lib/kube/resources.js';

/** The manifests hold the agent in this namespace; install moves it to the configured one. */
const MANIFEST_NAMESPACE = 'kubectl-odoo';
const AGENT_LABEL = { key: 'app.kubernetes.io/name', value: 'odoo-node-agent' };
/** Marks what install created: upgrade changes and uninstall removes only objects carrying it. */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'kubectl-odoo' };
export const VERSION_LABEL = 'app.kubernetes.io/version';
export const MODE_ANNOTATION = 'kubectl-odoo.io/agent-install';
const BUNDLE_HASH_ANNOTATION = 'kubectl-odoo.io/bundle-sha256';
const CONFIG_HASH_ANNOTATION = 'kubectl-odoo.io/config-sha256';
export const DAEMONSET_NAME = 'odoo-node-agent';
export const BUNDLE_CONFIGMAP = 'odoo-node-agent-bundle';
const CONFIG_SECRET = 'odoo-node-agent-config';
/** Where the image (agent/Dockerfile) has the agent; the ConfigMap is mounted at the same place. */
const AGENT_DIR = '/opt/odoo-node-agent';
/** etcd's limit on one object, which a ConfigMap must stay under. */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

/** The tools the agent runs on the node (plugin/nodes/collectFacts.ts): without these no device can be judged. */
export const REQUIRED_TOOLS = ['blkid', 'lsblk'];
/** Without these the agent still runs, and reports the checks that need them (LVM membership, clock sync) as not run. */
export const OPTIONAL_TOOLS = ['pvs', 'chronyc'];

// The init step of --no-build: a constant script (no value spliced in); the image name comes as $AGENT_IMAGE.
export const CHECK_TOOLS_SCRIPT = `#!/bin/sh
# Before the agent starts: does this image have the host tools the agent runs?
missing=""
for t in ${REQUIRED_TOOLS.join(' ')}; do command -v "$t" >/dev/null 2>&1 || missing="$missing $t"; done
for t in ${OPTIONAL_TOOLS.join(' ')}; do
  command -v "$t" >/dev/null 2>&1 || echo "note: $t is not in image $AGENT_IMAGE: the agent reports the checks that need it as not run" >&2
done
if [ -n "$missing" ]; then
  msg="image $AGENT_IMAGE lacks the tools the agent needs:$missing (Debian package util-linux). Set agentNodeImage in the kubectl-odoo config file to an image that has them and run kubectl odoo agent upgrade, or build agent/Dockerfile and run kubectl odoo agent upgrade --image IMAGE"
  echo "$msg" >&2
  echo "$msg" > /dev/termination-log 2>/dev/null || true
  exit 1
fi
echo "tools present: ${REQUIRED_TOOLS.join(' ')}"
`;

export type AgentMode = { kind: 'image'; image: string } | { kind: 'no-build'; nodeImage: string; agentScript: string };

export interface AgentInstallOptions {
  namespace: string;
  /** The plugin's version, given to the objects (and so to the pods) as app.kubernetes.io/version. */
  version: string;
  mode: AgentMode;
  /** The agent's config (its Secret): devices to judge and the port it listens on. */
  devices: string[];
  port: number;
}

const RBAC = {
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  rolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  clusterroles: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  clusterrolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
} satisfies Record<string, ResourceType>;

/** Apply order: what others refer to first (namespace, accounts, RBAC, Secrets, ConfigMap), the DaemonSet last. */
const KINDS: ResourceType[] = [
  RESOURCES.namespaces,
  RESOURCES.serviceaccounts,
  RBAC.roles,
  RBAC.rolebindings,
  RBAC.clusterroles,
  RBAC.clusterrolebindings,
  RESOURCES.secrets,
  RESOURCES.configmaps,
  RESOURCES.daemonsets,
];

/**
 * One of the agent's objects: a manifest document as parsed from YAML (its kind and name, and whatever
 * else its kind has), or the object the API server holds.
 */
export type AgentObject = KubeObject & { metadata: Read<V1ObjectMeta> & { name: string } } & Record<string, unknown>;

export function resourceTypeOf(obj: KubeObject): ResourceType {
  const t = KINDS.find((k) => k.kind === obj.kind && apiVersionOf(k) === obj.apiVersion);
  if (!t) throw new Error(`agent manifests: ${obj.apiVersion} ${obj.kind} is not an object agent install knows`);
  return t;
}

/** "daemonset.apps/odoo-node-agent", as kubectl names objects. */
export function objectRef(obj: AgentObject): string {
  const t = resourceTypeOf(obj);
  return `${t.kind.toLowerCase()}${t.group ? `.${t.group}` : ''}/${obj.metadata.name}`;
}

/** The agent's documents from the manifests: its namespace and everything labelled as the agent's. */
export function selectAgentDocuments(manifests: Record<string, string>): AgentObject[] {
  const docs = Object.keys(manifests)
    .sort()
    .flatMap((f) => parseYamlAll(manifests[f]).filter((d): d is AgentObject => !!d && typeof d === 'object'));
  return docs.filter((d) => (d.kind === 'Namespace' && d.metadata?.name === MANIFEST_NAMESPACE) || d.metadata?.labels?.[AGENT_LABEL.key] === AGENT_LABEL.value);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function agentConfig(doc: Read<V1Secret>, opts: AgentInstallOptions): string {
  // The agent's config file, as the manifest writes it (YAML that enters here).
  const config = parseYaml(doc.stringData?.['config.yaml'] ?? '') as { listen?: object; [key: string]: unknown };
  config.devices = opts.devices;
  config.listen = { ...config.listen, port: opts.port };
  config.wipe = { enabled: false };
  return (
    '# Written by kubectl odoo agent install from the kubectl-odoo config file (devices, agentPort):\n' +
    '# change those and run kubectl odoo agent upgrade. Wiping stays off (see manifests/agent-config.yaml).\n' +
    dumpYaml(config)
  );
}

/** Every object install applies, in apply order. Pure: the same options give the same objects. */
export function buildAgentObjects(docs: AgentObject[], opts: AgentInstallOptions): AgentObject[] {
  const ns = opts.namespace;
  const out: AgentObject[] = [];
  let config = '';
  for (const d of structuredClone(docs)) {
    const obj = d;
    if (obj.kind === 'Namespace') obj.metadata.name = ns;
    else if (resourceTypeOf(obj).namespaced) obj.metadata.namespace = ns;
    for (const s of (obj as Read<V1RoleBinding>).subjects ?? []) if (s.kind === 'ServiceAccount') s.namespace = ns;
    if (obj.kind === 'Secret' && obj.metadata.name === CONFIG_SECRET) {
      config = agentConfig(obj as Read<V1Secret>, opts);
      obj.stringData = { 'config.yaml': config };
    }
    out.push(obj);
  }
  // The DaemonSet as manifests/ write it (a test builds every mode from them): a pod template with the agent container.
  const ds = out.find((o) => o.kind === 'DaemonSet' && o.metadata.name === DAEMONSET_NAME) as (AgentObject & V1DaemonSet & { metadata: V1ObjectMeta }) | undefined;
  if (!ds) throw new Error(`agent manifests: no DaemonSet ${DAEMONSET_NAME}`);
  const pod = ds.spec!.template as V1PodTemplateSpec & { metadata: V1ObjectMeta; spec: V1PodSpec };
  const agent = pod.spec.containers.find((c) => c.name === 'agent');
  if (!agent) throw new Error(`agent manifests: DaemonSet ${DAEMONSET_NAME} has no container agent`);
  for (const p of agent.ports ?? []) if (p.name === 'agent') p.containerPort = opts.port;
  pod.metadata.annotations = { ...pod.metadata.annotations, [CONFIG_HASH_ANNOTATION]: sha256(config) };
  pod.metadata.labels = { ...pod.metadata.labels, [VERSION_LABEL]: opts.version };
  ds.metadata.annotations = { ...ds.metadata.annotations, [MODE_ANNOTATION]: opts.mode.kind };

  if (opts.mode.kind === 'image') {
    agent.image = opts.mode.image;
  } else {
    const { nodeImage, agentScript } = opts.mode;
    const bundle = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: BUNDLE_CONFIGMAP, namespace: ns, labels: { ...ds.metadata.labels, 'app.kubernetes.io/component': 'agent-bundle' } },
      data: { 'odoo-node-agent.mjs': agentScript, 'check-tools.sh': CHECK_TOOLS_SCRIPT },
    };
    const size = Buffer.byteLength(JSON.stringify(bundle));
    if (size >= CONFIGMAP_LIMIT_BYTES) throw new Error(`the bundled agent makes a ConfigMap of ${size} bytes, over the 1 MiB limit: build agent/Dockerfile and use --image`);
    out.splice(out.indexOf(ds), 0, bundle);
    agent.image = nodeImage;
    agent.volumeMounts = [...(agent.volumeMounts ?? []), { name: 'agent-bundle', mountPath: AGENT_DIR, readOnly: true }];
    pod.spec.volumes = [...(pod.spec.volumes ?? []), { name: 'agent-bundle', configMap: { name: BUNDLE_CONFIGMAP, defaultMode: 0o555 } }];
    pod.spec.initContainers = [
      {
        name: 'check-tools',
        image: nodeImage,
        command: ['sh', `${AGENT_DIR}/check-tools.sh`],
        env: [{ name: 'AGENT_IMAGE', value: nodeImage }],
        // The reason shows in `kubectl odoo agent status` and `kubectl describe pod`.
        terminationMessagePolicy: 'FallbackToLogsOnError',
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
        volumeMounts: [{ name: 'agent-bundle', mountPath: AGENT_DIR, readOnly: true }],
      },
    ];
    pod.metadata.annotations![BUNDLE_HASH_ANNOTATION] = sha256(agentScript + CHECK_TOOLS_SCRIPT);
  }

  for (const obj of out) obj.metadata.labels = { ...obj.metadata.labels, [MANAGED_BY.key]: MANAGED_BY.value, [VERSION_LABEL]: opts.version };
  return out.sort((a, b) => KINDS.indexOf(resourceTypeOf(a)) - KINDS.indexOf(resourceTypeOf(b)));
}

/** Whether install created this object (the label it puts on everything it applies). */
export function createdByInstall(obj: KubeObject | undefined): boolean {
  return obj?.metadata?.labels?.[MANAGED_BY.key] === MANAGED_BY.value;
}
