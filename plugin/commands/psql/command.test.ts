import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { psqlCommandDef } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const toOptions = (args: { name: string; command?: string; file?: string }, ctx = optionsContext()) => psqlCommandDef.toOptions!(ctx, args);

describe('psql options', () => {
  it('takes the namespace from -n, else from the config, and -c or -f as given', () => {
    expect(toOptions({ name: 'acme' }, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({ name: 'acme', namespace: 'shop', command: undefined, file: undefined });
    expect(toOptions({ name: 'acme', command: 'select 1' }, optionsContext({ config: { namespace: 'tenants' } }))).toEqual({
      name: 'acme',
      namespace: 'tenants',
      command: 'select 1',
      file: undefined,
    });
    expect(toOptions({ name: 'acme', file: 'fix.sql' })).toEqual({ name: 'acme', namespace: 'saasodoo', command: undefined, file: 'fix.sql' });
  });

  it('refuses -c with -f, an empty -c, a bad name or namespace', () => {
    expect(() => toOptions({ name: 'acme', command: 'select 1', file: 'fix.sql' })).toThrow('-c and -f cannot be used together: give the SQL one way');
    expect(() => toOptions({ name: 'acme', command: '  ' })).toThrow('-c needs SQL to run');
    expect(() => toOptions({ name: 'acme;' })).toThrow(/^invalid instance name "acme;": give the Deployment name/);
    expect(() => toOptions({ name: 'acme' }, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['psql', 'acme', '-c', '']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: -c needs SQL to run');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });

  it('refuses an -f file it cannot read with exit 2 before the cluster is contacted', async () => {
    const missing = join(tmpdir(), 'kubectl-odoo-no-such-script.sql');
    const r = await runWithoutCluster(['psql', 'acme', '-f', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: cannot read -f ${missing}: no such file`);
    expect(r.contacted).toBe(0);
  });
});
