// Reading and replacing odoo.conf inside a pod. The new content travels on stdin to a constant script;
// the path and the expected checksum of the old content are its only arguments, so no value from a
// user ever becomes shell text (the platform's `cat > odoo.conf <<'EOF'` broke on a value containing EOF).
import { createHash } from 'node:crypto';
import { ConflictError, FailureError, NotFoundError } from '../../lib/errors.js';
import type { PodExec } from '../storage/podExec.js';

export interface PodTarget {
  namespace: string;
  pod: string;
  container?: string;
}

const CHANGED_SINCE_READ = 75;

/**
 * $1 = file, $2 = sha256 of the content it must still have. Writes stdin to a temporary file in the same
 * directory, gives it the owner and mode of the file, keeps the old file as <file>.bak, then renames
 * the new one over it (atomic on the same file system: Odoo never reads a half-written file).
 */
export const REPLACE_FILE_SCRIPT = [
  'set -eu',
  'target="$1"; expected="$2"',
  'current="$(sha256sum < "$target")"; current="${current%% *}"',
  `[ "$current" = "$expected" ] || { echo "the file changed since it was read" >&2; exit ${CHANGED_SINCE_READ}; }`,
  'tmp="$(mktemp "$target.XXXXXX")"',
  'trap \'rm -f "$tmp"\' EXIT',
  'cat > "$tmp"',
  'owner="$(stat -c %u:%g "$target")"; mode="$(stat -c %a "$target")"',
  'chown "$owner" "$tmp" 2>/dev/null || [ "$(stat -c %u:%g "$tmp")" = "$owner" ] || { echo "cannot give the new file the owner $owner" >&2; exit 1; }',
  'chmod "$mode" "$tmp"',
  'cp -p "$target" "$target.bak"',
  'mv -f "$tmp" "$target"',
  'trap - EXIT',
].join('\n');

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function readPodFile(exec: PodExec, target: PodTarget, path: string): Promise<string> {
  const r = await exec({ ...target, command: ['cat', '--', path] });
  if (r.exitCode !== 0) {
    const why = r.stderr.trim() || `exit code ${r.exitCode}`;
    if (/no such file/i.test(why)) throw new NotFoundError(`${path} does not exist in pod ${target.pod}`);
    throw new FailureError(`cannot read ${path} in pod ${target.pod}: ${why}`);
  }
  return r.stdout;
}

export async function replacePodFile(exec: PodExec, target: PodTarget, path: string, content: string, previous: string): Promise<void> {
  const r = await exec({ ...target, command: ['sh', '-c', REPLACE_FILE_SCRIPT, 'sh', path, sha256(previous)], stdin: content });
  if (r.exitCode === CHANGED_SINCE_READ) {
    throw new ConflictError(`${path} was changed by someone else while it was being edited; nothing was written`, { hint: 'run the command again' });
  }
  if (r.exitCode !== 0) throw new FailureError(`writing ${path} in pod ${target.pod} failed: ${r.stderr.trim() || `exit code ${r.exitCode}`}; the file is unchanged`);
}
