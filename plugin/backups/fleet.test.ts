import { describe, expect, it } from 'vitest';
import { interleaveByNode } from './fleet.js';
import { FleetDisplay, fleetLine } from './fleetDisplay.js';
import type { FleetResult } from './fleet.js';

describe('fleet runs', () => {
  it('takes the instances in turn by node, keeping their order on each node', () => {
    const items = [
      ['a', 'n1'],
      ['b', 'n1'],
      ['c', 'n1'],
      ['d', 'n2'],
      ['e', ''],
      ['f', 'n2'],
    ];
    expect(interleaveByNode(items, (i) => i[1]).map((i) => i[0])).toEqual(['a', 'd', 'e', 'b', 'f', 'c']);
    expect(interleaveByNode([], () => '')).toEqual([]);
  });

  it('one line per instance, cut to the terminal width', () => {
    const r: FleetResult = { instance: 'acme', namespace: 'ns', state: 'running' };
    expect(fleetLine(r, 'database...', 6, 80)).toBe('acme    running      database...');
    expect(fleetLine(r, 'x'.repeat(100), 6, 30)).toHaveLength(29);
  });

  it('on a terminal, draws every instance and rewrites a line in place; piped, draws nothing', () => {
    const out: string[] = [];
    const results: FleetResult[] = [
      { instance: 'acme', namespace: 'ns', state: 'queued' },
      { instance: 'beta', namespace: 'ns', state: 'queued' },
    ];
    const tty = new FleetDisplay({ write: (s) => out.push(s), isTTY: true, columns: 80, rows: 40 });
    tty.planned(results);
    expect(out.join('')).toBe('acme      queued       queued\nbeta      queued       queued\n');
    results[0].state = 'running';
    tty.update(results[0], 'data 1Mi / 2Mi (50%)');
    // Two lines up, clear it, write, two lines down.
    expect(out.at(-1)).toBe('\x1b[2A\r\x1b[2Kacme      running      data 1Mi / 2Mi (50%)\r\x1b[2B');

    const piped: string[] = [];
    const quiet = new FleetDisplay({ write: (s) => piped.push(s), isTTY: false });
    quiet.planned(results);
    quiet.update(results[0], 'x');
    expect(piped).toEqual([]);
  });
});
