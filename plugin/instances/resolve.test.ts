import { describe, expect, it } from 'vitest';
import { keptVolumesOf, pickInstance, referencesInstance, type InstanceObjects } from './resolve.js';
import { deriveInstanceFacts } from './facts.js';
import { ANNOTATION_KEPT_AFTER_DELETE } from './labels.js';
import { UsageError } from '../core/errors.js';

function dep(name: string, labels: Record<string, string>, pvc?: string): any {
  return {
    metadata: { name, namespace: 'ns', labels: { app: 'odoo', ...labels } },
    spec: {
      selector: { matchLabels: { app: 'odoo', ...labels } },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'odoo', image: 'bitnami/odoo:17', volumeMounts: pvc ? [{ name: 'odoo-data', mountPath: '/bitnami/odoo' }] : [] }],
          volumes: pvc ? [{ name: 'odoo-data', persistentVolumeClaim: { claimName: pvc } }] : [],
        },
      },
    },
  };
}

const plugin = (name: string) => dep(name, { 'saasodoo.io/instance-id': name, 'saasodoo.io/instance-name': name, 'app.kubernetes.io/managed-by': 'kubectl-odoo' }, `odoo-instance-${name}`);
const prod = plugin('prod1234');
const shop = plugin('shop1234');
// The refactoring guide: the Deployment carries the 8-character id, the PVC the full one.
const v1 = dep('odoo-initech-9f8e7d6c', { 'instance-id': '9f8e7d6c' }, 'odoo-instance-9f8e7d6c5b4a39281706f5e4d3c2b1a0');
// The implementation guide: a dashed UUID id and a display name.
const v2 = dep('odoo-globex-1a2b3c4d', { 'saasodoo.io/instance-id': '1a2b3c4d-0000-4000-a000-000000000042', 'saasodoo.io/instance-name': 'globex-erp' }, 'odoo-instance-1a2b3c4d000040000a000000000042');
const twin = dep('odoo-other-9f8e7d6c', { 'saasodoo.io/instance-id': '9f8e7d6c-1111-4000-a000-000000000001' }, 'odoo-instance-9f8e7d6c111140000a000000000001');
const fleet = [prod, shop, v1, v2];

describe('referencesInstance: exact names only', () => {
  it.each([
    ['prod1234', prod, true],
    ['prod1234-old', prod, false],
    ['prod12345', prod, false],
    ['prod123', prod, false],
    ['odoo-instance-prod1234', prod, true],
    ['shop1234-staging', shop, false],
    ['9f8e7d6c', v1, true],
    ['9f8e7d6c5b4a39281706f5e4d3c2b1a0', v1, true],
    ['9f8e7d6c5b4a39281706f5e4d3c2b1a0-x', v1, false],
    ['9f8e7d6c-old', v1, false],
    ['odoo-instance-9f8e7d6c5b4a39281706f5e4d3c2b1a0', v1, true],
    ['1a2b3c4d-0000-4000-a000-000000000042', v2, true],
    ['1a2b3c4d000040000a000000000042', v2, true],
    ['globex-erp', v2, true],
    ['globex', v2, false],
    ['1a2b3c4d', v2, false],
  ])('%s', (ref, d, expected) => {
    expect(referencesInstance(ref as string, d)).toBe(expected);
  });
});

describe('pickInstance', () => {
  it('never resolves a longer or shorter name to an instance by prefix', () => {
    for (const ref of ['prod1234-old', 'prod12345', 'shop1234-staging', 'prod']) expect(pickInstance(ref, fleet, 'ns')).toBeUndefined();
  });
  it('takes exact matches first, then an 8-hex-character id prefix when it is unique', () => {
    expect(pickInstance('prod1234', fleet, 'ns')).toBe(prod);
    expect(pickInstance('1a2b3c4d', fleet, 'ns')).toBe(v2);
    expect(pickInstance('9f8e7d6c', [...fleet, twin], 'ns')).toBe(v1); // v1's id is exactly 9f8e7d6c
  });
  it('lists the candidates when an id prefix fits several instances', () => {
    const a = dep('odoo-a-abcdef01', { 'saasodoo.io/instance-id': 'abcdef01-0000-4000-a000-000000000001' });
    const b = dep('odoo-b-abcdef01', { 'saasodoo.io/instance-id': 'abcdef01-0000-4000-a000-000000000002' });
    expect(() => pickInstance('abcdef01', [a, b], 'ns')).toThrow(UsageError);
    expect(() => pickInstance('abcdef01', [a, b], 'ns')).toThrow(/odoo-a-abcdef01 \(id abcdef01-0000-4000-a000-000000000001\), odoo-b-abcdef01/);
  });
});

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
