import { describe, expect, it } from 'vitest';
import { validateLabelSelector } from './selector.js';

describe('validateLabelSelector', () => {
  it.each([
    ['app=odoo', 'app=odoo'],
    ['saasodoo.io/customer-id=42', 'saasodoo.io/customer-id=42'],
    ['tier in (gold, silver), !legacy', 'tier in (gold, silver),!legacy'],
    ['env!=prod,team', 'env!=prod,team'],
    ['a==b', 'a==b'],
    ['x notin (a)', 'x notin (a)'],
  ])('accepts %j', (sel, want) => expect(validateLabelSelector(sel)).toBe(want));
  it.each(['', 'a=b=c', 'app = odoo bar', '=x', 'a in b', 'a in (b', 'Bad Key=1', 'a=' + 'x'.repeat(64), 'a,,b'])('rejects %j', (sel) => {
    expect(() => validateLabelSelector(sel)).toThrow(/^invalid -l selector/);
  });
});
