import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

type Args = Parameters<NonNullable<typeof reportCommand.toOptions>>[1];
const dir = mkdtempSync(join(tmpdir(), 'report-options-'));
writeFileSync(join(dir, 'old.zip'), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', all: false, logs: false, includeSecrets: false, yes: false, ...over }) as Args;
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => reportCommand.toOptions!(ctx, args(over));

describe('report options', () => {
  it('the targets, -f with its format, --logs --tail and the command README.txt records', () => {
    const o = toOptions({ file: join(dir, 'b.tar.gz'), logs: true, tail: '200', includeSecrets: true, yes: true }, optionsContext({ globals: { namespace: 'shop' } }));
    expect(o).toEqual({
      targets: { namespace: 'shop', name: 'acme' },
      file: { path: join(dir, 'b.tar.gz'), format: 'tar.gz' },
      label: 'acme',
      logs: true,
      tail: 200,
      includeSecrets: true,
      yes: true,
      command: 'kubectl odoo report acme --logs --tail 200 --include-secrets',
    });
    const all = toOptions({ name: undefined, selector: 'tier=gold' }, optionsContext({ globals: { namespace: 'shop' } }));
    expect(all).toMatchObject({ targets: { namespace: 'shop', selector: 'tier=gold' }, file: undefined, label: 'shop', tail: undefined, command: 'kubectl odoo report -l tier=gold' });
    expect(toOptions({ name: undefined, all: true, file: join(dir, 'x.zip') }).file).toEqual({ path: join(dir, 'x.zip'), format: 'zip' });
    // On a terminal --include-secrets asks, so it needs no --yes.
    expect(toOptions({ includeSecrets: true }, optionsContext({ interactive: true })).includeSecrets).toBe(true);
  });

  it('refuses each bad flag', () => {
    expect(() => toOptions({ name: undefined })).toThrow('report needs an instance: NAME, -l SELECTOR or --all');
    expect(() => toOptions({ all: true })).toThrow('report takes one of NAME, -l SELECTOR or --all, not several');
    expect(() => toOptions({ logs: true, tail: 'ten' })).toThrow('invalid --tail "ten": a number of lines, 0 or more');
    expect(() => toOptions({ tail: '10' })).toThrow('--tail goes with --logs');
    expect(() => toOptions({ file: join(dir, 'b.rar') })).toThrow(`-f ${join(dir, 'b.rar')}: the bundle is a .zip or a .tar.gz (or .tgz) file`);
    expect(() => toOptions({ file: join(dir, 'old.zip') })).toThrow(`${join(dir, 'old.zip')} exists: give another -f, or remove it first`);
    expect(() => toOptions({ file: join(dir, 'no', 'b.zip') })).toThrow(`-f ${join(dir, 'no', 'b.zip')}: folder ${join(dir, 'no')} does not exist`);
    expect(() => toOptions({ includeSecrets: true })).toThrow('--include-secrets puts Secret values in clear into the bundle: it asks first, and without a terminal needs --yes');
    expect(() => toOptions({ name: 'a b' })).toThrow(/^invalid instance name "a b"/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['report', 'acme', '--tail', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: --tail goes with --logs');
    expect(r.contacted).toBe(0);
  });
});
