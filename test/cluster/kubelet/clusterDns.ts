// Service names as a pod's resolver sees them. A real pod's resolv.conf searches
// `<ns>.svc.cluster.local svc.cluster.local cluster.local`, so from namespace <ns> a Service answers to
// `<svc>` (same namespace only), `<svc>.<ns>`, `<svc>.<ns>.svc` and `<svc>.<ns>.svc.cluster.local`.
// The test cluster has no DNS server: each pod gets an /etc/hosts that lists these names, pointing at
// the loopback address where the kubelet's service proxy listens for that Service (serviceProxy.ts).

export const CLUSTER_DOMAIN = 'cluster.local';

export interface ServiceAddress {
  namespace: string;
  name: string;
  /** Loopback address the service proxy listens on for this Service. */
  address: string;
}

/** The names a pod in `fromNamespace` can use for a Service. */
export function serviceNames(svc: { namespace: string; name: string }, fromNamespace: string): string[] {
  const full = [`${svc.name}.${svc.namespace}.svc.${CLUSTER_DOMAIN}`, `${svc.name}.${svc.namespace}.svc`, `${svc.name}.${svc.namespace}`];
  return svc.namespace === fromNamespace ? [...full, svc.name] : full;
}

/** The Service a host name means from a pod in `fromNamespace`, or undefined when it names none. */
export function parseServiceName(host: string, fromNamespace: string): { namespace: string; name: string } | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  const parts = h.split('.');
  const suffix = ['svc', ...CLUSTER_DOMAIN.split('.')];
  if (parts.length === 1) return { namespace: fromNamespace, name: parts[0] };
  const rest = parts.slice(2);
  if (rest.length > suffix.length || rest.some((p, i) => p !== suffix[i])) return undefined;
  return { namespace: parts[1], name: parts[0] };
}

/** /etc/hosts for a pod, as the kubelet writes it, plus a line per Service the pod can name. */
export function podHostsFile(pod: { name: string; namespace: string; ip: string }, services: ServiceAddress[]): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${pod.ip}\t${pod.name}`,
    '',
    '# Services of the test cluster (it has no DNS server).',
  ];
  const sorted = [...services].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const s of sorted) lines.push(`${s.address}\t${serviceNames(s, pod.namespace).join(' ')}`);
  return lines.join('\n') + '\n';
}
