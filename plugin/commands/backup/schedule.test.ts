import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scheduleCommand } from './schedule.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

type Args = Parameters<NonNullable<typeof scheduleCommand.toOptions>>[1];
const withImage = (over: Parameters<typeof optionsContext>[0] = {}) => optionsContext({ ...over, config: { scheduleImage: 'registry.example/kubectl-odoo:1', ...over.config } });
const schedule = (over: Record<string, unknown> = {}, ctx = withImage()) =>
  scheduleCommand.toOptions!(ctx, { name: 'acme', all: false, consistency: 'live', offsite: false, every: 'daily', ...over } as Args);
const sub = (name: string) => scheduleCommand.subcommands!.find((c) => c.command.split(' ')[0] === name)!;
const del = (over: Record<string, unknown> = {}, ctx = optionsContext()) => sub('delete').toOptions!(ctx, { all: false, yes: false, ...over });

const dir = mkdtempSync(join(tmpdir(), 'schedule-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn` as if the plugin were the script at `path`. */
function asScript<T>(path: string, fn: () => T): T {
  const saved = process.argv[1];
  process.argv[1] = path;
  try {
    return fn();
  } finally {
    process.argv[1] = saved;
  }
}

describe('backup schedule options', () => {
  it('the targets, the spec, and the runner from the config file', () => {
    const ctx = withImage({ globals: { namespace: 'shop' }, config: { scheduleNodeImage: 'node:22', backupTimeout: '2h', offsiteSecret: 'remote' } });
    const o = schedule({ every: 'hourly', window: '01:00-05:00', consistency: 'stop', keep: 'last=7', offsite: true, keepRemote: 'monthly=6', drill: 'monthly', dryRun: 'client' }, ctx);
    expect(o).toEqual({
      targets: { namespace: 'shop', name: 'acme', all: false },
      spec: { every: { kind: 'hourly' }, window: { start: 60, end: 300 }, consistency: 'stop', keep: { keepLast: 7 }, offsite: true, keepRemote: { keepMonthly: 6 }, drill: 'monthly' },
      backup: o.backup,
      runner: { image: 'registry.example/kubectl-odoo:1', nodeImage: 'node:22', deadlineSeconds: 2 * 3600 + 3600 },
      bundle: undefined,
      offsiteSecret: 'remote',
      dryRun: 'client',
    });
    expect(o.backup.settings.deadlineSeconds).toBe(7200);
    expect(schedule({ name: undefined, selector: 'tier=gold', every: '30 2 * * 0' })).toMatchObject({ targets: { namespace: 'saasodoo', labelSelector: 'tier=gold', all: false }, spec: { every: { kind: 'cron', schedule: '30 2 * * 0' } } });
    expect(schedule({ name: undefined, all: true }).targets).toEqual({ namespace: 'saasodoo', all: true });
  });

  it('without scheduleImage, the runs execute this very bundle', () => {
    const bundle = join(dir, 'kubectl-odoo');
    writeFileSync(bundle, '#!/usr/bin/env node\nconsole.log("kubectl-odoo");\n');
    expect(asScript(bundle, () => schedule({}, optionsContext())).bundle).toBe('#!/usr/bin/env node\nconsole.log("kubectl-odoo");\n');
    const single = join(dir, 'single-executable');
    writeFileSync(single, '\x7fELF');
    expect(() => asScript(single, () => schedule({}, optionsContext()))).toThrow(
      'scheduled backups run kubectl-odoo in the cluster: set scheduleImage in the config file to an image that has kubectl-odoo on its PATH (this kubectl-odoo is a single executable, too big for a ConfigMap)',
    );
  });

  it('refuses each bad flag and combination', () => {
    const one = 'backup schedule takes one of: an instance NAME, -l SELECTOR or --all';
    expect(() => schedule({ name: undefined })).toThrow(one);
    expect(() => schedule({ all: true })).toThrow(one);
    expect(() => schedule({ every: undefined })).toThrow('backup schedule needs --every daily, hourly or a cron schedule');
    expect(() => schedule({ every: 'weekly' })).toThrow('invalid --every "weekly": use daily, hourly, a cron schedule such as "30 2 * * *" or a macro such as @weekly; did you mean "@weekly"?');
    expect(() => schedule({ window: '1-5' })).toThrow('invalid --window "1-5": give HH:MM-HH:MM in UTC, e.g. --window 01:00-05:00');
    expect(() => schedule({ window: '03:00-03:00' })).toThrow('invalid --window "03:00-03:00": it starts and ends at the same time');
    expect(() => schedule({ every: '@weekly', window: '01:00-05:00' })).toThrow('--window spreads daily and hourly schedules; a cron schedule runs as written');
    expect(() => schedule({ consistency: 'paused' })).toThrow('invalid --consistency "paused": use stop or live');
    expect(() => schedule({ keep: 'last=7,last=8' })).toThrow('invalid --keep "last=7,last=8": last is given twice');
    expect(() => schedule({ drill: 'often' })).toThrow('invalid --drill "often": use daily, weekly or monthly (how often a run also drills its new backup)');
    expect(() => schedule({ keepRemote: 'last=3' })).toThrow('--keep-remote is retention for the off-site copies: give it with --offsite');
    expect(() => schedule({ name: 'a b' })).toThrow(/^invalid instance name "a b"/);
    expect(() => schedule({ name: undefined, selector: 'a=(' })).toThrow(/^invalid -l selector "a=\("/);
    expect(() => schedule({}, withImage({ config: { backupCompression: 'rar' } }))).toThrow('config backupCompression "rar" is not one of auto, zstd, pigz, gzip');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['backup', 'schedule', 'acme', '--every', 'daily', '--window', '25:00-02:00']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --window "25:00-02:00": give HH:MM-HH:MM in UTC, e.g. --window 01:00-05:00');
    expect(r.contacted).toBe(0);
  });
});

describe('backup schedule list and delete options', () => {
  it('list: the namespace, none with -A', () => {
    expect(sub('list').toOptions!(optionsContext({ globals: { namespace: 'shop' } }), {})).toEqual({ namespace: 'shop' });
    expect(sub('list').toOptions!(optionsContext({ globals: { namespace: 'shop', allNamespaces: true } }), {})).toEqual({ namespace: undefined });
    expect(() => sub('list').toOptions!(optionsContext({ globals: { namespace: 'Shop' } }), {})).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('delete: the targets, --yes and --dry-run; one target only', async () => {
    expect(del({ name: 'acme', dryRun: 'client' })).toMatchObject({ targets: { namespace: 'saasodoo', name: 'acme', all: false }, yes: false, dryRun: 'client' });
    expect(del({ all: true, yes: true })).toMatchObject({ targets: { namespace: 'saasodoo', all: true }, yes: true, dryRun: undefined });
    expect(() => del()).toThrow('backup schedule delete takes one of: an instance NAME, -l SELECTOR or --all');
    expect(() => del({ name: 'acme', selector: 'a=b' })).toThrow('backup schedule delete takes one of: an instance NAME, -l SELECTOR or --all');
    const r = await runWithoutCluster(['backup', 'schedule', 'delete', 'acme', '--all']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: backup schedule delete takes one of: an instance NAME, -l SELECTOR or --all');
    expect(r.contacted).toBe(0);
  });
});
