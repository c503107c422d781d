# shellcheck shell=sh
SET="$BACKUP_ROOT/$SET_PATH"
FAILS=0
check() { say "CHECK $1 $2 $3"; [ "$2" = ok ] || FAILS=$((FAILS + 1)); }
case "$SET_PATH" in
  *.tar.gz|*.tgz)
    case "$SET_PATH" in /*|*..*) say "ERROR refusing path $SET_PATH"; exit 1 ;; esac
    # shellcheck disable=SC2015 # both tests must hold
    [ -f "$SET" ] && [ ! -L "$SET" ] || { say "ERROR backup $SET_PATH does not exist"; exit 1; }
    LIST="${TMPDIR:-/tmp}/odoo-verify-list.$$"
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
LIST="${TMPDIR:-/tmp}/odoo-verify-list.$$"
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

if [ "${RESTORE_TEST:-0}" = 1 ] && [ "$FAILS" = 0 ]; then
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
  # shellcheck disable=SC2046 # tar_progress prints options, split into words on purpose
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
      # shellcheck disable=SC2015 # an empty filestore is no error
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
