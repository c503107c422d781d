// `npm run cluster` as the README gives it: the bundle it builds starts, serves the kubectl the README
// points at it, and stops on the Ctrl-C it names (by the PID it prints).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOdoo, ROOT } from '../harness/plugin.js';
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
      const pid = Number(/kill -INT (\d+)/.exec(out)?.[1]);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
