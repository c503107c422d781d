# shellcheck shell=sh
case "$MODE" in inspect|apply|cleanup) ;; *) say "ERROR unknown mode $MODE"; exit 1 ;; esac
case "${OP_ID:-}" in *[!a-z0-9]*) say "ERROR invalid operation id"; exit 1 ;; esac
trap '' HUP
[ "$MODE" = inspect ] || trap 'PENDING=1' TERM INT
rc=0
for STAGE in "$DATA_DIR"/.odoo-restore-*; do
  [ -d "$STAGE" ] || continue
  op=${STAGE##*/.odoo-restore-}
  [ -z "${OP_ID:-}" ] || [ "$op" = "$OP_ID" ] || continue
  st=$(journal_state)
  T_DB=""; S_DB=""; O_DB=""
  load_names || true
  case "$MODE" in
    inspect) say "RESTORE $op $st ${S_DB:--} ${O_DB:--}" ;;
    apply)
      case "$st" in
        none) say "KEPT $op no journal: not made by this version; inspect it by hand"; rc=1 ;;
        staging|staged|rolled-back)
          if discard_staging; then say "DISCARDED $op"; else say "KEPT $op could not remove the staging"; rc=1; fi ;;
        db|out|in)
          if swap_forward; then say "FINISHED $op"; else say "KEPT $op the swap could not be finished (state $(journal_state))"; rc=1; fi ;;
        committed) say "COMMITTED $op" ;;
        *) say "KEPT $op unknown journal state $st"; rc=1 ;;
      esac ;;
    cleanup)
      if [ "$st" = committed ]; then
        if remove_replaced; then say "REMOVED $op"; else say "KEPT $op could not remove it"; rc=1; fi
      else
        say "KEPT $op state $st"
      fi ;;
  esac
done
if [ "$MODE" = inspect ]; then
  psql_admin -At -v db="$PGDATABASE" 2>/dev/null <<'SQL' | while IFS= read -r n; do [ -z "$n" ] || say "SIDEDB $n"; done
select datname from pg_database
 where left(datname, length(:'db') + 10) = :'db' || '__restore_' or left(datname, length(:'db') + 6) = :'db' || '__old_'
 order by 1;
SQL
fi
[ "$rc" = 0 ] && say "DONE $MODE"
exit "$rc"
