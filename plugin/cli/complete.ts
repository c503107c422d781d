// Shell completion in Cobra's protocol (candidates, one per line, "name\tdescription", then ":<directive>"),
// the protocol kubectl uses for plugins through the kubectl_complete-odoo helper.
import yargs, { type Argv } from 'yargs';
import type { CommandDef } from './command.js';
import type { CommandContext } from './context.js';
import { addGlobalOptions, globalsFrom } from './app.js';
import { OUTPUT_FORMATS } from '../core/output/printer.js';

export const DIRECTIVE_DEFAULT = 0;
export const DIRECTIVE_NO_SPACE = 2;
export const DIRECTIVE_NO_FILE = 4;

export interface Completion {
  candidates: string[];
  directive: number;
}

interface FlagInfo {
  names: string[];
  takesValue: boolean;
  choices?: string[];
  describe?: string;
}

function flagsOf(def: CommandDef | undefined): FlagInfo[] {
  let y: Argv = addGlobalOptions(yargs());
  if (def?.builder) y = def.builder(y);
  const o = (y as any).getOptions() as {
    key: Record<string, unknown>;
    alias: Record<string, string[]>;
    boolean: string[];
    choices: Record<string, string[]>;
    count: string[];
  };
  const internal = (y as any).getInternalMethods?.();
  const descs: Record<string, string> = internal?.getUsageInstance?.()?.getDescriptions?.() ?? {};
  const flags: FlagInfo[] = [];
  for (const key of Object.keys(o.key)) {
    if (key === 'help' || key === 'version' || key === '$0') continue;
    const aliases = o.alias[key] ?? [];
    const names = [key, ...aliases].filter((n) => !/[A-Z]/.test(n) || n === 'A');
    flags.push({
      names,
      takesValue: !o.boolean.includes(key) && !o.count.includes(key),
      choices: o.choices[key],
      describe: typeof descs[key] === 'string' ? descs[key] : undefined,
    });
  }
  flags.push({ names: ['help', 'h'], takesValue: false, describe: 'Show help' });
  return flags;
}

const dash = (n: string) => (n.length === 1 ? `-${n}` : `--${n}`);

export async function complete(
  words: string[],
  commands: CommandDef[],
  ctxFactory: (argv: Record<string, unknown>) => CommandContext,
): Promise<Completion> {
  const partial = words.length ? words[words.length - 1] : '';
  const done = words.slice(0, -1);
  let level = commands;
  let current: CommandDef | undefined;
  const positionals: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (let i = 0; i < done.length; i++) {
    const w = done[i];
    if (w.startsWith('-')) {
      const [name, inline] = w.replace(/^-+/, '').split('=', 2);
      const f = flagsOf(current).find((fl) => fl.names.includes(name));
      if (f?.takesValue && inline === undefined) parsed[f.names[0]] = done[++i];
      else if (f) parsed[f.names[0]] = inline ?? true;
      continue;
    }
    const next = level.find((c) => c.command.split(' ')[0] === w || c.aliases?.includes(w));
    if (next && positionals.length === 0) {
      current = next;
      level = next.subcommands ?? [];
      continue;
    }
    positionals.push(w);
  }
  // Value of a flag?
  const prev = done[done.length - 1];
  if (prev && prev.startsWith('-') && !prev.includes('=')) {
    const f = flagsOf(current).find((fl) => fl.names.includes(prev.replace(/^-+/, '')));
    if (f?.takesValue) return flagValue(f, partial, parsed, ctxFactory);
  }
  if (partial.startsWith('-')) {
    const cands: string[] = [];
    for (const f of flagsOf(current)) {
      for (const n of f.names) {
        const d = dash(n);
        if (d.startsWith(partial)) cands.push(f.describe ? `${d}\t${f.describe}` : d);
      }
    }
    return { candidates: cands, directive: DIRECTIVE_NO_FILE };
  }
  if (level.length && positionals.length === 0) {
    const cands = level
      .filter((c) => !c.command.startsWith('__') && c.command.split(' ')[0].startsWith(partial))
      .map((c) => `${c.command.split(' ')[0]}\t${c.describe}`);
    if (cands.length || !current?.complete) return { candidates: cands, directive: DIRECTIVE_NO_FILE };
  }
  if (current?.complete) {
    try {
      const ctx = ctxFactory(parsed);
      const names = await current.complete(ctx, { ...parsed, _: positionals } as any, partial);
      return { candidates: names.filter((n) => n.startsWith(partial)), directive: DIRECTIVE_NO_FILE };
    } catch {
      return { candidates: [], directive: DIRECTIVE_NO_FILE };
    }
  }
  return { candidates: [], directive: DIRECTIVE_NO_FILE };
}

async function flagValue(
  f: FlagInfo,
  partial: string,
  parsed: Record<string, unknown>,
  ctxFactory: (argv: Record<string, unknown>) => CommandContext,
): Promise<Completion> {
  const name = f.names[0];
  if (f.choices) return { candidates: f.choices.filter((c) => c.startsWith(partial)), directive: DIRECTIVE_NO_FILE };
  if (name === 'output') return { candidates: OUTPUT_FORMATS.filter((c) => c.startsWith(partial)), directive: DIRECTIVE_NO_FILE };
  try {
    if (name === 'namespace') {
      const ctx = ctxFactory(parsed);
      const kube = await ctx.kube();
      const { RESOURCES } = await import('../../lib/kube/resources.js');
      const list = await kube.list(RESOURCES.namespaces);
      return { candidates: list.items.map((n: any) => n.metadata.name).filter((n: string) => n.startsWith(partial)), directive: DIRECTIVE_NO_FILE };
    }
    if (name === 'context') {
      const ctx = ctxFactory(parsed);
      const { kubeconfigPaths, mergeKubeconfigs } = await import('../../lib/kube/kubeconfig.js');
      const { readFileSync, existsSync } = await import('node:fs');
      const { parseYaml } = await import('../../lib/yaml.js');
      const { paths } = kubeconfigPaths(globalsFrom(parsed).kubeconfig, ctx.env);
      const merged = mergeKubeconfigs(paths.filter((p) => existsSync(p)).map((p) => ({ path: p, doc: parseYaml(readFileSync(p, 'utf8')) as any })));
      return { candidates: [...merged.contexts.keys()].filter((n) => n.startsWith(partial)), directive: DIRECTIVE_NO_FILE };
    }
  } catch {
    return { candidates: [], directive: DIRECTIVE_NO_FILE };
  }
  // Paths (kubeconfig, key files, ...): let the shell complete files.
  return { candidates: [], directive: DIRECTIVE_DEFAULT };
}

export function formatCompletion(c: Completion): string {
  return [...c.candidates, `:${c.directive}`].join('\n') + '\n';
}
