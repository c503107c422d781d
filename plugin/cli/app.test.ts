import { describe, expect, it } from 'vitest';
import { parseVerbosity } from './app.js';
import { UsageError } from '../../lib/errors.js';

// kubectl reads -v with strconv.ParseInt(value, 10, 32): a base-10 int32, nothing else.
describe('parseVerbosity', () => {
  it.each([['0', 0], ['6', 6], ['+3', 3], ['007', 7], [undefined, 0], [['2', '9'], 9], ['-1', 0], ['2147483647', 2147483647]])('%j -> %d', (raw, level) => {
    expect(parseVerbosity(raw)).toBe(level);
  });
  it.each(['abc', '1.5', '', '0x10', '6a', '2147483648', '1e3'])('refuses %j', (raw) => {
    expect(() => parseVerbosity(raw)).toThrow(UsageError);
    expect(() => parseVerbosity(raw)).toThrow(/^invalid value ".*" for -v: the log level is a whole number, e.g. -v 6 to log every API request$/);
  });
});
