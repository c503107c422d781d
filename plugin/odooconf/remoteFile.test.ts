import { describe, expect, it, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPodFile, replacePodFile } from './remoteFile.js';
import type { PodExec } from '../storage/podExec.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';

// Runs the command on this machine as the pod would: argv as given, stdin piped.
const localExec: PodExec = (req) =>
  new Promise((resolve, reject) => {
    const child = spawn(req.command[0], req.command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
    // A command that does not read its stdin (cat of a missing file) may exit before we finish writing.
    child.stdin.on('error', () => undefined);
    child.stdin.end(req.stdin ?? '');
  });

const target = { namespace: 'ns', pod: 'p' };
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('replacePodFile', () => {
  it('replaces atomically, keeps owner, mode and a .bak, and leaves no temp file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'conf-'));
    const file = join(dir, 'odoo.conf');
    writeFileSync(file, '[options]\nold = 1\n');
    chmodSync(file, 0o640);
    chownSync(file, 101, 101);
    const hostile = '[options]\nx = EOF\ny = $(touch ' + join(dir, 'pwned') + ') `id` \'"\nz = Ünï ☃\n';
    await replacePodFile(localExec, target, file, hostile, '[options]\nold = 1\n');
    expect(readFileSync(file, 'utf8')).toBe(hostile);
    expect(readFileSync(file + '.bak', 'utf8')).toBe('[options]\nold = 1\n');
    const st = statSync(file);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o640, 101, 101]);
    expect(readdirSync(dir).sort()).toEqual(['odoo.conf', 'odoo.conf.bak']);
  });

  it('writes nothing when the file changed since it was read', async () => {
    dir = mkdtempSync(join(tmpdir(), 'conf-'));
    const file = join(dir, 'odoo.conf');
    writeFileSync(file, 'changed by Odoo\n');
    await expect(replacePodFile(localExec, target, file, 'new\n', 'what we read\n')).rejects.toBeInstanceOf(ConflictError);
    expect(readFileSync(file, 'utf8')).toBe('changed by Odoo\n');
    expect(readdirSync(dir)).toEqual(['odoo.conf']);
  });

  it('reads a file and reports a missing one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'conf-'));
    writeFileSync(join(dir, 'odoo.conf'), 'a\n');
    expect(await readPodFile(localExec, target, join(dir, 'odoo.conf'))).toBe('a\n');
    await expect(readPodFile(localExec, target, join(dir, 'nope'))).rejects.toBeInstanceOf(NotFoundError);
  });
});
