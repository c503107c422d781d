// The command contract, command by command: each declares its scope, its -o formats and its --dry-run,
// and the app refuses the same way everywhere (exit 2, one line, nothing run) what a command does not take.
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../harness/inProcess.js';
import { COMMANDS } from '../../plugin/cli/commands.js';
import type { CommandDef } from '../../plugin/cli/command.js';
import { OUTPUT_FORMATS } from '../../plugin/core/output/printer.js';

interface Leaf {
  path: string[];
  def: CommandDef;
  /** Positional arguments that satisfy the command string. */
  args: string[];
}

function leaves(defs: CommandDef[], prefix: string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const def of defs) {
    const [name, ...params] = def.command.split(' ');
    const path = [...prefix, name];
    if (def.run) {
      const args = params
        .filter((p) => p.startsWith('<'))
        .map((p) => (p.includes('assignments') ? 'admin_passwd=x' : p.includes('shell') ? 'bash' : p.includes('backup') ? 'acme/20250115T103000Z' : 'acme'));
      out.push({ path, def, args });
    }
    if (def.subcommands) out.push(...leaves(def.subcommands, path));
  }
  return out;
}

// No kubeconfig anywhere: a refusal must come before any API call, or the run fails differently.
const env = { NO_COLOR: '1', KUBECONFIG: '/nonexistent/kubeconfig', KUBECTL_ODOO_CONFIG: undefined, HOME: '/nonexistent' };

const run = (args: string[]) => runInProcess(args, { env });

const all = leaves(COMMANDS);
const label = (l: Leaf) => l.path.join(' ');

describe('the command contract', () => {
  it('covers every command', () => {
    expect(all.length).toBeGreaterThan(35);
    expect(all.filter((l) => !l.def.scope).map(label)).toEqual([]);
    expect(all.filter((l) => !l.def.outputs).map(label)).toEqual([]);
  });

  it('has every command check its flags in toOptions, before run is given them', () => {
    expect(all.filter((l) => !l.def.toOptions).map(label)).toEqual([]);
  });

  describe.each(all.filter((l) => l.def.scope === 'instance' || l.def.scope === 'namespace').map((l) => [label(l), l] as const))('-A on %s', (_n, l) => {
    it('is refused: it acts on one instance or one namespace', async () => {
      const r = await run([...l.path, ...l.args, '-A']);
      expect(r.code).toBe(2);
      const what = l.def.scope === 'instance' ? 'acts on one instance' : 'works in one namespace at a time';
      expect(r.stderr.split('\n')[0]).toBe(`error: ${label(l)} ${what}: use -n NAMESPACE instead of -A`);
      expect(r.stdout).toBe('');
    });
  });

  const refusedFormats = all.flatMap((l) => OUTPUT_FORMATS.filter((f) => !l.def.outputs!.includes(f)).map((f) => [label(l), f, l] as const));
  it.each(refusedFormats)('%s refuses -o %s', async (_n, format, l) => {
    const r = await run([...l.path, ...l.args, '-o', format]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^error: -o ${format} is not supported by "kubectl odoo ${label(l)}": (it prints text only|use (-o [a-z]+( or )?)+)$`));
  });

  const withDryRun = all.filter((l) => l.def.dryRun);
  it.each(withDryRun.map((l) => [label(l), l] as const))('%s takes --dry-run as kubectl does', async (_n, l) => {
    const bad = await run([...l.path, ...l.args, '--dry-run=maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(`error: invalid --dry-run "maybe": use ${l.def.dryRun!.server ? 'client, server or none' : 'client or none'}`);
    if (!l.def.dryRun!.server) {
      const server = await run([...l.path, ...l.args, '--dry-run=server']);
      expect(server.code).toBe(2);
      expect(server.stderr.split('\n')[0]).toBe(`error: --dry-run=server is not supported by "kubectl odoo ${label(l)}": nothing it does can be checked by the API server alone; use --dry-run`);
    }
  });

  it.each(all.filter((l) => !l.def.dryRun).map((l) => [label(l), l] as const))('%s has no --dry-run', async (_n, l) => {
    const r = await run([...l.path, ...l.args, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: unknown flag: --dry-run');
  });
});
