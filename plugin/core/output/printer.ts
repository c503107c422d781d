// The one printer layer: every command hands its data here with a table description.
import type { IOStreams } from '../../../lib/io.js';
import { UsageError } from '../../../lib/errors.js';
import { renderTable, type Column } from './table.js';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Printable<T> {
  /** Rows for table/wide output. */
  rows: readonly T[];
  columns: readonly Column<T>[];
  /** What json/yaml print; defaults to rows. */
  data?: unknown;
  /** What -o name prints, one per line (e.g. "instance/acme"). */
  name?: (row: T) => string;
  /** Printed on stderr when there are no rows in table output (kubectl: "No resources found"). */
  empty?: string;
}

export async function printResult<T>(io: IOStreams, format: OutputFormat, p: Printable<T>): Promise<void> {
  const data = p.data === undefined ? p.rows : p.data;
  switch (format) {
    case 'json':
      io.stdout.write(JSON.stringify(data, null, 2) + '\n');
      return;
    case 'yaml':
      io.stdout.write(await toYaml(data));
      return;
    case 'name':
      if (!p.name) throw new UsageError('-o name is not supported by this command; use table, wide, json or yaml');
      for (const r of p.rows) io.stdout.write(p.name(r) + '\n');
      return;
    default:
      if (p.rows.length === 0) {
        if (p.empty) io.stderr.write(p.empty + '\n');
        return;
      }
      io.stdout.write(renderTable(p.rows, p.columns, { wide: format === 'wide', aligned: !!io.stdout.isTTY }));
  }
}

export async function toYaml(data: unknown): Promise<string> {
  const { dumpYaml } = await import('../../../lib/yaml.js');
  return dumpYaml(data);
}

/** For commands that only print structured data (-o json|yaml) or a custom screen otherwise. */
export async function printStructured(io: IOStreams, format: OutputFormat, data: unknown): Promise<boolean> {
  if (format === 'json' || format === 'yaml') {
    await printResult(io, format, { rows: [], columns: [], data });
    return true;
  }
  return false;
}
