# shellcheck shell=sh
# A restore drill's database steps, on the throwaway instance's own database (PG*) and volume (DATA_DIR,
# read-only), before it starts: neutralize it as Odoo's `neutralize` does, then match every attachment
# row to its file in the filestore. BASE_URL is the drill's own address.
TMP="${TMPDIR:-/tmp}/odoo-drill.$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT
phase neutralize
# Odoo's neutralize.sql of base (mail servers and crons off but the autovacuum, the neutralized flag) and
# of mail (templates lose their server, incoming servers off), plus web.base.url set to the drill's and
# frozen, so a login does not set it back. A table a module did not create is skipped; one transaction.
if psql -X -q -At -v ON_ERROR_STOP=1 -v base_url="$BASE_URL" -f - > "$TMP/neutralize" 2> "$TMP/err" <<'SQL'
BEGIN;
CREATE TEMP TABLE drill_result (ord serial, what text, detail text) ON COMMIT DROP;
SELECT set_config('drill.base_url', :'base_url', true) \g /dev/null
-- A named dollar quote: Kubernetes turns "$$" in a container's command into "$".
DO $neutralize$
DECLARE n bigint; t text;
BEGIN
  IF to_regclass('ir_config_parameter') IS NULL THEN
    RAISE EXCEPTION 'no ir_config_parameter table: this is not an Odoo database';
  END IF;
  FOREACH t IN ARRAY ARRAY['outgoing-mail:ir_mail_server', 'incoming-mail:fetchmail_server'] LOOP
    IF to_regclass(split_part(t, ':', 2)) IS NULL THEN
      INSERT INTO drill_result (what, detail) VALUES (split_part(t, ':', 1), 'no ' || split_part(t, ':', 2) || ' table');
    ELSE
      EXECUTE format('UPDATE %I SET active = false WHERE active IS DISTINCT FROM false', split_part(t, ':', 2));
      GET DIAGNOSTICS n = ROW_COUNT;
      INSERT INTO drill_result (what, detail) VALUES (split_part(t, ':', 1), n || ' server(s) turned off');
    END IF;
  END LOOP;
  IF to_regclass('mail_template') IS NOT NULL THEN
    UPDATE mail_template SET mail_server_id = NULL WHERE mail_server_id IS NOT NULL;
  END IF;
  IF to_regclass('ir_cron') IS NULL THEN
    INSERT INTO drill_result (what, detail) VALUES ('crons', 'no ir_cron table');
  ELSE
    IF to_regclass('ir_model_data') IS NULL THEN
      UPDATE ir_cron SET active = false WHERE active IS DISTINCT FROM false;
    ELSE
      UPDATE ir_cron SET active = false WHERE active IS DISTINCT FROM false AND id NOT IN (
        SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND res_id IS NOT NULL);
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO drill_result (what, detail) VALUES ('crons', n || ' turned off');
  END IF;
  INSERT INTO ir_config_parameter (key, value) VALUES
    ('web.base.url', current_setting('drill.base_url')), ('web.base.url.freeze', 'True'), ('database.is_neutralized', 'true')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
  INSERT INTO drill_result (what, detail) VALUES ('web.base.url', current_setting('drill.base_url'));
END
$neutralize$;
SELECT 'NEUTRALIZE ' || what || ' ' || detail FROM drill_result ORDER BY ord;
COMMIT;
SQL
then
  cat "$TMP/neutralize"
  say "CHECK neutralize ok outgoing and incoming mail servers off, crons off, web.base.url is the drill's"
else
  say "CHECK neutralize fail $(sed -n 's/^psql:[^:]*:[0-9]*: //; s/^ERROR: *//p' "$TMP/err" | head -n1)"
  say "ERROR neutralizing the drill's database failed; it is not started"
  exit 1
fi
phase attachments
FS=""
for c in "$DATA_DIR/filestore/$PGDATABASE" "$DATA_DIR/data/filestore/$PGDATABASE"; do [ -d "$c" ] && FS=$c && break; done
psql -X -At -v ON_ERROR_STOP=1 -c "select store_fname from ir_attachment where coalesce(store_fname, '') <> '' order by id" > "$TMP/rows" 2> "$TMP/err" || {
  say "CHECK attachments fail cannot read ir_attachment: $(head -n1 "$TMP/err")"
  exit 1
}
rows=0; missing=0
while IFS= read -r f; do
  rows=$((rows + 1))
  case "$f" in /*|*..*) ok=0 ;; *) if [ -n "$FS" ] && [ -f "$FS/$f" ]; then ok=1; else ok=0; fi ;; esac
  if [ "$ok" = 0 ]; then
    missing=$((missing + 1))
    [ "$missing" -le 20 ] && say "MISSING $f"
  fi
done < "$TMP/rows"
where="filestore/$PGDATABASE"
[ -n "$FS" ] && where=${FS#"$DATA_DIR"/}
if [ "$missing" = 0 ]; then
  say "CHECK attachments ok $rows file(s) of $rows attachment row(s) present in $where"
  say "DONE drill"
else
  say "CHECK attachments fail $missing of $rows attachment row(s) have no file in $where"
  exit 1
fi
