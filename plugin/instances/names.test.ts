import { describe, expect, it } from 'vitest';
import { closeMatches, databaseNameFor, instanceNameProblem, validateInstanceName, validateInstanceReference } from './names.js';

describe('instance names', () => {
  it.each(['acme', 'acme-prod', 'a1', 'x'])('accepts %s', (n) => expect(instanceNameProblem(n)).toBeUndefined());
  it.each([
    ['Acme', /lower-case/],
    ['acme_prod', /lower-case/],
    ['-acme', /start and end/],
    ['acme-', /start and end/],
    ['1acme', /start with a letter/],
    ['a'.repeat(47), /at most 46/],
    ['', /empty/],
  ])('rejects %j', (n, why) => {
    expect(instanceNameProblem(n)).toMatch(why);
    expect(() => validateInstanceName(n)).toThrow(/^invalid instance name/);
  });
  it('accepts platform references but not paths', () => {
    expect(validateInstanceReference('odoo-acme-1a2b3c4d')).toBe('odoo-acme-1a2b3c4d');
    expect(() => validateInstanceReference('../x')).toThrow(/invalid instance name/);
    expect(validateInstanceReference('Shop_DB')).toBe('Shop_DB');
    for (const bad of ['ACME/x', 'a b', 'a..b', '-acme', 'acme;rm', '']) expect(() => validateInstanceReference(bad)).toThrow(/invalid instance name/);
  });
  it('database name uses underscores', () => expect(databaseNameFor('acme-prod')).toBe('acme_prod'));
});

describe('closeMatches', () => {
  const names = ['acme', 'acme-prod', 'globex', 'odoo-initech-1a2b3c4d'];
  it.each([
    ['acm', ['acme', 'acme-prod']],
    ['globx', ['globex']],
    ['initech', ['odoo-initech-1a2b3c4d']],
    ['zzz', []],
  ])('%s -> %j', (n, want) => expect(closeMatches(n, names)).toEqual(want));
});
