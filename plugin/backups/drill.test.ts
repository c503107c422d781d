import { describe, expect, it } from 'vitest';
import { drillDue, drillInstanceName, parseDrillCadence, parseDrillLog } from './drill.js';

describe('drillInstanceName', () => {
  it('is <name>-drill-<short>, a valid instance name of at most 63 characters', () => {
    const now = new Date('2026-12-03T18:00:00Z');
    expect(drillInstanceName('odoo-acme-1a2b3c4d', now)).toMatch(/^odoo-acme-1a2b3c4d-drill-[a-z0-9]{6}$/);
    const long = drillInstanceName('a'.repeat(50) + '-' + 'b'.repeat(12), now);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^a{50}-drill-[a-z0-9]{6}$/);
    expect(drillInstanceName('acme', new Date(now.getTime() + 1000))).not.toBe(drillInstanceName('acme', now));
  });
});

describe('parseDrillLog', () => {
  it('reads the checks, the missing files and what neutralize changed', () => {
    const log = [
      'PHASE neutralize',
      'NEUTRALIZE outgoing-mail 2 server(s) turned off',
      'CHECK neutralize ok outgoing and incoming mail servers off',
      'PHASE attachments',
      'MISSING ab/ab12',
      'CHECK attachments fail 1 of 3 attachment row(s) have no file in filestore/x',
    ].join('\n');
    expect(parseDrillLog(log)).toEqual({
      checks: [
        { check: 'neutralize', ok: true, detail: 'outgoing and incoming mail servers off' },
        { check: 'attachments', ok: false, detail: '1 of 3 attachment row(s) have no file in filestore/x' },
      ],
      missing: ['ab/ab12'],
      neutralized: ['outgoing-mail 2 server(s) turned off'],
    });
  });

  it('a Job that printed no check fails the neutralize step with its error', () => {
    expect(parseDrillLog('ERROR psql: connection refused\n').checks).toEqual([{ check: 'neutralize', ok: false, detail: 'psql: connection refused' }]);
  });
});

describe('drillDue and parseDrillCadence', () => {
  const now = new Date('2026-12-10T03:00:00Z');
  it.each([
    [undefined, 'weekly', true],
    [{ backup: 'x', at: '2026-12-03T03:30:00Z', ok: true }, 'weekly', true],
    [{ backup: 'x', at: '2026-12-05T03:00:00Z', ok: true }, 'weekly', false],
    [{ backup: 'x', at: '2026-12-09T02:00:00Z', ok: false }, 'daily', true],
    [{ backup: 'x', at: 'garbage', ok: true }, 'monthly', true],
  ] as const)('%j %s -> %s', (last, cadence, due) => {
    expect(drillDue(last as any, cadence, now)).toBe(due);
  });

  it('accepts daily, weekly and monthly only', () => {
    expect(parseDrillCadence('weekly')).toBe('weekly');
    expect(() => parseDrillCadence('hourly')).toThrow('invalid --drill "hourly": use daily, weekly or monthly');
  });
});
