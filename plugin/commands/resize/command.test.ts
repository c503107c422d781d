import { describe, expect, it } from 'vitest';
import { resizeCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', wait: false, force: false, storage: '20Gi', ...over }) as Parameters<NonNullable<typeof resizeCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => resizeCommand.toOptions!(ctx, args(over));

describe('resize options', () => {
  it('takes the platform\'s 20G as 20Gi, the namespace from -n and the wait timeout from the config', () => {
    const o = toOptions({ storage: '20G', wait: true }, optionsContext({ globals: { namespace: 'shop' }, config: { waitTimeout: '90s' } }));
    expect(o).toMatchObject({ name: 'acme', namespace: 'shop', size: '20Gi', wait: true, dryRun: undefined, timeoutMs: 90_000 });
  });

  it('refuses a missing, negative or oversized size, and --wait with --dry-run', () => {
    expect(() => toOptions({ storage: undefined })).toThrow('--storage is required: the new size, e.g. --storage 20Gi');
    expect(() => toOptions({ storage: '-5Gi' })).toThrow(/^invalid --storage "-5Gi": use a size such as 10Gi/);
    expect(() => toOptions({ storage: '32Ti' })).toThrow(/maxStorage/);
    expect(toOptions({ storage: '32Ti', force: true }).size).toBe('32Ti');
    expect(() => toOptions({ dryRun: 'client', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing changes that could be waited for');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['resize', 'acme', '--storage', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: invalid --storage "lots": use a size such as 10Gi or 500Mi (the platform's 10G means 10Gi)`);
    expect(r.contacted).toBe(0);
  });
});
