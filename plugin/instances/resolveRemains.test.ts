import { describe, expect, it } from 'vitest';
import { keptVolumesOf } from './resolveRemains.js';
import type { InstanceObjects } from './resolve.js';
import { deriveInstanceFacts } from './facts.js';
import { ANNOTATION_KEPT_AFTER_DELETE } from './labels.js';
import { dep } from './testing/deployment.js';

const plugin = (name: string) => dep(name, { 'saasodoo.io/instance-id': name, 'saasodoo.io/instance-name': name, 'app.kubernetes.io/managed-by': 'kubectl-odoo' }, `odoo-instance-${name}`);
const prod = plugin('prod1234');
const shop = plugin('shop1234');
const v1 = dep('odoo-initech-9f8e7d6c', { 'instance-id': '9f8e7d6c' }, 'odoo-instance-9f8e7d6c5b4a39281706f5e4d3c2b1a0');

describe('keptVolumesOf', () => {
  const objects = (d: any): InstanceObjects => ({ namespace: 'ns', name: d.metadata.name, deployment: d, pvcName: deriveInstanceFacts(d).pvcName, pods: [], facts: deriveInstanceFacts(d) });
  const pvc = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ metadata: { name, namespace: 'ns', labels, annotations }, spec: { resources: { requests: { storage: '1Gi' } } } });
  it('reports instance volumes no instance uses, and nothing else', () => {
    const kept = pvc('odoo-instance-b1', { app: 'odoo', 'saasodoo.io/instance-id': 'b1', 'saasodoo.io/instance-name': 'b1', 'saasodoo.io/customer-id': 'c2' }, { [ANNOTATION_KEPT_AFTER_DELETE]: '2025-01-01T00:00:00Z' });
    const platformKept = pvc('odoo-instance-0123456789abcdef0123456789abcdef', { app: 'odoo-instance', 'managed-by': 'saasodoo' });
    const inUse = pvc('odoo-instance-prod1234', { app: 'odoo', 'saasodoo.io/instance-id': 'prod1234' });
    const v1Volume = pvc('odoo-instance-9f8e7d6c5b4a39281706f5e4d3c2b1a0', { app: 'odoo-instance' });
    // migrate-storage makes the PVC before the instance switches to it: the instance still exists.
    const migrating = pvc('odoo-instance-shop1234-new', { app: 'odoo-instance', 'saasodoo.io/instance-id': 'shop1234' });
    const other = pvc('data', { app: 'odoo' });
    const got = keptVolumesOf([prod, shop, v1].map(objects), [kept, platformKept, inUse, v1Volume, migrating, other]);
    expect(got.map((k) => [k.name, k.pvc.metadata.name, k.customerId, k.keptSince])).toEqual([
      ['0123456789abcdef0123456789abcdef', 'odoo-instance-0123456789abcdef0123456789abcdef', undefined, undefined],
      ['b1', 'odoo-instance-b1', 'c2', '2025-01-01T00:00:00Z'],
    ]);
  });
});
