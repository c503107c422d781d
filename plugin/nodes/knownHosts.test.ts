import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { checkHostKey, knownHostsName } from './knownHosts.js';

// An ssh-ed25519 public key blob: string "ssh-ed25519" + 32-byte key.
const blob = (fill: number) => {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, fill);
  const b = Buffer.alloc(4 + type.length + 4 + key.length);
  b.writeUInt32BE(type.length, 0);
  type.copy(b, 4);
  b.writeUInt32BE(32, 4 + type.length);
  key.copy(b, 8 + type.length);
  return b;
};
const KEY = blob(1);
const OTHER = blob(2);
const line = (host: string, k = KEY) => `${host} ssh-ed25519 ${k.toString('base64')}`;
const hashed = (name: string) => {
  const salt = Buffer.alloc(20, 7);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('checkHostKey', () => {
  it.each([
    { name: 'plain host on port 22', text: line('node1.example'), host: 'node1.example', port: 22, accept: true },
    { name: 'one of several names', text: line('10.0.0.1,node1'), host: 'node1', port: 22, accept: true },
    { name: '[host]:port for other ports', text: line('[127.0.0.1]:2222'), host: '127.0.0.1', port: 2222, accept: true },
    { name: 'port 22 entry does not cover port 2222', text: line('127.0.0.1'), host: '127.0.0.1', port: 2222, accept: false, reason: /is not in known_hosts/ },
    { name: 'hashed host name', text: line(hashed('node1')), host: 'node1', port: 22, accept: true },
    { name: 'wildcard', text: line('*.example'), host: 'node7.example', port: 22, accept: true },
    { name: 'negated pattern', text: line('*.example,!bad.example'), host: 'bad.example', port: 22, accept: false, reason: /is not in known_hosts/ },
    { name: 'different key', text: `# comment\n${line('node1', OTHER)}`, host: 'node1', port: 22, accept: false, reason: /^HOST KEY MISMATCH for node1: known_hosts line 2 has a different key/ },
    { name: 'revoked key', text: `@revoked ${line('node1')}`, host: 'node1', port: 22, accept: false, reason: /marked @revoked/ },
    { name: 'unknown host', text: '', host: 'node1', port: 22, accept: false, reason: /^the host key of node1 \(ssh-ed25519 SHA256:[A-Za-z0-9+/]+\) is not in known_hosts$/ },
  ])('$name', (c) => {
    const d = checkHostKey(c.text, c.host, c.port, KEY);
    expect(d.accept).toBe(c.accept);
    if (!d.accept) expect(d.reason).toMatch(c.reason!);
  });

  it('names hosts as ssh does', () => {
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('h', 2222)).toBe('[h]:2222');
  });
});
