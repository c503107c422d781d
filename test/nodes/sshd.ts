// A real sshd on a loopback port for `nodes check --ssh`, with a generated host key and user key, in
// the foreground so the PID we hold is sshd's own and stop() ends exactly it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

export interface Sshd {
  port: number;
  /** The user's private key (-i). */
  userKey: string;
  /** The host's public key line. */
  hostPub: string;
  hostPubFile: string;
  /** root@127.0.0.1:PORT */
  target: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** `extraConfig`: more sshd_config lines (e.g. the sftp Subsystem for an rclone SFTP remote). */
export async function startSshd(dir: string, extraConfig: string[] = []): Promise<Sshd> {
  if (!SSHD) throw new Error('sshd is missing: scripts/test-deps.sh installs openssh-server');
  mkdirSync(dir, { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'user_ed25519')]);
  const userKey = join(dir, 'user_ed25519');
  const hostPubFile = join(dir, 'host_ed25519.pub');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      ...extraConfig,
    ].join('\n') + '\n',
  );
  mkdirSync('/run/sshd', { recursive: true });
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr!.on('data', (d) => (log += d));
  const stop = async () => {
    if (sshd.exitCode !== null || sshd.signalCode !== null) return;
    const exited = new Promise((r) => sshd.once('exit', r));
    sshd.kill('SIGTERM');
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`sshd did not start: ${log}`)), 10_000);
      const poll = setInterval(() => {
        if (/Server listening/.test(log)) {
          clearTimeout(t);
          clearInterval(poll);
          resolve();
        }
      }, 50);
      sshd.once('exit', (c) => {
        clearTimeout(t);
        clearInterval(poll);
        reject(new Error(`sshd exited with ${c}: ${log}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, userKey, hostPub: readFileSync(hostPubFile, 'utf8').trim(), hostPubFile, target: `root@127.0.0.1:${port}`, stop };
}
