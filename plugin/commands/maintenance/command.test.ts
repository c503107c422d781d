import { describe, expect, it } from 'vitest';
import { maintenanceCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const sub = (name: string) => maintenanceCommand.subcommands!.find((c) => c.command.split(' ')[0] === name)!;
const fleet = (mode: 'on' | 'off', over: Record<string, unknown> = {}, ctx = optionsContext()) => sub(mode).toOptions!(ctx, { all: false, yes: false, ...over });

describe('maintenance on/off options', () => {
  it('NAME, -l or --all in the namespace, with the backup settings of the config file', () => {
    const ctx = optionsContext({ globals: { namespace: 'shop' }, config: { backupCompression: 'zstd', backupTimeout: '2h', waitTimeout: '3m', backupImage: '' } });
    const o = fleet('on', { name: 'acme' }, ctx);
    expect(o.targets).toEqual({ namespace: 'shop', name: 'acme' });
    expect(o.yes).toBe(false);
    expect(o.backup.instanceTimeoutMs).toBe(180_000);
    expect(o.backup.settings).toMatchObject({ compression: 'zstd', deadlineSeconds: 7200, image: undefined });
    expect(fleet('off', { selector: ' tier = gold ', yes: true }, ctx)).toMatchObject({ targets: { namespace: 'shop', selector: 'tier = gold' }, yes: true });
    expect(fleet('off', { all: true }, ctx).targets).toEqual({ namespace: 'shop' });
  });

  it('refuses no target, several, a bad selector or name, and a bad backup config', () => {
    expect(() => fleet('on')).toThrow('maintenance on needs an instance: NAME, -l SELECTOR or --all');
    expect(() => fleet('off', { name: 'acme', all: true })).toThrow('maintenance off takes one of NAME, -l SELECTOR or --all, not several');
    expect(() => fleet('on', { selector: 'a=(b' })).toThrow('invalid -l selector "a=(b": "a=(b" is not a requirement like key=value, key!=value, key in (a,b), key or !key');
    expect(() => fleet('on', { name: 'a b' })).toThrow(/^invalid instance name "a b"/);
    expect(() => fleet('on', { all: true }, optionsContext({ config: { backupCompression: 'xz' } }))).toThrow('config backupCompression "xz" is not one of auto, zstd, pigz, gzip');
    expect(() => fleet('on', { all: true }, optionsContext({ config: { backupTimeout: 'later' } }))).toThrow('invalid backupTimeout (config) "later": use a duration such as 90s, 5m or 1h');
    expect(() => fleet('on', { all: true }, optionsContext({ config: { waitTimeout: 'later' } }))).toThrow('invalid waitTimeout (config) "later": use a duration such as 90s, 5m or 1h');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['maintenance', 'on', 'acme', '--all']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: maintenance on takes one of NAME, -l SELECTOR or --all, not several');
    expect(r.contacted).toBe(0);
  });
});

describe('maintenance shell options', () => {
  it('the instance, the namespace and -c', () => {
    expect(sub('shell').toOptions!(optionsContext({ globals: { namespace: 'shop' } }), { name: 'acme', command: 'df -h' })).toEqual({ name: 'acme', namespace: 'shop', command: 'df -h' });
    expect(() => sub('shell').toOptions!(optionsContext(), { name: 'a b' })).toThrow(/^invalid instance name "a b"/);
    expect(() => sub('shell').toOptions!(optionsContext({ globals: { namespace: 'A' } }), { name: 'acme' })).toThrow('invalid namespace "A": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });
});
