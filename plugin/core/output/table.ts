// Tables: aligned columns for people on a terminal, tab-separated when piped (like gh).
import { visibleLength } from './colors.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Only shown with -o wide. */
  wide?: boolean;
  /** Decorates the already padded-free cell text (e.g. colour by status). */
  style?: (text: string, row: T) => string;
  align?: 'left' | 'right';
}

export interface TableOptions {
  wide?: boolean;
  /** Aligned output for a terminal; tab-separated otherwise. */
  aligned: boolean;
  /** Print the header row (tables for people); default true. */
  headers?: boolean;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], opts: TableOptions): string {
  const cols = columns.filter((c) => opts.wide || !c.wide);
  const cells = rows.map((r) => cols.map((c) => sanitizeCell(c.value(r))));
  const showHeaders = opts.headers !== false;
  if (!opts.aligned) {
    // Styles still apply: colours are only on here when the user asked for them (--color always).
    const lines = cells.map((row, r) => row.map((t, i) => (cols[i].style ? cols[i].style!(t, rows[r]) : t)).join('\t'));
    return lines.length ? lines.join('\n') + '\n' : '';
  }
  const header = cols.map((c) => c.header.toUpperCase());
  const widths = cols.map((_, i) =>
    Math.max(showHeaders ? header[i].length : 0, ...cells.map((row) => visibleLength(row[i]))),
  );
  const out: string[] = [];
  const line = (texts: string[], styled: string[]) =>
    texts
      .map((t, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i] - visibleLength(t)));
        const s = styled[i];
        if (i === texts.length - 1 && cols[i].align !== 'right') return s;
        return cols[i].align === 'right' ? pad + s : s + pad;
      })
      .join('   ')
      .trimEnd();
  if (showHeaders) out.push(line(header, header));
  cells.forEach((row, r) => {
    const styled = row.map((t, i) => (cols[i].style ? cols[i].style!(t, rows[r]) : t));
    out.push(line(row, styled));
  });
  return out.join('\n') + '\n';
}

function sanitizeCell(s: string): string {
  // A cell never breaks the table: tabs and newlines from cluster data become spaces.
  return s.replace(/[\t\r\n]+/g, ' ');
}
