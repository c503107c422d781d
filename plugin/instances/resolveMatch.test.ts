import { describe, expect, it } from 'vitest';
import { AmbiguousInstanceError, instanceKeysOf, matchInstanceKeys, pickInstance, referencesInstance } from './resolveMatch.js';
import { UsageError } from '../../lib/errors.js';
import { dep } from './testing/deployment.js';

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

// Seed 002: the 8-character id is the whole instance id, the database a pod label and env, a -storage PVC.
const guide = dep('odoo-shop-7c1d9e0a', { 'instance-id': '7c1d9e0a', 'managed-by': 'saasodoo' }, 'odoo-shop-7c1d9e0a-storage', { podLabels: { database: 'shop' }, database: 'shop' });
// Seed 004: a display name that is also another instance's database.
const client = dep('odoo-shop_eu-5b6c7d8e', { 'saasodoo.io/instance-id': '5b6c7d8e-1111-4000-a000-000000000007', 'saasodoo.io/instance-name': 'shop' }, 'odoo-data-5b6c7d8e', { database: 'shop_eu' });

describe('matchInstanceKeys: every platform name, exactly', () => {
  it.each([
    ['odoo-shop-7c1d9e0a', guide, ['Deployment name']],
    ['shop', guide, ['database']],
    ['7c1d9e0a', guide, ['instance id']],
    ['odoo-shop-7c1d9e0a-storage', guide, ['PVC name']],
    ['shop_eu', client, ['database']],
    ['5b6c7d8e-1111-4000-a000-000000000007', client, ['instance id']],
    ['5b6c7d8e11114000a000000000000007', client, ['instance id']],
    ['5b6c7d8e', client, ['id8']],
    ['5b6c7d8', client, []],
    ['shop', client, ['instance name']],
    ['shop_', client, []],
    ['prod1234', prod, ['Deployment name', 'instance id', 'instance name']],
    // A UUID is one id in either case, dashed or not: the dashed form of the id only a PVC name holds.
    ['9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0', v1, ['instance id']],
    ['9F8E7D6C-5B4A-3928-1706-F5E4D3C2B1A0', v1, ['instance id']],
    ['9F8E7D6C5B4A39281706F5E4D3C2B1A0', v1, ['instance id']],
    ['5B6C7D8E-1111-4000-A000-000000000007', client, ['instance id']],
    ['5B6C7D8E', client, ['id8']],
    ['9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a', v1, []],
    ['9f8e7d6c5b4a-3928-1706-f5e4d3c2b1a0', v1, []],
    ['ODOO-SHOP-7C1D9E0A', guide, []],
    ['SHOP', guide, []],
  ])('%s', (ref, d, keys) => expect(matchInstanceKeys(ref as string, d)).toEqual(keys));
  it('lists each name once for completion', () => {
    expect(instanceKeysOf(guide).map((k) => `${k.key}=${k.value}`)).toEqual(['Deployment name=odoo-shop-7c1d9e0a', 'instance id=7c1d9e0a', 'database=shop', 'PVC name=odoo-shop-7c1d9e0a-storage']);
  });
});

describe('pickInstance', () => {
  it('never resolves a longer or shorter name to an instance by prefix', () => {
    for (const ref of ['prod1234-old', 'prod12345', 'shop1234-staging', 'prod']) expect(pickInstance(ref, fleet, 'ns')).toBeUndefined();
  });
  it('resolves exact names, and an id8 when only one instance has it', () => {
    expect(pickInstance('prod1234', fleet, 'ns')).toBe(prod);
    expect(pickInstance('1a2b3c4d', fleet, 'ns')).toBe(v2);
    expect(pickInstance('shop_eu', [guide, client], 'ns')).toBe(client);
    expect(pickInstance('7c1d9e0a', [guide, client], 'ns')).toBe(guide);
  });
  it('refuses a name two instances answer to by different keys, listing each with its key and a name only it has', () => {
    const err = (() => {
      try {
        pickInstance('shop', [guide, client], 'ns');
      } catch (e) {
        return e as AmbiguousInstanceError;
      }
    })()!;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('"shop" is ambiguous in namespace ns: it names 2 instances: odoo-shop-7c1d9e0a (database), odoo-shop_eu-5b6c7d8e (instance name)');
    expect(err.hint).toBe('name the one you mean by what only it answers to: odoo-shop-7c1d9e0a for odoo-shop-7c1d9e0a; odoo-shop_eu-5b6c7d8e for odoo-shop_eu-5b6c7d8e');
  });
  it('an id8 shared with another instance\'s exact id is ambiguous too', () => {
    expect(() => pickInstance('9f8e7d6c', [...fleet, twin], 'ns')).toThrow('"9f8e7d6c" is ambiguous in namespace ns: it names 2 instances: odoo-initech-9f8e7d6c (instance id), odoo-other-9f8e7d6c (id8)');
  });
  it('a plugin instance whose name is another one\'s database is named by its PVC', () => {
    const plugShop = plugin('shop');
    expect(() => pickInstance('shop', [plugShop, guide], 'ns')).toThrow(/shop \(Deployment name, instance id, instance name\)/);
    try {
      pickInstance('shop', [plugShop, guide], 'ns');
    } catch (e) {
      expect((e as AmbiguousInstanceError).hint).toContain('odoo-instance-shop for shop');
    }
    expect(pickInstance('odoo-instance-shop', [plugShop, guide], 'ns')).toBe(plugShop);
  });
  it('lists the candidates when an id prefix fits several instances', () => {
    const a = dep('odoo-a-abcdef01', { 'saasodoo.io/instance-id': 'abcdef01-0000-4000-a000-000000000001' });
    const b = dep('odoo-b-abcdef01', { 'saasodoo.io/instance-id': 'abcdef01-0000-4000-a000-000000000002' });
    expect(() => pickInstance('abcdef01', [a, b], 'ns')).toThrow(UsageError);
    expect(() => pickInstance('abcdef01', [a, b], 'ns')).toThrow(/odoo-a-abcdef01 \(id8\), odoo-b-abcdef01 \(id8\)/);
  });
});
