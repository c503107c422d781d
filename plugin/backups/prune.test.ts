import { describe, expect, it } from 'vitest';
import { parseKeepCount, validatePolicy } from './prune.js';
import { UsageError } from '../../lib/errors.js';

describe('validatePolicy', () => {
  it.each([
    [{ keepLast: 0 }, 'invalid --keep-last 0: a rule keeps at least 1 backup, and prune always keeps each instance\'s newest complete set; use --keep-last 1 to keep only that one'],
    [{ keepDaily: 7, keepLast: 0 }, 'invalid --keep-last 0:'],
    [{ keepWeekly: 0 }, 'invalid --keep-weekly 0:'],
    [{}, 'prune needs a retention rule: --keep-last N, --keep-daily N, --keep-weekly N or --keep-monthly N'],
  ])('refuses %j with what is wrong', (policy, message) => {
    expect(() => validatePolicy(policy)).toThrow(UsageError);
    expect(() => validatePolicy(policy)).toThrow(message);
  });
  it.each([[{ keepLast: 1 }], [{ keepDaily: 7, keepMonthly: 12 }]])('accepts %j', (policy) => {
    expect(() => validatePolicy(policy)).not.toThrow();
  });
  it('parses counts as typed', () => {
    expect(parseKeepCount('--keep-last', '3')).toBe(3);
    expect(parseKeepCount('--keep-last', undefined)).toBeUndefined();
    expect(() => parseKeepCount('--keep-last', '-1')).toThrow(/invalid --keep-last "-1"/);
    expect(() => parseKeepCount('--keep-last', 'all')).toThrow(/invalid --keep-last "all"/);
  });
});
