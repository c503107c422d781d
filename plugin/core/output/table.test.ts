import { describe, expect, it } from 'vitest';
import { renderTable, type Column } from './table.js';
import { colorEnabled, makeColors, visibleLength } from './colors.js';

interface Row {
  name: string;
  status: string;
  size: string;
}
const rows: Row[] = [
  { name: 'acme', status: 'running', size: '10Gi' },
  { name: 'globex-long-name', status: 'stopped', size: '5Gi' },
];
const cols: Column<Row>[] = [
  { header: 'Name', value: (r) => r.name },
  { header: 'Status', value: (r) => r.status, style: (t) => makeColors(true).green(t) },
  { header: 'Size', value: (r) => r.size, wide: true },
];

describe('renderTable', () => {
  it('aligns columns for a terminal, ignoring colour codes when measuring', () => {
    expect(renderTable(rows, cols, { aligned: true })).toBe(
      'NAME               STATUS\n' + 'acme               \u001b[32mrunning\u001b[39m\n' + 'globex-long-name   \u001b[32mstopped\u001b[39m\n',
    );
  });
  it('adds wide columns only with -o wide', () => {
    expect(renderTable(rows, cols, { aligned: true, wide: true }).split('\n')[0]).toBe('NAME               STATUS    SIZE');
  });
  it('is tab-separated without headers when piped, so scripts can cut -f', () => {
    const plain: Column<Row>[] = [cols[0], { header: 'Status', value: (r) => r.status }];
    expect(renderTable(rows, plain, { aligned: false })).toBe('acme\trunning\nglobex-long-name\tstopped\n');
  });
  it('keeps colours when piped if they are on (--color always)', () => {
    expect(renderTable(rows, cols, { aligned: false }).split('\n')[0]).toBe('acme\t\u001b[32mrunning\u001b[39m');
  });
  it('never lets cluster data break a row', () => {
    const evil = [{ name: 'a\tb\nc', status: 'x', size: '' }];
    expect(renderTable(evil, [cols[0]], { aligned: false })).toBe('a b c\n');
  });
});

describe('colour decisions', () => {
  it.each([
    { mode: 'auto', tty: true, env: {}, want: true },
    { mode: 'auto', tty: false, env: {}, want: false },
    { mode: 'auto', tty: true, env: { NO_COLOR: '1' }, want: false },
    { mode: 'always', tty: false, env: {}, want: true },
    { mode: 'always', tty: true, env: { NO_COLOR: 'yes' }, want: false },
    { mode: 'never', tty: true, env: {}, want: false },
    { mode: 'auto', tty: true, env: { TERM: 'dumb' }, want: false },
  ] as const)('$mode tty=$tty env=$env → $want', ({ mode, tty, env, want }) => {
    expect(colorEnabled(mode, tty, env)).toBe(want);
  });
  it('measures visible length', () => {
    expect(visibleLength(makeColors(true).red('abc'))).toBe(3);
    expect(makeColors(false).red('abc')).toBe('abc');
  });
});

describe('colours', () => {
  it('leave an empty cell empty, with no escape codes around nothing', async () => {
    const { makeColors } = await import('./colors.js');
    const c = makeColors(true);
    expect(c.yellow('')).toBe('');
    expect(c.yellow('safety')).toBe('\u001b[33msafety\u001b[39m');
  });
});
