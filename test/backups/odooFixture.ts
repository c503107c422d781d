// An Odoo-shaped instance for backup tests: a database owned by the instance's role with the tables a
// backup must keep consistent (ir_attachment rows whose store_fname points into the filestore,
// ir_module_module for the Odoo version), and a data volume laid out as Odoo's official image does
// (filestore/<db>/<xx>/<sha1>, sessions/, addons/).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TestPostgres } from '../fixtures/postgres.js';

export interface OdooInstanceData {
  database: string;
  owner: string;
  password: string;
  dataDir: string;
  attachments: { storeFname: string; size: number; sha1: string }[];
}

export async function createOdooInstance(
  pg: TestPostgres,
  opts: { database: string; owner: string; password: string; dataDir: string; attachments?: number; sizes?: number[] },
): Promise<OdooInstanceData> {
  const { database, owner, password, dataDir } = opts;
  await pg.psql(`CREATE DATABASE "${database}" OWNER "${owner}" TEMPLATE template0 ENCODING 'UTF8'`);
  const attachments = await addAttachments(pg, opts, opts.attachments ?? 12, opts.sizes);
  await pg.psql(
    `CREATE TABLE ir_module_module (id serial primary key, name varchar not null unique, latest_version varchar, state varchar);
     INSERT INTO ir_module_module (name, latest_version, state) VALUES ('base', '17.0.1.3', 'installed'), ('web', '17.0.1.0', 'installed'), ('sale', '17.0.1.2', 'uninstalled');
     CREATE TABLE res_partner (id serial primary key, name varchar, email varchar);
     INSERT INTO res_partner (name, email) SELECT 'Partner ' || i, 'p' || i || '@example.com' FROM generate_series(1, 200) i;`,
    { database, user: owner, password },
  );
  mkdirSync(join(dataDir, 'sessions'), { recursive: true });
  writeFileSync(join(dataDir, 'sessions', 'werkzeug_abc.sess'), 'session-data');
  mkdirSync(join(dataDir, 'addons', '17.0'), { recursive: true });
  mkdirSync(join(dataDir, 'conf'), { recursive: true });
  writeFileSync(join(dataDir, 'conf', 'odoo.conf'), `[options]\ndb_name = ${database}\n`);
  chmodSync(join(dataDir, 'conf', 'odoo.conf'), 0o640);
  symlinkSync('odoo.conf', join(dataDir, 'conf', 'current.conf'));
  return { database, owner, password, dataDir, attachments };
}

/** Adds attachment rows and their files (the way Odoo stores them: sha1, xx/sha1). */
export async function addAttachments(
  pg: TestPostgres,
  opts: { database: string; owner: string; password: string; dataDir: string },
  count: number,
  sizes: number[] = [0, 1, 100, 4096, 65537, 300_000],
): Promise<OdooInstanceData['attachments']> {
  await pg.psql(
    `CREATE TABLE IF NOT EXISTS ir_attachment (id serial primary key, name varchar, res_model varchar, res_id int, store_fname varchar,
       file_size int, checksum varchar(40), mimetype varchar, db_datas bytea)`,
    { database: opts.database, user: opts.owner, password: opts.password },
  );
  const out: OdooInstanceData['attachments'] = [];
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = randomBytes(sizes[i % sizes.length]);
    const sha1 = createHash('sha1').update(content).digest('hex');
    const storeFname = `${sha1.slice(0, 2)}/${sha1}`;
    const dir = join(opts.dataDir, 'filestore', opts.database, sha1.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, sha1), content);
    out.push({ storeFname, size: content.length, sha1 });
    values.push(`('file${i}.bin', 'res.partner', ${i + 1}, '${storeFname}', ${content.length}, '${sha1}', 'application/octet-stream')`);
  }
  if (values.length) {
    await pg.psql(`INSERT INTO ir_attachment (name, res_model, res_id, store_fname, file_size, checksum, mimetype) VALUES ${values.join(',')}`, {
      database: opts.database,
      user: opts.owner,
      password: opts.password,
    });
  }
  return out;
}

/** Every row that matters, as text, for before/after comparisons. */
export async function databaseSnapshot(pg: TestPostgres, database: string): Promise<string> {
  return pg.psql(
    `SELECT 'att', id, name, res_model, res_id, store_fname, file_size, checksum FROM ir_attachment
     UNION ALL SELECT 'mod', id, name, latest_version, NULL, state, NULL, NULL FROM ir_module_module
     UNION ALL SELECT 'par', id, name, email, NULL, NULL, NULL, NULL FROM res_partner
     ORDER BY 1, 2`,
    { database },
  );
}

/** path -> "<type> <mode> <sha256|link target>" for every entry under dir (byte-for-byte comparison). */
export function treeSnapshot(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (skip(rel)) continue;
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${mode}`;
        walk(p);
      } else out[rel] = `file ${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}
