import { describe, expect, it } from 'vitest';
import { nextCronTime, parseCron } from './cron.js';

const next = (spec: string, after: string) => nextCronTime(parseCron(spec), new Date(after))?.toISOString();

describe('cron schedules', () => {
  it.each([
    ['37 2 * * *', '2026-01-10T01:00:00Z', '2026-01-10T02:37:00.000Z'],
    ['37 2 * * *', '2026-01-10T02:37:00Z', '2026-01-11T02:37:00.000Z'],
    ['*/15 * * * *', '2026-01-10T10:07:30Z', '2026-01-10T10:15:00.000Z'],
    ['0 1-3 * * *', '2026-01-10T03:30:00Z', '2026-01-11T01:00:00.000Z'],
    ['5 1,4 * * *', '2026-01-10T02:00:00Z', '2026-01-10T04:05:00.000Z'],
    ['0 0 * * MON', '2026-01-10T00:00:00Z', '2026-01-12T00:00:00.000Z'], // 10 Jan 2026 is a Saturday
    ['0 0 * * 7', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00.000Z'], // 7 is Sunday too
    ['0 0 1 FEB *', '2026-01-10T00:00:00Z', '2026-02-01T00:00:00.000Z'],
    // Both day fields restricted: either matches (the 15th, or a Monday).
    ['0 0 15 * 1', '2026-01-10T00:00:00Z', '2026-01-12T00:00:00.000Z'],
    ['@daily', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00.000Z'],
    ['@hourly', '2026-01-10T10:59:00Z', '2026-01-10T11:00:00.000Z'],
    ['0 0 29 2 *', '2026-01-10T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('%s after %s is %s', (spec, after, want) => {
    expect(next(spec, after)).toBe(want);
  });

  it.each([
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 5-2 * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['x * * * *', 'failed to parse int from x'],
    ['@weekdays', 'unrecognized descriptor: @weekdays'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
  ])('refuses %j: %s', (spec, message) => {
    expect(() => parseCron(spec)).toThrow(message);
  });
});
