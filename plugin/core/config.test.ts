import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DEFAULT_CONFIG, loadPluginConfig } from './config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kco-cfg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (text: string) => {
  const p = join(dir, 'config.yaml');
  writeFileSync(p, text);
  return loadPluginConfig({ KUBECTL_ODOO_CONFIG: p });
};

describe('config file', () => {
  it('defaults when the default path has no file', () => {
    expect(loadPluginConfig({ XDG_CONFIG_HOME: dir })).toEqual(DEFAULT_CONFIG);
  });
  it('overrides defaults and merges nested settings', () => {
    const c = load('namespace: tenants\nretry: {maxAttempts: 2}\ndevices: /dev/sdb1\n');
    expect(c.namespace).toBe('tenants');
    expect(c.retry).toEqual({ maxAttempts: 2, baseDelayMs: DEFAULT_CONFIG.retry.baseDelayMs });
    expect(c.devices).toEqual(['/dev/sdb1']);
  });
  it.each([
    ['namepsace: x\n', /unknown key "namepsace" \(did you mean "namespace"\?\)/],
    ['replication: three\n', /"replication" must be a number, not string/],
    ['retry: 3\n', /"retry" must be a mapping, not number/],
    ['- a\n- b\n', /must be a YAML mapping/],
    ['namespace: [\n', /is not valid YAML/],
  ])('refuses %j', (text, msg) => {
    expect(() => load(text)).toThrowError(msg);
  });
  it('a KUBECTL_ODOO_CONFIG that does not exist is an error', () => {
    expect(() => loadPluginConfig({ KUBECTL_ODOO_CONFIG: join(dir, 'nope.yaml') })).toThrowError(/does not exist/);
  });
});
