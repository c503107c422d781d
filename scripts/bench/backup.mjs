// Backup and restore throughput of the backup Job scripts against plain tar in the same run:
//  - a synthetic 1 GiB Odoo data volume (BENCH_BACKUP_MB to change it): ~45% many small attachment
//    files (4-64 KiB, half compressible text, half random like images/PDFs), the rest a few large
//    random files, plus sessions/ and conf/;
//  - a real PostgreSQL with an Odoo-shaped database (one ir_attachment row per file, 100k partners);
//  - backup   = the backup script (pg_dump + tar + zstd -T0/pigz + sha256, every file flushed and read
//    back, set renamed into place) vs the read floor of the same tree, `tar cf - DIR | cat >/dev/null`
//    (target >= 0.8x), vs a proven plain copy (the tree written uncompressed, flushed and read back with
//    O_DIRECT, for reference), and vs `tar czf` of the same tree (files only, no database);
//  - restore  = the restore Job's script as the restore command runs it (checksums, extract to staging,
//    pg_restore to a scratch database, flush to disk, swap) vs `tar xzf` of the same tree (target >= 1.5x; files only,
//    nothing flushed). It excludes the safety backup the restore command takes first (a backup, measured
//    by the first figure), the Job's pod start-up, and the removal of the replaced files and database,
//    which the command runs after the instance is up again (timed separately, in the note);
//  - the volume is a fresh ext4 filesystem with a journal on a loop device, as a PVC's would be
//    (BENCH_BACKUP_FS=tmp uses the temp directory's filesystem instead; without root or mkfs.ext4 that
//    is the fallback). Both sides run on it;
//  - restore and tar xzf run BENCH_BACKUP_ROUNDS times (default 5), alternating which goes first, and
//    the medians are compared, so one noisy moment on a shared machine does not decide the figure.
// MB/s is data volume bytes / wall time. Higher is better; ratio = ours / the floor. The backup and its
// two floors run BENCH_BACKUP_RUNS times (default 3), the order rotating each round; restore and tar xzf
// BENCH_BACKUP_ROUNDS times.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { figure } from './lib/figures.mjs';

async function loadTs(root, entries) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-backup-mod-'));
  const file = join(dir, 'mod.mjs');
  const contents = entries.map(([name, path]) => `export * as ${name} from ${JSON.stringify(join(root, path))};`).join('\n');
  await build({ stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node', outfile: file, logLevel: 'error', loader: { '.sh': 'text' } });
  const mod = await import(pathToFileURL(file).href);
  rmSync(dir, { recursive: true, force: true });
  return mod;
}

/** Runs a Job script; resolves with its output and the seconds each PHASE took (until DONE). */
function runSh(script, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH, HOME: '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let partial = '';
    const phases = {};
    let phase;
    let since = performance.now();
    const mark = (next) => {
      const now = performance.now();
      if (phase) phases[phase] = (phases[phase] ?? 0) + (now - since) / 1000;
      phase = next;
      since = now;
    };
    child.stdout.on('data', (d) => {
      out += d;
      partial += d;
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (process.env.BENCH_DEBUG) process.stderr.write(`${(performance.now() / 1000).toFixed(2)} ${line.slice(0, 200)}\n`);
        const m = /^PHASE (\S+)$/.exec(line);
        if (m) mark(m[1]);
        else if (line.startsWith('DONE ')) mark(undefined);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve({ out, phases }) : reject(new Error(`script failed (${code}): ${out.split('\n').filter((l) => l.startsWith('ERROR')).join(' ') || out.slice(-500)}`))));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A fresh ext4 filesystem (with its journal, as mkfs.ext4 makes it for a PVC) on a loop device, or the
 * temp directory when that is asked for or not possible (needs root and mkfs.ext4).
 */
function benchFilesystem(sizeBytes) {
  const tmp = mkdtempSync(join(tmpdir(), 'bench-backup-'));
  const plain = { dir: tmp, kind: `temp directory (${fsType(tmp)})`, remove: () => rmSync(tmp, { recursive: true, force: true }) };
  if (process.env.BENCH_BACKUP_FS === 'tmp' || process.getuid?.() !== 0) return plain;
  const image = join(tmp, 'volume.img');
  const mnt = join(tmp, 'mnt');
  try {
    execFileSync('truncate', ['-s', String(sizeBytes), image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'ignore' });
    mkdirSync(mnt);
    execFileSync('mount', ['-o', 'loop', image, mnt], { stdio: 'ignore' });
  } catch {
    return plain;
  }
  return {
    dir: mnt,
    kind: 'ext4 on a loop device',
    remove: () => {
      try {
        execFileSync('umount', [mnt], { stdio: 'ignore' });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  };
}

function fsType(dir) {
  try {
    return execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function timed(fn) {
  const t = process.hrtime.bigint();
  return Promise.resolve(fn()).then(() => Number(process.hrtime.bigint() - t) / 1e9);
}

function makeVolume(dir, db, totalBytes) {
  const rows = [];
  const fsDir = join(dir, 'filestore', db);
  let small = 0;
  const smallBudget = totalBytes * 0.45;
  const text = Buffer.from('Invoice line; quantity 1.000; unit price 42.00; tax 21%; customer Acme Corp\n'.repeat(1000));
  const put = (content) => {
    const sha1 = createHash('sha1').update(content).digest('hex');
    mkdirSync(join(fsDir, sha1.slice(0, 2)), { recursive: true });
    writeFileSync(join(fsDir, sha1.slice(0, 2), sha1), content);
    rows.push([`${sha1.slice(0, 2)}/${sha1}`, content.length, sha1]);
  };
  for (let i = 0; small < smallBudget; i++) {
    const size = 4096 + ((i * 7919) % 61440);
    // Half compressible text (unique per file), half incompressible (images, PDFs).
    const content = i % 2 ? randomBytes(size) : Buffer.concat([Buffer.from(`doc ${i}\n`), text.subarray(0, size)]);
    put(content);
    small += size;
  }
  const large = totalBytes - small;
  const nLarge = 6;
  for (let i = 0; i < nLarge; i++) put(randomBytes(Math.floor(large / nLarge)));
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  writeFileSync(join(dir, 'sessions', 'werkzeug_1.sess'), 'x');
  mkdirSync(join(dir, 'conf'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'odoo.conf'), `[options]\ndb_name = ${db}\n`);
  return rows;
}

export async function run({ root }) {
  const mb = Number(process.env.BENCH_BACKUP_MB ?? 1024);
  const totalBytes = mb * 1024 * 1024;
  const { scripts, pgfix, naming, manifest } = await loadTs(root, [
    ['scripts', 'plugin/backups/scripts.ts'],
    ['pgfix', 'test/fixtures/postgres.ts'],
    ['naming', 'plugin/backups/naming.ts'],
    ['manifest', 'plugin/backups/manifest.ts'],
  ]);
  const rounds = Math.max(1, Number(process.env.BENCH_BACKUP_ROUNDS ?? 5));
  const backupRounds = Math.max(3, Number(process.env.BENCH_BACKUP_RUNS ?? 3));
  // Room for the volume, the tgz, the set, the staging copy and tar's output.
  const vol = benchFilesystem(Math.max(2 * 2 ** 30, totalBytes * 6));
  const work = vol.dir;
  const pg = await pgfix.startPostgres();
  try {
    const db = 'benchdb';
    const owner = 'odoo_bench';
    const password = 'bench-pass';
    await pg.createRole(owner, password, { createdb: true });
    await pg.psql(`CREATE DATABASE ${db} OWNER ${owner}`);
    const data = join(work, 'data');
    mkdirSync(data);
    const rows = makeVolume(data, db, totalBytes);
    const asOwner = { database: db, user: owner, password };
    await pg.psql(
      `CREATE TABLE ir_attachment (id serial primary key, name varchar, store_fname varchar, file_size int, checksum varchar(40), mimetype varchar);
       CREATE TABLE res_partner (id serial primary key, name varchar, email varchar, street varchar);
       INSERT INTO res_partner (name, email, street) SELECT 'Partner ' || i, 'p' || i || '@example.com', i || ' Main Street' FROM generate_series(1, 100000) i;
       CREATE TABLE ir_module_module (id serial primary key, name varchar, latest_version varchar, state varchar);
       INSERT INTO ir_module_module (name, latest_version, state) VALUES ('base', '17.0.1.3', 'installed');`,
      asOwner,
    );
    const csv = join(work, 'rows.csv');
    writeFileSync(csv, rows.map(([f, s, c], i) => `file${i},${f},${s},${c},application/octet-stream`).join('\n') + '\n');
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', `\\copy ir_attachment (name, store_fname, file_size, checksum, mimetype) FROM '${csv}' WITH (FORMAT csv)`], {
      env: { ...process.env, ...pg.env(owner, password) },
    });
    execFileSync('sync');
    const dataBytes = Number(execFileSync('du', ['-sb', data], { encoding: 'utf8' }).split('\t')[0]);
    const mbps = (secs) => dataBytes / 1e6 / secs;

    // The backup, BACKUP_ROUNDS times, beside its floors on the same tree in the same cache state: the
    // read floor (tar cf - | cat >/dev/null: reading the tree, nothing compressed or written) and tar czf.
    // The order rotates every round. Each set but the last is removed again; the restore uses the last.
    const tgz = join(work, 'plain.tgz');
    const backups = join(work, 'backups');
    mkdirSync(backups);
    const dbEnv = pg.env(owner, password, db);
    const readFloors = [];
    const durableFloors = [];
    const tarCs = [];
    const backupRuns = [];
    const backupPhases = [];
    let tgzBytes = 0;
    let ts;
    let setDir;
    const sides = [
      async () => readFloors.push(await timed(() => execFileSync('sh', ['-c', 'tar cf - -C "$1" . | cat >/dev/null', 'sh', data]))),
      // The least a proven copy needs: the tree written to the backups volume uncompressed, flushed,
      // and read back from the disk (no database, no compression, no checksum).
      async () => {
        execFileSync('sync');
        durableFloors.push(
          await timed(() =>
            execFileSync('sh', ['-c', 'tar cf - -C "$1" . > "$2" && sync "$2" && dd if="$2" iflag=direct bs=4M status=none | cat >/dev/null; rc=$?; rm -f "$2"; exit $rc', 'sh', data, join(work, 'durable.tar')]),
          ),
        );
      },
      async () => {
        rmSync(tgz, { force: true });
        execFileSync('sync');
        tarCs.push(await timed(() => execFileSync('tar', ['czf', tgz, '-C', data, '.'])));
        tgzBytes = Number(execFileSync('stat', ['-c', '%s', tgz], { encoding: 'utf8' }));
      },
      async () => {
        if (setDir) rmSync(setDir, { recursive: true, force: true });
        execFileSync('sync');
        ts = naming.formatBackupTimestamp(new Date());
        const base = manifest.buildManifestBase({ timestamp: ts, instance: 'bench', namespace: 'saasodoo', customerId: 'c', database: db, image: 'odoo:17', dataMountPath: '/var/lib/odoo', consistency: 'stop', toolVersion: 'bench' });
        backupRuns.push(
          await timed(async () => {
            const { phases } = await runSh(scripts.BACKUP_SCRIPT, { ...dbEnv, SRC_DIR: data, BACKUP_ROOT: backups, SET_PARENT: 'active/c/bench', SET_NAME: ts, MANIFEST_BASE: manifest.encodeManifestBase(base), CONSISTENCY: 'stop' });
            backupPhases.push(phases);
          }),
        );
        setDir = join(backups, 'active/c/bench', ts);
      },
    ];
    for (let i = 0; i < backupRounds; i++) for (let k = 0; k < sides.length; k++) await sides[(i + k) % sides.length]();
    const setFiles = readdirSync(setDir);
    const setBytes = setFiles.reduce((n, f) => n + Number(execFileSync('stat', ['-c', '%s', join(setDir, f)], { encoding: 'utf8' })), 0);
    const comp = /"compression":"(\w+)"/.exec(execFileSync('cat', [join(setDir, 'manifest.json')], { encoding: 'utf8' }))?.[1];

    // Restore (into the same volume, replacing it) and tar xzf (into an empty folder), in alternating
    // order, each from a flushed page cache state.
    const plainOut = join(work, 'plain-out');
    const tarXs = [];
    const restores = [];
    const phaseRuns = [];
    const baselineRound = async () => {
      mkdirSync(plainOut);
      execFileSync('sync');
      tarXs.push(await timed(() => execFileSync('tar', ['xzf', tgz, '-C', plainOut])));
      rmSync(plainOut, { recursive: true, force: true });
      execFileSync('sync');
    };
    const removals = [];
    const restoreRound = async (i) => {
      execFileSync('sync');
      const op = naming.formatBackupTimestamp(new Date(Date.now() + (i + 1) * 1000));
      const side = { DATA_DIR: data, OLD_DB: naming.sideDatabaseName(db, 'old', op), OP_ID: op.toLowerCase() };
      let phases;
      restores.push(
        await timed(async () => {
          ({ phases } = await runSh(scripts.RESTORE_SCRIPT, {
            ...dbEnv,
            ...side,
            BACKUP_ROOT: backups,
            SET_PATH: `active/c/bench/${ts}`,
            SOURCE_DB: db,
            SCRATCH_DB: naming.sideDatabaseName(db, 'restore', op),
            REPLACED: 'keep',
          }));
        }),
      );
      phaseRuns.push(phases);
      // What the command then does with the instance up.
      removals.push(await timed(() => runSh(scripts.RECOVER_SCRIPT, { ...dbEnv, ...side, MODE: 'cleanup' })));
      execFileSync('sync');
    };
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        await baselineRound();
        await restoreRound(i);
      } else {
        await restoreRound(i);
        await baselineRound();
      }
    }
    rmSync(tgz);
    const phaseNames = Object.keys(phaseRuns[0] ?? {});
    const phaseNote = phaseNames.map((p) => `${p} ${median(phaseRuns.map((r) => r[p] ?? 0)).toFixed(2)}s`).join(', ');
    const secs = (xs) => xs.map((x) => x.toFixed(1)).join('/');
    const gib = (dataBytes / 2 ** 30).toFixed(2);
    const inputs = `${gib} GiB, ${rows.length} files + ${rows.length} rows on ${vol.kind}`;
    return [
      figure({
        id: 'backup.readFloor',
        figure: 'backup MB/s (dump + archive + sha256 + proof) vs reading the tree',
        inputs,
        unit: 'MB/s',
        value: backupRuns.map(mbps),
        floor: readFloors.map(mbps),
        floorWhat: 'tar cf - | cat',
        higherIsBetter: true,
        target: { text: '>= 0.8x', ratioMin: 0.8 },
        note: `${comp}; ${backupRounds} rounds: ${secs(backupRuns)}s vs ${secs(readFloors)}s; phases: ${Object.keys(backupPhases[0] ?? {}).map((p) => `${p} ${median(backupPhases.map((r) => r[p] ?? 0)).toFixed(2)}s`).join(', ')}; the tree is in the page cache for both (written just before)`,
      }),
      figure({
        id: 'backup.durableFloor',
        figure: 'backup MB/s vs a proven plain copy of the tree',
        inputs,
        unit: 'MB/s',
        value: backupRuns.map(mbps),
        floor: durableFloors.map(mbps),
        floorWhat: 'tar cf > file; sync; read back',
        higherIsBetter: true,
        target: { text: 'for reference' },
        note: `the floor writes the tree uncompressed to the backups volume, flushes it and reads it back with O_DIRECT, the least any backup that proves itself does (no database, compression or checksum); ${backupRounds} rounds: ${secs(backupRuns)}s vs ${secs(durableFloors)}s`,
      }),
      figure({
        id: 'backup.speed',
        figure: 'backup MB/s (dump + archive + sha256 + proof)',
        inputs,
        unit: 'MB/s',
        value: backupRuns.map(mbps),
        floor: tarCs.map(mbps),
        floorWhat: 'tar czf',
        higherIsBetter: true,
        target: { text: '>= 1x', ratioMin: 1 },
        note: `${comp}; set ${(setBytes / 2 ** 20).toFixed(0)} MiB vs tgz ${(tgzBytes / 2 ** 20).toFixed(0)} MiB; ${backupRounds} rounds: ${secs(backupRuns)}s vs ${secs(tarCs)}s`,
      }),
      figure({
        id: 'restore.speed',
        figure: 'restore MB/s (verify + staging + pg_restore + flush + swap)',
        inputs,
        unit: 'MB/s',
        value: restores.map(mbps),
        floor: tarXs.map(mbps),
        floorWhat: 'tar xzf',
        higherIsBetter: true,
        target: { text: '>= 1.5x', ratioMin: 1.5 },
        note: `${rounds} rounds: ${secs(restores)}s vs ${secs(tarXs)}s; phases: ${phaseNote}; then, with the instance up, removal of the replaced data ${median(removals).toFixed(2)}s; safety backup and pod start-up not included`,
      }),
    ];
  } finally {
    await pg.stop();
    vol.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(new URL('.', import.meta.url).pathname, '..', '..');
  console.log(await run({ root }));
}
