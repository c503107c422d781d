import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { psqlCommandDef } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runInProcess } from '../../../test/harness/inProcess.js';

const toOptions = (args: { name: string; command?: string; file?: string }, ctx = optionsContext()) => psqlCommandDef.toOptions!(ctx, args);

const noCluster = (count: () => void) => ({
  kubeFactory: async () => {
    count();
    throw new Error('the cluster was contacted');
  },
});

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
    let contacted = 0;
    const r = await runInProcess(['psql', 'acme', '-c', ''], noCluster(() => contacted++));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: -c needs SQL to run');
    expect(r.stdout).toBe('');
    expect(contacted).toBe(0);
  });

  it('refuses an -f file it cannot read with exit 2 before the cluster is contacted', async () => {
    let contacted = 0;
    const missing = join(tmpdir(), 'kubectl-odoo-no-such-script.sql');
    const r = await runInProcess(['psql', 'acme', '-f', missing], noCluster(() => contacted++));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: cannot read -f ${missing}: no such file`);
    expect(contacted).toBe(0);
  });
});
