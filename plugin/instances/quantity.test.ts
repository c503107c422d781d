import { describe, expect, it } from 'vitest';
import { compareQuantities, displayStorage, parseCpu, parseMemory, parseQuantity, parseStorageSize } from './quantity.js';
import { formatBytes } from '../../lib/bytes.js';
import { UsageError } from '../../lib/errors.js';

describe('parseStorageSize', () => {
  it.each([
    ['10Gi', '10Gi', 10 * 2 ** 30],
    ['10G', '10Gi', 10 * 2 ** 30],
    ['500M', '500Mi', 500 * 2 ** 20],
    ['1T', '1Ti', 2 ** 40],
    ['1.5Gi', '1.5Gi', 1.5 * 2 ** 30],
    ['20000000000', '20000000000', 2e10],
  ])('%s -> %s', (input, text, value) => {
    expect(parseStorageSize(input)).toMatchObject({ text, value, capped: false });
  });
  const limit = { max: '16Ti', force: false };
  it.each([
    ['99999999999999999999999Gi', 'larger than any volume Kubernetes can hold'],
    ['1e30', 'larger than any volume Kubernetes can hold'],
    ['8Ei', 'larger than any volume Kubernetes can hold'],
    ['17Ti', 'is more than the maximum of 16Ti (maxStorage in the config file); add --force if you really mean 17Ti'],
    ['16.5Ti', 'is more than the maximum of 16Ti'],
    ['1.1Ki', 'a whole number of bytes'],
  ])('with a limit, refuses %s', (input, message) => {
    expect(() => parseStorageSize(input, '--storage', limit)).toThrow(UsageError);
    expect(() => parseStorageSize(input, '--storage', limit)).toThrow(message);
  });
  it.each([['16Ti'], ['17592186044416'], ['1e13']])('accepts %s at the limit', (input) => {
    expect(parseStorageSize(input, '--storage', limit).text).toBe(input);
  });
  it('--force lifts the configured maximum but not what a volume can hold', () => {
    expect(parseStorageSize('100Ti', '--storage', { max: '16Ti', force: true }).num).toBe(100n * 2n ** 40n);
    expect(() => parseStorageSize('1e30', '--storage', { max: '16Ti', force: true })).toThrow(/larger than any volume/);
  });
  it('a bad maxStorage in the config file is named', () => {
    expect(() => parseStorageSize('10Gi', '--storage', { max: 'lots', force: false })).toThrow('invalid maxStorage "lots" in the config file');
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

describe('parseQuantity follows resource.ParseQuantity', () => {
  // [text, numerator, denominator] of the exact value, or undefined where Kubernetes refuses the text.
  it.each([
    ['0', 0n, 1n],
    ['1.', 1n, 1n],
    ['.5', 5n, 10n],
    ['+10Gi', 10n * 2n ** 30n, 1n],
    ['1e3', 1000n, 1n],
    ['1E3', 1000n, 1n],
    ['1e+3', 1000n, 1n],
    ['1.5e-3', 15n, 10000n],
    ['1E', 10n ** 18n, 1n],
    ['1.5Gi', 3n * 2n ** 29n, 1n],
    ['0.9n', 1n, 10n ** 9n],
    ['1.0000000001', 1000000001n, 10n ** 9n],
    ['-1.5', -15n, 10n],
    // The scanner reads a missing number as 0, so a bare suffix is zero.
    ['e3', 0n, 1n],
    ['Gi', 0n, 1n],
  ])('%s', (text, num, den) => {
    const q = parseQuantity(text)!;
    expect(q.num * den).toBe(num * q.den);
  });
  it.each(['', '1e', '1K', '1mi', '1Ki3', '1.5.2Gi', '10 Gi', '1e1.5', '0x10', '1e99999999999'])('refuses %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
  it('flags a binary size Kubernetes would silently cap at 2^63-1', () => {
    expect(parseQuantity('8Ei')!.capped).toBe(true);
    expect(parseQuantity('7Ei')!.capped).toBe(false);
    expect(parseQuantity('1e30')!.capped).toBe(false);
  });
});

describe('compare and format', () => {
  it('compares across units', () => {
    expect(compareQuantities('1Gi', '1024Mi')).toBe(0);
    expect(compareQuantities('10Gi', '20Gi')).toBe(-1);
    expect(compareQuantities('10G', '10Gi')).toBe(-1);
    expect(compareQuantities('2', '1500m')).toBe(1);
    expect(compareQuantities('1.5Gi', '1536Mi')).toBe(0);
    expect(compareQuantities('9223372036854775807', '9223372036854775806')).toBe(1);
  });
  it('parses exponents and rejects junk', () => {
    expect(parseQuantity('1e3')?.value).toBe(1000);
    expect(parseQuantity('1.5.2Gi')).toBeUndefined();
  });
  it.each([[10 * 2 ** 30, '10Gi'], [1.5 * 2 ** 30, '1.5Gi'], [512, '512B'], [2 ** 20, '1Mi']])('formatBytes %d', (b, t) => expect(formatBytes(b)).toBe(t));
  it('displays byte counts the server returns as binary units', () => {
    expect(displayStorage('10737418240')).toBe('10Gi');
    expect(displayStorage('10Gi')).toBe('10Gi');
    expect(displayStorage(undefined)).toBe('');
  });
});
