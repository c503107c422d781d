import { describe, expect, it } from 'vitest';
import { ContainerLog, formatLine, formatLogTimestamp, selectLines } from './containerLog.js';

const t = (s: number) => new Date(Date.UTC(2024, 0, 2, 3, 4, s));

describe('ContainerLog', () => {
  it('records complete lines with the time their first byte arrived, and flushes a partial line on close', () => {
    const log = new ContainerLog();
    log.write('stdout', 'one\ntw', t(1));
    log.write('stdout', 'o\nthr', t(2));
    log.write('stderr', 'err\n', t(3));
    log.close();
    log.write('stdout', '', t(4));
    expect(log.lines.map((l) => [l.stream, l.text, l.time.getUTCSeconds()])).toEqual([
      ['stdout', 'one\n', 1],
      ['stdout', 'two\n', 1],
      ['stderr', 'err\n', 3],
      ['stdout', 'thr', 2],
    ]);
    expect(log.closed).toBe(true);
  });
});

describe('selectLines', () => {
  const lines = [1, 2, 3, 4, 5].map((s) => ({ time: t(s), stream: 'stdout' as const, text: `l${s}\n` }));
  it.each([
    [{}, ['l1', 'l2', 'l3', 'l4', 'l5']],
    [{ tailLines: 2 }, ['l4', 'l5']],
    [{ tailLines: 0 }, []],
    [{ tailLines: 10 }, ['l1', 'l2', 'l3', 'l4', 'l5']],
    [{ sinceSeconds: 2 }, ['l3', 'l4', 'l5']],
    [{ sinceTime: t(4) }, ['l4', 'l5']],
    [{ sinceSeconds: 3, tailLines: 1 }, ['l5']],
  ])('%j', (q, want) => {
    expect(selectLines(lines, q, t(5)).map((l) => l.text.trim())).toEqual(want);
  });
});

describe('timestamps', () => {
  it('prints RFC3339 with nine fractional digits before the line', () => {
    const time = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(formatLogTimestamp(time)).toBe('2024-01-02T03:04:05.678000000Z');
    expect(formatLine({ time, stream: 'stdout', text: 'x\n' }, true)).toBe('2024-01-02T03:04:05.678000000Z x\n');
    expect(formatLine({ time, stream: 'stdout', text: 'x\n' }, false)).toBe('x\n');
  });
});
