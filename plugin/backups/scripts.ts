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
  [ -n "\${SHA_TOOL:-}" ] || pick_sha_tool
  case "$SHA_TOOL" in
    openssl) openssl dgst -sha256 -r | cut -d' ' -f1 ;;
    python3) python3 -c 'import hashlib, sys
h = hashlib.sha256()
for b in iter(lambda: sys.stdin.buffer.read(1 << 20), b""): h.update(b)
print(h.hexdigest())' ;;
    *) sha256sum | cut -d' ' -f1 ;;
  esac
}
# The fast tool only once it gave the right digest of a known input.
pick_sha_tool() {
  abc=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  if command -v openssl >/dev/null 2>&1 && [ "$(printf abc | openssl dgst -sha256 -r 2>/dev/null | cut -d' ' -f1)" = "$abc" ]; then SHA_TOOL=openssl
  elif command -v python3 >/dev/null 2>&1 && [ "$(printf abc | python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())' 2>/dev/null)" = "$abc" ]; then SHA_TOOL=python3
  else SHA_TOOL=sha256sum
  fi
}
# sha256 of a file by sha256sum alone: the second opinion before a file is called damaged, and the
# fallback when the fast tool printed no digest.
sha256_file() { sha256sum < "$1" | cut -d' ' -f1; }
is_sha256() { case "$1" in *[!0-9a-f]*) return 1 ;; esac; [ "\${#1}" = 64 ]; }
# Flushes the filesystem holding $1 to disk (syncfs: one call, no per-file fsync storm).
flush_fs() { sync -f "$1" 2>/dev/null || sync; }
# A test hook: with PAUSE_AT=<point> the script waits at that point for as long as PAUSE_FILE exists,
# so a test can interrupt it at an exact step. Unset in every Job the plugin makes for users.
point() {
  if [ -n "\${PAUSE_AT:-}" ] && [ "$PAUSE_AT" = "$1" ]; then
    say "PAUSED $1"
    while [ -e "\${PAUSE_FILE:-/nonexistent}" ]; do sleep 0.1; done
  fi
}
phase() { say "PHASE $1"; point "$1"; }
# Free bytes on the file system holding $1 (POSIX df: 1024-byte blocks).
free_bytes() { df -Pk "$1" 2>/dev/null | awk 'NR == 2 { printf "%.0f\n", $4 * 1024 }'; }
# 1.5Gi, 512Mi, 12Ki, 100B: the sizes the plugin prints.
human() { awk -v b="$1" 'BEGIN { split("B Ki Mi Gi Ti Pi", u, " "); i = 1; while (b >= 1024 && i < 6) { b /= 1024; i++ }; if (i == 1) printf "%dB\n", b; else { s = sprintf("%.1f", b); sub(/\.0$/, "", s); printf "%s%s\n", s, u[i] } }'; }
# fsync of one file (coreutils and busybox sync take files); the whole system's sync where they do not.
sync_file() {
  if [ -z "\${SYNC_FILES:-}" ]; then
    SYNC_FILES=0
    p="\${WORK:-/tmp}/.sync-probe.$$"
    if : > "$p" 2>/dev/null && sync -- "$p" 2>/dev/null; then SYNC_FILES=1; fi
    rm -f "$p"
  fi
  if [ "$SYNC_FILES" = 1 ]; then sync -- "$@"; else sync; fi
}
# The bytes of a file as they are on the disk, not in the page cache, where O_DIRECT works (it does on
# ext4, XFS and CephFS); a plain read elsewhere.
read_back() {
  if dd if="$1" of=/dev/null iflag=direct bs=4M count=1 status=none 2>/dev/null; then
    dd if="$1" iflag=direct bs=4M status=none
  else
    cat -- "$1"
  fi
}
size_of() { stat -c %s -- "$1" 2>/dev/null || wc -c < "$1" | tr -d ' '; }
NL='
'
`;

/**
 * Backup. Env: SRC_DIR (instance volume, read-only), BACKUP_ROOT, SET_PARENT (active/<c>/<i>), SET_NAME
 * (timestamp), MANIFEST_BASE (JSON), CONSISTENCY (stop|live), EXPORT_ODOO_ZIP (0|1), PG* (database and
 * credentials, from the instance's own env/Secret).
 *
 * A set is complete only when it is proven: every stage of every pipeline exited 0, each file was
 * flushed, then read back from the disk, and its size and sha256 equal those of the stream that was
 * written. Only then is the folder renamed from .partial-<ts> to <ts>. Any failure (a full volume
 * included) leaves a .partial-<ts> folder holding only a FAILED note; its unusable files are removed.
 */
export const BACKUP_SCRIPT =
  PRELUDE +
  sh`
STARTED=$(now)
DIR="$BACKUP_ROOT/$SET_PARENT"
TMP="$DIR/.partial-$SET_NAME"
FINAL="$DIR/$SET_NAME"
# Pipeline bookkeeping (exit statuses, fifos, sums) lives off the backups volume, so a full volume
# cannot lose it.
WORK=$(mktemp -d "\${TMPDIR:-/tmp}/odoo-backup.XXXXXX" 2>/dev/null) || WORK=""
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
[ -n "$WORK" ] || { say "ERROR cannot create a work folder under \${TMPDIR:-/tmp}"; exit 1; }
pick_compressor
mkdir -p "$DIR" 2>"$WORK/err-mkdir" || { say "ERROR cannot create $SET_PARENT on the backups volume: $(head -n1 "$WORK/err-mkdir")"; exit 1; }
[ ! -e "$FINAL" ] || { say "ERROR backup set $SET_PARENT/$SET_NAME already exists"; exit 1; }
mkdir "$TMP" 2>"$WORK/err-mkdir" || { say "ERROR cannot create $SET_PARENT/.partial-$SET_NAME on the backups volume: $(head -n1 "$WORK/err-mkdir")"; exit 1; }
MADE_TMP=1
chmod 700 "$TMP"
[ -d "$SRC_DIR" ] || fail "instance volume is not mounted at $SRC_DIR"
psql -X -q -v ON_ERROR_STOP=1 -At -c 'select 1' >/dev/null 2>"$WORK/err-psql" || fail "cannot connect to database $PGDATABASE on $PGHOST:\${PGPORT:-5432}: $(head -n1 "$WORK/err-psql")"
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
    ps=$(tr ',{' '\n\n' < "$PREV/manifest.json" | sed -n 's/^"size"://p' | awk '{ s += $1 } END { printf "%.0f", s }')
    awk -v d="$DATA_BYTES" -v b="$DB_BYTES" -v pd="\${pd:-0}" -v pb="\${pb:-0}" -v ps="\${ps:-0}" \
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
  fail "no space left on device on the backups volume ($(human "\${free:-0}") free)"
}
# capture NAME CMD...: CMD's output, compressed, into $TMP/NAME. Each stage records its own exit status
# (sh has no pipefail); the stream's sha256 and byte count are taken on the way through (fifos).
capture() {
  name=$1; shift
  w="$WORK/$name"
  mkfifo "$w.fifo-sum" "$w.fifo-count"
  sha256_hex < "$w.fifo-sum" > "$w.sum" &
  sumpid=$!
  wc -c < "$w.fifo-count" | tr -d ' ' > "$w.count" &
  countpid=$!
  { rc=0; "$@" || rc=$?; echo "$rc" > "$w.rc-produce"; } \
    | { rc=0; compress 2>"$WORK/err-compress-$name" || rc=$?; echo "$rc" > "$w.rc-compress"; } \
    | { rc=0; tee "$w.fifo-sum" "$w.fifo-count" > "$TMP/$name" 2>"$WORK/err-write-$name" || rc=$?; echo "$rc" > "$w.rc-write"; }
  wait "$sumpid" || true
  wait "$countpid" || true
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
dump_db() { pg_dump --format=custom --compress=0 2>"$WORK/pgdump-err"; }
# .odoo-restore-*: the files a restore replaced, until they are removed (never part of the instance).
archive_data() { tar -C "$SRC_DIR" --numeric-owner $(tar_progress data) --exclude=./lost+found --exclude='./.odoo-restore-*' -cf - .; }
dump_failed() { printf 'database dump failed: %s' "$(head -n3 "$WORK/pgdump-err" 2>/dev/null | tr '\n' ' ')"; }

DB_FILE="db.dump.$EXT"
DATA_FILE="data.tar.$EXT"
if [ "$CONSISTENCY" = stop ]; then
  # Nothing writes while the instance is stopped: dump and archive at the same time.
  phase database+data
  capture "$DB_FILE" dump_db & dbpid=$!
  capture "$DATA_FILE" archive_data || captured "$DATA_FILE" "archiving the data volume failed"
  wait "$dbpid" || captured "$DB_FILE" "$(dump_failed)"
else
  # Live: the dump is a snapshot taken when it starts; archiving the files after it ends captures every
  # file a dumped attachment row points to (Odoo's filestore only adds files, and removes unreferenced
  # ones in its garbage collection).
  phase database
  capture "$DB_FILE" dump_db || captured "$DB_FILE" "$(dump_failed)"
  phase data
  capture "$DATA_FILE" archive_data || captured "$DATA_FILE" "archiving the data volume failed"
fi

if [ "\${EXPORT_ODOO_ZIP:-0}" = 1 ]; then
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
    "$PGDATABASE" "$MAJOR" "$(printf '%s' "\${MAJOR:-0.0}" | sed 's/[^0-9.].*//; s/\./, /'), 0" "$MAJOR" "$PG_VERSION" "$MODULES" > "$Z/manifest.json" 2>"$WORK/err-write-zipmanifest" || { rm -rf "$Z"; space_fail; }
  entries="dump.sql manifest.json"
  [ -e "$Z/filestore" ] && entries="$entries filestore"
  if command -v zip >/dev/null 2>&1; then
    (cd "$Z" && zip -q -r "$TMP/odoo.zip" $entries) 2>"$WORK/err-write-zip" || { rm -rf "$Z"; out_of_space && space_fail; fail "writing odoo.zip failed: $(head -n1 "$WORK/err-write-zip")"; }
  else
    (cd "$Z" && python3 -m zipfile -c "$TMP/odoo.zip" $entries) 2>"$WORK/err-write-zip" || { rm -rf "$Z"; out_of_space && space_fail; fail "writing odoo.zip failed (no zip or python3 in the image)"; }
  fi
  rm -rf "$Z"
  sha256_file "$TMP/odoo.zip" > "$WORK/odoo.zip.sum"
  size_of "$TMP/odoo.zip" > "$WORK/odoo.zip.count"
fi

# The proof: every file flushed, then read back from the disk; its size and sha256 must be those of the
# stream that was written. Then the checksums and the manifest, each read back as well.
phase prove
NAMES="$DB_FILE $DATA_FILE"
[ "\${EXPORT_ODOO_ZIP:-0}" != 1 ] || NAMES="$NAMES odoo.zip"
for n in $NAMES; do
  sync_file "$TMP/$n" 2>"$WORK/err-sync-$n" || { out_of_space && space_fail; fail "flushing $n to the backups volume failed: $(head -n1 "$WORK/err-sync-$n")"; }
done
FILES=""
SUMS=""
for n in $NAMES; do
  want=$(cat "$WORK/$n.sum")
  count=$(cat "$WORK/$n.count")
  size=$(size_of "$TMP/$n")
  [ "$size" = "$count" ] || { out_of_space && space_fail; fail "$n on the backups volume has $size bytes, $count were written"; }
  got=$(read_back "$TMP/$n" | sha256_hex)
  # A second opinion from sha256sum before a file is called damaged.
  [ "$got" = "$want" ] || got=$(read_back "$TMP/$n" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || fail "$n as read back from the backups volume does not match what was written (sha256 $got, expected $want)"
  case "$n" in db.dump.*) role=database ;; data.tar.*) role=data ;; *) role=odoo-zip ;; esac
  FILES="$FILES\${FILES:+,}{\"name\":\"$n\",\"role\":\"$role\",\"size\":$size,\"sha256\":\"$want\"}"
  SUMS="$SUMS$want  $n$NL"
done
MANIFEST=$(printf '%s,"compression":"%s","odooVersion":"%s","pgVersion":"%s","dataBytes":%s,"dbBytes":%s,"startedAt":"%s","finishedAt":"%s","proof":"reread","files":[%s]}' \
  "\${MANIFEST_BASE%\}}" "$COMP" "$ODOO_VERSION" "$PG_VERSION" "$DATA_BYTES" "\${DB_BYTES:-0}" "$STARTED" "$(now)" "$FILES")
write_checked() { # write_checked FILE CONTENT: written, flushed and read back equal
  printf '%s' "$2" > "$1" 2>"$WORK/err-write-small" || { out_of_space && space_fail; fail "writing \${1##*/} failed: $(head -n1 "$WORK/err-write-small")"; }
  sync_file "$1" 2>"$WORK/err-sync-small" || { out_of_space && space_fail; fail "flushing \${1##*/} failed: $(head -n1 "$WORK/err-sync-small")"; }
  [ "$(read_back "$1" | sha256_hex)" = "$(printf '%s' "$2" | sha256_hex)" ] || fail "\${1##*/} as read back from the backups volume does not match what was written"
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
`;

/**
 * The journalled swap of a restore, shared by the restore Job and "kubectl odoo recover". Env: DATA_DIR,
 * PG* credentials; STAGE (the .odoo-restore-<op> folder) is set by the caller.
 *
 * $STAGE holds new/ (the restored files), old/ (the replaced ones, once moved), names (target, scratch
 * and old database names), entries.old and entries.new (the top-level entries each side had when the
 * swap began) and journal: one line per step, on the disk before the step begins, so an interruption
 * at any moment leaves a state that is recognised and finished or undone exactly:
 *   staging      new/ and the scratch database are being filled; the instance is untouched
 *   staged <t>   both are complete and verified; <t> = 1 when the instance had a database to replace
 *   db           the database renames are being committed (one transaction: both or none)
 *   out          the instance's entries are being moved into old/ (each move a rename)
 *   in           the restored entries are being moved from new/ into the volume
 *   committed    the restored database and files are the instance's
 *   rolled-back  the swap was undone; the instance has its database and files from before
 * Nothing is ever deleted that is not proven by this journal to be the replaced copy (old/, the old
 * database, after "committed") or a restored copy that was not swapped in (new/, the scratch database).
 */
const SWAP_FUNCS = sh`
journal_state() { if [ -f "$STAGE/journal" ]; then tail -n1 "$STAGE/journal" | cut -d' ' -f1; else echo none; fi; }
journal() { printf '%s\n' "$*" >> "$STAGE/journal" && sync_file "$STAGE/journal"; }
name_of() { sed -n "s/^$1=//p" "$STAGE/names" 2>/dev/null | head -n1; }
load_names() {
  T_DB=$(name_of target); S_DB=$(name_of scratch); O_DB=$(name_of old)
  [ -n "$T_DB" ] && [ -n "$S_DB" ] && [ -n "$O_DB" ]
}
had_target() { grep -q '^staged 1$' "$STAGE/journal" 2>/dev/null; }
# A files-only restore (a platform archive holds no database) swaps the files alone.
files_only() { [ "\${S_DB:-}" = - ]; }
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
  if [ -n "\${S_DB:-}" ] && ! files_only; then
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
`;

/**
 * Restore into staging, then swap. Env: BACKUP_ROOT, SET_PATH, DATA_DIR (instance volume, read-write),
 * PGDATABASE (the instance's database), SOURCE_DB (the database name inside the backup), SCRATCH_DB,
 * OLD_DB, OP_ID, REPLACED (remove|keep), PG* credentials.
 * Until the swap, the instance's database and files are untouched. The swap (SWAP_FUNCS) is journalled
 * on the volume; signals that arrive during it are held until it is complete. The last line before the
 * script ends says where the instance stands:
 *   STATE untouched | rolled-back | committed | incomplete <journal state>
 * REPLACED=keep leaves the replaced files in $DATA_DIR/.odoo-restore-$OP_ID/old and the replaced database
 * as OLD_DB, for RECOVER_SCRIPT (MODE=cleanup) to delete once the instance runs again: removing a large
 * filestore file by file then costs no downtime.
 */
export const RESTORE_SCRIPT =
  PRELUDE +
  SWAP_FUNCS +
  sh`
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

phase check
ARCHIVE=0
case "$SET_PATH" in *.tar.gz|*.tgz) ARCHIVE=1 ;; esac
if [ "\${FILES_ONLY:-0}" = 1 ]; then S_DB=-; O_DB=-; fi
if [ "$ARCHIVE" = 1 ]; then
  # The platform's volume-only archive: files only, and only when every entry and link stays inside.
  files_only || { say "ERROR $SET_PATH holds no database: restore it with --files-only"; exit 1; }
  case "$SET_PATH" in /*|*..*) say "ERROR refusing path $SET_PATH"; exit 1 ;; esac
  [ -f "$SET" ] && [ ! -L "$SET" ] || { say "ERROR backup $SET_PATH does not exist"; exit 1; }
  DATA=$SET
  DUMP=""
  LISTED="\${TMPDIR:-/tmp}/odoo-restore-list.$$"
  { gzip -dc -- "$SET" | tar -tvf - > "$LISTED"; } 2>/dev/null || { rm -f "$LISTED"; say "ERROR the archive $SET_PATH cannot be read (corrupt or truncated); nothing was changed"; exit 1; }
  unsafe=$(gzip -dc -- "$SET" | tar -tf - | awk '{ if (substr($0, 1, 1) == "/" || $0 ~ /(^|\/)\.\.(\/|$)/) n++ } END { print n + 0 }')
  links=$(sed -n 's/.* -> \(.*\)$/\1/p; s/.* link to \(.*\)$/\1/p' "$LISTED" | awk '{ if (substr($0, 1, 1) == "/" || $0 ~ /(^|\/)\.\.(\/|$)/) n++ } END { print n + 0 }')
  rm -f "$LISTED"
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
if [ "\${NEW_INSTANCE:-0}" = 1 ]; then
  s=0; db_exists "$PGDATABASE" || s=$?
  [ "$s" != 2 ] || { say "ERROR cannot read the database list"; exit 1; }
  [ "$s" = 1 ] || { say "ERROR database $PGDATABASE already exists; a new instance never takes over an existing database"; exit 1; }
fi
# An interrupted restore must be finished or undone first (kubectl odoo recover); the replaced files
# of a finished one, waiting to be removed, are no obstacle.
for d in "$DATA_DIR"/.odoo-restore-*; do
  [ -d "$d" ] || continue
  st=$(STAGE=$d journal_state)
  [ "$st" = committed ] || { say "ERROR an earlier restore left \${d##*/} on the volume (state $st): run kubectl odoo recover first"; exit 1; }
done
# Every top-level entry must move by a rename (same file system) and have a name the lists can hold.
for e in "$DATA_DIR"/* "$DATA_DIR"/.[!.]* "$DATA_DIR"/..?*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  case "$e" in *"$NL"*) say "ERROR the volume has an entry whose name holds a newline; rename it first"; exit 1 ;; esac
  case "\${e##*/}" in .odoo-restore-*|lost+found) continue ;; esac
  [ "$(stat -c %d -- "$e")" = "$(stat -c %d -- "$DATA_DIR")" ] || { say "ERROR \${e##*/} is another file system mounted inside the volume: it cannot be swapped"; exit 1; }
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
say "TOTAL data=\${NEED:-0} db=$([ -n "$DUMP" ] && wc -c < "$DUMP" | tr -d ' ' || echo 0)"
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
    *.gz|*.tgz) if command -v pigz >/dev/null 2>&1; then pigz -dc; else gzip -dc; fi ;;
  esac
}
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
  n=\${f##*/}
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
    if [ -d "$base/$SOURCE_DB" ]; then rm -rf "$base/$PGDATABASE"; mv "$base/$SOURCE_DB" "$base/$PGDATABASE"; fi
  done
  # An odoo.conf on the volume (bitnami keeps it there) names the database Odoo opens: its own.
  for conf in "$STAGE/new/conf/odoo.conf" "$STAGE/new/odoo.conf"; do point_conf_at_database "$conf"; done
fi

# The lists of what the swap moves, on the disk before it starts.
list_entries() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    case "\${e##*/}" in .odoo-restore-*|lost+found) continue ;; esac
    case "$e" in *"$NL"*) say "ERROR the backup has an entry whose name holds a newline" >&2; return 1 ;; esac
    printf '%s\n' "\${e##*/}"
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
if [ "\${REPLACED:-remove}" = keep ]; then
  rmdir "$STAGE/new" 2>/dev/null || true
  say "REPLACED .odoo-restore-$OP_ID $([ "$HAS_TARGET" = 1 ] && printf '%s' "$O_DB" || printf -- -)"
  say "DONE $SET_PATH"
  exit 0
fi
phase cleanup
remove_replaced || say "WARNING could not remove what the restore replaced (.odoo-restore-$OP_ID); kubectl odoo recover removes it"
say "DONE $SET_PATH"
`;

/**
 * What an interruption left, and the way out. Env: DATA_DIR (the instance volume), PGDATABASE (the
 * instance's database), MODE, PG* credentials; OP_ID limits MODE=cleanup to one restore.
 *   MODE=inspect   prints, read-only:  RESTORE <op> <journal state> <scratch db> <old db>
 *                                      SIDEDB <name>   (databases named <db>__restore_* / <db>__old_*)
 *   MODE=apply     finishes every swap that had begun (the restored set was verified before it), and
 *                  removes staging that never began to swap: FINISHED <op> | DISCARDED <op> | KEPT <op> <why>
 *   MODE=cleanup   removes what committed restores replaced: REMOVED <op> | KEPT <op> <why>
 */
export const RECOVER_SCRIPT =
  PRELUDE +
  SWAP_FUNCS +
  sh`
case "$MODE" in inspect|apply|cleanup) ;; *) say "ERROR unknown mode $MODE"; exit 1 ;; esac
case "\${OP_ID:-}" in *[!a-z0-9]*) say "ERROR invalid operation id"; exit 1 ;; esac
trap '' HUP
[ "$MODE" = inspect ] || trap 'PENDING=1' TERM INT
rc=0
for STAGE in "$DATA_DIR"/.odoo-restore-*; do
  [ -d "$STAGE" ] || continue
  op=\${STAGE##*/.odoo-restore-}
  [ -z "\${OP_ID:-}" ] || [ "$op" = "$OP_ID" ] || continue
  st=$(journal_state)
  T_DB=""; S_DB=""; O_DB=""
  load_names || true
  case "$MODE" in
    inspect) say "RESTORE $op $st \${S_DB:--} \${O_DB:--}" ;;
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
`;

/** Drops one database. Env: DROP_DB, PG* credentials. */
export const DROP_DATABASE_SCRIPT =
  PRELUDE +
  sh`
psql_admin -v db="$DROP_DB" >/dev/null 2>"\${TMPDIR:-/tmp}/drop-err.$$" <<'SQL' || { say "ERROR could not drop database $DROP_DB: $(head -n1 "\${TMPDIR:-/tmp}/drop-err.$$")"; exit 1; }
DROP DATABASE IF EXISTS :"db";
SQL
say "DONE drop"
`;

/**
 * Before a restore changes anything: room to stage it, and no interrupted restore on the volume. Env:
 * DATA_DIR (instance volume, read-only), BACKUP_ROOT, SET_PATH. Prints SPACE, SET and RESTORE lines.
 */
export const RESTORE_PREFLIGHT_SCRIPT =
  PRELUDE +
  SWAP_FUNCS +
  sh`
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
  say "RESTORE \${STAGE##*/.odoo-restore-} $(journal_state)"
done
say "DONE preflight"
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
  for f in "$d"/*; do [ -f "$f" ] && printf 'FILE\t%s\t%s\t%s\n' "$d" "\${f##*/}" "$(size_of "$f")"; done
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
