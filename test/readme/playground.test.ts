// `npm run cluster` as the README gives it: the bundle it builds starts, serves the kubectl the README
// points at it, runs the node agent `agent install` puts on its nodes, and stops on the Ctrl-C it names
// (by the PID it prints).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOdoo, ROOT } from '../harness/plugin.js';
import { INSTALLER_CONTEXT } from '../cluster/index.js';
import { waitFor } from '../harness/waitFor.js';

const dir = mkdtempSync(join(tmpdir(), 'playground-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run cluster', () => {
  it('starts from its bundle, answers kubectl and the plugin, and stops on kill -INT <the pid it prints>', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/cluster.mjs'), '--dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const kubeconfig = await waitFor('the playground to print its kubeconfig', () => /^kubeconfig: (\S+)$/m.exec(out)?.[1], 120_000).catch((e) => {
        throw new Error(`${e.message}\n${out}`);
      });
      expect(out).not.toMatch(/Error|ENOENT/);
      const ns = await kubectl(['get', 'ns', '-o', 'name'], { kubeconfig });
      expect(ns.stdout).toContain('namespace/saasodoo');
      const list = await kubectlOdoo(['list'], { kubeconfig });
      expect(list.code, list.stderr).toBe(0);
      // The bundle runs the node agent on every node, each in its node's network, with its token filled.
      const install = await kubectlOdoo(['agent', 'install'], { kubeconfig, context: INSTALLER_CONTEXT });
      expect(install.code, install.stderr).toBe(0);
      expect(install.stderr).not.toMatch(/has not filled the token Secret/);
      const rollout = await kubectl(['rollout', 'status', 'daemonset/odoo-node-agent', '-n', 'kubectl-odoo', '--timeout=120s'], { kubeconfig, timeoutMs: 150_000 });
      expect(rollout.code, rollout.stderr).toBe(0);
      const check = await kubectlOdoo(['nodes', 'check', '-o', 'json'], { kubeconfig });
      expect(JSON.parse(check.stdout).nodes.map((n: any) => [n.node, n.source, n.error])).toEqual(['node-1', 'node-2', 'node-3'].map((n) => [n, 'agent', undefined]));
      const pid = Number(/kill -INT (\d+)/.exec(out)?.[1]);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
