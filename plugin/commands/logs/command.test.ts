import { describe, expect, it } from 'vitest';
import { logsCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', follow: false, previous: false, timestamps: false, ...over }) as Parameters<NonNullable<typeof logsCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => logsCommand.toOptions!(ctx, args(over));

describe('logs options', () => {
  it('takes the namespace from -n, else from the config, and the whole log by default', () => {
    expect(toOptions({}, optionsContext({ globals: { namespace: 'shop' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      follow: false,
      tailLines: undefined,
      sinceSeconds: undefined,
      previous: false,
      timestamps: false,
    });
    expect(toOptions({}, optionsContext({ config: { namespace: 'tenants' } })).namespace).toBe('tenants');
    expect(toOptions().namespace).toBe('saasodoo');
  });

  it('reads --tail as a number of lines and --since as whole seconds, at least one', () => {
    expect(toOptions({ tail: '50', since: '10m', follow: true, timestamps: true })).toMatchObject({ tailLines: 50, sinceSeconds: 600, follow: true, timestamps: true });
    expect(toOptions({ tail: '0' }).tailLines).toBe(0);
    expect(toOptions({ since: '200ms' }).sinceSeconds).toBe(1);
    expect(toOptions({ since: '1h', previous: true })).toMatchObject({ sinceSeconds: 3600, previous: true });
  });

  it('refuses a bad name, namespace, --tail or --since, and --previous with --follow', () => {
    expect(() => toOptions({ name: 'a b' })).toThrow(/^invalid instance name "a b": give the Deployment name/);
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(() => toOptions({ tail: '-3' })).toThrow('invalid --tail "-3": a number of lines, 0 or more');
    expect(() => toOptions({ tail: 'abc' })).toThrow('invalid --tail "abc": a number of lines, 0 or more');
    expect(() => toOptions({ since: 'yesterday' })).toThrow('invalid --since "yesterday": use a duration such as 90s, 5m or 1h');
    expect(() => toOptions({ since: '0s' })).toThrow('invalid --since "0s": it must be greater than zero');
    expect(() => toOptions({ previous: true, follow: true })).toThrow('--previous and --follow cannot be used together: the previous container has ended');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['logs', 'acme', '--since', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --since "yesterday": use a duration such as 90s, 5m or 1h');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
