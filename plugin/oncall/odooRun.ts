// Running the odoo executable of an instance's image, whichever image it is: the official image's
// `odoo` (through its /entrypoint.sh, which adds the database settings from HOST/USER/PASSWORD), or
// bitnami's under /opt/bitnami/odoo. A constant script: $1 is odoo.conf on the data volume (used when it
// exists), the rest is odoo's argv.
export const ODOO_SCRIPT = [
  'conf="$1"; shift; odoo=""',
  'for b in odoo /opt/bitnami/odoo/bin/odoo /opt/bitnami/odoo/venv/bin/odoo; do',
  '  if command -v "$b" >/dev/null 2>&1; then odoo="$b"; break; fi',
  'done',
  '[ -n "$odoo" ] || { echo "kubectl-odoo: this container has no odoo executable" >&2; exit 127; }',
  'if [ -f "$conf" ]; then set -- "$@" -c "$conf"; fi',
  'if [ "$odoo" = odoo ] && [ -x /entrypoint.sh ]; then exec /entrypoint.sh odoo "$@"; fi',
  'exec "$odoo" "$@"',
].join('\n');

/** argv that runs `odoo <args>` in the instance's image with its odoo.conf. */
export function odooArgv(confPath: string, args: string[]): string[] {
  return ['sh', '-c', ODOO_SCRIPT, 'sh', confPath, ...args];
}
