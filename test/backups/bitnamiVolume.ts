// A bitnami data volume (/bitnami/odoo) as the platform's archives hold it: conf/odoo.conf,
// data/filestore/<db>/<xx>/<sha1>, data/sessions, addons.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function bitnamiVolume(dir: string, db: string): void {
  mkdirSync(join(dir, 'conf'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'odoo.conf'), `[options]\ndb_name = ${db}\n`);
  mkdirSync(join(dir, 'data', 'filestore', db, '3f'), { recursive: true });
  writeFileSync(join(dir, 'data', 'filestore', db, '3f', '3f786850e387550fdab836ed7e6dc881de23001b'), 'invoice.pdf bytes\n');
  mkdirSync(join(dir, 'data', 'sessions'), { recursive: true });
  mkdirSync(join(dir, 'addons'), { recursive: true });
}
