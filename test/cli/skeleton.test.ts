// The CLI skeleton as a user meets it: through the real kubectl binary with the built plugin on PATH.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DIST, kubectl, kubectlOdoo, pluginEnv } from '../harness/plugin.js';

describe('kubectl finds the plugin', () => {
  it('kubectl plugin list shows kubectl-odoo', async () => {
    const r = await kubectl(['plugin', 'list']);
    expect(r.stdout).toContain(join(DIST, 'kubectl-odoo'));
  });

  it('kubectl odoo --help lists the commands with "kubectl odoo" usage', async () => {
    const r = await kubectlOdoo(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kubectl odoo <command> \[flags\]/);
    expect(r.stdout).toContain('kubectl odoo version');
    expect(r.stdout).toContain('--kubeconfig');
    expect(r.stdout).toContain('--all-namespaces');
  });

  it('the fast --help is the same text the full parser prints', async () => {
    const fast = await kubectlOdoo(['--help']);
    const full = await kubectlOdoo(['--help', '--color', 'never']);
    expect(full.code).toBe(0);
    expect(fast.stdout).toBe(full.stdout);
  });

  it('version --client prints plugin, client-node and Node.js versions without a cluster', async () => {
    const r = await kubectlOdoo(['version', '--client']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Plugin Version:\s+v\d+\.\d+\.\d+/);
    expect(r.stdout).toMatch(/client-node Version:\s+1\.4\.\d+/);
    const json = await kubectlOdoo(['version', '--client', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ clientNode: expect.stringMatching(/^1\.4\./), node: process.version });
    const yaml = await kubectlOdoo(['version', '--client', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^plugin: /m);
  });

  it('version without a reachable server still prints the client side and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kco-kc-'));
    try {
      const kc = join(dir, 'config');
      writeFileSync(kc, 'apiVersion: v1\nkind: Config\ncurrent-context: dead\nclusters:\n- name: dead\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: dead\n  context: {cluster: dead, user: u}\n');
      const r = await kubectlOdoo(['version'], { kubeconfig: kc, env: { KUBECTL_ODOO_CONFIG: join(dir, 'kco.yaml') } , stdin: '' }).catch((e) => e);
      // KUBECTL_ODOO_CONFIG pointing at a missing file is bad usage; the default path is fine.
      expect(r.code).toBe(2);
      writeFileSync(join(dir, 'kco.yaml'), 'retry: {maxAttempts: 1}\n');
      const ok = await kubectlOdoo(['version'], { kubeconfig: kc, env: { KUBECTL_ODOO_CONFIG: join(dir, 'kco.yaml') } });
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('Plugin Version');
      expect(ok.stderr).toMatch(/Server Version: unavailable: the connection to the server 127\.0\.0\.1:1 was refused/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad usage is exit 2 with one line', () => {
  it.each([
    [['frobnicate'], /^error: unknown command "frobnicate" for "kubectl odoo"\nRun "kubectl odoo --help" for the commands\.$/m],
    [['-n', 'x', 'lsit'], /unknown command "lsit" for "kubectl odoo"\nDid you mean "list"\? Run/],
    [['version', '--nope'], /^error: unknown flag: --nope$/m],
    [['version', '-o', 'xml'], /^error: invalid value "xml" for --output: use one of table, json, yaml$/m],
    [['list', '-o', 'xml'], /^error: invalid value "xml" for --output: use one of table, wide, json, yaml, name$/m],
    [['status', 'acme', '-o', 'xml'], /^error: invalid value "xml" for --output: use one of table, json, yaml$/m],
    [['maintenance', 'bogus', 'acme'], /^error: unknown command "bogus" for "kubectl odoo maintenance"\nRun "kubectl odoo maintenance --help" for its commands\.$/m],
    [['config', 'gte', 'acme'], /^error: unknown command "gte" for "kubectl odoo config"\nDid you mean "get"\? Run "kubectl odoo config --help" for its commands\.$/m],
    [['-n', 'x', 'agent', 'stauts'], /^error: unknown command "stauts" for "kubectl odoo agent"\nDid you mean "status"\?/m],
    [['create'], /^error: missing required argument: usage is "kubectl odoo create <name>"\nSee "kubectl odoo create --help" for usage\.$/m],
    [['create', 'acme', '--storage', '-5Gi'], /^error: invalid value "-5Gi" for --storage: sizes and quantities cannot be negative\nSee "kubectl odoo create --help" for usage\.$/m],
    [['version', '--client', '-o', 'name'], /^error: -o name is not supported by "kubectl odoo version": use -o table or -o json or -o yaml$/m],
    [['completion', 'bash', '-o', 'json'], /-o json is not supported by "kubectl odoo completion"/],
    [['completion', 'powershell'], /unsupported shell "powershell": use bash, zsh or fish/],
    [['--color', 'sometimes', 'version'], /invalid value "sometimes" for --color: use one of auto, always, never/],
  ])('kubectl odoo %j', async (args, msg) => {
    const r = await kubectlOdoo(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\s+at .*\.(js|ts|mjs):\d+/);
  });

  it('a --context missing from the kubeconfig is exit 2 with the name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kco-kc-'));
    try {
      const kc = join(dir, 'config');
      writeFileSync(kc, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      const r = await kubectlOdoo(['version', '--context', 'prod'], { kubeconfig: kc });
      expect(r.code).toBe(0); // version reports the server as unavailable, it does not fail
      expect(r.stderr).toContain('context "prod" does not exist in the kubeconfig');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('completion', () => {
  it('kubectl completes plugin commands through kubectl_complete-odoo', async () => {
    const r = await kubectl(['__complete', 'odoo', 'ver']);
    expect(r.stdout.split('\n')).toContain('version\tPrint the plugin, client library and server versions');
    expect(r.stdout).toMatch(/^:4$/m);
  });

  it('completes flags and their values', async () => {
    const flags = await kubectlOdoo(['__complete', 'version', '--cl'], { direct: true });
    expect(flags.stdout.split('\n')[0]).toMatch(/^--client\t/);
    const out = await kubectlOdoo(['__complete', 'version', '-o', 'y'], { direct: true });
    expect(out.stdout).toBe('yaml\n:4\n');
  });

  it.each(['bash', 'zsh', 'fish'])('prints a %s script that calls __complete', async (shell) => {
    const r = await kubectlOdoo(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl-odoo __complete');
  });

  it('the bash script completes for real in bash', () => {
    const script = spawnSync(join(DIST, 'kubectl-odoo'), ['completion', 'bash'], { env: pluginEnv(), encoding: 'utf8' }).stdout;
    const probe = `${script}\nCOMP_WORDS=(kubectl-odoo vers); COMP_CWORD=1; _kubectl_odoo; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', probe], { env: pluginEnv(), encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('version');
  });
});

describe('colour', () => {
  it('is off when piped and under NO_COLOR, on with --color always', async () => {
    const piped = await kubectlOdoo(['--help', '--color', 'auto']);
    expect(piped.stdout).not.toContain('\u001b[');
    const bad = await kubectlOdoo(['bogus', '--color', 'always'], { env: { NO_COLOR: undefined } });
    expect(bad.code).toBe(2);
  });
});
