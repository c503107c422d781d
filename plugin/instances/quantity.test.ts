import { describe, expect, it } from 'vitest';
import { compareQuantities, displayStorage, formatBytes, parseCpu, parseMemory, parseQuantity, parseStorageSize } from './quantity.js';
import { UsageError } from '../core/errors.js';

describe('parseStorageSize', () => {
  it.each([
    ['10Gi', '10Gi', 10 * 2 ** 30],
    ['10G', '10Gi', 10 * 2 ** 30],
    ['500M', '500Mi', 500 * 2 ** 20],
    ['1T', '1Ti', 2 ** 40],
    ['1.5Gi', '1.5Gi', 1.5 * 2 ** 30],
    ['20000000000', '20000000000', 2e10],
  ])('%s -> %s', (input, text, value) => {
    expect(parseStorageSize(input)).toEqual({ text, value });
  });
  it.each(['10GB', '-5Gi', '', 'ten', '100m', '1Ki', '10 Gi'])('rejects %j with one line', (input) => {
    expect(() => parseStorageSize(input)).toThrow(UsageError);
    try {
      parseStorageSize(input);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
      expect((e as Error).message).toContain('--storage');
    }
  });
});

describe('parseCpu / parseMemory', () => {
  it.each([['500m', 0.5], ['2', 2], ['0.25', 0.25]])('cpu %s', (t, v) => expect(parseCpu(t).value).toBeCloseTo(v));
  it.each(['0', '2 cores', '1Gi', '-1', '0.0001', 'm'])('cpu rejects %j', (t) => expect(() => parseCpu(t)).toThrow(/invalid --cpu/));
  it.each([['2Gi', 2 * 2 ** 30], ['512Mi', 512 * 2 ** 20], ['1G', 1e9]])('memory %s', (t, v) => expect(parseMemory(t).value).toBe(v));
  it.each(['512m', '2GB', '0', '100'])('memory rejects %j', (t) => expect(() => parseMemory(t)).toThrow(/invalid --memory/));
});

describe('compare and format', () => {
  it('compares across units', () => {
    expect(compareQuantities('1Gi', '1024Mi')).toBe(0);
    expect(compareQuantities('10Gi', '20Gi')).toBe(-1);
    expect(compareQuantities('10G', '10Gi')).toBe(-1);
    expect(compareQuantities('2', '1500m')).toBe(1);
  });
  it('parses exponents and rejects junk', () => {
    expect(parseQuantity('1e3')?.value).toBe(1000);
    expect(parseQuantity('1.5.2Gi')).toBeUndefined();
  });
  it.each([[10 * 2 ** 30, '10Gi'], [1.5 * 2 ** 30, '1.5Gi'], [512, '512'], [2 ** 20, '1Mi']])('formatBytes %d', (b, t) => expect(formatBytes(b)).toBe(t));
  it('displays byte counts the server returns as binary units', () => {
    expect(displayStorage('10737418240')).toBe('10Gi');
    expect(displayStorage('10Gi')).toBe('10Gi');
    expect(displayStorage(undefined)).toBe('');
  });
});
