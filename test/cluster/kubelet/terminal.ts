// A terminal for `exec -t`: the command runs on a pseudo-terminal, as runc gives a container process
// with tty=true, so `test -t`, line editing and job control work and stdout/stderr arrive merged. Node
// has no pty of its own, so a small constant Python program (Debian's python3) makes one: it relays
// stdin/stdout to the pty, applies the window sizes the client sends (one JSON object a line on fd 3,
// as channel 4 carries them), and exits with the command's status.
export const PYTHON = '/usr/bin/python3';

const PROGRAM = String.raw`
import errno, fcntl, json, os, pty, select, struct, sys, termios
pid, master = pty.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    except OSError as e:
        sys.stderr.write("%s: %s\n" % (sys.argv[1], e.strerror))
        os._exit(127)
fds = [0, master, 3]
pending = b""
while True:
    try:
        r, _, _ = select.select(fds, [], [])
    except InterruptedError:
        continue
    if master in r:
        try:
            data = os.read(master, 65536)
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            os.write(master, data)
        else:
            fds.remove(0)
            os.write(master, b"\x04")
    if 3 in r:
        data = os.read(3, 4096)
        if not data:
            fds.remove(3)
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            try:
                size = json.loads(line)
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(size["Height"]), int(size["Width"]), 0, 0))
            except (ValueError, KeyError, OSError):
                pass
_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

/** argv that runs `command` on a new pseudo-terminal (fd 3 takes window sizes). */
export function onTerminal(command: string[]): string[] {
  return [PYTHON, '-c', PROGRAM, ...command];
}
