// HostAccess over SSH for machines without the agent or without Kubernetes: every fact is read with a
// plain POSIX shell command (cat, ls, head, readlink, stat, blkid, lsblk, pvs), so the machine needs no
// Node.js. Host keys are checked against known_hosts before anything is sent.
import type { Client as SshClientType, ConnectConfig } from 'ssh2';
import type { Probe } from '../../lib/nodes/facts.js';
import { shellQuote, type ExecOutcome, type HostAccess } from '../../lib/nodes/hostAccess.js';
import { verifyHostKeyWithFile } from './knownHosts.js';

export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

/** "root@HOST", "root@HOST:2222", "root@[::1]:2222"; the user defaults to root. */
export function parseSshTarget(spec: string): SshTarget | undefined {
  const m = /^(?:([A-Za-z0-9._-]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(spec);
  if (!m) return undefined;
  const port = m[3] ? Number(m[3]) : 22;
  if (port < 1 || port > 65535) return undefined;
  return { user: m[1] ?? 'root', host: m[2].replace(/^\[|\]$/g, ''), port };
}

export interface SshConnectOptions {
  privateKey?: Buffer;
  passphrase?: string;
  agentSocket?: string;
  knownHostsFile: string;
  acceptNewHostKey: boolean;
  timeoutMs: number;
  /** Called when an unknown host key was added to known_hosts. */
  onHostKeyAdded?: (target: SshTarget) => void;
}

type RunResult = { code: number | null; stdout: Buffer; stderr: string; error?: string };

export interface SshSession {
  host: HostAccess;
  close(): void;
}

const ENV_PREFIX = 'export LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1 PATH="$PATH:/usr/sbin:/sbin"';

/**
 * O_EXCL open of a block device (open(2): EBUSY while it is mounted, held by device-mapper/md, or open
 * exclusively by another process), the check ceph-volume calls `locked`. No shell builtin can make that
 * open (redirections and flock(1) open without O_EXCL), so it is perl's sysopen, which perl-base (an
 * Essential package on Debian and Ubuntu) always has, else python3's os.open. Read-only, no I/O. When
 * busy, the processes that have the device open (from /proc/PID/fd) are named.
 */
export function exclusiveOpenScript(path: string): string {
  // Three tries 100 ms apart, as the agent does: only a holder that stays makes the device "locked".
  const perl = `perl -MFcntl -e 'for my $i (1..3) { if (sysopen(my $f, $ARGV[0], O_RDONLY|O_EXCL)) { print "free\\n"; exit 0 } last unless $!{EBUSY}; select(undef, undef, undef, 0.1) if $i < 3 } if ($!{EBUSY}) { print "busy: EBUSY"; exit 0 } print STDERR "$!\\n"; exit 1' "$p"`;
  const python = `python3 -c 'import errno, os, sys, time
for i in range(3):
    try:
        os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)); print("free"); sys.exit(0)
    except OSError as e:
        if e.errno != errno.EBUSY: sys.exit(e.strerror)
    if i < 2: time.sleep(0.1)
sys.stdout.write("busy: EBUSY")' "$p"`;
  const openers = `for f in $(find /proc/[0-9]*/fd -lname "$p" 2>/dev/null); do pid=\${f#/proc/}; pid=\${pid%%/*}; printf ' %s(%s)' "$(cat /proc/$pid/comm 2>/dev/null)" "$pid"; done`;
  return [
    `p=${shellQuote(path)}`,
    `if command -v perl >/dev/null 2>&1; then r=$(T 5 ${perl}) || exit 1; elif command -v python3 >/dev/null 2>&1; then r=$(T 5 ${python}) || exit 1; else echo 'neither perl nor python3 is installed on the node' >&2; exit 127; fi`,
    `case "$r" in busy*) o=$(${openers}); printf '%s%s\\n' "$r" "\${o:+; open by$o}";; *) printf '%s\\n' "$r";; esac`,
  ].join('\n');
}

export async function connectSsh(SshClient: new () => SshClientType, target: SshTarget, opts: SshConnectOptions): Promise<SshSession> {
  const client = new SshClient();
  let hostKeyRefusal: string | undefined;
  await new Promise<void>((resolve, reject) => {
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: opts.timeoutMs,
      privateKey: opts.privateKey,
      passphrase: opts.passphrase,
      agent: opts.privateKey ? undefined : opts.agentSocket,
      hostVerifier: (key: Buffer) => {
        const d = verifyHostKeyWithFile(opts.knownHostsFile, target.host, target.port, key, opts.acceptNewHostKey);
        if (!d.accept) hostKeyRefusal = d.reason;
        else if (d.added) opts.onHostKeyAdded?.(target);
        return d.accept;
      },
    };
    client.once('ready', () => resolve());
    client.once('error', (e: Error & { level?: string }) => {
      if (hostKeyRefusal) return reject(new Error(`${hostKeyRefusal}${opts.acceptNewHostKey ? '' : `; check the fingerprint and pass --accept-new-host-key to trust it`} (known_hosts: ${opts.knownHostsFile})`));
      if (e.level === 'client-authentication') return reject(new Error(`${target.user}@${target.host}:${target.port} refused the key (authentication failed)`));
      reject(new Error(`cannot connect to ${target.host}:${target.port}: ${e.message}`));
    });
    client.connect(config);
  });

  // Every command is a round trip and sshd starts a session for each, which costs far more than the
  // commands themselves. The collectors ask in waves (Promise.all), so all requests made in one turn of
  // the event loop go out as ONE remote script that runs them in turn and reports each one's exit code,
  // stdout and stderr with their lengths.
  type Pending = { command: string; resolve: (r: RunResult) => void };
  let queue: Pending[] = [];
  const run = (command: string): Promise<RunResult> =>
    new Promise((resolve) => {
      queue.push({ command, resolve });
      if (queue.length === 1) setImmediate(flush);
    });
  const flush = () => {
    const batch = queue;
    queue = [];
    const script = [
      ENV_PREFIX,
      'd=$(mktemp -d) || exit 97; trap \'rm -rf "$d"\' EXIT',
      'if command -v timeout >/dev/null 2>&1; then T() { timeout "$@"; }; else T() { shift; "$@"; }; fi',
      ...batch.map((p, i) => `( ${p.command} ) >"$d/${i}.o" 2>"$d/${i}.e" </dev/null; echo $? >"$d/${i}.c"`),
      `i=0; while [ $i -lt ${batch.length} ]; do printf '%s %s %s\\n' "$(cat "$d/$i.c")" "$(wc -c <"$d/$i.o")" "$(wc -c <"$d/$i.e")"; cat "$d/$i.o" "$d/$i.e"; i=$((i+1)); done`,
    ].join('\n');
    execRaw(script, opts.timeoutMs * 4).then((r) => {
      if (r.error || r.code !== 0) {
        for (const p of batch) p.resolve({ code: null, stdout: Buffer.alloc(0), stderr: r.stderr, error: r.error ?? `remote shell exited with ${r.code}: ${r.stderr.trim().slice(0, 200)}` });
        return;
      }
      let pos = 0;
      const out = r.stdout;
      for (const p of batch) {
        const nl = out.indexOf(10, pos);
        const [code, olen, elen] = out.subarray(pos, nl < 0 ? out.length : nl).toString('latin1').trim().split(/\s+/).map(Number);
        if (nl < 0 || [code, olen, elen].some((n) => !Number.isFinite(n))) {
          p.resolve({ code: null, stdout: Buffer.alloc(0), stderr: '', error: 'unreadable answer from the remote shell' });
          continue;
        }
        const stdout = out.subarray(nl + 1, nl + 1 + olen);
        const stderr = out.subarray(nl + 1 + olen, nl + 1 + olen + elen).toString('utf8');
        pos = nl + 1 + olen + elen;
        p.resolve({ code, stdout, stderr });
      }
    });
  };

  const execRaw = (command: string, timeoutMs: number): Promise<RunResult> =>
    new Promise((resolve) => {
      client.exec(command, (err, stream) => {
        if (err) return resolve({ code: null, stdout: Buffer.alloc(0), stderr: '', error: err.message });
        const out: Buffer[] = [];
        let stderr = '';
        let code: number | null = null;
        const timer = setTimeout(() => {
          stream.close();
          resolve({ code: null, stdout: Buffer.concat(out), stderr, error: 'timed out' });
        }, timeoutMs);
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('exit', (c: number | null) => (code = c));
        stream.on('close', () => {
          clearTimeout(timer);
          resolve({ code, stdout: Buffer.concat(out), stderr });
        });
      });
    });

  const fileError = (stderr: string, code: number | null, error?: string): Probe => {
    if (error) return { ok: false, error };
    if (/No such file or directory/.test(stderr)) return { ok: false, error: 'ENOENT' };
    if (/Permission denied|Operation not permitted/.test(stderr)) return { ok: false, error: 'EACCES' };
    return { ok: false, error: `exit ${code}: ${stderr.trim().slice(0, 200)}` };
  };
  const q = shellQuote;

  const host: HostAccess = {
    async exec(argv, o = {}) {
      // T runs "timeout N" where coreutils has it, so one hung tool cannot hold the whole batch.
      const r = await run(`T ${Math.ceil((o.timeoutMs ?? 15_000) / 1000)} ${argv.map(q).join(' ')}`);
      const outcome: ExecOutcome = { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
      if (r.error) outcome.error = r.error;
      if (r.code === 127) outcome.missing = true;
      return outcome;
    },
    async readText(path) {
      const r = await run(`cat -- ${q(path)}`);
      return r.code === 0 ? { ok: true, out: r.stdout.toString('utf8') } : fileError(r.stderr, r.code, r.error);
    },
    async readHead(path, bytes, offset = 0) {
      // dd's skip counts blocks of bs bytes; POSIX dd reports its record counts on stderr.
      const r = await run(offset ? `dd if=${q(path)} bs=${Number(bytes)} skip=${Math.floor(offset / bytes)} count=1` : `head -c ${Number(bytes)} -- ${q(path)}`);
      return r.code === 0 ? { ok: true, out: r.stdout.toString('base64') } : fileError(r.stderr, r.code, r.error);
    },
    async list(dir) {
      const r = await run(`ls -1A -- ${q(dir)}`);
      return r.code === 0 ? { ok: true, out: r.stdout.toString('utf8').trim() } : fileError(r.stderr, r.code, r.error);
    },
    async realpath(path) {
      const r = await run(`readlink -e -- ${q(path)}`);
      return r.code === 0 ? { ok: true, out: r.stdout.toString('utf8').trim() } : fileError(r.stderr || 'No such file or directory', r.code, r.error);
    },
    async statDevice(path) {
      const p = q(path);
      const r = await run(`if [ -b ${p} ]; then stat -L -c 'block %t %T' -- ${p}; elif [ -e ${p} ]; then echo other; else echo missing; fi`);
      if (r.code !== 0) return fileError(r.stderr, r.code, r.error);
      const f = r.stdout.toString('utf8').trim().split(/\s+/);
      // stat prints major and minor in hexadecimal.
      return { ok: true, out: f[0] === 'block' ? `block ${parseInt(f[1], 16)} ${parseInt(f[2], 16)}` : f[0] };
    },
    async exclusiveOpen(path) {
      const r = await run(exclusiveOpenScript(path));
      if (r.code === 127) return { ok: false, error: r.stderr.trim() || 'neither perl nor python3 is installed on the node', missing: true };
      return r.code === 0 ? { ok: true, out: r.stdout.toString('utf8').trim() } : fileError(r.stderr, r.code, r.error);
    },
    async links(dir) {
      const d = q(dir);
      const r = await run(`[ -d ${d} ] || { echo 'No such file or directory' >&2; exit 1; }; for f in ${d}/*; do [ -L "$f" ] && printf '%s\\t%s\\n' "\${f##*/}" "$(readlink -f -- "$f")"; done; true`);
      return r.code === 0 ? { ok: true, out: r.stdout.toString('utf8') } : fileError(r.stderr, r.code, r.error);
    },
  };
  return { host, close: () => client.end() };
}
