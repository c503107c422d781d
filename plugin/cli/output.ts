// What a command's run returns: its result and how to show it. The app prints it (printOutput) with the
// one printer layer, so every command answers -o the same way and no command writes to stdout itself.
import type { IOStreams } from '../../lib/io.js';
import { UsageError } from '../../lib/errors.js';
import { printAction, printObjects, printResult, printStructured, type ActionOutput, type OutputFormat, type Printable } from '../core/output/printer.js';

interface Outcome {
  /** Lines for stderr once the output is printed: notes on the result, what to do next. */
  notes?: string[];
  /** Thrown once the output is printed: a check that found problems, a run that stopped part-way. */
  failure?: Error;
}

/** Rows with their columns (table/wide), the data for -o json|yaml, one name per row for -o name. */
export interface TableOutput<T = any> extends Printable<T>, Outcome {
  kind: 'table';
}

/** Objects made or applied: a line each for people, the objects themselves for json/yaml/name (printObjects). */
export interface ObjectsOutput extends Outcome {
  kind: 'objects';
  objects: unknown[];
  line?: (o: any, i: number) => string;
}

/** What an action did: sentences for people, `kind/name` for -o name, `data` for json/yaml. */
export interface ActionResult extends ActionOutput, Outcome {
  kind: 'action';
}

/** A screen of text (a status, a report, an outcome) for people; `data` for -o json|yaml, `names` for -o name. */
export interface ScreenOutput extends Outcome {
  kind: 'screen';
  /** Printed as it is, so it ends with its own newline. */
  text: string;
  data: unknown;
  /** One per line with -o name (e.g. "cronjob.batch/x"); without them the screen refuses -o name. */
  names?: string[];
  /** Printed on stderr when the screen has no text (table output). */
  empty?: string;
}

/** Text printed as it is whatever -o says: a shell script, one option's value, a line before a wait in table output. */
export interface TextOutput extends Outcome {
  kind: 'text';
  text: string;
}

export type CommandOutput = TableOutput | ObjectsOutput | ActionResult | ScreenOutput | TextOutput;

export const showTable = <T>(p: Printable<T> & Outcome): TableOutput<T> => ({ kind: 'table', ...p });
export const showObjects = (objects: unknown[], line?: (o: any, i: number) => string, more: Outcome = {}): ObjectsOutput => ({ kind: 'objects', objects, line, ...more });
export const showAction = (a: ActionOutput & Outcome): ActionResult => ({ kind: 'action', ...a });
export const showScreen = (text: string, data: unknown, more: Omit<ScreenOutput, 'kind' | 'text' | 'data'> = {}): ScreenOutput => ({ kind: 'screen', text, data, ...more });
export const showText = (text: string, more: Outcome = {}): TextOutput => ({ kind: 'text', text, ...more });

/** Prints a command's output in the format of -o, then its notes on stderr. */
export async function printOutput(io: IOStreams, format: OutputFormat, out: CommandOutput): Promise<void> {
  await printBody(io, format, out);
  for (const n of out.notes ?? []) io.stderr.write(`${n}\n`);
}

async function printBody(io: IOStreams, format: OutputFormat, out: CommandOutput): Promise<void> {
  switch (out.kind) {
    case 'table':
      return printResult(io, format, out);
    case 'objects':
      return printObjects(io, format, out.objects, out.line);
    case 'action':
      return printAction(io, format, out);
    case 'screen':
      if (await printStructured(io, format, out.data)) return;
      if (format === 'name') {
        if (!out.names) throw new UsageError('-o name is not supported by this command; use table, json or yaml');
        for (const n of out.names) io.stdout.write(`${n}\n`);
        return;
      }
      if (out.text) io.stdout.write(out.text);
      else if (out.empty) io.stderr.write(`${out.empty}\n`);
      return;
    case 'text':
      io.stdout.write(out.text);
  }
}
