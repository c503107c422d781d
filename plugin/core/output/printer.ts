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
  /** `-o name`: the object a row stands for; undefined for a row that is no object (it is left out). */
  name?: (row: T) => string | undefined;
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
      for (const r of p.rows) {
        const n = p.name(r);
        if (n !== undefined) io.stdout.write(n + '\n');
      }
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

/** `kind.group/name`, as kubectl names an object (`deployment.apps/acme`, `job.batch/x`, `service/acme`). */
export function objectRef(o: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): string {
  const group = o.apiVersion?.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${String(o.kind ?? '').toLowerCase()}${group ? `.${group}` : ''}/${o.metadata?.name ?? ''}`;
}

/**
 * Objects a command would create (a dry run) or has applied: one line each for people (`line`, else
 * the objects as YAML), `kind.group/name` with -o name, the object (several: a List) with -o json, YAML
 * documents with -o yaml
 * (what `kubectl apply -f -` takes back).
 */
export async function printObjects<T>(io: IOStreams, format: OutputFormat, objects: T[], line?: (o: T, i: number) => string): Promise<void> {
  if (format === 'json') {
    // One object as itself, several as a List: what kubectl prints.
    io.stdout.write(JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n');
  } else if (format === 'name') {
    for (const o of objects) io.stdout.write(`${objectRef(o as Parameters<typeof objectRef>[0])}\n`);
  } else if (format === 'yaml' || !line) {
    const { dumpYaml } = await import('../../../lib/yaml.js');
    io.stdout.write(objects.map((o) => dumpYaml(o)).join('---\n'));
  } else {
    objects.forEach((o, i) => io.stdout.write(`${line(o, i)}\n`));
  }
}

/** What an action command prints: sentences for people, `kind/name` for -o name, `data` for json/yaml. */
export interface ActionOutput {
  lines: string[];
  name: string;
  data: unknown;
}

export async function printAction(io: IOStreams, format: OutputFormat, out: ActionOutput): Promise<void> {
  if (await printStructured(io, format, out.data)) return;
  if (format === 'name') io.stdout.write(`${out.name}\n`);
  else for (const l of out.lines) io.stdout.write(`${l}\n`);
}
