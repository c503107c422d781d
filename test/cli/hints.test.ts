// Every hint and error text that names a command ("... with kubectl odoo migrate-storage NAME
// --drop-legacy") names a command that exists, with flags it takes: a walk over the product's own text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../harness/inProcess.js';
import { COMMANDS } from '../../plugin/cli/commands.js';
import type { CommandDef } from '../../plugin/cli/command.js';

const root = join(import.meta.dirname, '../..');

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      if (e !== 'testing') sources(p, out);
    } else if (/\.(ts|sh)$/.test(e) && !e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

interface Mention {
  where: string;
  text: string;
  path: string[];
  flags: string[];
}

const nameOf = (d: CommandDef) => d.command.split(' ')[0];

function mentions(): Mention[] {
  const out: Mention[] = [];
  for (const file of [...sources(join(root, 'plugin')), ...sources(join(root, 'lib')), ...sources(join(root, 'agent'))]) {
    const text = readFileSync(file, 'utf8');
    const starts = [...text.matchAll(/kubectl odoo /g)].map((m) => m.index!);
    for (const [k, at] of starts.entries()) {
      const lineStart = text.lastIndexOf('\n', at) + 1;
      // Comments explain the code; the hints are what users read.
      if (/^\s*(\/\/|\*|\/\*|#)/.test(text.slice(lineStart, at))) continue;
      const end = Math.min(starts[k + 1] ?? Infinity, ...["'", '"', '`', '\n'].map((c) => (text.indexOf(c, at) < 0 ? Infinity : text.indexOf(c, at))));
      const said = text.slice(at, end);
      const where = `${relative(root, file)}:${text.slice(0, at).split('\n').length}`;
      const tokens: string[] = [];
      for (const raw of said.slice('kubectl odoo '.length).split(/\s+/).filter(Boolean)) {
        if (raw === 'kubectl' || raw === 'or' || raw === 'then') break;
        tokens.push(raw.replace(/[.,;:)]+$/, ''));
        if (/[,;)]$/.test(raw)) break;
      }
      const path: string[] = [];
      let level: CommandDef[] | undefined = COMMANDS;
      for (const t of tokens) {
        const def: CommandDef | undefined = level?.find((d) => nameOf(d) === t || d.aliases?.includes(t));
        if (!def) break;
        path.push(t);
        level = def.subcommands;
      }
      const quoted = /["'`]$|\\"$/.test(text.slice(lineStart, at));
      if (path.length === 0) {
        // A quoted command that is not one (the old "kubectl odoo migrate"); prose is left alone.
        if (quoted && /^[a-z][a-z-]+$/.test(tokens[0] ?? '')) out.push({ where, text: said, path: [tokens[0]], flags: [] });
        continue;
      }
      const flags = tokens.filter((t) => /^--?[a-z]/i.test(t)).map((t) => t.replace(/=.*$/, ''));
      out.push({ where, text: said, path, flags });
    }
  }
  return out;
}

async function help(path: string[]): Promise<{ code: number; text: string }> {
  const r = await runInProcess([...path, '--help']);
  return { code: r.code, text: r.stdout + r.stderr };
}

describe('commands named in hints and errors', () => {
  const all = mentions();

  it('finds the hints', () => {
    expect(all.length).toBeGreaterThan(30);
    expect(all.some((m) => m.path.join(' ') === 'migrate-storage')).toBe(true);
  });

  it('every named command exists and takes the flags the text gives it', async () => {
    const problems: string[] = [];
    const helps = new Map<string, { code: number; text: string }>();
    for (const m of all) {
      const key = m.path.join(' ');
      if (!helps.has(key)) helps.set(key, await help(m.path));
      const h = helps.get(key)!;
      if (h.code !== 0 || !/^kubectl odoo /m.test(h.text)) {
        problems.push(`${m.where}: "${m.text}" names a command that does not exist`);
        continue;
      }
      for (const f of m.flags) {
        const re = f.startsWith('--') ? new RegExp(`(^|[\\s,])${f.replace(/[-]/g, '\\-')}([\\s,=]|$)`, 'm') : new RegExp(`(^|\\s)${f}(,|\\s)`, 'm');
        if (!re.test(h.text)) problems.push(`${m.where}: "${m.text}": kubectl odoo ${key} has no flag ${f}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
