import { describe, expect, it } from 'vitest';
import { matchInstanceKeys, textMayNameInstance } from './resolveMatch.js';
import { dep } from './testing/deployment.js';

// The platform's shapes (as in resolveMatch.test.ts): every name each answers to, in every form.
const fleet = [
  dep('odoo-initech-9f8e7d6c', { 'instance-id': '9f8e7d6c' }, 'odoo-instance-9f8e7d6c5b4a39281706f5e4d3c2b1a0'),
  dep('odoo-globex-1a2b3c4d', { 'saasodoo.io/instance-id': '1a2b3c4d-0000-4000-a000-000000000042', 'saasodoo.io/instance-name': 'globex-erp' }, 'odoo-instance-1a2b3c4d000040000a000000000042'),
  dep('odoo-shop-7c1d9e0a', { 'instance-id': '7c1d9e0a', 'managed-by': 'saasodoo' }, 'odoo-shop-7c1d9e0a-storage', { podLabels: { database: 'shop' }, database: 'shop' }),
  dep('odoo-shop_eu-5b6c7d8e', { 'saasodoo.io/instance-id': '5b6c7d8e-1111-4000-a000-000000000007', 'saasodoo.io/instance-name': 'shop' }, 'odoo-data-5b6c7d8e', { database: 'shop_eu.v2' }),
  // No data volume: its PVC name is derived from the id, and written nowhere in the object.
  dep('odoo-novol-abcdef01', { 'saasodoo.io/instance-id': 'abcdef01-2222-4000-a000-000000000003' }),
];

const refs = [
  'odoo-initech-9f8e7d6c', '9f8e7d6c', '9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'odoo-instance-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  '1a2b3c4d-0000-4000-a000-000000000042', '1a2b3c4d000040000a000000000042', '1a2b3c4d', 'globex-erp',
  'shop', '7c1d9e0a', 'odoo-shop-7c1d9e0a-storage', 'shop_eu.v2', '5b6c7d8e', '5b6c7d8e11114000a000000000000007',
  'abcdef01', 'abcdef0122224000a000000000000003', 'odoo-instance-abcdef01-2222-4000-a000-000000000003',
  '9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0', '9F8E7D6C5B4A39281706F5E4D3C2B1A0', '5B6C7D8E-1111-4000-A000-000000000007', '5B6C7D8E', 'ABCDEF01',
];

describe('textMayNameInstance', () => {
  it('never rules out the JSON of an instance a name matches, by whatever key', () => {
    for (const d of fleet) {
      const text = JSON.stringify({ kind: 'DeploymentList', items: [d] });
      for (const ref of refs) if (matchInstanceKeys(ref, d).length) expect(textMayNameInstance(ref)!(text), `${ref} in ${d.metadata?.name}`).toBe(true);
    }
  });
  it('every one of those names matches an instance of the fleet', () => {
    for (const ref of refs) expect(fleet.some((d) => matchInstanceKeys(ref, d).length > 0), ref).toBe(true);
  });
  it('rules out text that holds no such name', () => {
    const text = JSON.stringify({ kind: 'DeploymentList', items: fleet });
    for (const ref of ['odoo-acme-12345678', 'acme', '12345678', 'shop_eu.v3', 'shopXeu']) expect(textMayNameInstance(ref)!(text), ref).toBe(false);
  });
  it('gives no test for a name with characters JSON may escape', () => {
    expect(textMayNameInstance('a"b')).toBeUndefined();
    expect(textMayNameInstance('a<b')).toBeUndefined();
  });
});
