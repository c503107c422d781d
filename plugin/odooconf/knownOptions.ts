// The [options] keys Odoo itself reads (odoo/tools/config.py, 14.0-18.0). A key outside this list is
// not refused (modules may read their own keys) but warned about, since a typo such as db_hots is
// silently ignored by Odoo.
import { closeMatches } from '../instances/names.js';

export const KNOWN_ODOO_OPTIONS: ReadonlySet<string> = new Set([
  'addons_path', 'admin_passwd', 'bin_path', 'csv_internal_sep', 'data_dir', 'db_host', 'db_maxconn', 'db_maxconn_gevent',
  'db_name', 'db_password', 'db_port', 'db_replica_host', 'db_replica_port', 'db_sslmode', 'db_template', 'db_user',
  'dbfilter', 'demo', 'email_from', 'from_filter', 'geoip_city_db', 'geoip_country_db', 'geoip_database', 'gevent_port',
  'http_enable', 'http_interface', 'http_port', 'import_partial', 'limit_memory_hard', 'limit_memory_hard_gevent',
  'limit_memory_soft', 'limit_memory_soft_gevent', 'limit_request', 'limit_time_cpu', 'limit_time_real',
  'limit_time_real_cron', 'limit_time_worker_cron', 'list_db', 'log_db', 'log_db_level', 'log_handler', 'log_level',
  'logfile', 'logrotate', 'longpolling_port', 'max_cron_threads', 'osv_memory_age_limit', 'osv_memory_count_limit',
  'pg_path', 'pidfile', 'proxy_mode', 'publisher_warranty_url', 'reportgz', 'screencasts', 'screenshots',
  'server_wide_modules', 'smtp_password', 'smtp_port', 'smtp_server', 'smtp_ssl', 'smtp_ssl_certificate',
  'smtp_ssl_private_key', 'smtp_user', 'syslog', 'test_enable', 'test_file', 'test_tags', 'transient_age_limit',
  'translate_modules', 'unaccent', 'upgrade_path', 'pre_upgrade_scripts', 'websocket_keep_alive_timeout',
  'websocket_rate_limit_burst', 'websocket_rate_limit_delay', 'without_demo', 'workers', 'x_sendfile',
  'xmlrpc', 'xmlrpc_interface', 'xmlrpc_port', 'xmlrpcs', 'xmlrpcs_interface', 'xmlrpcs_port',
]);

/** A warning for a key Odoo does not read, with the known keys it is close to; undefined for known keys. */
export function unknownOptionWarning(key: string): string | undefined {
  if (KNOWN_ODOO_OPTIONS.has(key)) return undefined;
  const close = closeMatches(key, KNOWN_ODOO_OPTIONS, 2);
  return `${key} is not an option Odoo itself reads${close.length ? ` (did you mean ${close.join(' or ')}?)` : ''}; it is written anyway for modules that read it`;
}
