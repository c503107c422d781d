import { describe, expect, it } from 'vitest';
import { setResourcesCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', wait: false, cpu: '2', memory: '4Gi', ...over }) as Parameters<NonNullable<typeof setResourcesCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => setResourcesCommand.toOptions!(ctx, args(over));

describe('set-resources options', () => {
  it('takes the CPU and memory as given, the namespace from -n and the wait timeout from the config', () => {
    expect(toOptions({ cpu: '500m', memory: '1G', wait: true }, optionsContext({ globals: { namespace: 'shop' }, config: { waitTimeout: '90s' } }))).toEqual({
      name: 'acme',
      namespace: 'shop',
      dryRun: undefined,
      timeoutMs: 90_000,
      change: { cpu: '500m', memory: '1G' },
      wait: true,
    });
    const onlyCpu = toOptions({ memory: undefined, dryRun: 'server' }, optionsContext({ config: { namespace: 'odoo-prod' } }));
    expect(onlyCpu).toMatchObject({ namespace: 'odoo-prod', dryRun: 'server', timeoutMs: 600_000, change: { cpu: '2', memory: undefined } });
    expect(toOptions({ cpu: undefined, memory: ' 512Mi ' }).change).toEqual({ cpu: undefined, memory: '512Mi' });
  });

  it('refuses no change, a bad CPU or memory, a bad name or timeout, and --wait with --dry-run', () => {
    expect(() => toOptions({ cpu: undefined, memory: undefined })).toThrow('set-resources needs --cpu and/or --memory (e.g. --cpu 2 --memory 4Gi)');
    expect(() => toOptions({ cpu: 'fast' })).toThrow('invalid --cpu "fast": use cores such as 2 or 0.5, or millicores such as 500m');
    expect(() => toOptions({ cpu: '0' })).toThrow('invalid --cpu "0": CPU must be greater than zero');
    expect(() => toOptions({ memory: '2 GB' })).toThrow('invalid --memory "2 GB": use a size such as 2Gi or 512Mi');
    expect(() => toOptions({ memory: '512Ki' })).toThrow('invalid --memory "512Ki": Odoo needs far more than 1Mi; use a size such as 2Gi');
    expect(() => toOptions({ name: 'ac me' })).toThrow(/^invalid instance name "ac me": give the Deployment name/);
    expect(() => toOptions({ timeout: 'soon' })).toThrow('invalid --timeout "soon": use a duration such as 90s, 5m or 1h');
    expect(() => toOptions({ dryRun: 'client', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing changes that could be waited for');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['set-resources', 'acme', '--cpu', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --cpu "fast": use cores such as 2 or 0.5, or millicores such as 500m');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
