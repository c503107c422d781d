import { describe, expect, it } from 'vitest';
import { formatByteRange, formatBytes, formatRate } from './bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0'],
    [512, '512B'],
    [737, '737B'],
    [1024, '1Ki'],
    [4096, '4Ki'],
    [1_000_000, '976.6Ki'],
    [512 * 2 ** 20, '512Mi'],
    [1.5 * 2 ** 30, '1.5Gi'],
    [10 * 2 ** 30, '10Gi'],
    [150e9, '139.7Gi'],
    [2 ** 20 - 1, '1Mi'],
    [3 * 2 ** 40, '3Ti'],
  ])('%d bytes → %s', (n, want) => expect(formatBytes(n)).toBe(want));

  it('is empty for an unknown size', () => {
    expect(formatBytes(undefined)).toBe('');
    expect(formatBytes(NaN)).toBe('');
  });

  it('ranges share the unit when they can', () => {
    expect(formatByteRange([135e9, 139.5e9])).toBe('125.7-129.9Gi');
    expect(formatByteRange([900 * 2 ** 30, 1.2 * 2 ** 40])).toBe('900Gi-1.2Ti');
  });

  it('rates', () => {
    expect(formatRate(5e6)).toBe('4.8Mi/s');
    expect(formatRate(0)).toBe('0/s');
  });
});
