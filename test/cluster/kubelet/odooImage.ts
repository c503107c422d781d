// What the Odoo images do at start, as pure functions for the Odoo stand-in (odooStandIn.ts).
//
// bitnami/odoo (libodoo.sh, odoo-env.sh): the volume at /bitnami/odoo persists `addons`, `conf` and
// `data`; on first start odoo.conf is rendered from the ODOO_* environment (template
// bitnami-templates/odoo.conf.tpl), on a later start the database settings are read back from it.
// data_dir is /opt/bitnami/odoo/data, the volume's `data`, so the filestore is data/filestore/<db>.
// The official image takes HOST/PORT/USER/PASSWORD and keeps its data_dir at /var/lib/odoo, the
// volume itself. The stand-in writes <data mount>/conf/odoo.conf for both, with bitnami's keys, as
// the plugin reads it there.
import { effectiveOptions, parseOdooConf } from '../../../plugin/odooconf/parse.js';

export type OdooFlavour = 'bitnami' | 'official';

export function odooFlavour(image: string): OdooFlavour {
  return /bitnami/.test(image) ? 'bitnami' : 'official';
}

export function isOdooImage(image: string | undefined): boolean {
  return /(^|\/)odoo(:|@|$)/.test(String(image ?? '').replace(/^docker\.io\//, ''));
}

export function dataMountPath(flavour: OdooFlavour): string {
  return flavour === 'bitnami' ? '/bitnami/odoo' : '/var/lib/odoo';
}

/** The data_dir written into odoo.conf, and where it lies inside the data volume. */
const DATA_DIR: Record<OdooFlavour, { conf: string; inVolume: string }> = {
  bitnami: { conf: '/opt/bitnami/odoo/data', inVolume: 'data' },
  official: { conf: '/var/lib/odoo', inVolume: '' },
};

export function odooMajorVersion(image: string): string {
  return image.match(/:(\d+)(\.\d+)?/)?.[1] ?? '17';
}

/** bitnami's odoo.conf.tpl filled from the container's environment (its defaults where unset). */
export function renderOdooConf(flavour: OdooFlavour, env: Record<string, string | undefined>, image: string): string {
  const e = (k: string, d: string) => (env[k] !== undefined && env[k] !== '' ? env[k]! : d);
  const db =
    flavour === 'bitnami'
      ? { host: e('ODOO_DATABASE_HOST', 'postgresql'), port: e('ODOO_DATABASE_PORT_NUMBER', '5432'), name: e('ODOO_DATABASE_NAME', 'bitnami_odoo'), user: e('ODOO_DATABASE_USER', 'bn_odoo'), password: e('ODOO_DATABASE_PASSWORD', '') }
      : { host: e('HOST', 'db'), port: e('PORT', '5432'), name: e('ODOO_DATABASE_NAME', 'odoo'), user: e('USER', 'odoo'), password: e('PASSWORD', 'odoo') };
  const eventPort = Number(odooMajorVersion(image)) > 15 ? 'gevent_port' : 'longpolling_port';
  return [
    '[options]',
    `addons_path = ${e('ODOO_ADDONS_DIR', '/opt/bitnami/odoo/addons')}`,
    `admin_passwd = ${e('ODOO_PASSWORD', 'bitnami')}`,
    '; csv_internal_sep = ,',
    `data_dir = ${DATA_DIR[flavour].conf}`,
    `db_host = ${db.host}`,
    '; db_maxconn = 64',
    `db_name = ${db.name}`,
    `db_password = ${db.password}`,
    `db_port = ${db.port}`,
    '; db_sslmode = prefer',
    '; https://www.postgresql.org/docs/current/manage-ag-templatedbs.html',
    'db_template = template1',
    `db_user = ${db.user}`,
    'dbfilter = .*',
    'debug_mode = False',
    `email_from = ${e('ODOO_EMAIL', 'user@example.com')}`,
    `http_port = ${e('ODOO_PORT_NUMBER', '8069')}`,
    'limit_time_cpu = 90',
    'limit_time_real = 150',
    '; list_db = True',
    '; log_db = False',
    "; log_handler = [':INFO']",
    '; log_level = info',
    '; logfile = /opt/bitnami/odoo/log/odoo-server.log',
    `${eventPort} = ${e('ODOO_LONGPOLLING_PORT_NUMBER', '8072')}`,
    'max_cron_threads = 1',
    'pidfile = /opt/bitnami/odoo/tmp/odoo.pid',
    '; Odoo will always be running behind a proxy (e.g. Docker or Apache)',
    'proxy_mode = True',
    '; smtp_port = 25',
    '; smtp_server = localhost',
    '; without_demo = False',
    '; workers = 0',
    '',
  ].join('\n');
}

export interface OdooSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Unset: Odoo serves the database manager and creates nothing. */
  database?: string;
  template: string;
  /** The filestore root inside the data volume (relative), from data_dir. */
  dataDirInVolume: string;
}

/**
 * What Odoo connects with, read from odoo.conf as Odoo reads it. Where it is silent: the local server
 * (Odoo would use the Unix socket), the user the images run Odoo as, and Odoo's db_template.
 */
export function odooSettings(flavour: OdooFlavour, confText: string): OdooSettings {
  const opts = effectiveOptions(parseOdooConf(confText));
  const get = (k: string) => {
    const v = opts.get(k)?.value;
    return v === undefined || v === 'False' ? undefined : v;
  };
  const dataDir = get('data_dir') ?? DATA_DIR[flavour].conf;
  const mount = dataMountPath(flavour);
  const inVolume = dataDir === DATA_DIR.bitnami.conf ? DATA_DIR.bitnami.inVolume : dataDir.startsWith(mount) ? dataDir.slice(mount.length).replace(/^\//, '') : DATA_DIR[flavour].inVolume;
  return {
    host: get('db_host') ?? 'localhost',
    port: Number(get('db_port') ?? 5432),
    user: get('db_user') ?? 'odoo',
    password: get('db_password') ?? '',
    database: get('db_name'),
    template: get('db_template') ?? 'template0',
    dataDirInVolume: inVolume,
  };
}

const MAGIC = 'create_uid integer, create_date timestamp without time zone, write_uid integer, write_date timestamp without time zone';

/** ir_model_data as base_data.sql creates it (external ids: the cron neutralize keeps is found by one). */
export const IR_MODEL_DATA_DDL = `CREATE TABLE ir_model_data (id serial NOT NULL, create_uid integer, create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
  write_date timestamp without time zone DEFAULT (now() at time zone 'UTC'), write_uid integer, res_id integer, noupdate boolean DEFAULT False,
  name varchar NOT NULL, module varchar NOT NULL, model varchar NOT NULL, primary key(id));`;

/** ir_config_parameter as its model defines it (key unique, as its SQL constraint). */
export const IR_CONFIG_PARAMETER_DDL = `CREATE TABLE ir_config_parameter (id serial NOT NULL, key varchar NOT NULL UNIQUE, value text NOT NULL, ${MAGIC}, primary key(id));`;

/**
 * The tables Odoo's neutralize changes besides ir_config_parameter, with the columns of their models:
 * ir.mail_server and ir.cron (base), fetchmail.server (mail; the fetchmail module before 14).
 */
export const MAIL_AND_CRON_DDL = `CREATE TABLE ir_mail_server (id serial NOT NULL, name varchar NOT NULL, from_filter varchar, smtp_host varchar, smtp_port integer,
  smtp_authentication varchar NOT NULL, smtp_user varchar, smtp_pass varchar, smtp_encryption varchar NOT NULL, smtp_ssl_certificate bytea,
  smtp_ssl_private_key bytea, smtp_debug boolean, sequence integer, active boolean, ${MAGIC}, primary key(id));
CREATE TABLE ir_cron (id serial NOT NULL, ir_actions_server_id integer NOT NULL, cron_name varchar, user_id integer NOT NULL, active boolean,
  interval_number integer, interval_type varchar, numbercall integer, doall boolean, nextcall timestamp without time zone NOT NULL,
  lastcall timestamp without time zone, priority integer, ${MAGIC}, primary key(id));
CREATE TABLE fetchmail_server (id serial NOT NULL, name varchar NOT NULL, active boolean, state varchar, server varchar, port integer,
  server_type varchar NOT NULL, is_ssl boolean, attach boolean, original boolean, date timestamp without time zone, "user" varchar,
  password varchar, object_id integer, priority integer, configuration text, script varchar, ${MAGIC}, primary key(id));`;

/**
 * The tables `odoo -i base` leaves that tools look at: base_data.sql's bootstrap schema
 * (odoo/addons/base/data/base_data.sql) with the columns the ORM then adds for the fields read here,
 * ir_attachment as its model defines it (store_fname points into the filestore), the tables
 * neutralize changes, and the
 * ir_config_parameter rows a new database gets.
 */
export function baseSchemaSql(dbUuid: string): string {
  const magic = 'create_uid integer, create_date timestamp without time zone, write_uid integer, write_date timestamp without time zone';
  return `BEGIN;
CREATE TABLE res_users (id serial NOT NULL, company_id integer, partner_id integer, active boolean default True, create_date timestamp without time zone,
  login varchar(64) NOT NULL UNIQUE, password varchar default null, create_uid integer, write_uid integer, write_date timestamp without time zone,
  signature text, share boolean, primary key(id));
CREATE TABLE res_groups (id serial NOT NULL, name jsonb NOT NULL, primary key(id));
CREATE TABLE ir_module_category (id serial NOT NULL, ${magic}, parent_id integer REFERENCES ir_module_category ON DELETE SET NULL, name jsonb NOT NULL, primary key(id));
CREATE TABLE ir_module_module (id serial NOT NULL, ${magic}, website character varying, summary jsonb, name character varying NOT NULL, author character varying,
  icon varchar, state character varying(16), latest_version character varying, db_version character varying, shortdesc jsonb,
  category_id integer REFERENCES ir_module_category ON DELETE SET NULL, description jsonb, application boolean default False, demo boolean default False,
  web boolean DEFAULT FALSE, license character varying(32), sequence integer DEFAULT 100, auto_install boolean default False, to_buy boolean default False, primary key(id));
CREATE TABLE ir_module_module_dependency (id serial NOT NULL, name character varying, module_id integer REFERENCES ir_module_module ON DELETE cascade, auto_install_required boolean DEFAULT true, primary key(id));
${IR_MODEL_DATA_DDL}
CREATE TABLE res_currency (id serial, name varchar NOT NULL, symbol varchar NOT NULL, primary key(id));
CREATE TABLE res_company (id serial, name varchar, partner_id integer, currency_id integer, sequence integer, create_date timestamp without time zone, primary key(id));
CREATE TABLE res_partner (id serial, company_id integer, create_date timestamp without time zone, name varchar, primary key(id));
CREATE TABLE ir_attachment (id serial NOT NULL, name varchar NOT NULL, description text, res_model varchar, res_field varchar, res_id integer,
  company_id integer, type varchar NOT NULL, url varchar(1024), public boolean, access_token varchar, db_datas bytea, store_fname varchar,
  file_size integer, checksum varchar(40), mimetype varchar, index_content text, ${magic}, primary key(id));
CREATE INDEX ir_attachment_res_idx ON ir_attachment (res_model, res_id);
CREATE INDEX ir_attachment__store_fname_index ON ir_attachment (store_fname);
${IR_CONFIG_PARAMETER_DDL}
${MAIL_AND_CRON_DDL}
INSERT INTO res_currency (id, name, symbol) VALUES (1, 'USD', '$');
INSERT INTO res_company (id, name, partner_id, currency_id, create_date) VALUES (1, 'My Company', 1, 1, now() at time zone 'UTC');
INSERT INTO res_partner (id, name, company_id, create_date) VALUES (1, 'My Company', 1, now() at time zone 'UTC'), (2, 'Administrator', 1, now() at time zone 'UTC');
INSERT INTO res_users (id, login, password, active, partner_id, company_id, create_date, share) VALUES
  (1, '__system__', NULL, false, 1, 1, now() at time zone 'UTC', false), (2, 'admin', 'admin', true, 2, 1, now() at time zone 'UTC', false);
INSERT INTO res_groups (id, name) VALUES (1, '{"en_US": "Employee"}');
INSERT INTO ir_module_module (name, state, latest_version, shortdesc, application, license, create_date, write_date) VALUES
  ('base', 'installed', '17.0.1.3', '{"en_US": "Base"}', false, 'LGPL-3', now() at time zone 'UTC', now() at time zone 'UTC'),
  ('web', 'installed', '17.0.1.0', '{"en_US": "Web"}', false, 'LGPL-3', now() at time zone 'UTC', now() at time zone 'UTC');
INSERT INTO ir_config_parameter (key, value, create_date, write_date) VALUES
  ('database.uuid', '${dbUuid}', now() at time zone 'UTC', now() at time zone 'UTC'),
  ('database.create_date', to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), now() at time zone 'UTC', now() at time zone 'UTC');
SELECT setval('res_currency_id_seq', 1); SELECT setval('res_company_id_seq', 1); SELECT setval('res_partner_id_seq', 2); SELECT setval('res_users_id_seq', 2); SELECT setval('res_groups_id_seq', 1);
COMMIT;
`;
}
