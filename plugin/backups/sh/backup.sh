# shellcheck shell=sh
STARTED=$(now)
DIR="$BACKUP_ROOT/$SET_PARENT"
TMP="$DIR/.partial-$SET_NAME"
FINAL="$DIR/$SET_NAME"
# Pipeline bookkeeping (exit statuses, fifos, sums) lives off the backups volume, so a full volume
# cannot lose it.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/odoo-backup.XXXXXX" 2>/dev/null) || WORK=""
MADE_TMP=0
fail() {
  say "ERROR $*"
  if [ "$MADE_TMP" = 1 ] && [ -d "$TMP" ]; then
    discard_files
    printf '%s\n' "$*" > "$TMP/FAILED" 2>/dev/null || true
  fi
  exit 1
}
# The partial files of a failed set are no backup: they go, so they never pass for one and their
# space comes back.
discard_files() { rm -rf "$TMP"/db.dump.* "$TMP"/data.tar.* "$TMP"/odoo.zip "$TMP"/SHA256SUMS "$TMP"/manifest.json "$TMP"/.work-zip 2>/dev/null || true; }
on_exit() {
  rc=$?
  [ -z "$WORK" ] || rm -rf "$WORK"
  if [ "$rc" -ne 0 ] && [ "$MADE_TMP" = 1 ] && [ -d "$TMP" ] && [ ! -e "$TMP/FAILED" ]; then
    discard_files
    case "$rc" in
      129|130|143) printf 'interrupted (signal %s) before it was complete\n' "$((rc - 128))" > "$TMP/FAILED" 2>/dev/null || true ;;
      *) printf 'stopped with exit code %s before it was complete\n' "$rc" > "$TMP/FAILED" 2>/dev/null || true ;;
    esac
  fi
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
[ -n "$WORK" ] || { say "ERROR cannot create a work folder under ${TMPDIR:-/tmp}"; exit 1; }
pick_compressor
mkdir -p "$DIR" 2>"$WORK/err-mkdir" || { say "ERROR cannot create $SET_PARENT on the backups volume: $(head -n1 "$WORK/err-mkdir")"; exit 1; }
[ ! -e "$FINAL" ] || { say "ERROR backup set $SET_PARENT/$SET_NAME already exists"; exit 1; }
mkdir "$TMP" 2>"$WORK/err-mkdir" || { say "ERROR cannot create $SET_PARENT/.partial-$SET_NAME on the backups volume: $(head -n1 "$WORK/err-mkdir")"; exit 1; }
MADE_TMP=1
chmod 700 "$TMP"
[ -d "$SRC_DIR" ] || fail "instance volume is not mounted at $SRC_DIR"
psql -X -q -v ON_ERROR_STOP=1 -At -c 'select 1' >/dev/null 2>"$WORK/err-psql" || fail "cannot connect to database $PGDATABASE on $PGHOST:${PGPORT:-5432}: $(head -n1 "$WORK/err-psql")"
DATA_BYTES=$(bytes_of "$SRC_DIR")
DB_BYTES=$(psql -X -At -c 'select pg_database_size(current_database())' 2>/dev/null || echo 0)
ODOO_VERSION=$(psql -X -At -c "select latest_version from ir_module_module where name = 'base'" 2>/dev/null | tr -cd 'A-Za-z0-9.~_+-' || true)
PG_VERSION=$(psql -X -At -c 'show server_version' 2>/dev/null | cut -d' ' -f1 | tr -cd 'A-Za-z0-9._-' || true)

# Will it fit? The newest complete set of this instance gives the usual compression; without one, a
# low guess (files 1:2, database 1:10), so only a backup that clearly cannot fit is refused here.
PREV=""
for d in "$DIR"/*; do [ -f "$d/manifest.json" ] && PREV=$d; done
NEED=$(
  if [ -n "$PREV" ]; then
    pd=$(tr ',' '\n' < "$PREV/manifest.json" | sed -n 's/^"dataBytes"://p' | head -n1)
    pb=$(tr ',' '\n' < "$PREV/manifest.json" | sed -n 's/^"dbBytes"://p' | head -n1)
    # shellcheck disable=SC2020 # both characters become line breaks
    ps=$(tr ',{' '\n\n' < "$PREV/manifest.json" | sed -n 's/^"size"://p' | awk '{ s += $1 } END { printf "%.0f", s }')
    awk -v d="$DATA_BYTES" -v b="$DB_BYTES" -v pd="${pd:-0}" -v pb="${pb:-0}" -v ps="${ps:-0}" \
      'BEGIN { if (pd + pb > 0 && ps > 0) printf "%.0f\n", (d + b) * ps / (pd + pb) * 0.9; else printf "%.0f\n", d / 2 + b / 10 }'
  else
    awk -v d="$DATA_BYTES" -v b="$DB_BYTES" 'BEGIN { printf "%.0f\n", d / 2 + b / 10 }'
  fi
)
FREE=$(free_bytes "$DIR")
if [ -n "$FREE" ] && [ "$FREE" -lt "$NEED" ]; then
  fail "not enough space on the backups volume: about $(human "$NEED") needed (files $(human "$DATA_BYTES") and database $(human "$DB_BYTES") at the usual compression), $(human "$FREE") free"
fi
say "TOTAL data=$DATA_BYTES db=$DB_BYTES"

# A write that failed for lack of room: the one-line reason, with the free space at that moment.
out_of_space() { cat "$WORK"/err-* 2>/dev/null | grep -q 'No space left on device'; }
space_fail() {
  free=$(free_bytes "$DIR")
  fail "no space left on device on the backups volume ($(human "${free:-0}") free)"
}
# capture NAME CMD...: CMD's output, compressed, into $TMP/NAME. Each stage records its own exit status
# (sh has no pipefail); the stream's sha256 is taken on the way through (a fifo). tee ends 0 only when
# every byte reached the file, and the proof below reads the file back against that sha256, so a
# short or changed file cannot pass.
capture() {
  name=$1; shift
  w="$WORK/$name"
  mkfifo "$w.fifo-sum"
  sha256_hex < "$w.fifo-sum" > "$w.sum" &
  sumpid=$!
  { rc=0; "$@" || rc=$?; echo "$rc" > "$w.rc-produce"; } \
    | { rc=0; compress 2>"$WORK/err-compress-$name" || rc=$?; echo "$rc" > "$w.rc-compress"; } \
    | { rc=0; tee "$w.fifo-sum" > "$TMP/$name" 2>"$WORK/err-write-$name" || rc=$?; echo "$rc" > "$w.rc-write"; }
  wait "$sumpid" || true
  for stage in produce compress write; do [ "$(cat "$w.rc-$stage" 2>/dev/null)" = 0 ] || return 1; done
  is_sha256 "$(cat "$w.sum")"
}
captured() { # captured NAME WHAT: fail with the reason of the stage of capture NAME that failed
  out_of_space && space_fail
  stage=sum
  for s in write compress produce; do [ "$(cat "$WORK/$1.rc-$s" 2>/dev/null)" = 0 ] || stage=$s; done
  case "$stage" in
    produce) fail "$2" ;;
    compress) fail "compressing $1 failed: $(head -n1 "$WORK/err-compress-$1")" ;;
    write) fail "writing $1 to the backups volume failed: $(head -n1 "$WORK/err-write-$1")" ;;
    *) fail "computing the sha256 of $1 failed" ;;
  esac
}
# Runs a capture in the background and waits for it: a shell waiting in `wait` takes a TERM at once
# (its trap ends the script), where one running a pipeline in the foreground would hold it until
# pg_dump or tar ends, which, behind a lock, may be never.
waiting() { "$@" & waitpid=$!; wait "$waitpid"; }
dump_db() { pg_dump --format=custom --compress=0 2>"$WORK/pgdump-err"; }
# .odoo-restore-*: the files a restore replaced, until they are removed (never part of the instance).
# shellcheck disable=SC2046 # tar_progress prints options, split into words on purpose
archive_data() { tar -C "$SRC_DIR" --numeric-owner $(tar_progress data) --exclude=./lost+found --exclude='./.odoo-restore-*' -cf - .; }
dump_failed() { printf 'database dump failed: %s' "$(head -n3 "$WORK/pgdump-err" 2>/dev/null | tr '\n' ' ')"; }

DB_FILE="db.dump.$EXT"
DATA_FILE="data.tar.$EXT"
if [ "$CONSISTENCY" = stop ]; then
  # Nothing writes while the instance is stopped: dump and archive at the same time.
  phase database+data
  capture "$DB_FILE" dump_db & dbpid=$!
  waiting capture "$DATA_FILE" archive_data || captured "$DATA_FILE" "archiving the data volume failed"
  wait "$dbpid" || captured "$DB_FILE" "$(dump_failed)"
else
  # Live: the dump is a snapshot taken when it starts; archiving the files after it ends captures every
  # file a dumped attachment row points to (Odoo's filestore only adds files, and removes unreferenced
  # ones in its garbage collection).
  phase database
  waiting capture "$DB_FILE" dump_db || captured "$DB_FILE" "$(dump_failed)"
  phase data
  waiting capture "$DATA_FILE" archive_data || captured "$DATA_FILE" "archiving the data volume failed"
fi

if [ "${EXPORT_ODOO_ZIP:-0}" = 1 ]; then
  # Odoo's database manager format (odoo/service/db.py dump_db): dump.sql from "pg_dump --no-owner",
  # filestore/ holding the database's filestore, manifest.json. The SQL comes from the dump above, so
  # it is the same moment as the rest of the set.
  phase odoo-zip
  Z="$TMP/.work-zip"
  mkdir "$Z"
  decompress_file "$TMP/$DB_FILE" | pg_restore --no-owner --file="$Z/dump.sql" 2>"$WORK/err-write-zipsql" || { rm -rf "$Z"; out_of_space && space_fail; fail "converting the dump to SQL failed"; }
  for fs in "$SRC_DIR/filestore/$PGDATABASE" "$SRC_DIR/data/filestore/$PGDATABASE"; do
    if [ -d "$fs" ]; then ln -s "$fs" "$Z/filestore"; break; fi
  done
  MODULES=$(psql -X -At -c "select coalesce(json_object_agg(name, latest_version), '{}') from ir_module_module where state = 'installed'" 2>/dev/null || echo '{}')
  MAJOR=$(printf '%s' "$ODOO_VERSION" | cut -d. -f1-2)
  printf '{"odoo_dump": "1", "db_name": "%s", "version": "%s", "version_info": [%s, "final", 0, ""], "major_version": "%s", "pg_version": "%s", "modules": %s}\n' \
    "$PGDATABASE" "$MAJOR" "$(printf '%s' "${MAJOR:-0.0}" | sed 's/[^0-9.].*//; s/\./, /'), 0" "$MAJOR" "$PG_VERSION" "$MODULES" > "$Z/manifest.json" 2>"$WORK/err-write-zipmanifest" || { rm -rf "$Z"; space_fail; }
  entries="dump.sql manifest.json"
  [ -e "$Z/filestore" ] && entries="$entries filestore"
  if command -v zip >/dev/null 2>&1; then
    # shellcheck disable=SC2086 # entries is a list of safe top-level names
    (cd "$Z" && zip -q -r "$TMP/odoo.zip" $entries) 2>"$WORK/err-write-zip" || { rm -rf "$Z"; out_of_space && space_fail; fail "writing odoo.zip failed: $(head -n1 "$WORK/err-write-zip")"; }
  else
    # shellcheck disable=SC2086 # entries is a list of safe top-level names
    (cd "$Z" && python3 -m zipfile -c "$TMP/odoo.zip" $entries) 2>"$WORK/err-write-zip" || { rm -rf "$Z"; out_of_space && space_fail; fail "writing odoo.zip failed (no zip or python3 in the image)"; }
  fi
  rm -rf "$Z"
  sha256_file "$TMP/odoo.zip" > "$WORK/odoo.zip.sum"
fi

# The proof: every file flushed, then read back from the disk; its size and sha256 must be those of the
# stream that was written. Then the checksums and the manifest, each read back as well.
phase prove
NAMES="$DB_FILE $DATA_FILE"
[ "${EXPORT_ODOO_ZIP:-0}" != 1 ] || NAMES="$NAMES odoo.zip"
for n in $NAMES; do
  sync_file "$TMP/$n" 2>"$WORK/err-sync-$n" || { out_of_space && space_fail; fail "flushing $n to the backups volume failed: $(head -n1 "$WORK/err-sync-$n")"; }
done
FILES=""
SUMS=""
for n in $NAMES; do
  want=$(cat "$WORK/$n.sum")
  size=$(size_of "$TMP/$n")
  got=$(read_back "$TMP/$n" | sha256_hex)
  # A second opinion from sha256sum before a file is called damaged.
  [ "$got" = "$want" ] || got=$(read_back "$TMP/$n" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || { out_of_space && space_fail; fail "$n as read back from the backups volume does not match what was written (sha256 $got, expected $want)"; }
  case "$n" in db.dump.*) role=database ;; data.tar.*) role=data ;; *) role=odoo-zip ;; esac
  FILES="$FILES${FILES:+,}{\"name\":\"$n\",\"role\":\"$role\",\"size\":$size,\"sha256\":\"$want\"}"
  SUMS="$SUMS$want  $n$NL"
done
MANIFEST=$(printf '%s,"compression":"%s","odooVersion":"%s","pgVersion":"%s","dataBytes":%s,"dbBytes":%s,"startedAt":"%s","finishedAt":"%s","proof":"reread","files":[%s]}' \
  "${MANIFEST_BASE%\}}" "$COMP" "$ODOO_VERSION" "$PG_VERSION" "$DATA_BYTES" "${DB_BYTES:-0}" "$STARTED" "$(now)" "$FILES")
write_checked() { # write_checked FILE CONTENT: written, flushed and read back equal
  printf '%s' "$2" > "$1" 2>"$WORK/err-write-small" || { out_of_space && space_fail; fail "writing ${1##*/} failed: $(head -n1 "$WORK/err-write-small")"; }
  sync_file "$1" 2>"$WORK/err-sync-small" || { out_of_space && space_fail; fail "flushing ${1##*/} failed: $(head -n1 "$WORK/err-sync-small")"; }
  [ "$(read_back "$1" | sha256_hex)" = "$(printf '%s' "$2" | sha256_hex)" ] || fail "${1##*/} as read back from the backups volume does not match what was written"
}
write_checked "$TMP/SHA256SUMS" "$SUMS"
write_checked "$TMP/manifest.json" "$MANIFEST$NL"
sync_file "$TMP" 2>/dev/null || sync
point rename
mv "$TMP" "$FINAL"
MADE_TMP=0
sync_file "$DIR" 2>/dev/null || sync
printf 'MANIFEST\t'; tr -d '\n\t' < "$FINAL/manifest.json"; printf '\n'
say "SIZE $(set_bytes "$FINAL")"
say "DONE $SET_PARENT/$SET_NAME"
