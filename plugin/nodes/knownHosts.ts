// Host key checking against an OpenSSH known_hosts file, as `ssh` does: plain and hashed (|1|salt|hash)
// host names, [host]:port for non-standard ports, simple wildcards, @revoked markers. An unknown host is
// refused unless the caller explicitly accepts new keys (StrictHostKeyChecking=accept-new), and then
// its key is appended; a changed key is always refused.
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type HostKeyDecision = { accept: true; added?: boolean } | { accept: false; reason: string };

/** The name ssh looks up: "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type named inside an SSH public key blob (e.g. "ssh-ed25519"). */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function hostPatternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

export function checkHostKey(knownHostsText: string, host: string, port: number, key: Buffer): HostKeyDecision {
  const name = knownHostsName(host, port);
  const b64 = key.toString('base64');
  let knownOther: number | undefined;
  const lines = knownHostsText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0].startsWith('@')) {
      marker = fields[0];
      fields = fields.slice(1);
    }
    if (fields.length < 3 || marker === '@cert-authority') continue;
    const patterns = fields[0].split(',');
    if (patterns.some((p) => p.startsWith('!') && hostPatternMatches(p.slice(1), name))) continue;
    if (!patterns.some((p) => !p.startsWith('!') && hostPatternMatches(p, name))) continue;
    if (fields[2] === b64) {
      if (marker === '@revoked') return { accept: false, reason: `the host key of ${name} is marked @revoked in known_hosts (line ${i + 1})` };
      return { accept: true };
    }
    knownOther ??= i + 1;
  }
  if (knownOther !== undefined) {
    return {
      accept: false,
      reason: `HOST KEY MISMATCH for ${name}: known_hosts line ${knownOther} has a different key; the offered key is ${keyTypeOf(key)} ${fingerprint(key)} (someone may be intercepting the connection, or the host was reinstalled)`,
    };
  }
  return { accept: false, reason: `the host key of ${name} (${keyTypeOf(key)} ${fingerprint(key)}) is not in known_hosts` };
}

/** Checks a host key against a known_hosts file; with acceptNew, an unknown host's key is added. */
export function verifyHostKeyWithFile(file: string, host: string, port: number, key: Buffer, acceptNew: boolean): HostKeyDecision {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const decision = checkHostKey(text, host, port, key);
  if (decision.accept || !acceptNew || /MISMATCH|revoked/.test(decision.reason)) return decision;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${knownHostsName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
  return { accept: true, added: true };
}
