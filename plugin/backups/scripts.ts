// The shell programs the backup, restore, list, verify and set-operation Jobs run.
//
// Each script is a constant: every value (paths, names, the manifest base) reaches it through the
// environment, never by splicing text into the program, and SQL gets its identifiers through psql
// variables (:"name" / :'name'), which psql quotes. They are POSIX sh (dash, busybox) and use only what an
// Odoo image has: sh, tar, gzip, pg_dump/pg_restore/psql, sha256sum; zstd, pigz, openssl when present.
//
// Output protocol (read by the plugin from the pod log, one line each):
//   TOTAL data=<bytes> db=<bytes>     sizes to expect, for progress
//   tar: PROGRESS:data:<n>            a tar checkpoint (n * CHECKPOINT_RECORDS * 10240 bytes so far)
//   PHASE <name>                      a step starts
//   CHECK <name> ok|fail <detail>     verify results
//   ERROR <message>                   why the Job failed (also written to FAILED in a partial set)
//   MANIFEST\t<json>                  the manifest of the set just written (backup)
//   SIZE <bytes>                      the set's size on the backups volume (backup; set_bytes)
//   COMMITTED                         the restored database and files are swapped in (restore)
//   DONE <path>                       success

/**
 * Tag for the scripts: the raw text, with \${ (written so to keep it from template interpolation) turned
 * back into the shell's ${. Takes no interpolated values, so nothing can be spliced into a script.
 */
function sh(strings: TemplateStringsArray, ...values: never[]): string {
  if (values.length) throw new Error('scripts take their parameters from the environment');
  return strings.raw.join('').replace(/\\\$\{/g, '${');
}

/** tar records between progress lines: 1000 x 10 KiB = ~10 MB. */
export const CHECKPOINT_RECORDS = 1000;
export const TAR_RECORD_BYTES = 10240;

const PRELUDE = sh`set -eu
say() { printf '%s\n' "$*"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# The compressor: zstd (multi-threaded) when present, else pigz (parallel gzip), else gzip.
pick_compressor() {
  case "\${COMPRESSION:-auto}" in
    auto) if command -v zstd >/dev/null 2>&1; then COMP=zstd; elif command -v pigz >/dev/null 2>&1; then COMP=pigz; else COMP=gzip; fi ;;
    zstd|pigz|gzip) COMP=$COMPRESSION ;;
    *) say "ERROR unknown compression $COMPRESSION"; exit 1 ;;
  esac
  case "$COMP" in zstd) EXT=zst ;; *) EXT=gz ;; esac
}
compress() {
  case "$COMP" in
    zstd) zstd -q -T0 -"\${ZSTD_LEVEL:-3}" -c ;;
    pigz) pigz -c -"\${GZIP_LEVEL:-6}" ;;
    gzip) gzip -c -"\${GZIP_LEVEL:-6}" ;;
  esac
}
decompress_file() {
  case "$1" in
    *.zst) zstd -q -dc -- "$1" ;;
    *.gz) if command -v pigz >/dev/null 2>&1; then pigz -dc -- "$1"; else gzip -dc -- "$1"; fi ;;
    *) say "ERROR unknown compression of $1"; return 1 ;;
  esac
}
test_compressed() {
  case "$1" in
    *.zst) zstd -q -t -- "$1" 2>/dev/null ;;
    *.gz) gzip -t -- "$1" 2>/dev/null ;;
    *) return 1 ;;
  esac
}
# The one file of a set with the given stem (db.dump -> db.dump.zst or db.dump.gz).
set_file() {
  for f in "$1/$2".zst "$1/$2".gz; do if [ -f "$f" ]; then printf '%s\n' "$f"; return 0; fi; done
  return 1
}
bytes_of() { du -sb "$1" 2>/dev/null | cut -f1 || echo $(( $(du -sk "$1" | cut -f1) * 1024 )); }
# The size of a set: the bytes of the files in its folder (what it takes on the backups volume, without
# the file system's block rounding). The one figure backup, backups and status print.
set_bytes() {
  n=0
  for f in "$1"/* "$1"/.[!.]*; do
    [ -f "$f" ] || continue
    n=$((n + $(stat -c %s -- "$f" 2>/dev/null || wc -c < "$f")))
  done
  printf '%s\n' "$n"
}
# GNU tar reports progress every CHECKPOINT records; other tars just work without it.
tar_progress() {
  if tar --version 2>/dev/null | grep -q GNU; then
    printf '%s\n' "--checkpoint=\${CHECKPOINT:-1000}" "--checkpoint-action=echo=PROGRESS:$1:%u"
  fi
}
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "\${MAINTENANCE_DB:-postgres}" "$@" -f -; }
# sha256 of stdin, as bare hex. OpenSSL's (and Python's hashlib, which is OpenSSL's) use the CPU's SHA
# instructions and run several times faster than coreutils' sha256sum; all give the same digest. The
# Odoo images have openssl (ca-certificates needs it) and python3.
sha256_hex() {
  if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r | cut -d' ' -f1
  elif command -v python3 >/dev/null 2>&1; then python3 -c 'import hashlib, sys
h = hashlib.sha256()
for b in iter(lambda: sys.stdin.buffer.read(1 << 20), b""): h.update(b)
print(h.hexdigest())'
  else sha256sum | cut -d' ' -f1; fi
}
# sha256 of a file by sha256sum alone: the second opinion before a file is called damaged, and the
# fallback when the fast tool printed no digest.
sha256_file() { sha256sum < "$1" | cut -d' ' -f1; }
is_sha256() { case "$1" in *[!0-9a-f]*) return 1 ;; esac; [ "\${#1}" = 64 ]; }
# Flushes the filesystem holding $1 to disk (syncfs: one call, no per-file fsync storm).
flush_fs() { sync -f "$1" 2>/dev/null || sync; }
`;

/**
 * Backup. Env: SRC_DIR (instance volume, read-only), BACKUP_ROOT, SET_PARENT (active/<c>/<i>), SET_NAME
 * (timestamp), MANIFEST_BASE (JSON), CONSISTENCY (stop|live), EXPORT_ODOO_ZIP (0|1), PG* (database and
 * credentials, from the instance's own env/Secret).
 */
export const BACKUP_SCRIPT =
  PRELUDE +
  sh`
STARTED=$(now)
DIR="$BACKUP_ROOT/$SET_PARENT"
TMP="$DIR/.partial-$SET_NAME"
FINAL="$DIR/$SET_NAME"
fail() { say "ERROR $*"; if [ -d "$TMP" ]; then printf '%s\n' "$*" > "$TMP/FAILED" || true; fi; exit 1; }
mkdir -p "$DIR"
[ ! -e "$FINAL" ] || { say "ERROR backup set $SET_PARENT/$SET_NAME already exists"; exit 1; }
mkdir "$TMP" || { say "ERROR cannot create $SET_PARENT/.partial-$SET_NAME"; exit 1; }
chmod 700 "$TMP"
on_exit() {
  rc=$?
  rm -rf "$TMP"/.work-* 2>/dev/null || true
  if [ "$rc" -ne 0 ] && [ -d "$TMP" ] && [ ! -e "$TMP/FAILED" ]; then printf 'stopped with exit code %s\n' "$rc" > "$TMP/FAILED" || true; fi
}
trap on_exit EXIT
trap 'exit 143' TERM INT HUP
pick_compressor
[ -d "$SRC_DIR" ] || fail "instance volume is not mounted at $SRC_DIR"
psql -X -q -v ON_ERROR_STOP=1 -At -c 'select 1' >/dev/null 2>"$TMP/.work-err" || fail "cannot connect to database $PGDATABASE on $PGHOST:\${PGPORT:-5432}: $(head -n1 "$TMP/.work-err")"
DATA_BYTES=$(bytes_of "$SRC_DIR")
DB_BYTES=$(psql -X -At -c 'select pg_database_size(current_database())' 2>/dev/null || echo 0)
ODOO_VERSION=$(psql -X -At -c "select latest_version from ir_module_module where name = 'base'" 2>/dev/null | tr -cd 'A-Za-z0-9.~_+-' || true)
PG_VERSION=$(psql -X -At -c 'show server_version' 2>/dev/null | cut -d' ' -f1 | tr -cd 'A-Za-z0-9._-' || true)
say "TOTAL data=$DATA_BYTES db=$DB_BYTES"

# capture NAME CMD...: CMD's output, compressed, into $TMP/NAME; its sha256 computed on the way through
# a fifo, so the file is read once. CMD's own exit status is kept (sh has no pipefail).
capture() {
  name=$1; shift
  mkfifo "$TMP/.work-fifo-$name"
  sha256_hex < "$TMP/.work-fifo-$name" > "$TMP/.work-sum-$name" &
  sumpid=$!
  { rc=0; "$@" || rc=$?; echo "$rc" > "$TMP/.work-rc-$name"; } | compress | tee "$TMP/.work-fifo-$name" > "$TMP/$name"
  wait "$sumpid" || true
  [ "$(cat "$TMP/.work-rc-$name")" = 0 ] || return 1
  is_sha256 "$(cat "$TMP/.work-sum-$name")" || sha256_file "$TMP/$name" > "$TMP/.work-sum-$name"
}
dump_db() { pg_dump --format=custom --compress=0 2>"$TMP/.work-pgdump-err"; }
# .odoo-restore-*: the files a restore replaced, until they are removed (never part of the instance).
archive_data() { tar -C "$SRC_DIR" --numeric-owner $(tar_progress data) --exclude=./lost+found --exclude='./.odoo-restore-*' -cf - .; }

DB_FILE="db.dump.$EXT"
DATA_FILE="data.tar.$EXT"
if [ "$CONSISTENCY" = stop ]; then
  # Nothing writes while the instance is stopped: dump and archive at the same time.
  say "PHASE database+data"
  capture "$DB_FILE" dump_db & dbpid=$!
  capture "$DATA_FILE" archive_data || fail "archiving the data volume failed"
  wait "$dbpid" || fail "database dump failed: $(head -n3 "$TMP/.work-pgdump-err" | tr '\n' ' ')"
else
  # Live: the dump is a snapshot taken when it starts; archiving the files after it ends captures every
  # file a dumped attachment row points to (Odoo's filestore only adds files, and removes unreferenced
  # ones in its garbage collection).
  say "PHASE database"
  capture "$DB_FILE" dump_db || fail "database dump failed: $(head -n3 "$TMP/.work-pgdump-err" | tr '\n' ' ')"
  say "PHASE data"
  capture "$DATA_FILE" archive_data || fail "archiving the data volume failed"
fi

FILES=""
: > "$TMP/SHA256SUMS"
add_file() {
  size=$(wc -c < "$TMP/$1" | tr -d ' ')
  FILES="$FILES\${FILES:+,}{\"name\":\"$1\",\"role\":\"$2\",\"size\":$size,\"sha256\":\"$3\"}"
  printf '%s  %s\n' "$3" "$1" >> "$TMP/SHA256SUMS"
}
add_file "$DB_FILE" database "$(cat "$TMP/.work-sum-$DB_FILE")"
add_file "$DATA_FILE" data "$(cat "$TMP/.work-sum-$DATA_FILE")"

if [ "\${EXPORT_ODOO_ZIP:-0}" = 1 ]; then
  # Odoo's database manager format (odoo/service/db.py dump_db): dump.sql from "pg_dump --no-owner",
  # filestore/ holding the database's filestore, manifest.json. The SQL comes from the dump above, so
  # it is the same moment as the rest of the set.
  say "PHASE odoo-zip"
  Z="$TMP/.work-zip"
  mkdir "$Z"
  decompress_file "$TMP/$DB_FILE" | pg_restore --no-owner --file="$Z/dump.sql" || fail "converting the dump to SQL failed"
  for fs in "$SRC_DIR/filestore/$PGDATABASE" "$SRC_DIR/data/filestore/$PGDATABASE"; do
    if [ -d "$fs" ]; then ln -s "$fs" "$Z/filestore"; break; fi
  done
  MODULES=$(psql -X -At -c "select coalesce(json_object_agg(name, latest_version), '{}') from ir_module_module where state = 'installed'" 2>/dev/null || echo '{}')
  MAJOR=$(printf '%s' "$ODOO_VERSION" | cut -d. -f1-2)
  printf '{"odoo_dump": "1", "db_name": "%s", "version": "%s", "version_info": [%s, "final", 0, ""], "major_version": "%s", "pg_version": "%s", "modules": %s}\n' \
    "$PGDATABASE" "$MAJOR" "$(printf '%s' "\${MAJOR:-0.0}" | sed 's/[^0-9.].*//; s/\./, /'), 0" "$MAJOR" "$PG_VERSION" "$MODULES" > "$Z/manifest.json"
  entries="dump.sql manifest.json"
  [ -e "$Z/filestore" ] && entries="$entries filestore"
  if command -v zip >/dev/null 2>&1; then
    (cd "$Z" && zip -q -r "$TMP/odoo.zip" $entries) || fail "writing odoo.zip failed"
  else
    (cd "$Z" && python3 -m zipfile -c "$TMP/odoo.zip" $entries) || fail "writing odoo.zip failed (no zip or python3 in the image)"
  fi
  rm -rf "$Z"
  add_file odoo.zip odoo-zip "$(sha256_file "$TMP/odoo.zip")"
fi

rm -rf "$TMP"/.work-*
printf '%s,"compression":"%s","odooVersion":"%s","pgVersion":"%s","dataBytes":%s,"startedAt":"%s","finishedAt":"%s","files":[%s]}\n' \
  "\${MANIFEST_BASE%\}}" "$COMP" "$ODOO_VERSION" "$PG_VERSION" "$DATA_BYTES" "$STARTED" "$(now)" "$FILES" > "$TMP/manifest.json"
# Durable before it becomes visible under its final name.
sync "$TMP"/* "$TMP" 2>/dev/null || sync
mv "$TMP" "$FINAL"
sync "$DIR" 2>/dev/null || true
printf 'MANIFEST\t'; tr -d '\n\t' < "$FINAL/manifest.json"; printf '\n'
say "SIZE $(set_bytes "$FINAL")"
say "DONE $SET_PARENT/$SET_NAME"
`;

/**
 * Restore into staging, then swap. Env: BACKUP_ROOT, SET_PATH, DATA_DIR (instance volume, read-write),
 * PGDATABASE (the instance's database), SOURCE_DB (the database name inside the backup), SCRATCH_DB,
 * OLD_DB, OP_ID, REPLACED (remove|keep), PG* credentials.
 * Until the swap, the instance's database and files are untouched; the swap renames the database and
 * moves the top-level entries of the volume, and is undone if any step of it fails.
 * REPLACED=keep leaves the replaced files in $DATA_DIR/.odoo-restore-$OP_ID/old and the replaced database
 * as OLD_DB, for REMOVE_REPLACED_SCRIPT to delete once the instance runs again: removing a large
 * filestore file by file then costs no downtime.
 */
export const RESTORE_SCRIPT =
  PRELUDE +
  sh`
SET="$BACKUP_ROOT/$SET_PATH"
STAGE="$DATA_DIR/.odoo-restore-$OP_ID"
STATE=start
DB_SWAPPED=0
say "PHASE check"
[ -f "$SET/manifest.json" ] || { say "ERROR backup $SET_PATH has no manifest.json: it is not a complete backup"; exit 1; }
[ -f "$SET/SHA256SUMS" ] || { say "ERROR backup $SET_PATH has no SHA256SUMS: it is not a complete backup"; exit 1; }
DUMP=$(set_file "$SET" db.dump) || { say "ERROR backup $SET_PATH has no database dump"; exit 1; }
DATA=$(set_file "$SET" data.tar) || { say "ERROR backup $SET_PATH has no data archive"; exit 1; }
psql_admin <<'SQL' >/dev/null || { say "ERROR cannot connect to the database server as $PGUSER"; exit 1; }
select 1;
SQL
# A new instance (restore --to NEW) gets a database of its own: never one that is already there.
if [ "\${NEW_INSTANCE:-0}" = 1 ]; then
  EXISTS=$(psql_admin -At -v target="$PGDATABASE" <<'SQL'
select count(*) from pg_database where datname = :'target';
SQL
) || { say "ERROR cannot read the database list"; exit 1; }
  [ "$EXISTS" = 0 ] || { say "ERROR database $PGDATABASE already exists; a new instance never takes over an existing database"; exit 1; }
fi
DB_CREATED=0

swap_db_back() {
  psql_admin -v target="$PGDATABASE" -v old="$OLD_DB" -v scratch="$SCRATCH_DB" <<'SQL' || true
ALTER DATABASE :"target" RENAME TO :"scratch";
ALTER DATABASE :"old" RENAME TO :"target";
SQL
}
move_entries() { # move every top-level entry of $1 into $2, except the staging folder and lost+found
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    case "\${e##*/}" in .odoo-restore-*|lost+found) continue ;; esac
    mv -- "$e" "$2/" || return 1
  done
}
# Sets db_name (and an exact dbfilter) of the odoo.conf $1 to $PGDATABASE, in place (same inode, mode
# and owner); other lines stay as they are. A symlink is left alone (its target is edited, if listed).
point_conf_at_database() {
  [ -f "$1" ] && [ ! -L "$1" ] || return 0
  tmp="$1.odoo-restore-tmp"
  while IFS= read -r line || [ -n "$line" ]; do
    key=$(printf '%s' "\${line%%=*}" | tr -d ' \t')
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
flusherpid=""
on_exit() {
  rc=$?
  [ -z "$flusherpid" ] || kill "$flusherpid" 2>/dev/null || true
  if [ "$STATE" != committed ]; then
    if [ "$STATE" = swapping-files ]; then
      # Put the old files back where they were; what came from the backup goes back to staging.
      mkdir -p "$STAGE/undo"
      move_entries "$DATA_DIR" "$STAGE/undo" || true
      move_entries "$STAGE/old" "$DATA_DIR" || true
    fi
    if [ "$DB_SWAPPED" = 1 ]; then swap_db_back; fi
    if [ "$DB_CREATED" = 1 ]; then
      psql_admin -v target="$PGDATABASE" <<'SQL' >/dev/null 2>&1 || true
DROP DATABASE IF EXISTS :"target";
SQL
    fi
    psql_admin -v scratch="$SCRATCH_DB" <<'SQL' >/dev/null 2>&1 || true
DROP DATABASE IF EXISTS :"scratch";
SQL
    rm -rf "$STAGE"
    [ "$rc" -ne 0 ] || rc=1
    say "ERROR restore failed; the instance's database and files are unchanged"
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 143' TERM INT HUP

rm -rf "$STAGE"
mkdir -p "$STAGE/new"
say "TOTAL data=$(tr ',' '\n' < "$SET/manifest.json" | sed -n 's/^"dataBytes"://p') db=$(wc -c < "$DUMP" | tr -d ' ')"
# Files and database are restored at the same time; each file's sha256 is computed while it is read
# (a fifo beside the pipe), so the set is read once, and checked before anything is swapped in. The
# archive's own check (zstd's frame checksum, gzip's CRC) covers the bytes on the way into tar.
expected_sum() { while read -r sum name; do if [ "$name" = "$1" ]; then printf '%s\n' "$sum"; return 0; fi; done < "$SET/SHA256SUMS"; return 1; }
# read_checked FILE: FILE's bytes on stdout, its sha256 into $STAGE/.sum-<name>
read_checked() {
  n=\${1##*/}
  mkfifo "$STAGE/.fifo-$n"
  sha256_hex < "$STAGE/.fifo-$n" > "$STAGE/.sum-$n" &
  tee "$STAGE/.fifo-$n" < "$1"
  wait $!
}
decompress_stream() {
  case "$1" in
    *.zst) zstd -q -dc ;;
    *.gz) if command -v pigz >/dev/null 2>&1; then pigz -dc; else gzip -dc; fi ;;
  esac
}
restore_files() {
  { rc=0; { read_checked "$DATA" | decompress_stream "$DATA"; } || rc=$?; echo "$rc" > "$STAGE/.rc-data"; } \
    | tar -C "$STAGE/new" --numeric-owner -xpf - $(tar_progress data)
}
restore_db() {
  psql_admin -v scratch="$SCRATCH_DB" <<'SQL' >/dev/null 2>"$STAGE/.err-db"
DROP DATABASE IF EXISTS :"scratch";
CREATE DATABASE :"scratch" TEMPLATE template0 ENCODING 'UTF8';
SQL
  { rc=0; { read_checked "$DUMP" | decompress_stream "$DUMP"; } || rc=$?; echo "$rc" > "$STAGE/.rc-db"; } \
    | pg_restore --no-owner --no-privileges --exit-on-error --dbname="$SCRATCH_DB" 2>"$STAGE/.err-db"
}
say "PHASE files+database"
restore_db & dbpid=$!
# The old files are removed only after the new ones are on disk. Flushing every second while tar
# writes, and the rest while the database part finishes, keeps that off the critical path.
( while sleep 1; do flush_fs "$STAGE/new"; done ) & flusherpid=$!
files_ok=1; restore_files || files_ok=0
kill "$flusherpid" 2>/dev/null || true
flush_fs "$STAGE/new" & flushpid=$!
db_ok=1; wait "$dbpid" || db_ok=0
damaged=""
for f in "$DATA" "$DUMP"; do
  n=\${f##*/}
  want=$(expected_sum "$n" || true)
  got=$(cat "$STAGE/.sum-$n" 2>/dev/null || true)
  # A read cut short by a failing consumer hashes only part of the file: hash the file itself then,
  # with sha256sum, so no file is called damaged on one tool's word.
  [ "$got" = "$want" ] || got=$(sha256_file "$f")
  [ "$got" = "$want" ] || damaged="$damaged $n"
done
[ -z "$damaged" ] || { say "ERROR checksums of backup $SET_PATH do not match SHA256SUMS ($damaged ): the backup is damaged"; exit 1; }
[ "$files_ok" = 1 ] && [ "$(cat "$STAGE/.rc-data" 2>/dev/null)" = 0 ] || { say "ERROR extracting the data archive failed (see the tar messages above)"; exit 1; }
[ "$db_ok" = 1 ] && [ "$(cat "$STAGE/.rc-db" 2>/dev/null)" = 0 ] || { say "ERROR restoring the database dump failed: $(head -n3 "$STAGE/.err-db" 2>/dev/null | tr '\n' ' ')"; exit 1; }
rm -f "$STAGE"/.fifo-* "$STAGE"/.sum-* "$STAGE"/.rc-* "$STAGE"/.err-*
wait "$flushpid" || true
if [ "$SOURCE_DB" != "$PGDATABASE" ]; then
  # A copy into another instance: its filestore folder is named after its own database.
  for base in "$STAGE/new/filestore" "$STAGE/new/data/filestore"; do
    if [ -d "$base/$SOURCE_DB" ]; then rm -rf "$base/$PGDATABASE"; mv "$base/$SOURCE_DB" "$base/$PGDATABASE"; fi
  done
  # An odoo.conf on the volume (bitnami keeps it there) names the database Odoo opens: its own.
  for conf in "$STAGE/new/conf/odoo.conf" "$STAGE/new/odoo.conf"; do point_conf_at_database "$conf"; done
fi

say "PHASE swap"
HAS_TARGET=$(psql_admin -At -v target="$PGDATABASE" <<'SQL'
select count(*) from pg_database where datname = :'target';
SQL
)
if [ "$HAS_TARGET" = 1 ]; then
  psql_admin -v target="$PGDATABASE" -v old="$OLD_DB" <<'SQL' >/dev/null
DROP DATABASE IF EXISTS :"old";
select pg_terminate_backend(pid) from pg_stat_activity where datname = :'target' and pid <> pg_backend_pid();
ALTER DATABASE :"target" RENAME TO :"old";
SQL
  DB_SWAPPED=1
fi
psql_admin -v target="$PGDATABASE" -v scratch="$SCRATCH_DB" <<'SQL' >/dev/null
ALTER DATABASE :"scratch" RENAME TO :"target";
SQL
[ "\${NEW_INSTANCE:-0}" != 1 ] || DB_CREATED=1
STATE=swapping-files
mkdir "$STAGE/old"
move_entries "$DATA_DIR" "$STAGE/old"
move_entries "$STAGE/new" "$DATA_DIR"
STATE=committed
# From here on the restored database and files are the instance's (an interruption keeps them).
say "COMMITTED"
# The renames reach the disk before the previous files are removed (the new files already did), so a
# crash at any point leaves one complete generation of files on the volume.
flush_fs "$DATA_DIR"
if [ "\${REPLACED:-remove}" = keep ]; then
  rmdir "$STAGE/new" 2>/dev/null || true
  say "REPLACED .odoo-restore-$OP_ID $([ "$DB_SWAPPED" = 1 ] && printf '%s' "$OLD_DB" || printf -- -)"
  say "DONE $SET_PATH"
  exit 0
fi
say "PHASE cleanup"
# The previous files and database go at the same time.
rm -rf "$STAGE" & rmpid=$!
if [ "$DB_SWAPPED" = 1 ]; then
  psql_admin -v old="$OLD_DB" <<'SQL' >/dev/null || say "WARNING could not drop the previous database $OLD_DB; drop it by hand"
DROP DATABASE IF EXISTS :"old";
SQL
fi
wait "$rmpid" || say "WARNING could not remove $STAGE; remove it by hand"
say "DONE $SET_PATH"
`;

/**
 * Removes what a restore with REPLACED=keep set aside. Env: DATA_DIR, OP_ID, OLD_DB, PG* credentials.
 * Runs beside the instance (it only touches the hidden folder and a database nobody uses).
 */
export const REMOVE_REPLACED_SCRIPT =
  PRELUDE +
  sh`
case "$OP_ID" in ''|*[!a-z0-9]*) say "ERROR invalid operation id"; exit 1 ;; esac
say "PHASE cleanup"
rm -rf "$DATA_DIR/.odoo-restore-$OP_ID" & rmpid=$!
dropped=0
psql_admin -v old="$OLD_DB" <<'SQL' >/dev/null && dropped=1
DROP DATABASE IF EXISTS :"old";
SQL
rc=0
wait "$rmpid" || { say "ERROR could not remove .odoo-restore-$OP_ID from the volume"; rc=1; }
[ "$dropped" = 1 ] || { say "ERROR could not drop the previous database $OLD_DB"; rc=1; }
[ "$rc" = 0 ] && say "DONE cleanup"
exit "$rc"
`;

/**
 * Lists sets, and the platform's archives (active/<customer>/<name>.tar.gz|.tgz, regular files only, names
 * of safe characters only). Env: BACKUP_ROOT, CUSTOMER_GLOB, INSTANCE_GLOB (a name or *).
 */
export const LIST_SCRIPT =
  PRELUDE +
  sh`
for g in "$CUSTOMER_GLOB" "$INSTANCE_GLOB"; do
  case "$g" in ''|*[!A-Za-z0-9_.*-]*|.*) say "ERROR invalid name pattern"; exit 1 ;; esac
done
cd "$BACKUP_ROOT"
for d in active/$CUSTOMER_GLOB/$INSTANCE_GLOB/* active/$CUSTOMER_GLOB/$INSTANCE_GLOB/.partial-*; do
  [ -d "$d" ] || continue
  m=0; [ -f "$d/manifest.json" ] && m=1
  p=0; [ -e "$d/PINNED" ] && p=1
  printf 'SET\t%s\t%s\t%s\t%s\n' "$d" "$(set_bytes "$d")" "$m" "$p"
  if [ "$m" = 1 ]; then printf 'MANIFEST\t%s\t' "$d"; tr -d '\n\t' < "$d/manifest.json"; printf '\n'; fi
  if [ -f "$d/FAILED" ]; then printf 'FAILED\t%s\t' "$d"; head -n1 "$d/FAILED" | tr -d '\t\n'; printf '\n'; fi
done
for f in active/$CUSTOMER_GLOB/*.tar.gz active/$CUSTOMER_GLOB/*.tgz; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  case "$f" in *[!A-Za-z0-9_./-]*) continue ;; esac
  printf 'ARCHIVE\t%s\t%s\t%s\n' "$f" "$(stat -c %s -- "$f" 2>/dev/null || wc -c < "$f")" "$(stat -c %Y -- "$f" 2>/dev/null || date -r "$f" +%s)"
done
say "DONE list"
`;

/**
 * Verifies a set. Env: BACKUP_ROOT, SET_PATH, RESTORE_TEST (0|1); for the restore test also
 * SOURCE_DB, SCRATCH_DB, STAGE_DIR and PG* credentials.
 *
 * A SET_PATH ending in .tar.gz/.tgz is a platform archive (volume only): gzip and tar integrity, entry
 * paths that stay inside the folder they are extracted into (no absolute path, no "..", no link whose
 * target leaves it), and the entries' first components (ENTRY lines, for the layout judge in the plugin).
 */
export const VERIFY_SCRIPT =
  PRELUDE +
  sh`
SET="$BACKUP_ROOT/$SET_PATH"
FAILS=0
check() { say "CHECK $1 $2 $3"; [ "$2" = ok ] || FAILS=$((FAILS + 1)); }
case "$SET_PATH" in
  *.tar.gz|*.tgz)
    case "$SET_PATH" in /*|*..*) say "ERROR refusing path $SET_PATH"; exit 1 ;; esac
    [ -f "$SET" ] && [ ! -L "$SET" ] || { say "ERROR backup $SET_PATH does not exist"; exit 1; }
    LIST="\${TMPDIR:-/tmp}/odoo-verify-list.$$"
    trap 'rm -f "$LIST" "$LIST.v"' EXIT
    if gzip -t -- "$SET" 2>/dev/null; then check gzip ok "intact"; else check gzip fail "gzip data is corrupt or truncated"; fi
    if gzip -dc -- "$SET" 2>/dev/null | tar -tf - > "$LIST" 2>/dev/null; then
      check tar ok "$(wc -l < "$LIST" | tr -d ' ') entries"
      # Symbolic and hard link targets from the verbose listing ("name -> target", "name link to target").
      gzip -dc -- "$SET" 2>/dev/null | tar -tvf - 2>/dev/null | sed -n 's/.* -> \(.*\)$/\1/p; s/.* link to \(.*\)$/\1/p' > "$LIST.v" || true
      bad=$( { awk '{ if (substr($0, 1, 1) == "/" || $0 ~ /(^|\/)\.\.(\/|$)/) print "entry " $0 }' "$LIST"
               awk '{ if (substr($0, 1, 1) == "/" || $0 ~ /(^|\/)\.\.(\/|$)/) print "link to " $0 }' "$LIST.v"; } )
      if [ -z "$bad" ]; then
        check paths ok "every entry stays inside the volume"
      else
        printf '%s\n' "$bad" | head -n 10 | while IFS= read -r l; do say "UNSAFE $l"; done
        check paths fail "$(printf '%s\n' "$bad" | wc -l | tr -d ' ') absolute or \"..\" path(s): refused, never extracted"
      fi
      sed 's#^\(\./\)*##' "$LIST" | cut -d/ -f1-4 | sort -u | head -n 2000 | while IFS= read -r e; do say "ENTRY $e"; done
    else
      check tar fail "the archive cannot be listed by tar (corrupt or truncated)"
    fi
    if [ "$FAILS" = 0 ]; then say "DONE verify"; else say "ERROR $FAILS check(s) failed"; exit 1; fi
    exit 0 ;;
esac
[ -d "$SET" ] || { say "ERROR backup $SET_PATH does not exist"; exit 1; }
if [ -f "$SET/manifest.json" ]; then
  printf 'MANIFEST\t'; tr -d '\n\t' < "$SET/manifest.json"; printf '\n'
  check manifest ok "present"
else
  check manifest fail "manifest.json is missing: not a complete backup"
fi
if [ -f "$SET/SHA256SUMS" ]; then
  while IFS= read -r line; do printf 'SUMS\t%s\n' "$line"; done < "$SET/SHA256SUMS"
  while read -r sum name; do
    if [ ! -f "$SET/$name" ]; then check "sha256:$name" fail "file is missing"; continue; fi
    actual=$(sha256_hex < "$SET/$name")
    [ "$actual" = "$sum" ] || actual=$(sha256_file "$SET/$name")
    if [ "$actual" = "$sum" ]; then check "sha256:$name" ok "$sum"; else check "sha256:$name" fail "is $actual, expected $sum"; fi
  done < "$SET/SHA256SUMS"
else
  check sha256 fail "SHA256SUMS is missing"
fi
LIST="\${TMPDIR:-/tmp}/odoo-verify-list.$$"
if DATA=$(set_file "$SET" data.tar); then
  if ! test_compressed "$DATA"; then
    check archive fail "data archive is corrupt or truncated (decompression test failed)"
  elif decompress_file "$DATA" | tar -tf - > "$LIST" 2>/dev/null; then
    check archive ok "$(wc -l < "$LIST" | tr -d ' ') entries"
  else
    check archive fail "data archive cannot be listed by tar"
  fi
  rm -f "$LIST"
else
  check archive fail "data archive is missing"
fi
if DUMP=$(set_file "$SET" db.dump); then
  if ! test_compressed "$DUMP"; then
    check dump fail "database dump is corrupt or truncated (decompression test failed)"
  elif toc=$(decompress_file "$DUMP" 2>/dev/null | pg_restore --list 2>/dev/null); then
    check dump ok "$(printf '%s\n' "$toc" | grep -c ' TABLE DATA ' || true) tables with data"
  else
    check dump fail "database dump cannot be read (corrupt or truncated)"
  fi
else
  check dump fail "database dump is missing"
fi
if [ -f "$SET/odoo.zip" ]; then
  if command -v unzip >/dev/null 2>&1; then
    if unzip -tq "$SET/odoo.zip" >/dev/null 2>&1; then check odoo-zip ok "readable"; else check odoo-zip fail "odoo.zip cannot be read"; fi
  fi
fi

if [ "\${RESTORE_TEST:-0}" = 1 ] && [ "$FAILS" = 0 ]; then
  cleanup() {
    psql_admin -v scratch="$SCRATCH_DB" <<'SQL' >/dev/null 2>&1 || true
DROP DATABASE IF EXISTS :"scratch";
SQL
    rm -rf "$STAGE_DIR"
  }
  trap cleanup EXIT
  trap 'exit 143' TERM INT HUP
  rm -rf "$STAGE_DIR"; mkdir -p "$STAGE_DIR/data"
  say "PHASE restore-test"
  if decompress_file "$DATA" | tar -C "$STAGE_DIR/data" --numeric-owner -xpf - $(tar_progress data); then
    check restore-files ok "extracted"
  else
    check restore-files fail "extracting the data archive failed"
  fi
  psql_admin -v scratch="$SCRATCH_DB" <<'SQL' >/dev/null
DROP DATABASE IF EXISTS :"scratch";
CREATE DATABASE :"scratch" TEMPLATE template0 ENCODING 'UTF8';
SQL
  if decompress_file "$DUMP" | pg_restore --no-owner --no-privileges --exit-on-error --dbname="$SCRATCH_DB" 2>"$STAGE_DIR/err"; then
    check restore-database ok "restored into a scratch database"
    FS=""
    for c in "$STAGE_DIR/data/filestore/$SOURCE_DB" "$STAGE_DIR/data/data/filestore/$SOURCE_DB"; do [ -d "$c" ] && FS=$c && break; done
    psql -X -At -F ' ' -v ON_ERROR_STOP=1 --dbname="$SCRATCH_DB" -c "select store_fname, coalesce(file_size, -1), coalesce(checksum, '-') from ir_attachment where coalesce(store_fname, '') <> ''" > "$STAGE_DIR/rows" 2>"$STAGE_DIR/err" \
      || { check attachments fail "cannot read ir_attachment: $(head -n1 "$STAGE_DIR/err")"; exit 1; }
    : > "$STAGE_DIR/files"
    if [ -n "$FS" ]; then
      (cd "$FS" && find . -type f -exec sha1sum {} + | sed 's#  \./# #') > "$STAGE_DIR/sha1"
      (cd "$FS" && find . -type f -exec wc -c {} + | sed 's#^ *##; s# \./# #' | grep -v ' total$' || true) > "$STAGE_DIR/sizes"
    else
      : > "$STAGE_DIR/sha1"; : > "$STAGE_DIR/sizes"
    fi
    # rows: "<store_fname> <file_size> <checksum>"; sha1: "<sha1> <path>"; sizes: "<bytes> <path>"
    awk -v sha1="$STAGE_DIR/sha1" -v sizes="$STAGE_DIR/sizes" '
      BEGIN { while ((getline l < sha1) > 0) { split(l, a, " "); h[a[2]] = a[1] }
              while ((getline l < sizes) > 0) { split(l, a, " "); s[a[2]] = a[1] } }
      { n++; if (!($1 in h)) { miss++; if (miss <= 10) print "MISSING " $1; next }
        if (($3 != "-" && h[$1] != $3) || ($2 >= 0 && s[$1] != $2)) { bad++; if (bad <= 10) print "MISMATCH " $1; next }
        ok++ }
      END { printf "ATTACHMENTS rows=%d ok=%d missing=%d mismatched=%d\n", n, ok, miss, bad }' "$STAGE_DIR/rows" > "$STAGE_DIR/result"
    cat "$STAGE_DIR/result"
    if grep -q ' missing=0 mismatched=0$' "$STAGE_DIR/result"; then
      check attachments ok "$(tail -n1 "$STAGE_DIR/result" | cut -d' ' -f2-)"
    else
      check attachments fail "$(tail -n1 "$STAGE_DIR/result" | cut -d' ' -f2-)"
    fi
  else
    check restore-database fail "pg_restore failed: $(head -n2 "$STAGE_DIR/err" | tr '\n' ' ')"
  fi
fi
if [ "$FAILS" = 0 ]; then say "DONE verify"; else say "ERROR $FAILS check(s) failed"; exit 1; fi
`;

/**
 * Deletes, pins or unpins sets; deletes platform archives. Env: BACKUP_ROOT, OP (delete|pin|unpin), SETS
 * (folders or archive files, one per line).
 * A deleted set is first renamed to .deleting-<timestamp>, so a prune cut short never leaves a
 * half-deleted folder under a complete-looking name.
 */
export const SET_OPS_SCRIPT =
  PRELUDE +
  sh`
printf '%s\n' "$SETS" | while IFS= read -r p; do
  [ -n "$p" ] || continue
  case "$p" in /*|*..*|*//*) say "ERROR refusing path $p"; exit 1 ;; esac
  d="$BACKUP_ROOT/$p"
  # A platform archive: a file active/<customer>/<name>.tar.gz|.tgz, deleted only by a prune that includes them.
  case "$p" in
    active/*/*.tar.gz|active/*/*.tgz)
      case "\${p#active/*/}" in */*) ;; *)
        [ "$OP" = delete ] || { say "ERROR $p is a platform archive: it cannot be pinned"; exit 1; }
        [ -f "$d" ] && [ ! -L "$d" ] || { say "GONE $p"; continue; }
        gone="$BACKUP_ROOT/\${p%/*}/.deleting-\${p##*/}"
        mv -- "$d" "$gone" && rm -f -- "$gone" && say "DELETED $p"
        continue ;;
      esac ;;
  esac
  case "$p" in active/*/*/*) ;; *) say "ERROR refusing path $p"; exit 1 ;; esac
  case "$OP" in
    delete)
      [ -d "$d" ] || { say "GONE $p"; continue; }
      if [ -e "$d/PINNED" ]; then say "SKIPPED $p pinned"; continue; fi
      leaf=\${p##*/}; leaf=\${leaf#.partial-}
      gone="$BACKUP_ROOT/\${p%/*}/.deleting-$leaf"
      mv -- "$d" "$gone" && rm -rf -- "$gone" && say "DELETED $p" ;;
    pin)
      [ -f "$d/manifest.json" ] || { say "ERROR $p is not a complete backup"; exit 1; }
      : > "$d/PINNED"; say "PINNED $p" ;;
    unpin)
      [ -d "$d" ] || { say "ERROR $p does not exist"; exit 1; }
      rm -f -- "$d/PINNED"; say "UNPINNED $p" ;;
    *) say "ERROR unknown operation $OP"; exit 1 ;;
  esac
done
say "DONE $OP"
`;
