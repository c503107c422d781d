import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inClusterKubeconfig } from './inCluster.js';

describe('inClusterKubeconfig', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const sa = (files: Record<string, string>) => {
    dir = mkdtempSync(join(tmpdir(), 'sa-'));
    for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), v);
    return dir;
  };

  it('reads the service account as client-node loadFromCluster does', () => {
    const d = sa({ token: 'abc', 'ca.crt': 'CA', namespace: 'odoo-system\n' });
    const r = inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, d)!;
    expect(r.cluster).toEqual({ server: 'https://10.96.0.1:443', certificateAuthority: `${d}/ca.crt` });
    expect(r.user).toEqual({ tokenFile: `${d}/token` });
    expect(r.context.namespace).toBe('odoo-system');
  });

  it('brackets IPv6 and uses http on the insecure ports', () => {
    const d = sa({ token: 'abc' });
    expect(inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, d)!.cluster.server).toBe('https://[fd00::1]:6443');
    expect(inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: 'api', KUBERNETES_SERVICE_PORT: '8080' }, d)!.cluster.server).toBe('http://api:8080');
  });

  it('is undefined outside a pod', () => {
    const d = sa({});
    expect(inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: 'api', KUBERNETES_SERVICE_PORT: '443' }, d)).toBeUndefined();
    expect(inClusterKubeconfig({}, sa({ token: 'x' }))).toBeUndefined();
  });
});
