import { describe, expect, it } from 'vitest';
import { sortUsageRows, type UsageRow } from './run.js';

const row = (name: string, percent?: number, used?: number, cap?: number, ns = 'saasodoo'): UsageRow => ({
  namespace: ns,
  instances: [name],
  pvc: `odoo-instance-${name}`,
  phase: 'Bound',
  usedBytes: used,
  capacityBytes: cap,
  percent,
  level: 'ok',
  nodes: [],
  warnings: 0,
});

describe('sortUsageRows', () => {
  const rows = [row('b', 50, 5, 10), row('a', 90, 9, 10), row('c', undefined), row('d', 10, 20, 200), row('a', 5, 1, 20, 'other')];
  it.each([
    ['use', ['saasodoo/a', 'saasodoo/b', 'saasodoo/d', 'other/a', 'saasodoo/c']],
    ['used', ['saasodoo/d', 'saasodoo/a', 'saasodoo/b', 'other/a', 'saasodoo/c']],
    ['capacity', ['saasodoo/d', 'other/a', 'saasodoo/a', 'saasodoo/b', 'saasodoo/c']],
    ['name', ['other/a', 'saasodoo/a', 'saasodoo/b', 'saasodoo/c', 'saasodoo/d']],
  ] as const)('by %s (unknown figures last)', (key, order) => {
    expect(sortUsageRows(rows, key).map((r) => `${r.namespace}/${r.instances[0]}`)).toEqual(order);
  });
});
