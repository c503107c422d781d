// odoo.conf as Odoo reads it: Odoo loads the file with Python's configparser.RawConfigParser (strict,
// no interpolation, no inline comments, keys lower-cased, `=` or `:` as delimiter, indented lines
// continue the previous value, blank lines inside a value are kept) and takes the items of [options]
// (with [DEFAULT] underneath). This parser reproduces those rules line by line and remembers where each
// option sits, so an edit rewrites only the lines of the options it changes.

export const OPTIONS_SECTION = 'options';
const DEFAULT_SECTION = 'DEFAULT';

export type ConfLineKind = 'section' | 'option' | 'continuation' | 'comment' | 'blank' | 'invalid';

export interface ConfOption {
  section: string;
  /** Lower-cased, as configparser's optionxform makes it. */
  key: string;
  /** As written in the file. */
  rawKey: string;
  /** The value Odoo sees: continuation lines joined with newlines, trailing blank lines dropped. */
  value: string;
  /** Index of the `key = value` line. */
  line: number;
  /** Indexes of every line that belongs to the value (the key line, continuation and inner blank lines). */
  lines: number[];
}

export interface ConfProblem {
  /** 1-based, as Python reports it. */
  line: number;
  message: string;
}

export interface ParsedConf {
  /** The file split into lines, each without its line ending. */
  lines: string[];
  kinds: ConfLineKind[];
  eol: '\n' | '\r\n';
  /** Whether the text ends with a line ending. */
  finalEol: boolean;
  options: ConfOption[];
  /** Section headers in file order with their line index. */
  sections: { name: string; line: number }[];
  /** What makes Python's configparser raise (Odoo then refuses to start). */
  problems: ConfProblem[];
}

const SECTION_RE = /^\[(.+)\]/;
// configparser's OPTCRE: the shortest key, then the first `=` or `:`.
const OPTION_RE = /^(.*?)\s*([=:])\s*(.*)$/;

export function splitLines(text: string): { lines: string[]; eol: '\n' | '\r\n'; finalEol: boolean } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalEol = text.endsWith('\n');
  const body = finalEol ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
  const lines = text === '' ? [] : body.split(/\r?\n/);
  return { lines, eol, finalEol };
}

export function parseOdooConf(text: string): ParsedConf {
  const { lines, eol, finalEol } = splitLines(text);
  const kinds: ConfLineKind[] = [];
  const options: ConfOption[] = [];
  const sections: { name: string; line: number }[] = [];
  const problems: ConfProblem[] = [];
  const seenSections = new Set<string>();
  const seenOptions = new Map<string, number>();

  let section: string | undefined;
  let current: { opt: ConfOption; parts: string[] } | undefined;
  let indentLevel = 0;
  let pendingBlanks: number[] = [];

  const finish = () => {
    if (!current) return;
    current.opt.value = current.parts.join('\n').replace(/\s+$/, '');
    current = undefined;
  };

  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) {
      kinds.push('comment');
      return;
    }
    if (trimmed === '') {
      kinds.push('blank');
      // A blank line belongs to the value only if a continuation line follows it.
      if (current) pendingBlanks.push(i);
      return;
    }
    const indent = line.search(/\S/);
    if (current && indent > indentLevel) {
      kinds.push('continuation');
      for (const b of pendingBlanks) {
        current.opt.lines.push(b);
        current.parts.push('');
      }
      pendingBlanks = [];
      current.opt.lines.push(i);
      current.parts.push(trimmed);
      return;
    }
    pendingBlanks = [];
    finish();
    indentLevel = indent;
    const sect = SECTION_RE.exec(trimmed);
    if (sect) {
      const name = sect[1];
      kinds.push('section');
      sections.push({ name, line: i });
      if (name !== DEFAULT_SECTION) {
        if (seenSections.has(name)) problems.push({ line: i + 1, message: `section [${name}] appears twice` });
        seenSections.add(name);
      }
      section = name;
      return;
    }
    if (section === undefined) {
      kinds.push('invalid');
      problems.push({ line: i + 1, message: 'line before the first [section] header' });
      return;
    }
    const m = OPTION_RE.exec(trimmed);
    if (!m || m[1] === '') {
      kinds.push('invalid');
      problems.push({ line: i + 1, message: `not a "key = value" line: ${JSON.stringify(trimmed)}` });
      return;
    }
    kinds.push('option');
    const rawKey = m[1].replace(/\s+$/, '');
    const key = rawKey.toLowerCase();
    const id = `${section}\u0000${key}`;
    const first = seenOptions.get(id);
    if (first !== undefined) problems.push({ line: i + 1, message: `option ${key} in [${section}] already set on line ${first + 1}` });
    else seenOptions.set(id, i);
    const opt: ConfOption = { section, key, rawKey, value: '', line: i, lines: [i] };
    options.push(opt);
    current = { opt, parts: [m[3].trim()] };
  });
  finish();
  return { lines, kinds, eol, finalEol, options, sections, problems };
}

/** The options Odoo takes: [DEFAULT] overridden by [options]; the first definition wins as Python keeps only one. */
export function effectiveOptions(conf: ParsedConf): Map<string, ConfOption> {
  const out = new Map<string, ConfOption>();
  for (const section of [DEFAULT_SECTION, OPTIONS_SECTION]) {
    const seen = new Set<string>();
    for (const o of conf.options) {
      if (o.section !== section || seen.has(o.key)) continue;
      seen.add(o.key);
      out.set(o.key, o);
    }
  }
  return out;
}

/** Options of the other sections (Odoo keeps them as "misc"), as `section.key`. */
export function otherSectionOptions(conf: ParsedConf): ConfOption[] {
  return conf.options.filter((o) => o.section !== OPTIONS_SECTION && o.section !== DEFAULT_SECTION);
}
