# shellcheck shell=sh
SET="$BACKUP_ROOT/$SET_PATH"
STAGE="$DATA_DIR/.odoo-restore-$OP_ID"
T_DB=$PGDATABASE; S_DB=$SCRATCH_DB; O_DB=$OLD_DB
STATE=checking
PENDING=""
flusherpid=""
case "$OP_ID" in ''|*[!a-z0-9]*) say "ERROR invalid operation id"; exit 1 ;; esac
on_exit() {
  rc=$?
  # The way back is not interrupted either.
  trap '' TERM INT HUP
  [ -z "$flusherpid" ] || kill "$flusherpid" 2>/dev/null || true
  case "$STATE" in
    committed) say "STATE committed" ;;
    checking) say "STATE untouched" ;;
    staging|staged)
      if discard_staging; then say "STATE untouched"; else say "STATE incomplete $(journal_state)"; fi ;;
    swapping)
      if swap_back && discard_staging; then say "STATE rolled-back"
      elif [ "$(journal_state)" = rolled-back ]; then say "STATE rolled-back"
      else say "STATE incomplete $(journal_state)"; fi ;;
  esac
  if [ "$STATE" != committed ]; then
    [ "$rc" -ne 0 ] || rc=1
    say "ERROR restore failed; see the STATE line for where the instance stands"
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# Sets db_name (and an exact dbfilter) of the odoo.conf $1 to $PGDATABASE, in place (same inode, mode
# and owner); other lines stay as they are. A symlink is left alone (its target is edited, if listed).
point_conf_at_database() {
  [ -f "$1" ] && [ ! -L "$1" ] || return 0
  tmp="$1.odoo-restore-tmp"
  while IFS= read -r line || [ -n "$line" ]; do
    key=$(printf '%s' "${line%%=*}" | tr -d ' \t')
    case "$line" in *=*) ;; *) key="" ;; esac
    case "$key" in
      db_name) printf 'db_name = %s\n' "$PGDATABASE" ;;
      dbfilter) printf 'dbfilter = ^%s$\n' "$PGDATABASE" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$1" > "$tmp"
  cat "$tmp" > "$1"
  rm -f "$tmp"
}

phase check
ARCHIVE=0
case "$SET_PATH" in *.tar.gz|*.tgz) ARCHIVE=1 ;; esac
if [ "${FILES_ONLY:-0}" = 1 ]; then S_DB=-; O_DB=-; fi
if [ "$ARCHIVE" = 1 ]; then
  # The platform's volume-only archive: files only, and only when every entry and link stays inside.
  files_only || { say "ERROR $SET_PATH holds no database: restore it with --files-only"; exit 1; }
  case "$SET_PATH" in /*|*..*) say "ERROR refusing path $SET_PATH"; exit 1 ;; esac
  # shellcheck disable=SC2015 # both tests must hold
  [ -f "$SET" ] && [ ! -L "$SET" ] || { say "ERROR backup $SET_PATH does not exist"; exit 1; }
  DATA=$SET
  DUMP=""
  LISTED="${TMPDIR:-/tmp}/odoo-restore-list.$$"
  { gzip -dc -- "$SET" | tar -tvf - > "$LISTED"; } 2>/dev/null || { rm -f "$LISTED"; say "ERROR the archive $SET_PATH cannot be read (corrupt or truncated); nothing was changed"; exit 1; }
  unsafe=$(gzip -dc -- "$SET" | tar -tf - | awk '{ if (substr($0, 1, 1) == "/" || $0 ~ /(^|\/)\.\.(\/|$)/) n++ } END { print n + 0 }')
  links=$(sed -n 's/.* -> \(.*\)$/\1/p; s/.* link to \(.*\)$/\1/p' "$LISTED" | awk '{ if (substr($0, 1, 1) == "/" || $0 ~ /(^|\/)\.\.(\/|$)/) n++ } END { print n + 0 }')
  rm -f "$LISTED"
  # shellcheck disable=SC2015 # both tests must hold
  [ "$unsafe" = 0 ] && [ "$links" = 0 ] || { say "ERROR the archive $SET_PATH has entries or links with absolute or \"..\" paths: refused, nothing extracted"; exit 1; }
else
[ -f "$SET/manifest.json" ] || { say "ERROR backup $SET_PATH has no manifest.json: it is not a complete backup"; exit 1; }
[ -f "$SET/SHA256SUMS" ] || { say "ERROR backup $SET_PATH has no SHA256SUMS: it is not a complete backup"; exit 1; }
DUMP=$(set_file "$SET" db.dump) || { say "ERROR backup $SET_PATH has no database dump"; exit 1; }
DATA=$(set_file "$SET" data.tar) || { say "ERROR backup $SET_PATH has no data archive"; exit 1; }
fi
psql_admin <<'SQL' >/dev/null || { say "ERROR cannot connect to the database server as $PGUSER"; exit 1; }
select 1;
SQL
# A new instance (restore --to NEW) gets a database of its own: never one that is already there.
if [ "${NEW_INSTANCE:-0}" = 1 ]; then
  s=0; db_exists "$PGDATABASE" || s=$?
  [ "$s" != 2 ] || { say "ERROR cannot read the database list"; exit 1; }
  [ "$s" = 1 ] || { say "ERROR database $PGDATABASE already exists; a new instance never takes over an existing database"; exit 1; }
fi
# An interrupted restore must be finished or undone first (kubectl odoo recover); the replaced files
# of a finished one, waiting to be removed, are no obstacle.
for d in "$DATA_DIR"/.odoo-restore-*; do
  [ -d "$d" ] || continue
  st=$(STAGE=$d journal_state)
  [ "$st" = committed ] || { say "ERROR an earlier restore left ${d##*/} on the volume (state $st): run kubectl odoo recover first"; exit 1; }
done
# Every top-level entry must move by a rename (same file system) and have a name the lists can hold.
for e in "$DATA_DIR"/* "$DATA_DIR"/.[!.]* "$DATA_DIR"/..?*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  case "$e" in *"$NL"*) say "ERROR the volume has an entry whose name holds a newline; rename it first"; exit 1 ;; esac
  case "${e##*/}" in .odoo-restore-*|lost+found) continue ;; esac
  [ "$(stat -c %d -- "$e")" = "$(stat -c %d -- "$DATA_DIR")" ] || { say "ERROR ${e##*/} is another file system mounted inside the volume: it cannot be swapped"; exit 1; }
done
if [ "$ARCHIVE" = 1 ]; then NEED=$(gzip -dc -- "$SET" | wc -c | tr -d ' '); else NEED=$(tr ',' '\n' < "$SET/manifest.json" | sed -n 's/^"dataBytes"://p' | head -n1); fi
FREE=$(free_bytes "$DATA_DIR")
if [ -n "$FREE" ] && [ -n "$NEED" ] && [ "$FREE" -lt "$NEED" ]; then
  say "ERROR not enough space on the instance's volume to stage the restore: $(human "$NEED") needed, $(human "$FREE") free"
  exit 1
fi

mkdir -p "$STAGE/new"
STATE=staging
printf 'target=%s\nscratch=%s\nold=%s\n' "$T_DB" "$S_DB" "$O_DB" > "$STAGE/names"
journal staging
say "TOTAL data=${NEED:-0} db=$([ -n "$DUMP" ] && wc -c < "$DUMP" | tr -d ' ' || echo 0)"
# Files and database are restored at the same time; each file's sha256 is computed while it is read
# (a fifo beside the pipe), so the set is read once, and checked before anything is swapped in. The
# archive's own check (zstd's frame checksum, gzip's CRC) covers the bytes on the way into tar.
expected_sum() { while read -r sum name; do if [ "$name" = "$1" ]; then printf '%s\n' "$sum"; return 0; fi; done < "$SET/SHA256SUMS"; return 1; }
# read_checked FILE: FILE's bytes on stdout, its sha256 into $STAGE/.sum-<name>
read_checked() {
  n=${1##*/}
  mkfifo "$STAGE/.fifo-$n"
  sha256_hex < "$STAGE/.fifo-$n" > "$STAGE/.sum-$n" &
  tee "$STAGE/.fifo-$n" < "$1"
  wait $!
}
decompress_stream() {
  case "$1" in
    *.zst) zstd -q -dc ;;
    *.gz|*.tgz) if command -v pigz >/dev/null 2>&1; then pigz -dc; else gzip -dc; fi ;;
  esac
}
# shellcheck disable=SC2046 # tar_progress prints options, split into words on purpose
restore_files() {
  { rc=0; { read_checked "$DATA" | decompress_stream "$DATA"; } || rc=$?; echo "$rc" > "$STAGE/.rc-data"; } \
    | tar -C "$STAGE/new" --numeric-owner -xpf - $(tar_progress data)
}
restore_db() {
  psql_admin -v scratch="$S_DB" <<'SQL' >/dev/null 2>"$STAGE/.err-db"
DROP DATABASE IF EXISTS :"scratch";
CREATE DATABASE :"scratch" TEMPLATE template0 ENCODING 'UTF8';
SQL
  { rc=0; { read_checked "$DUMP" | decompress_stream "$DUMP"; } || rc=$?; echo "$rc" > "$STAGE/.rc-db"; } \
    | pg_restore --no-owner --no-privileges --exit-on-error --dbname="$S_DB" 2>"$STAGE/.err-db"
}
phase files+database
if files_only; then echo 0 > "$STAGE/.rc-db"; (exit 0) & dbpid=$!; else restore_db & dbpid=$!; fi
# Flushing every second while tar writes, and the rest while the database part finishes, keeps the
# flush before the swap short.
( while sleep 1; do flush_fs "$STAGE/new"; done ) & flusherpid=$!
files_ok=1; restore_files 2>"$STAGE/.err-tar" || files_ok=0
kill "$flusherpid" 2>/dev/null || true
flusherpid=""
flush_fs "$STAGE/new" & flushpid=$!
db_ok=1; wait "$dbpid" || db_ok=0
damaged=""
# A platform archive has no checksums: gzip's CRC and tar's own checks cover it.
SUMMED="$DATA $DUMP"; [ "$ARCHIVE" = 0 ] || SUMMED=""
for f in $SUMMED; do
  n=${f##*/}
  want=$(expected_sum "$n" || true)
  got=$(cat "$STAGE/.sum-$n" 2>/dev/null || true)
  # A read cut short by a failing consumer hashes only part of the file: hash the file itself then,
  # with sha256sum, so no file is called damaged on one tool's word.
  [ "$got" = "$want" ] || got=$(sha256_file "$f")
  [ "$got" = "$want" ] || damaged="$damaged $n"
done
[ -z "$damaged" ] || { say "ERROR checksums of backup $SET_PATH do not match SHA256SUMS ($damaged ): the backup is damaged"; exit 1; }
if [ "$files_ok" != 1 ] || [ "$(cat "$STAGE/.rc-data" 2>/dev/null)" != 0 ]; then
  if grep -q 'No space left on device' "$STAGE/.err-tar" 2>/dev/null; then say "ERROR no space left on device on the instance's volume while staging the restore ($(human "$(free_bytes "$DATA_DIR")") free)"; exit 1; fi
  say "ERROR extracting the data archive failed: $(head -n2 "$STAGE/.err-tar" 2>/dev/null | tr '\n' ' ')"; exit 1
fi
# shellcheck disable=SC2015 # both tests must hold
[ "$db_ok" = 1 ] && [ "$(cat "$STAGE/.rc-db" 2>/dev/null)" = 0 ] || { say "ERROR restoring the database dump failed: $(head -n3 "$STAGE/.err-db" 2>/dev/null | tr '\n' ' ')"; exit 1; }
rm -f "$STAGE"/.fifo-* "$STAGE"/.sum-* "$STAGE"/.rc-* "$STAGE"/.err-*
wait "$flushpid" || true
# A tar of /bitnami holds the volume inside odoo/: its contents are the volume.
if [ "$ARCHIVE" = 1 ] && [ "$(ls -A "$STAGE/new")" = odoo ] && [ -d "$STAGE/new/odoo" ] && [ ! -L "$STAGE/new/odoo" ]; then
  mv "$STAGE/new/odoo" "$STAGE/new.unwrap" && rmdir "$STAGE/new" && mv "$STAGE/new.unwrap" "$STAGE/new"
fi
if [ "$SOURCE_DB" != "$PGDATABASE" ]; then
  # A copy into another instance: its filestore folder is named after its own database.
  for base in "$STAGE/new/filestore" "$STAGE/new/data/filestore"; do
    if [ -d "$base/$SOURCE_DB" ]; then rm -rf "${base:?}/${PGDATABASE:?}"; mv "$base/$SOURCE_DB" "$base/$PGDATABASE"; fi
  done
  # An odoo.conf on the volume (bitnami keeps it there) names the database Odoo opens: its own.
  for conf in "$STAGE/new/conf/odoo.conf" "$STAGE/new/odoo.conf"; do point_conf_at_database "$conf"; done
fi

# The lists of what the swap moves, on the disk before it starts.
list_entries() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    case "${e##*/}" in .odoo-restore-*|lost+found) continue ;; esac
    case "$e" in *"$NL"*) say "ERROR the backup has an entry whose name holds a newline" >&2; return 1 ;; esac
    printf '%s\n' "${e##*/}"
  done
}
list_entries "$DATA_DIR" > "$STAGE/entries.old"
list_entries "$STAGE/new" > "$STAGE/entries.new"
sync_file "$STAGE/entries.old" "$STAGE/entries.new" "$STAGE/names"
s=0; db_exists "$T_DB" || s=$?
[ "$s" != 2 ] || { say "ERROR cannot read the database list"; exit 1; }
HAS_TARGET=0; [ "$s" = 0 ] && HAS_TARGET=1
if files_only; then HAS_TARGET=0; fi
if [ "$HAS_TARGET" = 1 ]; then
  s=0; db_exists "$O_DB" || s=$?
  [ "$s" = 1 ] || { say "ERROR database $O_DB already exists; it is not replaced"; exit 1; }
fi
journal staged "$HAS_TARGET"
STATE=staged

# The swap: signals are held until it is complete (a SIGKILL leaves the journal for recover).
trap 'PENDING=143' TERM
trap 'PENDING=130' INT
trap 'PENDING=129' HUP
STATE=swapping
phase swap
swap_forward || { say "ERROR the swap failed; it is undone"; exit 1; }
STATE=committed
# From here on the restored database and files are the instance's (an interruption keeps them).
say "COMMITTED"
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
[ -z "$PENDING" ] || exit "$PENDING"
if [ "${REPLACED:-remove}" = keep ]; then
  rmdir "$STAGE/new" 2>/dev/null || true
  say "REPLACED .odoo-restore-$OP_ID $([ "$HAS_TARGET" = 1 ] && printf '%s' "$O_DB" || printf -- -)"
  say "DONE $SET_PATH"
  exit 0
fi
phase cleanup
remove_replaced || say "WARNING could not remove what the restore replaced (.odoo-restore-$OP_ID); kubectl odoo recover removes it"
say "DONE $SET_PATH"
