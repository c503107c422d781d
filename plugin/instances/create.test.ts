import { describe, expect, it } from 'vitest';
import { judgeExistingInstance, judgeExistingVolume } from './create.js';
import { ConflictError, UsageError } from '../../lib/errors.js';
import { ANNOTATION_KEPT_AFTER_DELETE } from './labels.js';
import type { InstanceSpec } from './manifests.js';

const spec = { name: 'b1', instanceId: 'b1', customerId: 'c2', namespace: 'saasodoo', storage: '1Gi', storageClass: 'rook-cephfs' } as InstanceSpec;
const labels = { 'saasodoo.io/instance-id': 'b1', 'saasodoo.io/customer-id': 'c2', 'app.kubernetes.io/managed-by': 'kubectl-odoo' };
function pvc(opts: { customer?: string; size?: string; cls?: string; kept?: boolean; plugin?: boolean } = {}): any {
  const l: Record<string, string> = { ...labels, 'saasodoo.io/customer-id': opts.customer ?? 'c2' };
  if (opts.plugin === false) delete l['app.kubernetes.io/managed-by'];
  return {
    metadata: { name: 'odoo-instance-b1', labels: l, annotations: opts.kept ? { [ANNOTATION_KEPT_AFTER_DELETE]: '2025-01-01T00:00:00Z' } : {} },
    spec: { resources: { requests: { storage: opts.size ?? '1Gi' } }, storageClassName: opts.cls ?? 'rook-cephfs' },
  };
}
const refused = (f: () => unknown, message: RegExp) => {
  expect(f).toThrow(ConflictError);
  expect(f).toThrow(message);
};

describe('judgeExistingVolume', () => {
  it('resumes a create of the same request', () => {
    expect(judgeExistingVolume(pvc(), spec)).toEqual({ use: 'resume' });
    expect(judgeExistingVolume(pvc(), spec, { reuseVolume: true })).toEqual({ use: 'resume' });
  });
  it('never gives one customer\'s volume to another, kept or not, asked or not', () => {
    for (const kept of [false, true]) {
      refused(() => judgeExistingVolume(pvc({ customer: 'c2', kept }), { ...spec, customerId: 'OTHER' }, { reuseVolume: true }), /holds the data of customer c2, not OTHER/);
    }
  });
  it('reuses a kept volume only when asked', () => {
    refused(() => judgeExistingVolume(pvc({ kept: true }), spec), /is the volume kept from deleted instance b1 \(1Gi, rook-cephfs, customer c2, kept since 2025-01-01T00:00:00Z\); nothing was created/);
    expect(judgeExistingVolume(pvc({ kept: true }), spec, { reuseVolume: true })).toEqual({ use: 'reuse-kept' });
  });
  it('refuses a different size or class instead of ignoring it', () => {
    refused(() => judgeExistingVolume(pvc({ size: '5Gi' }), spec), /but --storage asks for 1Gi/);
    refused(() => judgeExistingVolume(pvc({ cls: 'gold' }), spec), /but --storage-class asks for rook-cephfs/);
    refused(() => judgeExistingVolume(pvc({ kept: true }), { ...spec, storage: '5Gi' }, { reuseVolume: true, storageGiven: true }), /but --storage asks for 5Gi/);
    // Without --storage the kept volume is taken as it is.
    expect(judgeExistingVolume(pvc({ kept: true }), { ...spec, storage: '10Gi' }, { reuseVolume: true })).toEqual({ use: 'reuse-kept', size: '1Gi' });
  });
  it('refuses volumes the plugin did not make for this instance', () => {
    refused(() => judgeExistingVolume(pvc({ plugin: false }), spec), /does not belong to instance b1/);
  });
});

describe('judgeExistingInstance', () => {
  const dep = { metadata: { name: 'b1', labels: { ...labels, app: 'odoo' } } };
  it.each([
    [{ ...spec, storage: '20Gi' }, true, 'instance b1 already exists in namespace saasodoo with a 1Gi volume (PVC odoo-instance-b1); nothing was changed: to grow its volume to 20Gi, run "kubectl odoo resize b1 --storage 20Gi"'],
    [{ ...spec, storage: '512Mi' }, true, 'instance b1 already exists in namespace saasodoo with a 1Gi volume (PVC odoo-instance-b1); nothing was changed: --storage 512Mi is smaller, and a volume never shrinks'],
    [{ ...spec, storage: '20Gi' }, false, 'instance b1 already exists in namespace saasodoo with a 1Gi volume (PVC odoo-instance-b1); nothing was changed: see it with "kubectl odoo status b1"; change it with resize, set-resources or config set'],
  ])('says the instance exists, with its size, and what to run %#', (s, storageGiven, message) => {
    expect(() => judgeExistingInstance(dep, pvc(), s, { storageGiven })).toThrow(UsageError);
    expect(() => judgeExistingInstance(dep, pvc(), s, { storageGiven })).toThrow(message);
  });
  it('a Deployment that is not an instance is named as such', () => {
    expect(() => judgeExistingInstance({ metadata: { name: 'b1', labels: { app: 'web' } } }, undefined, spec)).toThrow(/is not an Odoo instance; choose another name/);
  });
});
