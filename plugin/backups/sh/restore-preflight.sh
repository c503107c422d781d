# shellcheck shell=sh
SET="$BACKUP_ROOT/$SET_PATH"
say "SPACE data free=$(free_bytes "$DATA_DIR") used=$(bytes_of "$DATA_DIR")"
say "SPACE backups free=$(free_bytes "$BACKUP_ROOT")"
case "$SET_PATH" in
  *.tar.gz|*.tgz)
    [ -f "$SET" ] || { say "ERROR backup $SET_PATH does not exist"; exit 1; }
    say "SET dataBytes=$(gzip -dc -- "$SET" 2>/dev/null | wc -c | tr -d ' ')" ;;
  *)
    [ -f "$SET/manifest.json" ] || { say "ERROR backup $SET_PATH has no manifest.json: it is not a complete backup"; exit 1; }
    say "SET dataBytes=$(tr ',' '\n' < "$SET/manifest.json" | sed -n 's/^"dataBytes"://p' | head -n1)" ;;
esac
for STAGE in "$DATA_DIR"/.odoo-restore-*; do
  [ -d "$STAGE" ] || continue
  say "RESTORE ${STAGE##*/.odoo-restore-} $(journal_state)"
done
say "DONE preflight"
