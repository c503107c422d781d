// A flag that takes a value is refused without one, as kubectl refuses it: `delete NAME -n --yes` must
// not run in the default namespace. A bare --dry-run takes no value from the word after it.
import { describe, expect, it } from 'vitest';
import { runWithoutCluster } from '../harness/inProcess.js';
import { bareDryRun } from '../../plugin/cli/app.js';

describe('flags that take a value', () => {
  it.each([
    [['delete', 'acme', '--yes', '-n'], '-n'],
    [['stop', 'acme', '-n', '--dry-run', '-o', 'json'], '-n'],
    [['status', 'acme', '-o'], '-o'],
    [['status', 'acme', '--context'], '--context'],
    [['list', '--kubeconfig'], '--kubeconfig'],
    [['list', '--sort'], '--sort'],
    [['storage', '--sort'], '--sort'],
    [['shell', 'acme', '-c'], '-c'],
    [['logs', 'acme', '--tail'], '--tail'],
    [['list', '--customer'], '--customer'],
    [['nodes', 'check', '--ssh'], '--ssh'],
    [['resize', 'acme', '--storage'], '--storage'],
  ])('%j is refused with exit 2 before the cluster is contacted', async (argv, flag) => {
    const r = await runWithoutCluster(argv);
    expect(r.code).toBe(2);
    expect(r.firstLine).toBe(`error: flag needs an argument: ${flag}`);
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});

describe('a bare --dry-run', () => {
  it('leaves the word after it to the command, and keeps client, server and none as its value', () => {
    expect(bareDryRun(['stop', '--dry-run', 'acme'])).toEqual(['stop', '--dry-run=client', 'acme']);
    expect(bareDryRun(['stop', 'acme', '--dry-run'])).toEqual(['stop', 'acme', '--dry-run=client']);
    expect(bareDryRun(['stop', '--dry-run', 'server', 'acme'])).toEqual(['stop', '--dry-run', 'server', 'acme']);
    expect(bareDryRun(['stop', '--dry-run', 'none', 'acme'])).toEqual(['stop', '--dry-run', 'none', 'acme']);
    expect(bareDryRun(['shell', 'acme', '--', 'sh', '--dry-run', 'x'])).toEqual(['shell', 'acme', '--', 'sh', '--dry-run', 'x']);
  });

  it('stop --dry-run NAME plans the stop of NAME (it reaches the cluster, instead of missing its argument)', async () => {
    const r = await runWithoutCluster(['stop', '--dry-run', 'acme']);
    expect(r.firstLine).not.toMatch(/missing required argument/);
    expect(r.contacted).toBe(1);
  });
});

describe("a command's own flag before its value", () => {
  it('nodes --agent-namespace NS reads NS as the value, not as a subcommand', async () => {
    const r = await runWithoutCluster(['nodes', '--agent-namespace', 'kubectl-odoo']);
    expect(r.firstLine).not.toMatch(/unknown command/);
    expect(r.contacted).toBe(1);
    const bad = await runWithoutCluster(['nodes', '--agent-namespace', 'Bad']);
    expect(bad.code).toBe(2);
    expect(bad.firstLine).toBe('error: invalid --agent-namespace "Bad": it must be a DNS-1123 label (lower-case letters, digits and "-")');
    expect(bad.contacted).toBe(0);
    const unknown = await runWithoutCluster(['nodes', 'bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.firstLine).toBe('error: unknown command "bogus" for "kubectl odoo nodes"');
  });
});

describe('--customer of the commands that filter by it', () => {
  it.each([['list'], ['watch'], ['backups'], ['backup']])('%s refuses a value that is no customer id', async (...cmd) => {
    for (const bad of ['a b', 'a/b', '']) {
      const r = await runWithoutCluster([...cmd, '--customer', bad]);
      expect(r.code).toBe(2);
      expect(r.firstLine).toBe(`error: --customer "${bad}" is not a valid customer id (letters, digits, ".", "_" and "-")`);
      expect(r.contacted).toBe(0);
    }
  });
});

describe('agent install --build', () => {
  it('needs the image it says is built', async () => {
    const r = await runWithoutCluster(['agent', 'install', '--build']);
    expect(r.code).toBe(2);
    expect(r.firstLine).toBe('error: --build needs the image built from agent/Dockerfile: give it with --image (or agentImage in the config file)');
    expect(r.contacted).toBe(0);
  });
});

describe('migrate-storage sizes and classes', () => {
  it('refuses a size above maxStorage without --force, and a StorageClass that is no name', async () => {
    const big = await runWithoutCluster(['migrate-storage', 'shop', '--size', '20Ti']);
    expect(big.code).toBe(2);
    expect(big.firstLine).toBe('error: --size 20Ti is more than the maximum of 16Ti (maxStorage in the config file); add --force if you really mean 20Ti');
    expect(big.contacted).toBe(0);
    const forced = await runWithoutCluster(['migrate-storage', 'shop', '--size', '20Ti', '--force', '--dry-run']);
    expect(forced.contacted).toBe(1);
    const cls = await runWithoutCluster(['migrate-storage', 'shop', '--storage-class', 'A/B']);
    expect(cls.code).toBe(2);
    expect(cls.firstLine).toBe('error: invalid --storage-class "A/B": a StorageClass name such as rook-cephfs');
    expect(cls.contacted).toBe(0);
  });
});

describe('negative values', () => {
  it('name a negative duration as a duration, a negative size as a size', async () => {
    const d = await runWithoutCluster(['stop', 'acme', '--wait', '--timeout', '-5s']);
    expect(d.code).toBe(2);
    expect(d.firstLine).toBe('error: invalid value "-5s" for --timeout: a duration cannot be negative');
    const s = await runWithoutCluster(['resize', 'acme', '--storage', '-5Gi']);
    expect(s.firstLine).toBe('error: invalid value "-5Gi" for --storage: sizes and quantities cannot be negative');
  });
});
