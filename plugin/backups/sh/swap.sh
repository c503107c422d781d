# shellcheck shell=sh
journal_state() { if [ -f "$STAGE/journal" ]; then tail -n1 "$STAGE/journal" | cut -d' ' -f1; else echo none; fi; }
journal() { printf '%s\n' "$*" >> "$STAGE/journal" && sync_file "$STAGE/journal"; }
name_of() { sed -n "s/^$1=//p" "$STAGE/names" 2>/dev/null | head -n1; }
load_names() {
  T_DB=$(name_of target); S_DB=$(name_of scratch); O_DB=$(name_of old)
  [ -n "$T_DB" ] && [ -n "$S_DB" ] && [ -n "$O_DB" ]
}
had_target() { grep -q '^staged 1$' "$STAGE/journal" 2>/dev/null; }
# A files-only restore (a platform archive holds no database) swaps the files alone.
files_only() { [ "${S_DB:-}" = - ]; }
# 0: the database exists; 1: it does not; 2: the server could not tell.
db_exists() {
  de_out=$(psql_admin -At -v n="$1" 2>/dev/null <<'SQL'
select count(*) from pg_database where datname = :'n';
SQL
) || return 2
  case "$de_out" in 1) return 0 ;; 0) return 1 ;; *) return 2 ;; esac
}
# 0: the restored database is the instance's; 1: not yet; 2: unknown (server unreachable, or a state
# that no step of the swap makes).
db_swapped() {
  ds_s=0; db_exists "$S_DB" || ds_s=$?
  ds_t=0; db_exists "$T_DB" || ds_t=$?
  ds_o=x; if had_target; then ds_o=0; db_exists "$O_DB" || ds_o=$?; fi
  [ "$ds_s" != 2 ] && [ "$ds_t" != 2 ] && [ "$ds_o" != 2 ] || return 2
  if had_target; then
    [ "$ds_s" = 1 ] && [ "$ds_t" = 0 ] && [ "$ds_o" = 0 ] && return 0
    [ "$ds_s" = 0 ] && [ "$ds_t" = 0 ] && [ "$ds_o" = 1 ] && return 1
  else
    [ "$ds_s" = 1 ] && [ "$ds_t" = 0 ] && return 0
    [ "$ds_s" = 0 ] && [ "$ds_t" = 1 ] && return 1
  fi
  return 2
}
# Both renames in one transaction (ALTER DATABASE RENAME may run in a transaction block); sessions on
# either database are ended first, and the rename waits for them (a few tries if one lingers).
swap_db_forward() {
  for try in 1 2 3 4 5; do
    if had_target; then
      psql_admin -v target="$T_DB" -v old="$O_DB" -v scratch="$S_DB" >/dev/null 2>"$STAGE/.err-swap" <<'SQL' && return 0
BEGIN;
select pg_terminate_backend(pid) from pg_stat_activity where datname in (:'target', :'scratch') and pid <> pg_backend_pid();
ALTER DATABASE :"target" RENAME TO :"old";
ALTER DATABASE :"scratch" RENAME TO :"target";
COMMIT;
SQL
    else
      psql_admin -v target="$T_DB" -v scratch="$S_DB" >/dev/null 2>"$STAGE/.err-swap" <<'SQL' && return 0
BEGIN;
select pg_terminate_backend(pid) from pg_stat_activity where datname = :'scratch' and pid <> pg_backend_pid();
ALTER DATABASE :"scratch" RENAME TO :"target";
COMMIT;
SQL
    fi
    sleep "$try"
  done
  say "WARNING swapping the databases failed: $(head -n1 "$STAGE/.err-swap" 2>/dev/null)"
  return 1
}
swap_db_back() {
  for try in 1 2 3 4 5; do
    if had_target; then
      psql_admin -v target="$T_DB" -v old="$O_DB" -v scratch="$S_DB" >/dev/null 2>"$STAGE/.err-swap" <<'SQL' && return 0
BEGIN;
select pg_terminate_backend(pid) from pg_stat_activity where datname in (:'target', :'old') and pid <> pg_backend_pid();
ALTER DATABASE :"target" RENAME TO :"scratch";
ALTER DATABASE :"old" RENAME TO :"target";
COMMIT;
SQL
    else
      psql_admin -v target="$T_DB" -v scratch="$S_DB" >/dev/null 2>"$STAGE/.err-swap" <<'SQL' && return 0
BEGIN;
select pg_terminate_backend(pid) from pg_stat_activity where datname = :'target' and pid <> pg_backend_pid();
ALTER DATABASE :"target" RENAME TO :"scratch";
COMMIT;
SQL
    fi
    sleep "$try"
  done
  say "WARNING swapping the databases back failed: $(head -n1 "$STAGE/.err-swap" 2>/dev/null)"
  return 1
}
# move_listed LIST FROM TO POINT: every entry named in LIST that is in FROM is renamed into TO. An entry
# already in TO was moved before an interruption; one in both is a conflict, and nothing is overwritten.
move_listed() {
  ml_i=0
  while IFS= read -r ml_e; do
    [ -n "$ml_e" ] || continue
    if [ -e "$2/$ml_e" ] || [ -L "$2/$ml_e" ]; then
      if [ -e "$3/$ml_e" ] || [ -L "$3/$ml_e" ]; then say "WARNING $ml_e is in both $2 and $3: left as it is"; return 1; fi
      mv -- "$2/$ml_e" "$3/$ml_e" || return 1
      ml_i=$((ml_i + 1))
      point "$4-$ml_i"
    fi
  done < "$1"
}
# From the journal's state on to "committed".
swap_forward() {
  st=$(journal_state)
  if [ "$st" = staged ]; then journal db; st=db; fi
  if [ "$st" = db ]; then
    if ! files_only; then
      s=0; db_swapped || s=$?
      if [ "$s" = 1 ]; then swap_db_forward || return 1; point db-swapped; elif [ "$s" = 2 ]; then say "WARNING the database server cannot tell whether the databases were swapped"; return 1; fi
    fi
    journal out; st=out
  fi
  if [ "$st" = out ]; then
    mkdir -p "$STAGE/old"
    move_listed "$STAGE/entries.old" "$DATA_DIR" "$STAGE/old" out || return 1
    journal in; st=in
  fi
  if [ "$st" = in ]; then
    move_listed "$STAGE/entries.new" "$STAGE/new" "$DATA_DIR" in || return 1
    # The renames reach the disk before the journal says so.
    flush_fs "$DATA_DIR"
    journal committed
  fi
  [ "$(journal_state)" = committed ]
}
# From the journal's state back to how the instance was before the swap.
swap_back() {
  st=$(journal_state)
  if [ "$st" = in ]; then
    move_listed "$STAGE/entries.new" "$DATA_DIR" "$STAGE/new" back-in || return 1
    st=out
  fi
  if [ "$st" = out ]; then
    if [ -d "$STAGE/old" ]; then move_listed "$STAGE/entries.old" "$STAGE/old" "$DATA_DIR" back-out || return 1; fi
    st=db
  fi
  if [ "$st" = db ] && ! files_only; then
    s=0; db_swapped || s=$?
    if [ "$s" = 0 ]; then swap_db_back || return 1; elif [ "$s" = 2 ]; then say "WARNING the database server cannot tell whether the databases were swapped"; return 1; fi
  fi
  flush_fs "$DATA_DIR"
  journal rolled-back
}
# Removes what the restore brought and did not swap in: new/ and the scratch database. Refuses when
# old/ still holds anything (the instance's own files), or the swap is not undone.
discard_staging() {
  case "$(journal_state)" in none|staging|staged|rolled-back) ;; *) return 1 ;; esac
  if [ -d "$STAGE/old" ] && [ -n "$(ls -A "$STAGE/old" 2>/dev/null)" ]; then say "WARNING $STAGE/old is not empty: left as it is"; return 1; fi
  if [ -n "${S_DB:-}" ] && ! files_only; then
    # A backend of the interrupted pg_restore may linger: end it (the rename and DROP wait for it).
    psql_admin -v scratch="$S_DB" >/dev/null 2>&1 <<'SQL' || return 1
select pg_terminate_backend(pid) from pg_stat_activity where datname = :'scratch' and pid <> pg_backend_pid();
DROP DATABASE IF EXISTS :"scratch";
SQL
  fi
  rm -rf "$STAGE/new"
  rmdir "$STAGE/old" 2>/dev/null || true
  rm -f "$STAGE"/.fifo-* "$STAGE"/.sum-* "$STAGE"/.rc-* "$STAGE"/.err-* "$STAGE/entries.old" "$STAGE/entries.new" "$STAGE/names" "$STAGE/journal"
  rmdir "$STAGE"
}
# After "committed", once the instance runs on the restored state: the replaced database and files go.
remove_replaced() {
  [ "$(journal_state)" = committed ] || return 1
  if had_target; then
    psql_admin -v old="$O_DB" >/dev/null 2>"$STAGE/.err-drop" <<'SQL' || { say "WARNING could not drop the previous database $O_DB: $(head -n1 "$STAGE/.err-drop")"; return 1; }
select pg_terminate_backend(pid) from pg_stat_activity where datname = :'old' and pid <> pg_backend_pid();
DROP DATABASE IF EXISTS :"old";
SQL
  fi
  rm -rf "$STAGE/old" "$STAGE/new" || return 1
  rm -f "$STAGE"/.err-* "$STAGE"/.fifo-* "$STAGE"/.sum-* "$STAGE"/.rc-* "$STAGE/entries.old" "$STAGE/entries.new" "$STAGE/names" "$STAGE/journal"
  rmdir "$STAGE"
}
